package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

func TestHUPRollsWorkersOntoTheNewConfig(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "gocorn.conf.star")
	os.WriteFile(conf, []byte("workers = 2\nbind = [\"127.0.0.1:0\"]\n"), 0o644)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, "hello") // ./gocorn.conf.star is read
	in.WaitListening()
	old := in.WaitWorkers(2)

	os.WriteFile(conf, []byte("workers = 3\nbind = [\"127.0.0.1:0\"]\n"), 0o644)
	in.Signal(syscall.SIGHUP)
	var now []int
	if !proctest.Poll(func() bool {
		now = in.Workers()
		return len(now) == 3 && !slices.ContainsFunc(now, func(p int) bool { return slices.Contains(old, p) })
	}) {
		t.Fatalf("after HUP: workers %v, old %v", now, old)
	}
	in.WaitWorkers(3)
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}

	// A bad edit is reported and the server keeps its workers and serves.
	os.WriteFile(conf, []byte("workers = 3\nworkrs = 4\n"), 0o644)
	in.Signal(syscall.SIGHUP)
	in.WaitLog(`Reload failed \(1 so far\); still serving the previous configuration: .*gocorn.conf.star:2`)
	if got := in.Workers(); !slices.Equal(got, now) {
		t.Errorf("a failed reload changed the workers: %v -> %v", now, got)
	}
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}
}

// Ten HUPs, with and without changes, under ten seconds of load: not one
// request may fail.
func TestHUPUnderLoadLosesNoRequest(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "gocorn.conf.star")
	write := func(workers, threads int) {
		os.WriteFile(conf, fmt.Appendf(nil, "bind = [\"127.0.0.1:0\"]\nworkers = %d\nworker_class = \"gthread\"\nthreads = %d\n", workers, threads), 0o644)
	}
	write(2, 4)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, "echo")
	in.WaitListening()
	in.WaitWorkers(2)

	load := proctest.StartLoad(in.URL+"/", 8)
	for i := range 10 {
		time.Sleep(time.Second) // spread the HUPs over the load
		switch i % 3 {
		case 0:
			write(2+i%2, 4) // change workers
		case 1:
			write(2+i%2, 8) // change threads
		} // case 2: no change at all
		in.Signal(syscall.SIGHUP)
		in.WaitLog(fmt.Sprintf(`generation %d of`, i+2))
	}
	res := load.Stop()
	t.Logf("%d requests, %d failed across 10 HUPs", res.OK+res.Failed, res.Failed)
	if res.Failed > 0 || res.OK < 100 {
		t.Fatalf("%d ok, %d failed: %v", res.OK, res.Failed, res.Errors)
	}
	if strings.Contains(in.Stderr.String(), "Reload failed") {
		t.Errorf("a reload failed:\n%s", in.Stderr)
	}
}

func TestHUPRebindsNewSocketsBeforeClosingOld(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "gocorn.conf.star")
	sock := filepath.Join(dir, "app.sock")
	os.WriteFile(conf, []byte(`bind = ["127.0.0.1:0"]`), 0o644)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, "hello")
	in.WaitListening()
	in.WaitWorkers(1)
	tcp := in.URL

	os.WriteFile(conf, fmt.Appendf(nil, "bind = [\"127.0.0.1:0\", \"unix:%s\"]\n", sock), 0o644)
	in.Signal(syscall.SIGHUP)
	in.WaitLog(`Reload complete: generation 2`)
	in.WaitLog(fmt.Sprintf(`Listening at: %s,unix:%s`, tcp, sock))
	if code, _ := in.Get("/"); code != 200 { // the unchanged entry kept its socket and port
		t.Fatalf("TCP after adding a socket: %d", code)
	}
	if code := getUnix(t, sock); code != 200 {
		t.Fatalf("unix socket after HUP: %d", code)
	}

	os.WriteFile(conf, fmt.Appendf(nil, "bind = [\"unix:%s\"]\n", sock), 0o644)
	in.Signal(syscall.SIGHUP)
	in.WaitLog(`Reload complete: generation 3`)
	if !proctest.Poll(func() bool { _, err := net.Dial("tcp", strings.TrimPrefix(tcp, "http://")); return err != nil }) {
		t.Errorf("%s still accepts after it left bind", tcp)
	}
	if code := getUnix(t, sock); code != 200 {
		t.Fatalf("unix socket after dropping TCP: %d", code)
	}

	// An address that cannot be bound fails the reload and changes nothing.
	os.WriteFile(conf, fmt.Appendf(nil, "bind = [\"unix:%s\", \"unix:%s/no/such/dir.sock\"]\n", sock, dir), 0o644)
	in.Signal(syscall.SIGHUP)
	in.WaitLog(`Reload failed \(1 so far\).*no/such/dir.sock`)
	if code := getUnix(t, sock); code != 200 {
		t.Fatalf("unix socket after a failed rebind: %d", code)
	}
}

