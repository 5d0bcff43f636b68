package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

// USR2 under load: a new master starts from the binary on disk with the
// sockets, writes <pidfile>.2, and takes over the pid file when the old
// master is stopped. No request fails across the whole upgrade.
func TestUSR2UpgradeUnderLoad(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "app.sock")
	pidfile := filepath.Join(dir, "gocorn.pid")
	in := start(t, dir, "-b", "127.0.0.1:0", "-b", "unix:"+sock, "-w", "2", "-k", "gthread", "-p", pidfile, "echo")
	load := proctest.StartLoad(in.URL+"/", 8)
	time.Sleep(500 * time.Millisecond) // load before the upgrade

	in.Signal(syscall.SIGUSR2)
	newPid, _ := strconv.Atoi(in.WaitLog(`Started a new master \(pid:(\d+)\)`)[1])
	t.Cleanup(func() { killTree(newPid) })
	in.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] Listening at: %s,unix:%s`, newPid, in.URL, sock))
	waitFile(t, pidfile+".2", strconv.Itoa(newPid))
	// The new master's workers boot and serve beside the old ones.
	if !proctest.Poll(func() bool { return len(children(newPid)) == 2 }) {
		t.Fatalf("the new master has workers %v", children(newPid))
	}
	time.Sleep(500 * time.Millisecond) // both generations under load

	in.Signal(syscall.SIGTERM)
	if code := in.Wait(); code != 0 {
		t.Fatalf("old master exit code %d", code)
	}
	in.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] Master has been promoted\.`, newPid))
	waitFile(t, pidfile, strconv.Itoa(newPid))
	if _, err := os.Stat(pidfile + ".2"); !os.IsNotExist(err) {
		t.Errorf("%s.2 left after the promotion", pidfile)
	}
	if _, err := os.Stat(sock); err != nil {
		t.Errorf("the old master removed the unix socket the new one serves: %v", err)
	}
	time.Sleep(500 * time.Millisecond) // the new master alone under load
	res := load.Stop()
	t.Logf("%d requests across the upgrade, %d failed", res.OK, res.Failed)
	if res.Failed > 0 || res.Refused > 0 {
		t.Fatalf("%d failed, %d refused: %v", res.Failed, res.Refused, res.Errors)
	}
	syscall.Kill(newPid, syscall.SIGTERM)
	if !proctest.Poll(func() bool { return syscall.Kill(newPid, 0) != nil }) {
		t.Fatalf("the new master did not stop")
	}
}

// Two upgrades in a row, as a deploy runbook does them: each new master
// takes over the pid file and the unix socket when its old master is
// gone, even a master that was itself started by USR2, and the last one
// removes both when it stops.
func TestUSR2TwiceInARow(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "app.sock")
	pidfile := filepath.Join(dir, "gocorn.pid")
	in := start(t, dir, "-b", "unix:"+sock, "-p", pidfile, "hello")
	master := in.Pid()
	for round := 1; round <= 2; round++ {
		syscall.Kill(master, syscall.SIGUSR2)
		next, _ := strconv.Atoi(in.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] Started a new master \(pid:(\d+)\)`, master))[1])
		t.Cleanup(func() { killTree(next) })
		waitFile(t, pidfile+".2", strconv.Itoa(next))
		in.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] The new master \(pid:%d\) is ready`, master, next))
		syscall.Kill(master, syscall.SIGTERM)
		in.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] Master has been promoted\.`, next))
		waitFile(t, pidfile, strconv.Itoa(next))
		if _, err := os.Stat(pidfile + ".2"); !os.IsNotExist(err) {
			t.Fatalf("round %d: %s.2 left after the promotion", round, pidfile)
		}
		if strings.Contains(in.Stderr.String(), "Taking over the pid file") {
			t.Fatalf("round %d: the new master could not take over the pid file:\n%s", round, in.Stderr)
		}
		master = next
	}
	syscall.Kill(master, syscall.SIGTERM)
	if !proctest.Poll(func() bool { return proctest.Gone(master) }) {
		t.Fatalf("the last master %d did not stop", master)
	}
	for _, path := range []string{pidfile, sock} {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s left behind by the last master (%v)", path, err)
		}
	}
}

func TestSecondUSR2IsIgnored(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "hello")
	in.Signal(syscall.SIGUSR2)
	newPid, _ := strconv.Atoi(in.WaitLog(`Started a new master \(pid:(\d+)\)`)[1])
	t.Cleanup(func() { killTree(newPid) })
	in.Signal(syscall.SIGUSR2)
	in.WaitLog(fmt.Sprintf(`USR2 signal ignored\. Child exists \(pid:%d\)\.`, newPid))
	// Rolling back: TERM the new master (once it handles signals); the
	// old one goes on.
	in.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] Using worker`, newPid))
	syscall.Kill(newPid, syscall.SIGTERM)
	in.WaitLog(fmt.Sprintf(`The new master \(pid:%d\) exited \(exit code 0\); this master keeps serving`, newPid))
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}
}

