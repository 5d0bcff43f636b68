package statsd

import (
	"testing"
	"time"
)

func TestPrefix(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"svc", "svc."},
		{"svc.", "svc."},
		{"svc...", "svc."},
		{"a.b", "a.b."},
		{"a", "a."}, // gunicorn writes "agunicorn.requests" here; gocorn keeps the dot
		{"...", ""},
	}
	for _, tt := range tests {
		if got := Prefix(tt.in); got != tt.want {
			t.Errorf("Prefix(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Every kind of line, with and without prefix and tags, as gunicorn
// writes it (gunicorn-26 reference §5; the tagged counter is its verified
// sample).
func TestLines(t *testing.T) {
	plain := format{}
	svc := format{prefix: Prefix("svc"), tags: TagSuffix("env:dev")}
	odd := format{prefix: Prefix("p."), tags: TagSuffix("solo,k:v")} // tags go verbatim, even one without a colon
	tests := []struct {
		name string
		line []byte
		want string
	}{
		{"counter", plain.count(nil, "gunicorn.requests", 1), "gunicorn.requests:1|c|@1.0"},
		{"tagged counter", svc.count(nil, "gunicorn.requests", 1), "svc.gunicorn.requests:1|c|@1.0|#env:dev"},
		{"verbatim tags", odd.count(nil, "gunicorn.log.error", 1), "p.gunicorn.log.error:1|c|@1.0|#solo,k:v"},
		{"zero counter", plain.count(nil, "gunicorn.workers.spawned", 0), "gunicorn.workers.spawned:0|c|@1.0"},
		{"gauge", svc.gauge(nil, "gunicorn.workers", 4), "svc.gunicorn.workers:4|g|#env:dev"},
		{"histogram", plain.histogram(nil, "gunicorn.backlog", 17), "gunicorn.backlog:17|h"},
		{"timer", plain.timer(nil, "gunicorn.request.duration", 12345678*time.Nanosecond), "gunicorn.request.duration:12.345|ms"},
		{"tagged timer", svc.timer(nil, "gunicorn.request.duration", 2*time.Second), "svc.gunicorn.request.duration:2000.0|ms|#env:dev"},
		{"status", svc.status(nil, 404), "svc.gunicorn.request.status.404:1|c|@1.0|#env:dev"},
		{"appends", plain.gauge([]byte("x\n"), "g", 1), "x\ng:1|g"},
	}
	for _, tt := range tests {
		if string(tt.line) != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.line, tt.want)
		}
	}
}

// Durations are milliseconds at microsecond precision, printed as Python
// prints a float.
func TestAppendMillis(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0.0"},
		{999 * time.Nanosecond, "0.0"},
		{time.Microsecond, "0.001"},
		{1500 * time.Microsecond, "1.5"},
		{3 * time.Millisecond, "3.0"},
		{61*time.Second + 7*time.Microsecond, "61000.007"},
		{-time.Second, "0.0"},
	}
	for _, tt := range tests {
		if got := string(appendMillis(nil, tt.d)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.d, got, tt.want)
		}
	}
}
