package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/instrument/statsd/statsdtest"
)

// statsdLine is any line gocorn sends, as gunicorn writes it: prefix,
// name, value, type (counters with their rate) and the tags.
var statsdLine = regexp.MustCompile(`^svc\.gunicorn\.[a-z0-9_.]+:-?[0-9]+(\.[0-9]+)?\|(c\|@1\.0|g|ms|h)\|#env:test$`)

// After a known number of requests through the built binary, statsd has
// gunicorn's request metrics from the workers (the access log off), the
// panics counted as gunicorn.log.exception, and the master's gauges,
// every line in gunicorn's format with the prefix and the tags.
func TestStatsdRequestMetrics(t *testing.T) {
	r := statsdtest.ListenUDP(t)
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-w", "2", "-k", "gthread",
		"--statsd-host", r.Addr, "--statsd-prefix", "svc", "--dogstatsd-tags", "env:test", "chaos")
	for range 100 {
		if code, _ := in.Get("/"); code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	for range 2 {
		if code, _ := in.Get("/panic"); code != 500 {
			t.Fatalf("/panic: status %d", code)
		}
	}
	const tag = "|#env:test"
	lines := r.Wait(t, "102 requests, 2 exceptions and the workers gauge", func(lines []string) bool {
		return statsdtest.Count(lines, "svc.gunicorn.requests:1|c|@1.0"+tag) == 102 &&
			statsdtest.Count(lines, "svc.gunicorn.log.exception:1|c|@1.0"+tag) == 2 &&
			statsdtest.Count(lines, "svc.gunicorn.workers:2|g"+tag) > 0
	})
	if n := statsdtest.Count(lines, "svc.gunicorn.request.status.200:1|c|@1.0"+tag); n != 100 {
		t.Errorf("%d status.200 counters, want 100", n)
	}
	if n := statsdtest.Count(lines, "svc.gunicorn.request.status.500:1|c|@1.0"+tag); n != 2 {
		t.Errorf("%d status.500 counters, want 2", n)
	}
	durations := 0
	for _, l := range lines {
		if !statsdLine.MatchString(l) {
			t.Errorf("not gunicorn's format: %q", l)
		}
		if strings.HasPrefix(l, "svc.gunicorn.request.duration:") && strings.HasSuffix(l, "|ms"+tag) {
			durations++
		}
	}
	if durations != 102 {
		t.Errorf("%d duration timers, want 102", durations)
	}
	for _, gauge := range []string{"workers.ready:2|g", "workers.busy:", "workers.idle:", "requests.in_flight:"} {
		if !strings.Contains(strings.Join(lines, "\n"), "svc.gunicorn."+gauge) {
			t.Errorf("no %s gauge from the master", gauge)
		}
	}
}

// statsd_host = "unix:PATH" sends to a unix datagram socket.
func TestStatsdUnixDatagram(t *testing.T) {
	r := statsdtest.ListenUnix(t)
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "--statsd-host", "unix:"+r.Addr, "hello")
	for range 10 {
		in.Get("/")
	}
	r.Wait(t, "10 requests", func(lines []string) bool {
		return statsdtest.Count(lines, "gunicorn.requests:1|c|@1.0") == 10 &&
			statsdtest.Count(lines, "gunicorn.request.status.200:1|c|@1.0") == 10
	})
}

// A HUP that changes statsd_host moves every metric: the master's
// client is replaced and the new workers send to the new address.
func TestStatsdFollowsHUP(t *testing.T) {
	before, after := statsdtest.ListenUDP(t), statsdtest.ListenUDP(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "gocorn.conf.star")
	write := func(host string) {
		t.Helper()
		if err := os.WriteFile(conf, fmt.Appendf(nil, "bind = [\"127.0.0.1:0\"]\nstatsd_host = %q\n", host), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(before.Addr)
	in := start(t, dir, "-c", conf, "hello")
	for range 3 {
		in.Get("/")
	}
	before.Wait(t, "3 requests", func(l []string) bool { return statsdtest.Count(l, "gunicorn.requests:1|c|@1.0") == 3 })

	write(after.Addr)
	in.Reload(2)
	for range 5 {
		in.Get("/")
	}
	after.Wait(t, "5 requests and the master's gauges", func(l []string) bool {
		return statsdtest.Count(l, "gunicorn.requests:1|c|@1.0") == 5 && statsdtest.Count(l, "gunicorn.workers:1|g") > 0
	})
	if n := statsdtest.Count(before.Lines(), "gunicorn.requests:1|c|@1.0"); n != 3 {
		t.Errorf("the old address got %d requests, want the 3 from before the HUP", n)
	}
}
