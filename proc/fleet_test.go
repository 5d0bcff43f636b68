package proc

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/server"
)

// reconcile keeps the target: it starts what is missing and stops the
// oldest beyond it, over the pipe; workers on their way out do not count,
// booting ones do.
func TestReconcile(t *testing.T) {
	setTarget := func(n int) func(*fleetTest) { return func(ft *fleetTest) { ft.f.setTarget(n) } }
	for _, tc := range []struct {
		name    string
		target  int // workers started, all ready
		change  func(*fleetTest)
		want    string
		wantLog string
	}{
		{name: "keeps the target", target: 2, want: "1:ready 2:ready"},
		{name: "TTIN starts one", target: 2, change: setTarget(3),
			want: "1:ready 2:ready 3:booting", wantLog: "Number of workers: 2 -> 3"},
		{name: "TTOU stops the oldest", target: 3, change: setTarget(2),
			want: "1:stopping 2:ready 3:ready", wantLog: "Number of workers: 3 -> 2"},
		{name: "a lower target stops the oldest ones", target: 4, change: setTarget(1),
			want: "1:stopping 2:stopping 3:stopping 4:ready"},
		{name: "WINCH stops every worker", target: 2, change: setTarget(0),
			want: "1:stopping 2:stopping", wantLog: "Number of workers: 2 -> 0"},
		{name: "a booting worker counts; the oldest goes", target: 2,
			change: func(ft *fleetTest) { ft.f.setTarget(3); ft.f.reconcile(); ft.f.setTarget(2) },
			want:   "1:stopping 2:ready 3:booting"},
		{name: "a stopping worker is replaced", target: 2,
			change: func(ft *fleetTest) { ft.f.stop(ft.byID(1), drain) },
			want:   "1:stopping 2:ready 3:booting"},
		{name: "a retiring worker is replaced", target: 2,
			change: func(ft *fleetTest) { ft.f.move(ft.byID(2), retiring) },
			want:   "1:ready 2:retiring 3:booting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := newFleetTest(t, basePolicy, tc.target)
			for id := 1; id <= tc.target; id++ {
				ft.ready(id)
			}
			if tc.change != nil {
				tc.change(ft)
			}
			ft.f.reconcile()
			ft.want(tc.want)
			if tc.wantLog != "" {
				ft.wantLog(tc.wantLog)
			}
			for _, w := range ft.f.workersIn(stopping) {
				if got := ft.pipe(w.id).sent; len(got) != 1 || got[0].Kind != workerpipe.KindStop || got[0].EmptyQueue {
					t.Errorf("worker %d got %v, want one Stop that leaves the queue to the others", w.id, got)
				}
				if sigs := ft.sys.signalsTo(w.pid); len(sigs) > 0 {
					t.Errorf("worker %d got signals %v; a stop goes over the pipe", w.id, sigs)
				}
			}
		})
	}
}

