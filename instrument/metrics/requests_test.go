package metrics

import (
	"reflect"
	"sync"
	"testing"
	"time"
)

// A response lands in the first bucket whose bound it does not exceed;
// a bound itself belongs to its bucket, as Prometheus's le says.
func TestRecorderBuckets(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int // bucket index
	}{
		{0, 0},
		{5 * time.Millisecond, 0},
		{5*time.Millisecond + 1, 1},
		{300 * time.Millisecond, 6},
		{10 * time.Second, 10},
		{time.Hour, 11},
		{-time.Second, 0}, // a clock step back is no reason to panic
	}
	for _, tt := range tests {
		var r Recorder
		r.Observe(200, tt.d)
		got := r.Totals()
		want := make([]uint64, len(DurationBuckets)+1)
		want[tt.want] = 1
		if !reflect.DeepEqual(got.Buckets, want) {
			t.Errorf("%s: buckets %v, want %v", tt.d, got.Buckets, want)
		}
	}
}

func TestRecorderTotals(t *testing.T) {
	var r Recorder
	if got := r.Totals(); !reflect.DeepEqual(got, Requests{}) {
		t.Fatalf("nothing observed: %+v", got)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 250 {
				r.Observe(200, 2*time.Millisecond)
			}
		})
	}
	wg.Wait()
	r.Observe(503, time.Second)
	r.Observe(0, 0)    // the client left
	r.Observe(1234, 0) // no such code: counted as 0
	r.Observe(-1, 0)   // likewise
	got := r.Totals()
	if want := map[int]uint64{200: 1000, 503: 1, 0: 3}; !reflect.DeepEqual(got.Status, want) {
		t.Errorf("status %v, want %v", got.Status, want)
	}
	if got.Count() != 1004 {
		t.Errorf("count %d", got.Count())
	}
	if got.Seconds < 2.99 || got.Seconds > 3.01 {
		t.Errorf("seconds %v, want 3", got.Seconds)
	}
}

// The master sums workers' reports as deltas: Since then Add gives back
// the newer report, and a report that went down adds nothing.
func TestRequestsSinceAdd(t *testing.T) {
	old := Requests{Status: map[int]uint64{200: 5, 404: 1}, Buckets: []uint64{4, 2}, Seconds: 1}
	now := Requests{Status: map[int]uint64{200: 9, 404: 1, 500: 2}, Buckets: []uint64{7, 5}, Seconds: 3}
	d := now.Since(old)
	want := Requests{Status: map[int]uint64{200: 4, 500: 2}, Buckets: []uint64{3, 3}, Seconds: 2}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("delta %+v, want %+v", d, want)
	}
	sum := old.Clone()
	sum.Add(d)
	if !reflect.DeepEqual(sum, now) {
		t.Errorf("old + delta = %+v, want %+v", sum, now)
	}
	if back := old.Since(now); back.Count() != 0 || back.Buckets != nil || back.Seconds != 0 {
		t.Errorf("a report that went down gives %+v, want nothing", back)
	}
	var empty Requests
	empty.Add(Requests{})
	if !reflect.DeepEqual(empty, Requests{}) {
		t.Errorf("adding nothing made %+v", empty)
	}
}

func TestRequestsCloneIsDeep(t *testing.T) {
	r := Requests{Status: map[int]uint64{200: 1}, Buckets: []uint64{1}}
	c := r.Clone()
	c.Status[200]++
	c.Buckets[0]++
	if r.Status[200] != 1 || r.Buckets[0] != 1 {
		t.Errorf("the clone shares memory with the original: %+v", r)
	}
}

// BenchmarkRecorderObserve is the per-request cost of the counts the
// master aggregates for Prometheus.
func BenchmarkRecorderObserve(b *testing.B) {
	var r Recorder
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Observe(200, 3*time.Millisecond)
		}
	})
}
