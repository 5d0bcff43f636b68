// Package prom serves gocorn's metrics in Prometheus's text exposition
// format (version 0.0.4): the master's samples and the requests it summed
// from every worker's heartbeats, read afresh at each scrape. There is no
// multiprocess directory: the master is one process that already knows
// every count, and keeps what exited workers had counted, so counters
// never go backwards and no series goes stale when a worker is replaced.
//
// The format is written here rather than with
// github.com/prometheus/client_golang: every gocorn process is the same
// binary, and that library's package initialisation (its default
// registry's collectors, protobuf descriptors) costs each worker about
// 6 MB of resident memory it never uses (measured: 2.5 MB for an empty Go
// program, 8.5 MB with the library imported). The text format is small,
// stable and what every scraper reads.
package prom

import (
	"bufio"
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gocorn/gocorn/instrument/metrics"
)

// ReadFunc returns the metrics of one scrape: the master's samples and
// the requests every worker served. It is called on the scrape's
// goroutine, so what it returns must not change afterwards.
type ReadFunc func() ([]metrics.Sample, metrics.Requests)

// contentType is the text format's media type.
const contentType = "text/plain; version=0.0.4; charset=utf-8"

// The request metrics, Prometheus's names for gunicorn's
// gunicorn.request.status.<code> and gunicorn.request.duration.
const (
	requestsName = "gocorn_requests_total"
	requestsHelp = "Responses by status code, from every worker since the master started (0: the client left before an answer)."
	durationName = "gocorn_request_duration_seconds"
	durationHelp = "Time from a request's arrival to the end of its response, from every worker since the master started."
)

// Handler serves read's metrics in the text format.
func Handler(read ReadFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		samples, served := read()
		w.Header().Set("Content-Type", contentType)
		bw := bufio.NewWriter(w)
		write(bw, samples, served)
		bw.Flush()
	})
}

// family is one metric's lines: its HELP and TYPE, then its samples.
type family struct {
	name, help, typ string
	lines           []string
}

// write writes every family, sorted by name, as client_golang does.
func write(w *bufio.Writer, samples []metrics.Sample, served metrics.Requests) {
	fams := make([]family, 0, len(samples)+2)
	for _, s := range samples {
		fams = append(fams, family{s.Prom, s.Help, typeOf(s.Kind), []string{s.Prom + " " + number(s.Value)}})
	}
	fams = append(fams, requests(served), durations(served))
	slices.SortFunc(fams, func(a, b family) int { return cmp.Compare(a.name, b.name) })
	for _, f := range fams {
		w.WriteString("# HELP " + f.name + " " + escapeHelp(f.help) + "\n")
		w.WriteString("# TYPE " + f.name + " " + f.typ + "\n")
		for _, l := range f.lines {
			w.WriteString(l + "\n")
		}
	}
}

// requests is gocorn_requests_total, one sample per status code.
func requests(r metrics.Requests) family {
	f := family{name: requestsName, help: requestsHelp, typ: "counter"}
	codes := make([]int, 0, len(r.Status))
	for code := range r.Status {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		f.lines = append(f.lines, requestsName+`{code="`+strconv.Itoa(code)+`"} `+number(float64(r.Status[code])))
	}
	return f
}

// durations is the request duration histogram: Prometheus's buckets are
// cumulative, the workers' are not, and what lies beyond the last bound
// counts in +Inf only.
func durations(r metrics.Requests) family {
	f := family{name: durationName, help: durationHelp, typ: "histogram"}
	var count uint64
	for i, bound := range metrics.DurationBuckets {
		if i < len(r.Buckets) {
			count += r.Buckets[i]
		}
		f.lines = append(f.lines, durationName+`_bucket{le="`+number(bound)+`"} `+strconv.FormatUint(count, 10))
	}
	for _, n := range r.Buckets[min(len(metrics.DurationBuckets), len(r.Buckets)):] {
		count += n
	}
	total := strconv.FormatUint(count, 10)
	f.lines = append(f.lines, durationName+`_bucket{le="+Inf"} `+total,
		durationName+"_sum "+number(r.Seconds), durationName+"_count "+total)
	return f
}

// typeOf is the TYPE of a sample of kind k: a counter, else a gauge (a
// statsd histogram, such as the backlog, is one value at a time).
func typeOf(k metrics.Kind) string {
	if k == metrics.Counter {
		return "counter"
	}
	return "gauge"
}

// number writes v as the format wants: Go's shortest form, with +Inf,
// -Inf and NaN spelt out.
func number(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// escapeHelp escapes a HELP text: a backslash and a line feed.
func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}
