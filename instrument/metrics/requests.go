// Package metrics holds what gocorn's metric sinks report, as plain data:
// the requests a worker served (counted lock-free as they end, sent to the
// master in its heartbeats, summed by the master), and the master's fleet
// metrics as named samples. The sinks (instrument/statsd, instrument/prom)
// read these types; they know nothing of workers or of the master.
package metrics

import (
	"slices"
	"sync/atomic"
	"time"
)

// DurationBuckets are the upper bounds, in seconds, of the request
// duration histogram: Prometheus's default buckets. They are fixed, so
// that every worker's histogram adds up with every other's, across
// generations and binaries.
var DurationBuckets = [...]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// bucketBounds are DurationBuckets as durations, for the hot path.
var bucketBounds = func() (b [len(DurationBuckets)]time.Duration) {
	for i, s := range DurationBuckets {
		b[i] = time.Duration(s * float64(time.Second))
	}
	return b
}()

// Requests count responses since some start (a worker's boot, the
// master's start): by status code and by duration. It is plain data, the
// form requests travel in on the worker pipe.
type Requests struct {
	// Status counts responses by status code; 0 is a request whose
	// client left before it was answered.
	Status map[int]uint64 `json:"status,omitempty"`

	// Buckets counts responses by duration: Buckets[i] took at most
	// DurationBuckets[i] seconds and more than the bound before it; the
	// last counts those longer than every bound. Nil when there were none.
	Buckets []uint64 `json:"buckets,omitempty"`

	// Seconds is the sum of the durations.
	Seconds float64 `json:"seconds,omitempty"`
}

// Count is the number of responses.
func (r *Requests) Count() uint64 {
	var n uint64
	for _, c := range r.Status {
		n += c
	}
	return n
}

// Add adds d to r.
func (r *Requests) Add(d Requests) {
	for code, n := range d.Status {
		if r.Status == nil {
			r.Status = make(map[int]uint64)
		}
		r.Status[code] += n
	}
	if len(d.Buckets) > 0 && len(r.Buckets) < len(d.Buckets) {
		r.Buckets = append(r.Buckets, make([]uint64, len(d.Buckets)-len(r.Buckets))...)
	}
	for i, n := range d.Buckets {
		r.Buckets[i] += n
	}
	r.Seconds += d.Seconds
}

// Since is what r counted after old, an earlier report of the same
// counters. A count lower than old's (which a worker never reports)
// counts as no change, so a sum of deltas never goes backwards.
func (r *Requests) Since(old Requests) Requests {
	var d Requests
	for code, n := range r.Status {
		if n > old.Status[code] {
			if d.Status == nil {
				d.Status = make(map[int]uint64)
			}
			d.Status[code] = n - old.Status[code]
		}
	}
	for i, n := range r.Buckets {
		var before uint64
		if i < len(old.Buckets) {
			before = old.Buckets[i]
		}
		if n > before {
			if d.Buckets == nil {
				d.Buckets = make([]uint64, len(r.Buckets))
			}
			d.Buckets[i] = n - before
		}
	}
	d.Seconds = max(r.Seconds-old.Seconds, 0)
	return d
}

// Clone is a deep copy of r, for a reader on another goroutine.
func (r *Requests) Clone() Requests {
	c := Requests{Buckets: slices.Clone(r.Buckets), Seconds: r.Seconds}
	if r.Status != nil {
		c.Status = make(map[int]uint64, len(r.Status))
		for code, n := range r.Status {
			c.Status[code] = n
		}
	}
	return c
}

// Recorder counts a worker's responses as they end. Observe is safe for
// concurrent use and takes no lock: a few atomic additions per request.
type Recorder struct {
	status  [1000]atomic.Uint64 // by code; net/http sends codes 100 to 999
	buckets [len(DurationBuckets) + 1]atomic.Uint64
	nanos   atomic.Uint64
}

// Observe counts one response with status that took d.
func (r *Recorder) Observe(status int, d time.Duration) {
	if status < 0 || status >= len(r.status) {
		status = 0
	}
	r.status[status].Add(1)
	i := 0
	for i < len(bucketBounds) && d > bucketBounds[i] {
		i++
	}
	r.buckets[i].Add(1)
	r.nanos.Add(uint64(max(d, 0)))
}

// Totals are the responses counted so far.
func (r *Recorder) Totals() Requests {
	var t Requests
	for code := range r.status {
		if n := r.status[code].Load(); n > 0 {
			if t.Status == nil {
				t.Status = make(map[int]uint64)
			}
			t.Status[code] = n
		}
	}
	if t.Status == nil {
		return t
	}
	t.Buckets = make([]uint64, len(r.buckets))
	for i := range r.buckets {
		t.Buckets[i] = r.buckets[i].Load()
	}
	t.Seconds = time.Duration(r.nanos.Load()).Seconds()
	return t
}
