package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

func TestKilledWorkerIsReplaced(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-w", "2", "hello")
	before := in.Workers()
	victim := before[0]
	syscall.Kill(victim, syscall.SIGKILL)
	killed := time.Now()
	var after []int
	if !proctest.Poll(func() bool {
		after = in.Workers()
		return len(after) == 2 && !slices.Contains(after, victim)
	}) {
		t.Fatalf("worker %d not replaced: workers %v", victim, after)
	}
	in.WaitWorkers(2)
	if code, _ := in.Get("/"); code != 200 {
		t.Fatalf("status %d after replacement", code)
	}
	if d := time.Since(killed); d > 2*time.Second {
		t.Errorf("replacement took %s, want under 2s", d)
	} else {
		t.Logf("worker death to replacement serving: %s", d)
	}
	in.WaitLog(fmt.Sprintf(`Worker \(pid:%d\) was sent SIGKILL! Perhaps out of memory\?`, victim))
}

func TestTTINAndTTOUChangeTheCount(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-w", "2", "hello")
	first := in.Workers()
	in.Signal(syscall.SIGTTIN)
	three := in.WaitWorkers(3)
	in.Signal(syscall.SIGTTOU)
	two := in.WaitWorkers(2)
	// TTOU stops the oldest worker.
	oldest := first[0]
	if slices.Contains(two, oldest) {
		t.Errorf("TTOU kept the oldest worker %d: %v -> %v -> %v", oldest, first, three, two)
	}
	in.WaitLog(`Handling signal: ttin`)
	in.WaitLog(`Handling signal: ttou`)
}

func TestTERMLetsInFlightRequestsFinish(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "echo")
	conn := in.Dial()
	// Expect: 100-continue makes the worker say when the handler starts
	// reading the body: from then on the request is in flight.
	fmt.Fprint(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\nhello")
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("want 100 Continue, got %q %v", line, err)
	}
	r.ReadString('\n') // the blank line after the interim response
	in.Signal(syscall.SIGTERM)
	in.WaitLog(`Handling signal: term`)
	fmt.Fprint(conn, "world")
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("in-flight request failed across TERM: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "aGVsbG93b3JsZA==") {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if code := in.Wait(); code != 0 {
		t.Fatalf("exit code %d after TERM", code)
	}
	in.WaitLog(`Shutting down: Master`)
}

func TestINTStopsQuickly(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-w", "2", "hello")
	begin := time.Now()
	in.Signal(syscall.SIGINT)
	if code := in.Wait(); code != 0 {
		t.Fatalf("exit code %d after INT", code)
	}
	if d := time.Since(begin); d > 3*time.Second {
		t.Errorf("INT took %s to stop", d)
	}
}

func TestPidfileLivesAsLongAsTheMaster(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "gocorn.pid")
	in := start(t, dir, "-b", "127.0.0.1:0", "-p", pidfile, "hello")
	data, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(data)) != strconv.Itoa(in.Pid()) {
		t.Fatalf("pid file holds %q, master is %d", data, in.Pid())
	}
	// A second master on the same pid file refuses to start.
	code, _, stderr := run(t, dir, nil, "-b", "127.0.0.1:0", "-p", pidfile, "hello")
	if code != 1 || !strings.Contains(stderr, fmt.Sprintf("already running on PID %d", in.Pid())) {
		t.Errorf("second master: exit %d, stderr %q", code, stderr)
	}
	in.Signal(syscall.SIGTERM)
	in.Wait()
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Fatalf("pid file left after exit: %v", err)
	}
}

