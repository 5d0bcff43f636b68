package prom

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/instrument/metrics"
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