// setTarget runs nworkers_changed on every assignment, with the old
// count unknown the first time.
func TestSetTargetRunsNworkersChanged(t *testing.T) {
	ft := newFleetTest(t, basePolicy, 2)
	ft.f.setTarget(3)
	ft.f.setTarget(3)
	want := []string{"nworkers_changed 2 0 false", "nworkers_changed 3 2 true", "nworkers_changed 3 3 true"}
	var got []string
	for _, c := range ft.calls {
		if strings.HasPrefix(c, "nworkers_changed") {
			got = append(got, c)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("hook calls %q, want %q", got, want)
	}
}

// A HUP rolls the workers onto a new generation: old workers retire and
// stop only as new ones become ready, oldest first, so the number of
// workers serving never drops below the smaller of the two targets; a
// reload to fewer workers ends; the end is logged once.
func TestNewGenerationRollsWorkers(t *testing.T) {
	for _, tc := range []struct{ from, to int }{{2, 2}, {2, 3}, {3, 1}, {1, 1}, {1, 4}} {
		t.Run(fmt.Sprintf("%d to %d", tc.from, tc.to), func(t *testing.T) {
			ft := newFleetTest(t, basePolicy, tc.from)
			for id := 1; id <= tc.from; id++ {
				ft.ready(id)
			}
			if tc.to != tc.from {
				ft.f.setTarget(tc.to)
			}
			ft.f.newGeneration(basePolicy, ft.sys.now)
			floor := min(tc.from, tc.to)
			for {
				ft.f.reconcile()
				if n := ft.serving(); n < floor {
					t.Fatalf("%d workers serving during the reload, want at least %d: %s", n, floor, ft.states())
				}
				booting := ft.f.workersIn(booting)
				if len(booting) == 0 {
					break
				}
				ft.sys.advance(100 * time.Millisecond)
				ft.ready(booting[0].id)
			}
			for _, w := range ft.f.workersIn() {
				switch {
				case w.gen == 1 && w.state != stopping:
					t.Errorf("old worker %d is %s, want stopping", w.id, w.state)
				case w.gen == 2 && w.state != ready:
					t.Errorf("new worker %d is %s, want ready", w.id, w.state)
				}
			}
			if n := len(ft.f.workersIn(ready)); n != tc.to {
				t.Errorf("%d workers ready, want %d: %s", n, tc.to, ft.states())
			}
			ft.wantLog(fmt.Sprintf("Reload complete: generation 2, %d workers ready in %dms", tc.to, 100*tc.to))
			if ft.log.count("Reload complete") != 1 || !ft.called("reloaded") {
				t.Errorf("the end of the reload was not told once")
			}
		})
	}
}

// The first workers all ready is told once, for systemd and a -D
// launcher.
func TestStartedOnceAllAreReady(t *testing.T) {
	ft := newFleetTest(t, basePolicy, 2)
	ft.ready(1)
	if ft.called("started 2") {
		t.Fatal("started before every worker was ready")
	}
	ft.ready(2)
	ft.f.setTarget(3)
	ft.f.reconcile()
	ft.ready(3)
	if n := slices.Index(ft.calls, "started 2"); n < 0 || slices.Contains(ft.calls[n+1:], "started 3") {
		t.Errorf("calls %q, want one started 2", ft.calls)
	}
}

// A worker that says Ready after it was told to go stays on its way out,
// and a binary that changed on disk is named.
func TestReadyAfterStopStaysStopping(t *testing.T) {
	ft := newFleetTest(t, basePolicy, 1)
	ft.f.stop(ft.byID(1), drain)
	ft.say(1, workerpipe.Message{Kind: workerpipe.KindReady, Version: "9.9.9", Protocol: workerpipe.Protocol})
	if w := ft.byID(1); w.state != stopping || !w.booted() {
		t.Errorf("worker is %s (booted %t), want stopping and booted", w.state, w.booted())
	}
	ft.wantLog(fmt.Sprintf("Worker (pid:%d) runs gocorn 9.9.9; the master runs %s", ft.pid(1), runningVersion()))
}

// A worker with handlers stuck past request_timeout is replaced at once,
// out of the recycling queue, and stops once its replacement is ready.
func TestStuckWorkerIsReplaced(t *testing.T) {
	ft := newFleetTest(t, basePolicy, 2)
	ft.ready(1, 2)
	ft.say(1, workerpipe.Message{Kind: workerpipe.KindStuck,
		Stuck: []server.Request{{Method: "GET", Path: "/hang", Age: 4 * time.Second}}})
	ft.wantLog(fmt.Sprintf("[ERROR] Worker (pid:%d) has handlers still running request_timeout past their deadline: "+
		"GET /hang for 4s; replacing it", ft.pid(1)))
	ft.want("1:retiring 2:ready")
	ft.f.reconcile()
	ft.want("1:retiring 2:ready 3:booting")
	ft.ready(3)
	ft.want("1:stopping 2:ready 3:ready")
	if msgs := ft.pipe(1).sent; len(msgs) == 0 || msgs[len(msgs)-1].Kind != workerpipe.KindStop {
		t.Errorf("the stuck worker was sent %+v, want a Stop last", msgs)
	}
}

// A worker whose binary speaks another pipe protocol is stopped as one
// that could not boot, and the brake holds the next spawn.
func TestReadyOfAnotherProtocolIsRefused(t *testing.T) {
	ft := newFleetTest(t, basePolicy, 1)
	ft.exit(1, exited(70)) // a first crash: the next one brakes
	ft.f.reconcile()
	ft.say(2, workerpipe.Message{Kind: workerpipe.KindReady, Version: runningVersion()}) // protocol 1: no field
	ft.wantLog(fmt.Sprintf("[ERROR] Worker (pid:%d) cannot serve: its binary speaks worker pipe protocol 1 and the master %s",
		ft.pid(2), workerpipe.Protocol))
	ft.wantLog("2 workers crashed in a row; waiting 100ms before the next")
	if w := ft.byID(2); w.state != stopping || w.booted() {
		t.Errorf("worker 2 is %s (booted %t), want stopping, never booted", w.state, w.booted())
	}
}

// A HUP lifts the brake that an earlier generation's crashes set.
func TestNewGenerationLiftsTheBrake(t *testing.T) {
	ft := newFleetTest(t, basePolicy, 1)
	ft.exit(1, exited(70))
	ft.f.reconcile()
	ft.exit(2, exited(70)) // the brake holds 100 ms
	ft.sys.advance(100 * time.Millisecond)
	ft.f.reconcile()
	ft.exit(3, exited(70)) // and now 200 ms
	if !ft.f.brake.holds(ft.sys.now) {
		t.Fatal("the brake does not hold after three crashes")
	}
	ft.f.newGeneration(basePolicy, ft.sys.now)
	ft.f.reconcile()
	ft.want("4:booting")
}
