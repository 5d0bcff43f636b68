package proc

import (
	"os"
	"strings"
	"testing"
)

// docs/metrics.md documents every metric the master sends, under both
// names, and the request and log metrics of the workers.
func TestMetricsDoc(t *testing.T) {
	doc, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{
		"`gunicorn.requests`", "`gunicorn.request.duration`", "`gunicorn.request.status.<code>`",
		"`gunicorn.log.warning`", "`gunicorn.log.error`", "`gunicorn.log.exception`", "`gunicorn.log.critical`",
		"`gocorn_requests_total{code=", "`gocorn_request_duration_seconds`",
	}
	for _, fm := range fleetMetrics {
		names = append(names, "`gunicorn."+fm.Name+"`", "`"+fm.Prom+"`")
	}
	for _, name := range names {
		if !strings.Contains(string(doc), name) {
			t.Errorf("docs/metrics.md does not document %s", name)
		}
	}
}

// Every fleet metric reaches statsd and Prometheus, the backlog only
// when it is known and, for statsd, asked for.
func TestFleetSamples(t *testing.T) {
	v := &fleetView{workers: 3, queued: 4, counts: Counts{Spawned: 7}}
	has := func(withBacklog bool, v *fleetView, name string) (float64, bool) {
		for _, s := range v.samples(withBacklog) {
			if s.Name == name {
				return s.Value, true
			}
		}
		return 0, false
	}
	if n, ok := has(true, v, "workers"); !ok || n != 3 {
		t.Errorf("workers: %v %t", n, ok)
	}
	if n, ok := has(true, v, "workers.spawned"); !ok || n != 7 {
		t.Errorf("workers.spawned: %v %t", n, ok)
	}
	if n, ok := has(true, v, "backlog"); !ok || n != 4 {
		t.Errorf("backlog: %v %t", n, ok)
	}
	if _, ok := has(false, v, "backlog"); ok {
		t.Error("backlog sent without enable_backlog_metric")
	}
	if _, ok := has(true, &fleetView{queued: -1}, "backlog"); ok {
		t.Error("an unknown backlog is sent")
	}
	if got := len(v.samples(false)); got != len(fleetMetrics)-1 {
		t.Errorf("%d samples, want every metric but the backlog", got)
	}
}
