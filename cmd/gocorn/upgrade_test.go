package main

import (
	"fmt"
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
