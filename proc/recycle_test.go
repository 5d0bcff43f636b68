package proc

import (
	"fmt"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
)

// A worker is recycled when it asks (max_requests), when it has lived
// past max_worker_lifetime, or when its RSS is over max_worker_memory:
// it retires, its replacement starts, and it stops only once the
// replacement is ready.
func TestRecycling(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy policy
		cause  func(ft *fleetTest)
		line   string // %d is the pid
	}{
		{name: "max_requests", policy: basePolicy,
			cause: func(ft *fleetTest) {
				ft.say(1, workerpipe.Message{Kind: workerpipe.KindRetire, Reason: "max_requests reached"})
			},
			line: "Recycling worker (pid:%d): max_requests reached"},
		{name: "max_worker_lifetime", policy: policy{lifetime: budget{60, 0}},
			cause: func(ft *fleetTest) { ft.sys.advance(61 * time.Second) },
			line:  "Recycling worker (pid:%d): it has run for 1m1s, past max_worker_lifetime"},
		{name: "max_worker_memory", policy: policy{memory: budget{64, 0}},
			cause: func(ft *fleetTest) { ft.sys.rss[ft.pid(1)] = 100 << 20 },
			line:  "Recycling worker (pid:%d): its RSS is 100 MiB, over max_worker_memory (64 MiB for this worker)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := newFleetTest(t, tc.policy, 1)
			ft.ready(1)
			ft.f.checkRecycling(ft.sys.now)
			ft.want("1:ready")
			tc.cause(ft)
			ft.f.checkRecycling(ft.sys.now)
			ft.wantLog(fmt.Sprintf(tc.line, ft.pid(1)))
			ft.f.reconcile()
			ft.want("1:retiring 2:booting")
			ft.ready(2)
			ft.want("1:stopping 2:ready")
		})
	}
}

// Recycling goes one worker at a time, oldest first, and waits while a
// worker retires: at most one extra worker runs. Booting workers are not
// recycled.
func TestRecyclingOneAtATime(t *testing.T) {
	ft := newFleetTest(t, policy{lifetime: budget{60, 0}}, 3)
	ft.ready(3, 1, 2)
	ft.sys.advance(61 * time.Second)
	ft.f.checkRecycling(ft.sys.now)
	ft.f.reconcile()
	ft.want("1:retiring 2:ready 3:ready 4:booting")
	ft.f.checkRecycling(ft.sys.now)
	ft.f.reconcile()
	ft.want("1:retiring 2:ready 3:ready 4:booting")
	ft.ready(4)
	ft.f.checkRecycling(ft.sys.now)
	ft.f.reconcile()
	ft.want("1:stopping 2:retiring 3:ready 4:ready 5:booting")
	ft.sys.advance(61 * time.Second) // 4 and 5 are past their lifetime too, but 5 boots
	ft.ready(5)
	ft.f.checkRecycling(ft.sys.now)
	ft.want("1:stopping 2:stopping 3:retiring 4:ready 5:ready")
}
