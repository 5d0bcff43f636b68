package proc

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
)

// How a worker ended is logged as an operator reads it, naming the
// master's own kills as such; child_exit runs; the worker is replaced.
func TestExitIsLogged(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(ft *fleetTest, w *worker) // what the master did first
		ws   syscall.WaitStatus
		line string // %d is the pid
	}{
		{name: "clean exit", ws: exited(0),
			line: "[DEBUG] Worker (pid:%d) exited"},
		{name: "TERM from outside", ws: signaled(syscall.SIGTERM),
			line: "[INFO] Worker (pid:%d) was sent SIGTERM!"},
		{name: "SIGKILL nobody sent", ws: signaled(syscall.SIGKILL),
			line: "[ERROR] Worker (pid:%d) was sent SIGKILL! Perhaps out of memory?"},
		{name: "SIGKILL at the stop deadline", ws: signaled(syscall.SIGKILL),
			do:   func(ft *fleetTest, w *worker) { ft.f.kill(w, "graceful_timeout") },
			line: "[ERROR] Worker (pid:%d) was sent SIGKILL! (killed by the master: graceful_timeout)"},
		{name: "SIGKILL after a timeout", ws: signaled(syscall.SIGKILL),
			do:   func(ft *fleetTest, w *worker) { ft.f.abort(w, "no heartbeat for 31s"); ft.f.kill(w, "") },
			line: "[ERROR] Worker (pid:%d) was sent SIGKILL! (killed by the master: timeout)"},
		{name: "aborted, exits itself", ws: exited(1),
			do:   func(ft *fleetTest, w *worker) { ft.f.abort(w, "no heartbeat for 31s") },
			line: "[ERROR] Worker (pid:%d) exited with code 1 (aborted by the master: timeout)."},
		{name: "non-zero exit", ws: exited(70),
			line: "[ERROR] Worker (pid:%d) exited with code 70."},
		{name: "another signal", ws: signaled(syscall.SIGABRT),
			line: "[WARNING] Worker (pid:%d) was sent SIGABRT!"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := newFleetTest(t, basePolicy, 1)
			ft.ready(1)
			ft.sys.advance(time.Hour) // long past crashWindow: no brake
			w := ft.byID(1)
			if tc.do != nil {
				tc.do(ft, w)
			}
			if h := ft.exit(1, tc.ws); h != nil {
				t.Fatalf("halt: %v", h)
			}
			ft.wantLog(fmt.Sprintf(tc.line, w.pid))
			if w.state != gone || !ft.pipe(1).closed || !ft.called(fmt.Sprintf("child_exit %d", w.pid)) {
				t.Errorf("reaped worker: state %s, pipe closed %t, calls %q", w.state, ft.pipe(1).closed, ft.calls)
			}
			ft.f.reconcile()
			ft.want("2:booting")
		})
	}
}

// A crash is a worker that died on its own, before it booted or soon
// after it started; a worker the master stopped, aborted or killed did
// not crash, nor did one that exited cleanly.
func TestCrashed(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		state  workerState
		booted bool
		age    time.Duration
		ws     syscall.WaitStatus
		want   bool
	}{
		{booting, false, time.Second, exited(3), true},
		{booting, false, time.Hour, exited(1), true},
		{booting, false, time.Second, signaled(syscall.SIGKILL), true},
		{booting, false, time.Second, exited(0), false},
		{ready, true, 2 * time.Second, exited(70), true},
		{ready, true, 10 * time.Second, exited(70), false},
		{ready, true, 2 * time.Second, exited(0), false},
		{retiring, true, 2 * time.Second, signaled(syscall.SIGSEGV), true},
		{stopping, false, time.Second, exited(3), false},
		{aborting, true, time.Second, exited(1), false},
		{killed, true, time.Second, signaled(syscall.SIGKILL), false},
	} {
		w := &worker{state: tc.state, spawned: t0}
		if tc.booted {
			w.readyAt = t0
		}
		if got := crashed(w, tc.ws, t0.Add(tc.age)); got != tc.want {
			t.Errorf("%s (booted %t) after %s, %s: crashed = %t, want %t", tc.state, tc.booted, tc.age, exitText(tc.ws), got, tc.want)
		}
	}
}

