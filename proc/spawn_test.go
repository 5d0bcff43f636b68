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

func TestBeatInterval(t *testing.T) {
	for _, tc := range []struct {
		timeout int
		want    time.Duration
	}{
		{0, time.Second},
		{30, time.Second},
		{2, 500 * time.Millisecond},
		{1, 250 * time.Millisecond},
	} {
		if got := beatInterval(tc.timeout); got != tc.want {
			t.Errorf("beatInterval(%d) = %s, want %s", tc.timeout, got, tc.want)
		}
	}
}
