package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
	"github.com/gocorn/gocorn/starcfg/cgroup"
)

// The kernel's OOM killer, for real: the master runs in a memory cgroup
// of its own limited to 64 MiB, and the chaos app allocates past it. The
// master names the OOM killer and the limit, counts the kill (gocorn ctl
// show stats), and replaces the worker; with exit_on_worker_oom it stops
// and exits with code 5.
func TestWorkerKilledByTheOOMKiller(t *testing.T) {
	for _, exit := range []bool{false, true} {
		t.Run(fmt.Sprintf("exit_on_worker_oom=%t", exit), func(t *testing.T) {
			cg := memoryCgroup(t, 64)
			s := newCtlSite(t)
			args := []string{"-b", "127.0.0.1:0", "chaos"}
			if exit {
				args = append([]string{"--exit-on-worker-oom"}, args...)
			}
			// The master enters the cgroup before it starts: its workers
			// are born in it.
			in := proctest.Start(t, proctest.Setup{Bin: "/bin/sh", Dir: s.dir, Env: s.env},
				append([]string{"-c", `echo $$ > "$0/cgroup.procs" && exec "$@"`, cg, gocornBin}, args...)...)
			victim := in.Workers()[0]
			if _, err := proctest.Client.Get(in.URL + "/alloc?mb=200"); err == nil {
				t.Fatalf("the worker allocated 200 MiB in a 64 MiB cgroup")
			}
			line := in.WaitLog(fmt.Sprintf(`\[ERROR\] Worker \(pid:%d\) was killed by the kernel's OOM killer \(cgroup memory limit 64 MiB\)`, victim))
			t.Logf("log line: %s", line[0])
			if exit {
				in.WaitLog(fmt.Sprintf(`\[ERROR\] Stopping: the kernel's OOM killer killed worker \(pid:%d\), and exit_on_worker_oom is set`, victim))
				if code := in.Wait(); code != 5 {
					t.Fatalf("exit code %d, want 5; log:\n%s", code, in.Stderr)
				}
				return
			}
			if w := in.WaitWorkers(1); w[0] == victim {
				t.Fatalf("the killed worker was not replaced")
			}
			if code, _ := in.Get("/"); code != 200 {
				t.Fatalf("the replacement answered %d", code)
			}
			if out := s.ok("show", "stats"); !regexp.MustCompile(`OOM kills:\s+1\n`).MatchString(out) {
				t.Errorf("show stats does not count the OOM kill:\n%s", out)
			}
		})
	}
}

// memoryCgroup makes a memory cgroup under this process's own, limited
// to limitMiB without swap, and returns its directory; it is removed when
// the test ends, after the processes in it. Where cgroups cannot be made
// (not root, no memory controller) the test is skipped, unless CI is set.
func memoryCgroup(t *testing.T, limitMiB int) string {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf(format+" and CI is set: the OOM test must run there (as root)", args...)
		}
		t.Skipf(format+"; the OOM test needs root and a memory cgroup", args...)
	}
	parent, ok := cgroup.Host.Memory(cgroup.SelfFile)
	if !ok {
		fail("this process is in no memory cgroup")
	}
	dir := filepath.Join(parent.Dir(), fmt.Sprintf("gocorn-oom-test-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		fail("cannot make a cgroup: %v", err)
	}
	t.Cleanup(func() { removeCgroup(t, dir) })
	limit := strconv.Itoa(limitMiB << 20)
	files := [][2]string{{"memory.max", limit}, {"memory.swap.max", "0"}} // cgroup v2
	if parent.V1 {
		files = [][2]string{{"memory.limit_in_bytes", limit}, {"memory.memsw.limit_in_bytes", limit}}
	}
	for i, f := range files {
		err := os.WriteFile(filepath.Join(dir, f[0]), []byte(f[1]), 0o644)
		if err != nil && i == 0 {
			fail("cannot limit the cgroup's memory: %v", err)
		}
	}
	return dir
}

// removeCgroup removes the cgroup at dir once the processes in it are
// gone, which takes a moment after they are killed.
func removeCgroup(t *testing.T, dir string) {
	var err error
	if !proctest.Poll(func() bool { err = os.Remove(dir); return err == nil || os.IsNotExist(err) }) {
		t.Errorf("cannot remove the test's cgroup %s: %v", dir, err)
	}
}