// The brake: the first crash respawns at once, then 0.1 s doubling up to
// 30 s; a quiet minute starts the count over.
func TestBrake(t *testing.T) {
	var b brake
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	for i, want := range []time.Duration{0, 100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms,
		6400 * ms, 12800 * ms, 25600 * ms, 30 * time.Second, 30 * time.Second} {
		now = now.Add(time.Second)
		if got := b.crashed(now); got != want {
			t.Fatalf("crash %d: wait %s, want %s", i+1, got, want)
		}
		if b.holds(now.Add(want)) || (want > 0 && !b.holds(now.Add(want-1))) {
			t.Fatalf("crash %d: the brake does not hold for exactly %s", i+1, want)
		}
	}
	now = now.Add(time.Minute + time.Second)
	if got := b.crashed(now); got != 0 {
		t.Errorf("after a quiet minute: wait %s, want 0", got)
	}
}

// A crash loop goes through the brake: the first replacement starts at
// once, the next waits, and the wait is logged; a spawn that fails counts
// as a crash.
func TestCrashLoopIsBraked(t *testing.T) {
	ft := newFleetTest(t, basePolicy, 1)
	ft.ready(1)
	ft.exit(1, exited(70))
	ft.f.reconcile()
	ft.want("2:booting") // at once
	ft.exit(2, exited(70))
	ft.wantLog("[WARNING] 2 workers crashed in a row; waiting 100ms before the next")
	ft.f.reconcile()
	ft.want("")
	ft.sys.advance(99 * time.Millisecond)
	ft.f.reconcile()
	ft.want("")
	ft.sys.advance(time.Millisecond)
	ft.f.reconcile()
	ft.want("3:booting")

	ft.exit(3, exited(70))
	ft.sys.advance(200 * time.Millisecond)
	ft.sys.startErr = fmt.Errorf("spawning a worker: socketpair: too many open files")
	ft.f.reconcile()
	ft.wantLog("[ERROR] spawning a worker: socketpair: too many open files")
	ft.wantLog("4 workers crashed in a row; waiting 400ms before the next")
	if want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}; !slices.Equal(ft.sys.timers, want) {
		t.Errorf("wake-ups %v, want %v", ft.sys.timers, want)
	}
}

// A worker that cannot boot (gunicorn's exit 3, or 4 for an app that
// does not load) before any worker was ever ready halts the master with
// that code and the worker's reason. Once a worker served, or during a
// HUP while an older generation serves, nothing halts; a HUP says the old
// generation keeps serving.
func TestBootFailure(t *testing.T) {
	for _, tc := range []struct {
		name    string
		before  func(ft *fleetTest) // returns after the failing worker (the newest) started
		code    int
		failure string // what the worker said
		halt    *haltError
		line    string
	}{
		{name: "boot error", code: 3, failure: "post_fork failed",
			halt: &haltError{code: 3, reason: "Worker failed to boot. post_fork failed"}},
		{name: "app load error", code: 4, failure: `app "x" failed to load: boom`,
			halt: &haltError{code: 4, reason: `App failed to load. app "x" failed to load: boom`}},
		{name: "no reason said", code: 3,
			halt: &haltError{code: 3, reason: "Worker failed to boot."}},
		{name: "another code", code: 1},
		{name: "after a worker served", code: 3,
			before: func(ft *fleetTest) { ft.ready(1); ft.exit(1, exited(0)); ft.f.reconcile() }},
		{name: "during a HUP", code: 4, failure: "app failed to load",
			before: func(ft *fleetTest) {
				ft.ready(1)
				ft.f.newGeneration(basePolicy, ft.sys.now)
				ft.f.reconcile()
			},
			line: "[WARNING] Generation 2 cannot boot yet (worker pid:102: app failed to load); workers of generation [1] keep serving"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := newFleetTest(t, basePolicy, 1)
			if tc.before != nil {
				tc.before(ft)
			}
			failing := len(ft.sys.workers)
			if tc.failure != "" {
				ft.say(failing, workerpipe.Message{Kind: workerpipe.KindFailed, Reason: tc.failure})
			}
			h := ft.exit(failing, exited(tc.code))
			if (h == nil) != (tc.halt == nil) || (h != nil && *h != *tc.halt) {
				t.Fatalf("halt %+v, want %+v", h, tc.halt)
			}
			if tc.line != "" {
				ft.wantLog(tc.line)
				if !ft.called("reloaded") {
					t.Error("systemd was not told the reload is over")
				}
			}
		})
	}
}