func getUnix(t *testing.T, path string) int {
	t.Helper()
	c := &http.Client{Timeout: proctest.WaitFor, Transport: &http.Transport{
		Dial: func(_, _ string) (net.Conn, error) { return net.Dial("unix", path) },
	}}
	resp, err := c.Get("http://unix/")
	if err != nil {
		t.Fatalf("GET over unix:%s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A HUP starts workers from the binary on disk; a new binary that speaks
// another worker pipe protocol, or cannot serve the app, leaves the old
// workers serving.
func TestHUPRunsTheBinaryOnDisk(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "gocorn")
	build := func(out string, args ...string) {
		cmd := exec.Command("go", append([]string{"build", "-o", out}, args...)...)
		cmd.Dir = "../.."
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, msg)
		}
	}
	build(bin, "./cmd/gocorn")
	in := proctest.Start(t, proctest.Setup{Bin: bin, Dir: dir}, "-b", "127.0.0.1:0", "-w", "2", "hello")

	// Deploy by rename, as one must: the running binary stays intact.
	build(bin+".new", "-ldflags", "-X github.com/gocorn/gocorn/proc.Version=9.9.9-test", "./cmd/gocorn")
	os.Rename(bin+".new", bin)
	in.Signal(syscall.SIGHUP)
	in.WaitLog(`Worker \(pid:\d+\) runs gocorn 9\.9\.9-test, go\S+; the master runs`)
	in.WaitLog(`Reload complete: generation 2`)

	before := in.WaitWorkers(2) // generation 2's, once generation 1's are gone
	keepsServing := func(gen int) {
		t.Helper()
		for range 20 {
			if code, _ := in.Get("/"); code != 200 {
				t.Fatalf("status %d while generation %d fails", code, gen)
			}
		}
		if !proctest.Poll(func() bool {
			now := in.Workers()
			return len(now) >= 2 && slices.Contains(now, before[0]) && slices.Contains(now, before[1])
		}) {
			t.Errorf("old workers %v did not keep running: %v", before, in.Workers())
		}
	}

	// A binary speaking another worker pipe protocol says so.
	build(bin+".new", "-ldflags", "-X github.com/gocorn/gocorn/proc/workerpipe.Protocol=99", "./cmd/gocorn")
	os.Rename(bin+".new", bin)
	in.Signal(syscall.SIGHUP)
	in.WaitLog(`Generation 3 cannot boot yet \(worker pid:\d+: its binary speaks worker pipe protocol 99 and the master 2, ` +
		`so they cannot work together: run the new binary as the master \(USR2, or a restart\)\); workers of generation \[2\] keep serving`)
	keepsServing(3)

	// A binary without the app: the new generation cannot boot.
	build(bin+".new", "./examples/embed")
	os.Rename(bin+".new", bin)
	in.Signal(syscall.SIGHUP)
	in.WaitLog(`Generation 4 cannot boot yet .*; workers of generation \[2\] keep serving`)
	keepsServing(4)
}

// reload = True: an edit reloads like a HUP, a bad edit is refused, and
// an editor's save-by-rename is seen.
func TestReloadOnConfigChange(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "gocorn.conf.star")
	lib := filepath.Join(dir, "lib.star")
	os.WriteFile(lib, []byte("WORKERS = 1\n"), 0o644)
	os.WriteFile(conf, []byte("load(\"lib.star\", \"WORKERS\")\nbind = [\"127.0.0.1:0\"]\nreload = True\nworkers = WORKERS\n"), 0o644)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, "hello")
	in.WaitListening()
	in.WaitWorkers(1)
	in.WaitLog(`Reloading on changes to 3 files`) // the config, lib.star, the binary

	// A loaded file changes, saved by rename as editors do.
	os.WriteFile(lib+".tmp", []byte("WORKERS = 2\n"), 0o644)
	os.Rename(lib+".tmp", lib)
	in.WaitLog(`Reloading: changed .*lib\.star`)
	in.WaitLog(`Reload complete: generation 2, 2 workers`)

	os.WriteFile(conf, []byte("bind = [\"127.0.0.1:0\"]\nreload = True\nworkers = \"two\"\n"), 0o644)
	in.WaitLog(`Reload failed \(1 so far\).*gocorn\.conf\.star:3: workers`)
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}
	in.WaitWorkers(2)
}

