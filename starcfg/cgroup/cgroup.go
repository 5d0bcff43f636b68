// Package cgroup reads what gocorn needs to know of the Linux control
// groups a process runs in: its CPU quota (cpu_count() in the config) and
// its memory cgroup's limit and OOM-kill counter (the master names the
// kernel's OOM killer when a worker dies of it). It reads cgroup v2 and
// the v1 controllers, as containers, systemd units and hybrid hosts lay
// them out. It only reads files, so tests point it at a directory of fake
// ones (testdata/).
package cgroup

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FS is a cgroup file system mounted at Root: cgroup v2's unified
// hierarchy there, or v1's controllers in directories under it.
type FS struct {
	Root string
}

// Host is this machine's cgroup file system.
var Host = FS{Root: "/sys/fs/cgroup"}

// SelfFile says which cgroups this process is in.
const SelfFile = "/proc/self/cgroup"

// PIDFile says which cgroups process pid is in.
func PIDFile(pid int) string { return filepath.Join("/proc", strconv.Itoa(pid), "cgroup") }

// line is one line of a membership file (/proc/PID/cgroup).
type line struct {
	controllers string // "" for cgroup v2, "cpu,cpuacct" for v1
	path        string
}

// mounts are the directories under the root where a v1 hierarchy holding
// controller is commonly mounted: the line's own list of controllers, or
// the controller's name, as some hosts link it.
func (l line) mounts(controller string) []string {
	if l.controllers == "" {
		return []string{controller}
	}
	return []string{l.controllers, controller}
}

// membership reads the v2 line and the line of the v1 hierarchy holding
// controller from a membership file. Both default to the root, which is
// what a container with its own cgroup namespace sees, and what a
// missing file leaves.
func membership(file, controller string) (v2, v1 line) {
	v2, v1 = line{path: "/"}, line{path: "/"}
	data, err := os.ReadFile(file)
	if err != nil {
		return v2, v1
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2.path = parts[2]
		case hasController(parts[1], controller):
			v1 = line{controllers: parts[1], path: parts[2]}
		}
	}
	return v2, v1
}

// hasController reports whether a comma-separated list names want.
func hasController(list, want string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == want {
			return true
		}
	}
	return false
}

// walkUp applies read to the cgroup at path under root and to each of
// its parents up to the root, keeping the smallest limit found: the one
// that binds.
func walkUp(root, path string, read func(dir string) (int64, bool)) (int64, bool) {
	var best int64
	found := false
	for p := filepath.Clean("/" + path); ; p = filepath.Dir(p) {
		if n, ok := read(filepath.Join(root, p)); ok && (!found || n < best) {
			best, found = n, true
		}
		if p == "/" {
			return best, found
		}
	}
}

// keyed finds "key N" among the lines of a flat-keyed file (memory.events,
// memory.oom_control, /proc/vmstat).
func keyed(data []byte, key string) (uint64, bool) {
	for _, l := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), " ")
		if ok && k == key {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
