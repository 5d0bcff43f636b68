package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

// USR2 under systemd (Type=notify, NotifyAccess=main), with the notify
// socket the test's: the old master, still the main process, hands the
// service over to the new one (MAINPID=) once the new master's workers
// serve, then stops by itself, and systemd keeps the service active with
// the new master as its main process throughout. No request fails, over
// new connections or keep-alive ones. systemctl reload then reaches the
// new master, and systemd hears the reload from it.
func TestUSR2UnderSystemd(t *testing.T) {
	dir := t.TempDir()
	notify := listenNotify(t, dir)
	setup := proctest.Setup{Bin: gocornBin, Dir: dir, Env: []string{"NOTIFY_SOCKET=" + notify.path}}
	in := proctest.Start(t, setup, "-b", "127.0.0.1:0", "-w", "2", "-k", "gthread", "echo")
	old := in.Pid()
	sd := newSystemdModel(t, old)
	sd.follow(notify, "READY=1")
	sd.want("active", old)

	load := proctest.StartMixedLoad(in.URL+"/", 8)
	waitServed(t, load, 50)
	in.Signal(syscall.SIGUSR2)
	newPid, _ := strconv.Atoi(in.WaitLog(`Started a new master \(pid:(\d+)\)`)[1])
	t.Cleanup(func() { killTree(newPid) })
	sd.follow(notify, "RELOADING=1")
	sd.want("reloading", old)
	sd.follow(notify, "MAINPID=")
	sd.want("active", newPid)
	in.WaitLog(fmt.Sprintf(`Handed the service over to the new master \(pid:%d\)`, newPid))

	if code := in.Wait(); code != 0 {
		t.Fatalf("the old master exited with code %d", code)
	}
	in.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] Master has been promoted\.`, newPid))
	sd.follow(notify, "STATUS=serving with 2 workers")
	sd.want("active", newPid)
	waitServed(t, load, load.Served()+50) // the new master alone
	res := load.Stop()
	t.Logf("%d requests across the upgrade, %d failed, %d refused", res.OK, res.Failed, res.Refused)
	if res.Failed > 0 || res.Refused > 0 {
		t.Errorf("%d failed, %d refused: %v", res.Failed, res.Refused, res.Errors)
	}

	// systemctl reload now signals the new master, which reports it.
	syscall.Kill(newPid, syscall.SIGHUP)
	sd.follow(notify, "RELOADING=1")
	sd.want("reloading", newPid)
	sd.follow(notify, "READY=1")
	sd.want("active", newPid)

	syscall.Kill(newPid, syscall.SIGTERM)
	sd.follow(notify, "STOPPING=1")
	sd.want("deactivating", newPid)
	if !proctest.Poll(func() bool { return syscall.Kill(newPid, 0) != nil }) {
		t.Fatalf("the new master did not stop")
	}
	want := []string{
		"O: STATUS=serving with 2 workers",
		"O: READY=1",
		"O: RELOADING=1 MONOTONIC_USEC=…",
		"O: STATUS=upgrading: a new master (pid:N) is starting",
		"O: MAINPID=N READY=1 STATUS=upgraded: the new master (pid:N) serves",
		"N: STATUS=serving with 2 workers",
		"N: RELOADING=1 MONOTONIC_USEC=…",
		"N: READY=1",
		"N: STOPPING=1",
	}
	got := strings.Join(sd.seen, "\n")
	got = strings.NewReplacer(strconv.Itoa(old), "O", strconv.Itoa(newPid), "N").Replace(got)
	t.Logf("what systemd was told (O: old master %d, N: new master %d):\n%s", old, newPid, got)
	if got != strings.Join(want, "\n") {
		t.Errorf("systemd was told:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// waitServed waits until load has served n requests.
func waitServed(t *testing.T, load *proctest.Load, n int64) {
	t.Helper()
	if !proctest.Poll(func() bool { return load.Served() >= n }) {
		t.Fatalf("the load served %d requests, want %d", load.Served(), n)
	}
}

// A new master that cannot start (here its configuration, read again
// from disk, is refused) ends the reload USR2 began, with a status that
// says why; the old master stays the main process and serves.
func TestUSR2UnderSystemdRefused(t *testing.T) {
	dir := t.TempDir()
	notify := listenNotify(t, dir)
	conf := filepath.Join(dir, "gocorn.conf.star")
	os.WriteFile(conf, []byte("workers = 1\nbind = [\"127.0.0.1:0\"]\n"), 0o644)
	setup := proctest.Setup{Bin: gocornBin, Dir: dir, Env: []string{"NOTIFY_SOCKET=" + notify.path}}
	in := proctest.Start(t, setup, "-c", conf, "hello")
	old := in.Pid()
	sd := newSystemdModel(t, old)
	sd.follow(notify, "READY=1")

	os.WriteFile(conf, []byte("workers = \"many\"\n"), 0o644)
	in.Signal(syscall.SIGUSR2)
	sd.follow(notify, "RELOADING=1")
	sd.follow(notify, "READY=1")
	sd.want("active", old)
	last := sd.seen[len(sd.seen)-2]
	if !strings.Contains(last, "STATUS=upgrade failed: config: "+conf+":1: workers") ||
		!strings.Contains(last, fmt.Sprintf("still serving (pid:%d)", old)) {
		t.Errorf("the status after the failed upgrade is %q", last)
	}
	in.WaitLog(`\[ERROR\] Upgrade failed: the new master \(pid:\d+\) did not start: config: \S+/gocorn\.conf\.star:1: workers`)
	if code, _ := in.Get("/"); code != 200 {
		t.Errorf("GET after the failed upgrade: %d", code)
	}
}
