package proc

import (
	"testing"

	"github.com/gocorn/gocorn/instrument/metrics"
	"github.com/gocorn/gocorn/proc/workerpipe"
)

// served is a heartbeat saying a worker served ok 200s and bad 500s.
func served(ok, bad uint64) workerpipe.Message {
	return workerpipe.Message{Kind: workerpipe.KindBeat, Beat: &workerpipe.Beat{
		Served: &metrics.Requests{Status: map[int]uint64{200: ok, 500: bad}, Buckets: []uint64{ok + bad}},
	}}
}

// The fleet sums its workers' cumulative counts as deltas: what exited
// workers served stays counted, a last heartbeat read after the exit
// counts, and a heartbeat without counts (an older worker) adds nothing.
func TestFleetTalliesServed(t *testing.T) {
	ft := newFleetTest(t, basePolicy, 2)
	ft.ready(1, 2)
	ft.say(1, served(3, 0))
	ft.say(1, served(5, 1))
	ft.say(2, served(4, 0))
	ft.say(2, workerpipe.Message{Kind: workerpipe.KindBeat, Beat: &workerpipe.Beat{InFlight: 1}})
	ft.exit(1, exited(0))
	ft.say(1, served(7, 1)) // its last heartbeat, read after the reap
	ft.f.handle(event{pid: ft.pid(1), closed: true})
	ft.f.reconcile()
	ft.ready(3)
	ft.say(3, served(2, 0))

	if got := ft.f.served.Status; got[200] != 13 || got[500] != 1 {
		t.Errorf("served %v, want 13 200s and one 500", got)
	}
	if got := ft.f.served.Buckets; len(got) != 1 || got[0] != 14 {
		t.Errorf("buckets %v", got)
	}
	if _, kept := ft.f.reported[ft.pid(1)]; kept || len(ft.f.reported) != 2 {
		t.Errorf("reports kept for %v: a closed pipe's should go", ft.f.reported)
	}
}
