package proc

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/server"
)

// busy is a heartbeat of a worker with slots handlers, n of them running
// requests age old, as server.Stats reports it: at most 10 listed, and
// AllBusyFor only when every slot is held.
func busy(slots, n int, age time.Duration) workerpipe.Message {
	reqs := make([]server.Request, min(n, 10))
	for i := range reqs {
		reqs[i] = server.Request{Method: "GET", Path: fmt.Sprintf("/slow/%d", i), Age: age}
	}
	b := &workerpipe.Beat{InFlight: n, Handlers: slots, Running: n, Longest: reqs}
	if n >= slots {
		b.AllBusyFor = age
	}
	return workerpipe.Message{Kind: workerpipe.KindBeat, Beat: b}
}

// A worker that makes no progress for the timeout is aborted: its pipe
// is silent, or every slot it has is stuck on one request. Booting
// workers are never timed out. The log says why and what it was serving.
func TestTimeouts(t *testing.T) {
	const timeout = 30 * time.Second
	for _, tc := range []struct {
		name    string
		booting bool
		then    func(ft *fleetTest)
		lines   []string // %d is the pid; none: not aborted
	}{
		{name: "silent pipe",
			then:  func(ft *fleetTest) { ft.sys.advance(timeout + time.Second) },
			lines: []string{"[CRITICAL] WORKER TIMEOUT (pid:%d): no heartbeat for 31s; the master is aborting it"}},
		{name: "heartbeats keep it",
			then: func(ft *fleetTest) {
				ft.sys.advance(20 * time.Second)
				ft.say(1, busy(1, 0, 0))
				ft.sys.advance(20 * time.Second)
			}},
		{name: "booting, silent", booting: true,
			then: func(ft *fleetTest) { ft.sys.advance(time.Hour) }},
		{name: "sync request stuck",
			then: func(ft *fleetTest) { ft.say(1, busy(1, 1, timeout+time.Second)) },
			lines: []string{"[CRITICAL] WORKER TIMEOUT (pid:%d): its request has run for more than 30s; the master is aborting it",
				"[ERROR] Worker (pid:%d) was serving: GET /slow/0 for 31s"}},
		{name: "sync request at the limit",
			then: func(ft *fleetTest) { ft.say(1, busy(1, 1, timeout)) }},
		{name: "some handlers stuck",
			then: func(ft *fleetTest) { ft.say(1, busy(4, 3, time.Minute)) }},
		{name: "every handler stuck",
			then: func(ft *fleetTest) { ft.say(1, busy(4, 4, time.Minute)) },
			lines: []string{"WORKER TIMEOUT (pid:%d): all 4 of its handlers have been busy for more than 30s",
				"Worker (pid:%d) was serving: GET /slow/0 for 1m0s; GET /slow/1 for 1m0s; GET /slow/2 for 1m0s; GET /slow/3 for 1m0s"}},
		// Before, a heartbeat listed at most 10 requests, so a worker of
		// more than 10 threads was never found stuck.
		{name: "every one of 64 handlers stuck",
			then:  func(ft *fleetTest) { ft.say(1, busy(64, 64, time.Minute)) },
			lines: []string{"WORKER TIMEOUT (pid:%d): all 64 of its handlers have been busy for more than 30s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := newFleetTest(t, policy{timeout: timeout}, 1)
			if !tc.booting {
				ft.ready(1)
			}
			tc.then(ft)
			ft.f.checkTimeouts(ft.sys.now)
			pid := ft.pid(1)
			if len(tc.lines) == 0 {
				if w := ft.byID(1); w.state == aborting || len(ft.sys.signals) > 0 {
					t.Fatalf("aborted: %s, signals %v", w.state, ft.sys.signals)
				}
				return
			}
			for _, line := range tc.lines {
				ft.wantLog(fmt.Sprintf(line, pid))
			}
			if sigs := ft.sys.signalsTo(pid); !slices.Equal(sigs, []syscall.Signal{syscall.SIGABRT}) {
				t.Errorf("signals %v, want SIGABRT", sigs)
			}
			ft.f.reconcile()
			ft.want("1:aborting 2:booting") // the replacement starts at once
		})
	}
}

// SIGABRT gives the worker a second to write its stacks; then SIGKILL,
// once.
func TestAbortThenKill(t *testing.T) {
	ft := newFleetTest(t, policy{timeout: time.Second}, 1)
	ft.ready(1)
	ft.sys.advance(2 * time.Second)
	ft.f.checkTimeouts(ft.sys.now)
	pid, aborted := ft.pid(1), ft.sys.now
	for _, step := range []struct {
		wait  time.Duration
		state workerState
		sigs  []syscall.Signal
	}{
		{0, aborting, []syscall.Signal{syscall.SIGABRT}},
		{time.Second, aborting, []syscall.Signal{syscall.SIGABRT}},
		{time.Millisecond, killed, []syscall.Signal{syscall.SIGABRT, syscall.SIGKILL}},
		{time.Minute, killed, []syscall.Signal{syscall.SIGABRT, syscall.SIGKILL}},
	} {
		ft.sys.advance(step.wait)
		ft.f.checkTimeouts(ft.sys.now)
		ft.f.killAborted(ft.sys.now)
		if w := ft.byID(1); w.state != step.state || !slices.Equal(ft.sys.signalsTo(pid), step.sigs) {
			t.Fatalf("%s after the abort: %s, signals %v; want %s, %v",
				ft.sys.now.Sub(aborted), w.state, ft.sys.signalsTo(pid), step.state, step.sigs)
		}
	}
	ft.f.exited(pid, signaled(syscall.SIGKILL))
	ft.wantLog(fmt.Sprintf("Worker (pid:%d) was sent SIGKILL! (killed by the master: timeout)", pid))
}

// An aborted worker is killed a second later whatever else happens: a
// stop begun meanwhile, or a HUP that turns the timeout off. (A worker
// stopped with SIGSTOP ignores SIGABRT; without the SIGKILL a stop would
// wait for it forever.)
func TestAbortedWorkerIsKilledDuringAStopOrWithoutTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		then func(mt *masterTest)
	}{
		{"TERM", func(mt *masterTest) { mt.m.handleSignal(syscall.SIGTERM) }},
		{"INT", func(mt *masterTest) { mt.m.handleSignal(syscall.SIGINT) }},
		{"HUP to timeout = 0", func(mt *masterTest) {
			mt.write("bind = [\"127.0.0.1:0\"]\ntimeout = 0\n")
			mt.m.handleSignal(syscall.SIGHUP)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\ntimeout = 1\n")
			mt.ready(1)
			mt.sys.advance(2 * time.Second)
			mt.step()
			mt.want("1:aborting 2:booting")
			tc.then(mt)
			mt.sys.advance(1100 * time.Millisecond)
			mt.m.step()
			if got := mt.sys.signalsTo(mt.pid(1)); !slices.Contains(got, syscall.SIGKILL) {
				t.Fatalf("the aborted worker got %v, no SIGKILL", got)
			}
		})
	}
}
