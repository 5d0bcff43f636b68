package statsd

import "github.com/gocorn/gocorn/instrument/metrics"

// Reporter sends the master's samples every interval: gauges and
// histograms as they are, counters as what they grew by since the last
// report, so statsd sums them as it sums gunicorn's own counters. Only
// one goroutine (the master's) uses it.
type Reporter struct {
	sent map[*metrics.Metric]float64 // each counter's total at the last report
}

// Report sends samples to c. With a nil c (statsd off) it only notes the
// counters' totals, so turning statsd on later does not send everything
// counted before as one burst.
func (r *Reporter) Report(c *Client, samples []metrics.Sample) {
	if r.sent == nil {
		r.sent = make(map[*metrics.Metric]float64)
	}
	for _, s := range samples {
		name := "gunicorn." + s.Name
		switch s.Kind {
		case metrics.Gauge:
			c.Gauge(name, int64(s.Value))
		case metrics.Histogram:
			c.Histogram(name, int64(s.Value))
		case metrics.Counter:
			c.Count(name, int64(max(s.Value-r.sent[s.Metric], 0)))
			r.sent[s.Metric] = s.Value
		}
	}
}
