package proc

import (
	"errors"
	"reflect"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
)

// How each worker is told to stop: TERM drains over the pipe, serving
// what is queued unless a new master shares the sockets, and falls back
// to SIGTERM when the pipe fails; INT and QUIT send QUIT. The master
// closes its sockets at once and stops once every worker is gone.
func TestStopTellsEveryWorker(t *testing.T) {
	stop := func(emptyQueue bool) []workerpipe.Message {
		return []workerpipe.Message{{Kind: workerpipe.KindStop, EmptyQueue: emptyQueue}}
	}
	for _, tc := range []struct {
		name   string
		before func(mt *masterTest)
		sig    syscall.Signal
		sent   []workerpipe.Message
		sigs   []syscall.Signal
	}{
		{name: "TERM", sig: syscall.SIGTERM, sent: stop(true)},
		{name: "TERM while a new master runs", sig: syscall.SIGTERM, sent: stop(false),
			before: func(mt *masterTest) { mt.m.handleSignal(syscall.SIGUSR2) }},
		{name: "TERM with a broken pipe", sig: syscall.SIGTERM, sigs: []syscall.Signal{syscall.SIGTERM},
			before: func(mt *masterTest) {
				mt.pipe(1).err, mt.pipe(2).err = errors.New("broken pipe"), errors.New("broken pipe")
			}},
		{name: "INT", sig: syscall.SIGINT, sigs: []syscall.Signal{syscall.SIGQUIT}},
		{name: "QUIT", sig: syscall.SIGQUIT, sigs: []syscall.Signal{syscall.SIGQUIT}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\nworkers = 2\n")
			mt.ready(1, 2)
			if tc.before != nil {
				tc.before(mt)
			}
			mt.m.handleSignal(tc.sig)
			mt.want("1:stopping 2:stopping")
			for id := 1; id <= 2; id++ {
				if got := mt.pipe(id).sent; !reflect.DeepEqual(got, tc.sent) {
					t.Errorf("worker %d got %v, want %v", id, got, tc.sent)
				}
				if got := mt.sys.signalsTo(mt.pid(id)); !slices.Equal(got, tc.sigs) {
					t.Errorf("worker %d got signals %v, want %v", id, got, tc.sigs)
				}
			}
			if mt.m.sockets != nil {
				t.Error("the master still holds its sockets")
			}
			mt.exit(1, exited(0))
			mt.step() // one left; nothing replaced
			mt.want("2:stopping")
			mt.sys.exit(mt.pid(2), exited(0))
			if code, done := mt.m.step(); !done || code != 0 {
				t.Fatalf("step: code %d, done %t; want a clean end", code, done)
			}
		})
	}
}

// Workers left at the deadline (graceful_timeout) are killed, and the
// kill is named in the exit line. A quick stop during a graceful one
// sends QUIT and shortens the deadline to two seconds; a graceful one
// during a quick one changes nothing.
func TestStopDeadline(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sigs  []syscall.Signal // sent to the master, in order
		until time.Duration    // to the deadline
		got   []syscall.Signal // by the worker before the kill
	}{
		{"TERM", []syscall.Signal{syscall.SIGTERM}, 30 * time.Second, nil},
		{"TERM then INT", []syscall.Signal{syscall.SIGTERM, syscall.SIGINT}, 2 * time.Second, []syscall.Signal{syscall.SIGQUIT}},
		{"INT then TERM", []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}, 2 * time.Second, []syscall.Signal{syscall.SIGQUIT}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := newMasterTest(t, `bind = ["127.0.0.1:0"]`)
			mt.ready(1)
			for _, sig := range tc.sigs {
				mt.m.handleSignal(sig)
			}
			pid := mt.pid(1)
			mt.sys.advance(tc.until - time.Millisecond)
			mt.step()
			if got := mt.sys.signalsTo(pid); !slices.Equal(got, tc.got) {
				t.Fatalf("before the deadline the worker got %v, want %v", got, tc.got)
			}
			mt.sys.advance(time.Millisecond)
			mt.step()
			mt.wantLog("[WARNING] Worker (pid:101) did not stop within the graceful timeout; killing it")
			if got := mt.sys.signalsTo(pid); !slices.Equal(got, append(tc.got, syscall.SIGKILL)) {
				t.Fatalf("at the deadline the worker got %v", got)
			}
			if _, done := mt.m.step(); !done {
				t.Fatal("the master did not stop once its worker was killed")
			}
			mt.wantLog("Worker (pid:101) was sent SIGKILL! (killed by the master: graceful_timeout)")
		})
	}
}

// TERM with shutdown_delay keeps serving for the delay, workers still
// replaced as usual; a second TERM stops at once.
func TestShutdownDelay(t *testing.T) {
	mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\nshutdown_delay = 5\n")
	mt.ready(1)
	mt.m.handleSignal(syscall.SIGTERM)
	mt.wantLog("Stopping in 5s (shutdown_delay): still serving so load balancers can stop routing here")
	if !slices.Equal(mt.sys.timers, []time.Duration{5 * time.Second}) || len(mt.pipe(1).sent) != 0 {
		t.Fatalf("timers %v, worker got %v: want a 5s delay and nothing sent", mt.sys.timers, mt.pipe(1).kinds())
	}
	mt.sys.exit(mt.pid(1), exited(70))
	mt.step()
	mt.want("2:booting")
	mt.m.handleSignal(syscall.SIGTERM)
	mt.want("2:stopping")
	if got := mt.pipe(2).kinds(); !slices.Equal(got, []workerpipe.Kind{workerpipe.KindStop}) {
		t.Errorf("after the second TERM the worker got %v", got)
	}
}
