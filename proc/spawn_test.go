package proc

import (
	"testing"
	"time"
)

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
