package proc

import (
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/server"
)

// The fleet counts what it does, for "show stats" and the metrics.
func TestCounts(t *testing.T) {
	ft := newFleetTest(t, policy{timeout: time.Second, requests: budget{100, 0}}, 3)
	ft.ready(1, 2, 3)
	ft.say(1, workerpipe.Message{Kind: workerpipe.KindRetire, Reason: "max_requests reached"})
	ft.f.checkRecycling(ft.sys.now)                                                        // 1 retires
	ft.say(2, workerpipe.Message{Kind: workerpipe.KindStuck, Stuck: []server.Request{{}}}) // 2 retires
	ft.say(3, workerpipe.Message{Kind: workerpipe.KindBeat, Beat: &workerpipe.Beat{DeadlinesHit: 2}})
	ft.say(3, workerpipe.Message{Kind: workerpipe.KindBeat, Beat: &workerpipe.Beat{DeadlinesHit: 5}})
	ft.f.reconcile() // 4 and 5 replace them
	ft.exit(4, exited(3))
	ft.sys.advance(2 * time.Second)
	ft.f.checkTimeouts(ft.sys.now) // 1, 2 and 3 are silent; 5 still boots
	ft.sys.advance(2 * time.Second)
	ft.f.killAborted(ft.sys.now)
	ft.f.setTarget(0)
	ft.f.reconcile() // 5 is stopped
	want := Counts{Spawned: 5, Stopped: 1, Killed: 3, Timeouts: 3, Recycled: 1, Stuck: 1,
		BootFailures: 1, Crashes: 1, DeadlinesHit: 5}
	if ft.f.counts != want {
		t.Errorf("counts %+v\nwant   %+v", ft.f.counts, want)
	}
}
