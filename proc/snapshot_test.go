package proc

import (
	"reflect"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
)

// Snapshot lists every worker, oldest first, with its state, generation,
// age and what its last heartbeat said.
func TestSnapshot(t *testing.T) {
	ft := newFleetTest(t, basePolicy, 2)
	ft.sys.advance(time.Second)
	ft.ready(1)
	ft.sys.advance(time.Second)
	ft.say(1, workerpipe.Message{Kind: workerpipe.KindBeat, Beat: &workerpipe.Beat{InFlight: 3, Requests: 120}})
	ft.f.newGeneration(basePolicy, ft.sys.now)
	ft.f.reconcile()
	ft.sys.advance(500 * time.Millisecond)

	want := []WorkerStatus{
		{PID: 101, ID: 1, Generation: 1, State: "retiring", Booted: true,
			Age: 2500 * time.Millisecond, SinceBeat: 500 * time.Millisecond, Requests: 120, InFlight: 3},
		{PID: 102, ID: 2, Generation: 1, State: "retiring",
			Age: 2500 * time.Millisecond, SinceBeat: 2500 * time.Millisecond},
		{PID: 103, ID: 3, Generation: 2, State: "booting",
			Age: 500 * time.Millisecond, SinceBeat: 500 * time.Millisecond},
		{PID: 104, ID: 4, Generation: 2, State: "booting",
			Age: 500 * time.Millisecond, SinceBeat: 500 * time.Millisecond},
	}
	if got := ft.f.Snapshot(ft.sys.now); !reflect.DeepEqual(got, want) {
		t.Errorf("Snapshot:\n got %+v\nwant %+v", got, want)
	}
	if got := (&fleet{workers: map[int]*worker{}}).Snapshot(ft.sys.now); len(got) != 0 {
		t.Errorf("an empty fleet lists %+v", got)
	}
}
