package proc

import (
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/gocorn/gocorn/instrument/errlog"
	"github.com/gocorn/gocorn/server"
)

// abortGrace is how long an aborted worker has to write its stacks and
// run worker_abort before it is killed (killAborted).
const abortGrace = time.Second

// checkTimeouts aborts workers that make no progress for the timeout
// (noProgress). The master logs what the worker was serving and sends
// SIGABRT; the worker writes every goroutine's stack to the error log and
// runs worker_abort (killAborted follows up). Booting workers are never
// timed out, as in gunicorn.
func (f *fleet) checkTimeouts(now time.Time) {
	limit := f.policy.timeout
	if limit <= 0 {
		return
	}
	for _, w := range f.workersIn(ready, retiring, stopping) {
		if !w.booted() {
			continue
		}
		if why := noProgress(w, now, limit); why != "" {
			f.abort(w, why)
		}
	}
}

// killAborted kills the aborted workers still there abortGrace after the
// abort, whatever happened since: a stop, or a HUP that turned the
// timeout off. A worker stopped with SIGSTOP never acts on SIGABRT.
func (f *fleet) killAborted(now time.Time) {
	for _, w := range f.workersIn(aborting) {
		if now.Sub(w.since) > abortGrace {
			f.kill(w, "timeout")
		}
	}
}

// noProgress says why w makes no progress, or "" if it does: either its
// pipe is silent (the process is stopped or its runtime is wedged), or
// every one of its handler slots has been held by the same requests for
// longer than limit (for sync, its one request: gunicorn's rule).
// Requests waiting for a slot do not count, and neither does any bound
// on how many requests a heartbeat lists.
func noProgress(w *worker, now time.Time, limit time.Duration) string {
	if silent := now.Sub(w.lastBeat); silent > limit {
		return fmt.Sprintf("no heartbeat for %s", silent.Round(time.Second))
	}
	b := w.beat
	if b.Handlers == 0 || b.AllBusyFor <= limit {
		return ""
	}
	seconds := int(limit / time.Second)
	if b.Handlers == 1 {
		return fmt.Sprintf("its request has run for more than %ds", seconds)
	}
	return fmt.Sprintf("all %d of its handlers have been busy for more than %ds", b.Handlers, seconds)
}

// abort logs why the master aborts w and what w was serving, then sends
// SIGABRT. w no longer counts: its replacement starts at once.
func (f *fleet) abort(w *worker, why string) {
	errlog.Critical(f.log, fmt.Sprintf("WORKER TIMEOUT (pid:%d): %s; the master is aborting it", w.pid, why))
	if reqs := describeRequests(w.beat.Longest); reqs != "" {
		f.log.Error(fmt.Sprintf("Worker (pid:%d) was serving: %s", w.pid, reqs))
	}
	w.killedFor = "timeout"
	f.move(w, aborting)
	f.counts.Timeouts++
	f.signal(w, syscall.SIGABRT)
}

func describeRequests(reqs []server.Request) string {
	parts := make([]string, len(reqs))
	for i, r := range reqs {
		parts[i] = fmt.Sprintf("%s %s for %s", r.Method, r.Path, r.Age.Round(100*time.Millisecond))
	}
	return strings.Join(parts, "; ")
}
