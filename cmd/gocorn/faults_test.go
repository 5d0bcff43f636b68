package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

// A sync worker stuck in one request past timeout is aborted: it writes
// its goroutines to the error log and runs worker_abort; the master says
// it killed the worker and what the worker was serving; a new worker
// serves.
func TestHungWorkerIsAbortedWithItsStacks(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "gocorn.conf.star"), []byte(
		"def worker_abort(worker):\n    worker.log.critical(\"worker_abort ran in %d\" % worker.pid)\n"), 0o644)
	in := start(t, dir, "-b", "127.0.0.1:0", "-t", "2", "chaos")
	victim := in.Workers()[0]
	go proctest.Client.Get(in.URL + "/hang") // never answered
	in.WaitLog(fmt.Sprintf(`\[CRITICAL\] WORKER TIMEOUT \(pid:%d\): its request has run for more than 2s; the master is aborting it`, victim))
	in.WaitLog(fmt.Sprintf(`Worker \(pid:%d\) was serving: GET /hang for 2(\.\d)?s`, victim)) // rounded to 0.1 s: "2s" when it was 2.0
	in.WaitLog(fmt.Sprintf(`(?s)\[%d\] \[ERROR\] Worker \(pid:%d\) aborted by the master; its goroutines:\ngoroutine \d+`, victim, victim))
	in.WaitLog(fmt.Sprintf(`worker_abort ran in %d`, victim))
	in.WaitLog(fmt.Sprintf(`Worker \(pid:%d\) exited with code 1 \(aborted by the master: timeout\)`, victim))
	if w := in.WaitWorkers(1); w[0] == victim {
		t.Fatalf("the hung worker was not replaced")
	}
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}
}

// The timeout rule counts handler slots, not the requests a heartbeat
// lists (at most 10): a gthread worker of 12 threads whose every thread
// hangs is aborted, and one with 11 hung threads, still serving with the
// last, is not.
func TestEveryThreadHungIsAborted(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-k", "gthread", "--threads", "12", "-t", "2", "chaos")
	victim := in.Workers()[0]
	for range 11 {
		go proctest.Client.Get(in.URL + "/hang") // never answered
	}
	deadline := time.Now().Add(3 * time.Second) // past the timeout: the worker serves on
	for time.Now().Before(deadline) {
		if code, _ := in.Get("/sleep?s=0.2"); code != 200 {
			t.Fatalf("the twelfth thread answered %d", code)
		}
	}
	if strings.Contains(in.Stderr.String(), "WORKER TIMEOUT") {
		t.Fatalf("a worker with a free thread was aborted:\n%s", in.Stderr)
	}
	go proctest.Client.Get(in.URL + "/hang") // the twelfth
	in.WaitLog(fmt.Sprintf(`WORKER TIMEOUT \(pid:%d\): all 12 of its handlers have been busy for more than 2s`, victim))
}

// A worker that crashes is replaced at once and the cause is logged; the
// other worker keeps serving meanwhile.
func TestCrashedWorkerIsReplaced(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-w", "2", "chaos")
	before := in.Workers()
	crashed := time.Now()
	proctest.Client.Get(in.URL + "/crash") // the connection dies with the worker
	var after []int
	if !proctest.Poll(func() bool {
		after = in.Workers()
		return len(after) == 2 && !slices.Equal(after, before)
	}) {
		t.Fatalf("no replacement: %v -> %v", before, after)
	}
	in.WaitWorkers(2)
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}
	t.Logf("crash to replacement serving: %s", time.Since(crashed))
	in.WaitLog(`Worker \(pid:\d+\) exited with code 70\.`)
}

// A panic in a handler answers 500, is logged with its stack, and the
// worker keeps serving.
func TestHandlerPanicAnswers500(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "chaos")
	worker := in.Workers()[0]
	if code, _ := in.Get("/panic"); code != 500 {
		t.Fatalf("status %d for a panicking handler", code)
	}
	in.WaitLog(`(?s)\[ERROR\] Error handling request GET /panic: panic: chaos: /panic was requested.*goroutine`)
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}
	if w := in.Workers(); !slices.Equal(w, []int{worker}) {
		t.Errorf("the worker changed after a panic: %d -> %v", worker, w)
	}
}

// A crash loop backs off instead of spinning.
func TestCrashLoopBacksOff(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "gocorn.conf.star"), []byte(
		"def post_worker_init(worker):\n    if worker.id > 1:\n        fail(\"broken after the first\")\n"), 0o644)
	in := start(t, dir, "-b", "127.0.0.1:0", "chaos")
	proctest.Client.Get(in.URL + "/crash")
	in.WaitLog(`4 workers crashed in a row; waiting 400ms before the next`)
	if n := strings.Count(in.Stderr.String(), "Booting worker"); n > 6 {
		t.Errorf("%d boots within the backoff: the master spins", n)
	}
}

// Children the master did not start (as PID 1 in a container, orphans
// are re-parented to it) are reaped silently; one exiting with code 3
// does not stop the server (gunicorn#3220).
func TestStrangerChildrenAreReapedSilently(t *testing.T) {
	in := proctest.Start(t, proctest.Setup{Bin: "/bin/sh", Dir: t.TempDir()}, "-c",
		`(sleep 0.3; exit 3) & exec "$0" "$@"`, gocornBin, "-b", "127.0.0.1:0", "--log-level", "debug", "hello")
	in.WaitLog(`\[DEBUG\] Reaped child \(pid:\d+\) that is not a worker`)
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}
	if strings.Contains(in.Stderr.String(), "Shutting down") {
		t.Fatalf("a stranger's exit code stopped the master:\n%s", in.Stderr)
	}
}

// max_worker_memory: a worker over its RSS limit is replaced, then retired.
func TestMemoryLimitRecyclesTheWorker(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "--max-worker-memory", "64", "chaos")
	fat := in.Workers()[0]
	if code, body := in.Get("/alloc?mb=100"); code != 200 {
		t.Fatalf("alloc: %d %s", code, body)
	}
	in.WaitLog(fmt.Sprintf(`Recycling worker \(pid:%d\): its RSS is \d+ MiB, over max_worker_memory \(64 MiB for this worker\)`, fat))
	if !proctest.Poll(func() bool { w := in.Workers(); return len(w) == 1 && w[0] != fat }) {
		t.Fatalf("worker %d was not replaced: %v", fat, in.Workers())
	}
	if code, _ := in.Get("/"); code != 200 {
		t.Fatal(code)
	}
}

// max_worker_lifetime under load: workers are replaced one at a time and
// no request fails.
func TestLifetimeRecyclesUnderLoad(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-w", "2", "-k", "gthread", "--threads", "4",
		"--max-worker-lifetime", "1", "echo")
	load := proctest.StartLoad(in.URL+"/", 8)
	most := 0
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		most = max(most, len(in.Workers()))
		time.Sleep(5 * time.Millisecond)
	}
	res := load.Stop()
	recycled := strings.Count(in.Stderr.String(), "past max_worker_lifetime")
	t.Logf("%d recycles, %d requests, %d failed, at most %d worker processes at once", recycled, res.OK, res.Failed, most)
	if res.Failed > 0 {
		t.Fatalf("%d requests failed: %v", res.Failed, res.Errors)
	}
	if recycled < 2 {
		t.Errorf("%d recycles in 3s with max_worker_lifetime 1", recycled)
	}
	// 2 serving, at most one replacement booting and one old one draining.
	if most > 4 {
		t.Errorf("%d worker processes at once: recycling is not one at a time", most)
	}
}
