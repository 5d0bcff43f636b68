package proc

import (
	"testing"
	"time"
)

func TestJittered(t *testing.T) {
	for _, tc := range []struct{ max, jitter, lo, hi int }{
		{0, 0, 0, 0},
		{0, 50, 0, 0}, // jitter without max_requests means nothing, as gunicorn
		{100, 0, 100, 100},
		{100, 10, 100, 110},
	} {
		seen := map[int]bool{}
		for range 2000 {
			n := jittered(tc.max, tc.jitter)
			if n < tc.lo || n > tc.hi {
				t.Fatalf("jittered(%d, %d) = %d, want %d..%d", tc.max, tc.jitter, n, tc.lo, tc.hi)
			}
			seen[n] = true
		}
		if want := tc.hi - tc.lo + 1; len(seen) != want {
			t.Errorf("jittered(%d, %d) took %d values, want all %d (bounds inclusive)", tc.max, tc.jitter, len(seen), want)
		}
	}
}

// Each worker draws its own limits from the budget.
func TestBudgetsAreDrawnPerWorker(t *testing.T) {
	p := policy{requests: budget{100, 10}, lifetime: budget{60, 5}, memory: budget{64, 4}}
	ft := newFleetTest(t, p, 1)
	w := ft.byID(1)
	boot := ft.sys.workers[0].boot
	if boot.ID != 1 || boot.MaxRequests < 100 || boot.MaxRequests > 110 {
		t.Errorf("boot message: id %d, max requests %d, want id 1 and 100..110", boot.ID, boot.MaxRequests)
	}
	if w.maxLifetime < 60*time.Second || w.maxLifetime > 65*time.Second || w.maxRSS < 64<<20 || w.maxRSS > 68<<20 {
		t.Errorf("limits: lifetime %s, RSS %d; want 60..65s, 64..68 MiB", w.maxLifetime, w.maxRSS)
	}
}
