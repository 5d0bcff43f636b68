package statsd

import (
	"strings"
	"testing"
	"time"

	"github.com/gocorn/gocorn/instrument/metrics"

	"github.com/gocorn/gocorn/instrument/statsd/statsdtest"
)

// Gauges go as they are, counters as what they grew by since the last
// report; counting while statsd is off sends no burst when it comes on.
func TestReporter(t *testing.T) {
	workers := &metrics.Metric{Name: "workers", Kind: metrics.Gauge}
	backlog := &metrics.Metric{Name: "backlog", Kind: metrics.Histogram}
	spawned := &metrics.Metric{Name: "workers.spawned", Kind: metrics.Counter}
	r := statsdtest.ListenUDP(t)
	c, err := newClient(Config{Network: "udp", Address: r.Addr, Prefix: "app"}, timing{flush: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var rep Reporter
	rep.Report(nil, []metrics.Sample{{Metric: spawned, Value: 7}}) // statsd off
	rep.Report(c, []metrics.Sample{{Metric: workers, Value: 2}, {Metric: backlog, Value: 5}, {Metric: spawned, Value: 9}})
	rep.Report(c, []metrics.Sample{{Metric: spawned, Value: 9}})
	c.Close()
	got := strings.Join(r.WaitLines(t, 4), "\n")
	want := strings.Join([]string{
		"app.gunicorn.workers:2|g",
		"app.gunicorn.backlog:5|h",
		"app.gunicorn.workers.spawned:2|c|@1.0",
		"app.gunicorn.workers.spawned:0|c|@1.0",
	}, "\n")
	if got != want {
		t.Errorf("sent:\n%s\nwant\n%s", got, want)
	}
}
