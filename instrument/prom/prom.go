// Package prom serves gocorn's metrics in Prometheus's exposition format,
// with github.com/prometheus/client_golang: the master's samples and the
// requests it summed from every worker's heartbeats, read afresh at each
// scrape. There is no multiprocess directory: the master is one process
// that already knows every count, and keeps what exited workers had
// counted, so counters never go backwards and no series goes stale when
// a worker is replaced.
package prom

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gocorn/gocorn/instrument/metrics"
)

// ReadFunc returns the metrics of one scrape: the master's samples and
// the requests every worker served. It is called on the scrape's
// goroutine, so what it returns must not change afterwards.
type ReadFunc func() ([]metrics.Sample, metrics.Requests)

// Handler serves read's metrics: the text format, or OpenMetrics or
// protobuf when a scraper asks for them.
func Handler(read ReadFunc) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{read})
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// The request metrics, Prometheus's names for gunicorn's
// gunicorn.request.status.<code> and gunicorn.request.duration.
var (
	requestsDesc = prometheus.NewDesc("gocorn_requests_total",
		"Responses by status code, from every worker since the master started (0: the client left before an answer).",
		[]string{"code"}, nil)
	durationDesc = prometheus.NewDesc("gocorn_request_duration_seconds",
		"Time from a request's arrival to the end of its response, from every worker since the master started.",
		nil, nil)
)

// collector is an unchecked collector (Describe says nothing): which
// metrics a scrape has varies, gocorn_backlog being there only while the
// master can read it.
type collector struct{ read ReadFunc }

func (collector) Describe(chan<- *prometheus.Desc) {}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	samples, served := c.read()
	for _, s := range samples {
		desc := prometheus.NewDesc(s.Prom, s.Help, nil, nil)
		ch <- prometheus.MustNewConstMetric(desc, valueType(s.Kind), s.Value)
	}
	codes := make([]int, 0, len(served.Status))
	for code := range served.Status {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue,
			float64(served.Status[code]), strconv.Itoa(code))
	}
	ch <- durations(served)
}

// durations is the request duration histogram: Prometheus's buckets are
// cumulative, the workers' are not.
func durations(r metrics.Requests) prometheus.Metric {
	buckets := make(map[float64]uint64, len(metrics.DurationBuckets))
	var count uint64
	for i, bound := range metrics.DurationBuckets {
		if i < len(r.Buckets) {
			count += r.Buckets[i]
		}
		buckets[bound] = count
	}
	for _, n := range r.Buckets[min(len(metrics.DurationBuckets), len(r.Buckets)):] {
		count += n // beyond the last bound: +Inf
	}
	return prometheus.MustNewConstHistogram(durationDesc, count, r.Seconds, buckets)
}

// valueType is how Prometheus types a sample of kind k.
func valueType(k metrics.Kind) prometheus.ValueType {
	if k == metrics.Counter {
		return prometheus.CounterValue
	}
	return prometheus.GaugeValue
}
