package prom

import (
	"io"
	"math"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/instrument/metrics"
	"github.com/gocorn/gocorn/starcfg/golden"
)

// scrape serves one scrape of read and returns the text.
func scrape(t *testing.T, read ReadFunc) string {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler(read).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return string(body)
}

// The workers' per-bucket counts become Prometheus's cumulative buckets,
// whatever length of bucket list a worker sent; samples are typed by
// kind.
func TestCollector(t *testing.T) {
	up := &metrics.Metric{Prom: "x_up", Kind: metrics.Gauge, Help: "Up."}
	done := &metrics.Metric{Prom: "x_done_total", Kind: metrics.Counter, Help: "Done."}
	queue := &metrics.Metric{Prom: "x_queue", Kind: metrics.Histogram, Help: "Queue."}
	tests := []struct {
		name   string
		served metrics.Requests
		want   []string
	}{
		{"nothing served", metrics.Requests{}, []string{
			`gocorn_request_duration_seconds_bucket{le="+Inf"} 0`, "gocorn_request_duration_seconds_count 0",
		}},
		{"every bucket", metrics.Requests{Status: map[int]uint64{200: 6, 0: 1},
			Buckets: []uint64{1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1}, Seconds: 40}, []string{
			`gocorn_requests_total{code="0"} 1`, `gocorn_requests_total{code="200"} 6`,
			`gocorn_request_duration_seconds_bucket{le="0.005"} 1`,
			`gocorn_request_duration_seconds_bucket{le="0.01"} 3`,
			`gocorn_request_duration_seconds_bucket{le="10"} 6`,
			`gocorn_request_duration_seconds_bucket{le="+Inf"} 7`,
			"gocorn_request_duration_seconds_sum 40",
		}},
		{"fewer buckets", metrics.Requests{Status: map[int]uint64{200: 2}, Buckets: []uint64{2}}, []string{
			`gocorn_request_duration_seconds_bucket{le="10"} 2`, `gocorn_request_duration_seconds_bucket{le="+Inf"} 2`,
		}},
	}
	for _, tt := range tests {
		body := scrape(t, func() ([]metrics.Sample, metrics.Requests) {
			return []metrics.Sample{{Metric: up, Value: 1}, {Metric: done, Value: 5}, {Metric: queue, Value: 3}}, tt.served
		})
		want := append(tt.want, "# TYPE x_up gauge\nx_up 1\n", "# TYPE x_done_total counter\nx_done_total 5\n",
			"# TYPE x_queue gauge\nx_queue 3\n", "# HELP x_up Up.\n")
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q in\n%s", tt.name, w, body)
			}
		}
	}
}

// A whole scrape, byte for byte: families sorted by name, HELP then TYPE,
// the media type of the text format.
func TestScrapeGolden(t *testing.T) {
	up := &metrics.Metric{Prom: "gocorn_workers", Kind: metrics.Gauge, Help: "Worker processes.\nAll of them."}
	spawned := &metrics.Metric{Prom: "gocorn_workers_spawned_total", Kind: metrics.Counter, Help: `Workers started (a \ b).`}
	rec := httptest.NewRecorder()
	Handler(func() ([]metrics.Sample, metrics.Requests) {
		return []metrics.Sample{{Metric: spawned, Value: 3}, {Metric: up, Value: 2}},
			metrics.Requests{Status: map[int]uint64{404: 1, 200: 4}, Buckets: []uint64{4, 0, 1}, Seconds: 0.0125}
	}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	golden.Check(t, "testdata/scrape.golden", rec.Body.String())
}

func TestNumber(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 1.5: "1.5", 1e21: "1e+21", 0.005: "0.005",
		math.Inf(1): "+Inf", math.Inf(-1): "-Inf", math.NaN(): "NaN"} {
		if got := number(v); got != want {
			t.Errorf("number(%v) = %q, want %q", v, got, want)
		}
	}
}
