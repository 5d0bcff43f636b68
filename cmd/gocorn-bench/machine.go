package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// A machine is what the numbers were measured on, for the doc.
type machine struct {
	cpu      string // model name, from /proc/cpuinfo
	cpus     int
	kernel   string
	goVer    string
	versions [][2]string // program and version: wrk, then gunicorn and nginx when measured
}

// describeMachine reads the machine and the versions of the programs in
// progs (name to path; a missing path is left out).
func describeMachine(progs map[string]string) machine {
	m := machine{cpu: cpuModel(), cpus: runtime.NumCPU(), goVer: runtime.Version()}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	for _, p := range versionFlags {
		if path := progs[p.name]; path != "" {
			m.versions = append(m.versions, [2]string{p.name, programVersion(path, p.flag)})
		}
	}
	return m
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

// versionRE finds the version in what wrk -v, gunicorn --version and
// nginx -v print: "wrk 4.1.0 [epoll]", "wrk debian/4.1.0-3 [epoll]",
// "gunicorn (version 20.1.0)", "nginx version: nginx/1.22.1".
var versionRE = regexp.MustCompile(`\d+(\.\d+)+([-+~][\w.+~]*)?`)

// versionFlags are the programs whose versions the doc shows, in its
// order, with the flag that prints it.
var versionFlags = []struct{ name, flag string }{
	{"wrk", "-v"}, {"gunicorn", "--version"}, {"nginx", "-v"},
}

// programVersion runs path with flag (wrk's exits 1, nginx prints to
// stderr) and returns the first version number it prints.
func programVersion(path, flag string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, path, flag).CombinedOutput()
	first, _, _ := strings.Cut(string(out), "\n")
	if v := versionRE.FindString(first); v != "" {
		return v
	}
	return "unknown"
}