// children lists pid's live child processes.
func children(pid int) []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var pids []int
	for _, task := range tasks {
		data, _ := os.ReadFile(task)
		for _, f := range strings.Fields(string(data)) {
			if n, err := strconv.Atoi(f); err == nil {
				pids = append(pids, n)
			}
		}
	}
	return pids
}

// killTree kills a master the test did not start itself, and its workers.
func killTree(pid int) {
	for _, c := range children(pid) {
		syscall.Kill(c, syscall.SIGKILL)
	}
	syscall.Kill(pid, syscall.SIGKILL)
}

// waitFile waits until path holds content (trimmed).
func waitFile(t *testing.T, path, content string) {
	t.Helper()
	var got []byte
	if !proctest.Poll(func() bool {
		got, _ = os.ReadFile(path)
		return strings.TrimSpace(string(got)) == content
	}) {
		t.Fatalf("%s holds %q, want %q", path, got, content)
	}
}

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
		"N: STATUS=serving with 2 workers",
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

// The example units' setup: socket activation and Type=notify. The new
// master serves systemd's socket, the handover happens as without
// activation, and neither master removes the socket file systemd owns.
func TestUSR2UnderSystemdWithActivation(t *testing.T) {
	dir := t.TempDir()
	notify := listenNotify(t, dir)
	sock := filepath.Join(dir, "app.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	in := activate(t, []*os.File{listenerFile(t, l)}, "-w 1", "NOTIFY_SOCKET="+notify.path)
	old := in.Pid()
	sd := newSystemdModel(t, old)
	sd.follow(notify, "READY=1")

	in.Signal(syscall.SIGUSR2)
	newPid, _ := strconv.Atoi(in.WaitLog(`Started a new master \(pid:(\d+)\)`)[1])
	t.Cleanup(func() { killTree(newPid) })
	in.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] Listening at: unix:%s`, newPid, sock))
	sd.follow(notify, "MAINPID=")
	sd.want("active", newPid)
	if code := in.Wait(); code != 0 {
		t.Fatalf("the old master exited with code %d", code)
	}
	in.WaitLog(fmt.Sprintf(`\[%d\] \[INFO\] Master has been promoted\.`, newPid))
	if code := getUnix(t, sock); code != 200 {
		t.Errorf("GET over systemd's socket after the upgrade: %d", code)
	}
	syscall.Kill(newPid, syscall.SIGTERM)
	sd.follow(notify, "STOPPING=1")
	if !proctest.Poll(func() bool { return syscall.Kill(newPid, 0) != nil }) {
		t.Fatalf("the new master did not stop")
	}
	if info, err := os.Lstat(sock); err != nil || info.Mode()&os.ModeSocket == 0 {
		t.Errorf("the activated unix socket %s must outlive both masters: %v", sock, err)
	}
}