func TestUSR1ReopensLogs(t *testing.T) {
	dir := t.TempDir()
	errlog, access := filepath.Join(dir, "error.log"), filepath.Join(dir, "access.log")
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, "-b", "127.0.0.1:0", "-w", "2", "--error-logfile", errlog, "--access-logfile", access, "hello")
	fileHas := func(path, s string) bool {
		data, _ := os.ReadFile(path)
		return strings.Contains(string(data), s)
	}
	if !proctest.Poll(func() bool { return fileHas(errlog, "Booting worker") && len(in.Workers()) == 2 }) {
		t.Fatal("workers did not boot")
	}
	m := regexpFind(t, errlog, `Listening at: (\S+) \(`)
	in.URL = m
	workers := in.Workers()
	if code, _ := in.Get("/before"); code != 200 {
		t.Fatal(code)
	}
	os.Rename(errlog, errlog+".1")
	os.Rename(access, access+".1")
	in.Signal(syscall.SIGUSR1)
	// Every worker reopens: requests reach all of them eventually, and
	// every line lands in the new file.
	if !proctest.Poll(func() bool { in.Get("/after"); return fileHas(access, `"GET /after HTTP/1.1" 200 14`) }) {
		t.Fatal("no access line in the reopened access log")
	}
	in.Signal(syscall.SIGTERM)
	in.Wait()
	if !fileHas(errlog, "Shutting down: Master") {
		t.Errorf("the master did not write to the reopened error log")
	}
	for _, pid := range workers {
		if !fileHas(errlog, fmt.Sprintf("Worker exiting (pid: %d)", pid)) {
			t.Errorf("worker %d did not write to the reopened error log", pid)
		}
	}
	if !fileHas(errlog+".1", "GET /before") && !fileHas(access+".1", "GET /before") {
		t.Errorf("the rotated access log lost its line")
	}
}

func regexpFind(t *testing.T, path, pattern string) string {
	t.Helper()
	data, _ := os.ReadFile(path)
	m := regexp.MustCompile(pattern).FindStringSubmatch(string(data))
	if m == nil {
		t.Fatalf("%s has no match for %q:\n%s", path, pattern, data)
	}
	return m[1]
}

func TestProcessTitles(t *testing.T) {
	// "g -w 2 hello" is shorter than the title: the master makes room.
	in := proctest.Start(t, proctest.Setup{Bin: gocornBin, Dir: t.TempDir(), Argv0: "g",
		Env: []string{"GOCORN_CMD_ARGS=-b 127.0.0.1:0 -n shop"}}, "-w", "2", "hello")
	ps := func(pid int) string {
		out, err := exec.Command("ps", "-o", "args=", "-p", strconv.Itoa(pid)).Output()
		if err != nil {
			t.Fatalf("ps: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	if got := ps(in.Pid()); got != "gocorn: master [shop]" {
		t.Errorf("master title %q", got)
	}
	for _, pid := range in.Workers() {
		if got := ps(pid); got != "gocorn: worker [shop]" {
			t.Errorf("worker title %q", got)
		}
	}
}

func TestMaxRequestsRecyclesWithoutFailures(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-k", "gthread", "--max-requests", "20", "--max-requests-jitter", "5", "hello")
	first := in.Workers()
	for i := range 100 {
		if code, _ := in.Get("/"); code != 200 {
			t.Fatalf("request %d: status %d", i, code)
		}
	}
	in.WaitLog(`Autorestarting worker after current request.`)
	if !proctest.Poll(func() bool { w := in.Workers(); return len(w) == 1 && w[0] != first[0] }) {
		t.Fatalf("worker %d was not replaced: %v", first[0], in.Workers())
	}
}

func TestSilentWorkerIsAbortedAfterTimeout(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-w", "2", "-t", "1", "--log-level", "debug", "hello")
	victim := in.Workers()[0]
	// timeout applies once a worker is ready (boot_timeout before that):
	// stop the victim only then.
	in.WaitLog(fmt.Sprintf(`Worker \(pid:%d\) is ready`, victim))
	syscall.Kill(victim, syscall.SIGSTOP) // a stopped process sends no heartbeat
	in.WaitLog(fmt.Sprintf(`\[CRITICAL\] WORKER TIMEOUT \(pid:%d\): no heartbeat for \ds; the master is aborting it`, victim))
	in.WaitLog(fmt.Sprintf(`Worker \(pid:%d\) was sent SIGKILL! \(killed by the master: timeout\)`, victim))
	if w := in.WaitWorkers(2); slices.Contains(w, victim) {
		t.Fatalf("aborted worker %d still listed: %v", victim, w)
	}
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}
}
