package metrics

// Kind is how a sink reports a metric.
type Kind int

const (
	// Gauge is a value at one moment: statsd "|g", a Prometheus gauge.
	Gauge Kind = iota
	// Counter only grows: statsd gets what it grew by since the last
	// report ("|c|@1.0"), Prometheus its running total.
	Counter
	// Histogram is a value at one moment that statsd aggregates as a
	// distribution ("|h", as gunicorn sends gunicorn.backlog); Prometheus
	// sees a gauge.
	Histogram
)

// Metric names one of the master's metrics in each sink and says what it
// means, so both sinks and the docs agree.
type Metric struct {
	Name string // statsd name below "gunicorn.", gunicorn's style: "workers.ready"
	Prom string // Prometheus name: "gocorn_workers_ready"
	Kind Kind
	Help string // one sentence: the Prometheus HELP text
}

// Sample is a metric's value at one moment; a counter's value is its
// running total.
type Sample struct {
	*Metric
	Value float64
}
