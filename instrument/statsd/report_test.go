package statsd

import (
	"testing"

	"github.com/gocorn/gocorn/instrument/metrics"
)

// Gauges go as they are, counters as what they grew by since the last
// report; counting while statsd is off sends no burst when it comes on.
func TestReporter(t *testing.T) {
	workers := &metrics.Metric{Name: "workers", Kind: metrics.Gauge}
	backlog := &metrics.Metric{Name: "backlog", Kind: metrics.Histogram}
	spawned := &metrics.Metric{Name: "workers.spawned", Kind: metrics.Counter}
	c, r := heldClient(t, "app")
	var rep Reporter
	rep.Report(nil, []metrics.Sample{{Metric: spawned, Value: 7}}) // statsd off
	rep.Report(c, []metrics.Sample{{Metric: workers, Value: 2}, {Metric: backlog, Value: 5}, {Metric: spawned, Value: 9}})
	rep.Report(c, []metrics.Sample{{Metric: spawned, Value: 9}})
	c.Close()
	wantSent(t, r,
		"app.gunicorn.workers:2|g",
		"app.gunicorn.backlog:5|h",
		"app.gunicorn.workers.spawned:2|c|@1.0",
		"app.gunicorn.workers.spawned:0|c|@1.0")
}