// A count set with TTIN survives a HUP that leaves workers alone, and
// yields to one that changes it.
func TestTTINCountSurvivesHUP(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "gocorn.conf.star")
	os.WriteFile(conf, []byte("bind = [\"127.0.0.1:0\"]\nworkers = 2\n"), 0o644)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, "hello")
	in.WaitListening()
	in.WaitWorkers(2)
	in.Signal(syscall.SIGTTIN)
	in.WaitWorkers(3)
	in.Signal(syscall.SIGHUP)
	in.WaitLog(`Reload complete: generation 2, 3 workers`)

	os.WriteFile(conf, []byte("bind = [\"127.0.0.1:0\"]\nworkers = 1\n"), 0o644)
	in.Signal(syscall.SIGHUP)
	in.WaitLog(`Reload complete: generation 3, 1 workers`)
	in.WaitWorkers(1)
}

// A HUP that changes raw_env and errorlog: the new workers get the new
// environment (a removed variable is gone), and the master writes its log
// where the new configuration says, as the workers do.
func TestHUPChangesRawEnvAndErrorLog(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "gocorn.conf.star")
	first, second := filepath.Join(dir, "first.log"), filepath.Join(dir, "second.log")
	write := func(log, env string) {
		os.WriteFile(conf, []byte(fmt.Sprintf("bind = [\"127.0.0.1:0\"]\nworkers = 2\nerrorlog = %q\nraw_env = [%s]\n", log, env)), 0o644)
	}
	write(first, `"GOCORN_A=1", "GOCORN_B=2"`)
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, "-c", conf, "hello")
	logOf := func(path string) string { data, _ := os.ReadFile(path); return string(data) }
	if !proctest.Poll(func() bool { return strings.Count(logOf(first), "Booting worker") == 2 }) {
		t.Fatalf("two workers did not boot; log:\n%s", logOf(first))
	}
	old := in.Workers()

	write(second, `"GOCORN_A=3"`)
	in.Signal(syscall.SIGHUP)
	if !proctest.Poll(func() bool {
		now := in.Workers()
		return len(now) == 2 && !slices.Contains(now, old[0]) && !slices.Contains(now, old[1]) &&
			strings.Contains(logOf(second), "Reload complete: generation 2")
	}) {
		t.Fatalf("generation 2 did not replace %v: %v; first log:\n%s\nsecond log:\n%s", old, in.Workers(), logOf(first), logOf(second))
	}
	for _, pid := range in.Workers() {
		environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			t.Fatal(err)
		}
		vars := strings.Split(string(environ), "\x00")
		if !slices.Contains(vars, "GOCORN_A=3") || slices.ContainsFunc(vars, func(kv string) bool { return strings.HasPrefix(kv, "GOCORN_B=") }) {
			t.Errorf("worker %d of generation 2 has GOCORN_A=3 %v and GOCORN_B %v",
				pid, slices.Contains(vars, "GOCORN_A=3"), slices.ContainsFunc(vars, func(kv string) bool { return strings.HasPrefix(kv, "GOCORN_B=") }))
		}
	}
	move := "The error log moves from " + first + " to " + second
	if !strings.Contains(logOf(first), move) || !strings.Contains(logOf(second), move) {
		t.Errorf("the move is not in both logs")
	}
	master := fmt.Sprintf("[%d] [INFO] Reload complete", in.Pid())
	if !strings.Contains(logOf(second), master) || strings.Contains(logOf(first), master) {
		t.Errorf("the master did not write its later lines to the new log:\nfirst:\n%s\nsecond:\n%s", logOf(first), logOf(second))
	}
}

// A worker draining for longer than timeout after a HUP keeps sending
// heartbeats, so the master does not take the drain for a hang.
func TestDrainLongerThanTimeoutIsNotAHang(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-k", "gthread", "--threads", "4", "-t", "1",
		"--graceful-timeout", "10", "chaos")
	old := in.Workers()[0]
	done := make(chan error, 1)
	go func() {
		resp, err := proctest.Client.Get(in.URL + "/sleep?s=3")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		done <- err
	}()
	time.Sleep(200 * time.Millisecond) // the request reaches the worker
	in.Signal(syscall.SIGHUP)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the request in the draining worker: %v", err)
		}
	case <-time.After(proctest.WaitFor):
		t.Fatal("the request in the draining worker got no answer")
	}
	if !proctest.Poll(func() bool { return !slices.Contains(in.Workers(), old) }) {
		t.Fatalf("the old worker %d did not leave", old)
	}
	if strings.Contains(in.Stderr.String(), "WORKER TIMEOUT") {
		t.Errorf("the draining worker was aborted:\n%s", in.Stderr)
	}
}
