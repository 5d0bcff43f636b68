package main

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"syscall"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
)

// metricsURL waits for the master's "Metrics at:" line and returns the
// listener's URL.
func metricsURL(in *proctest.Instance) string {
	in.T.Helper()
	return in.WaitLog(`Metrics at: (http://\S+) `)[1]
}

// fetch gets url and returns the status and body.
func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := proctest.Client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// scraped is one value of a Prometheus text exposition: the line
// "name value" (name with its labels, as exposed); -1 when absent.
func scraped(body, name string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// waitScrape scrapes url until name reaches want and returns the body.
func waitScrape(t *testing.T, url, name string, want float64) string {
	t.Helper()
	var body string
	if !proctest.Poll(func() bool { _, body = fetch(t, url); return scraped(body, name) == want }) {
		t.Fatalf("%s is %v, not %v, within %s:\n%s", name, scraped(body, name), want, proctest.WaitFor, body)
	}
	return body
}

// /metrics on metrics_bind sums what every worker served, from their
// heartbeats: after a known number of requests its counters and
// histogram hold them all, and they never go back when workers exit, be
// it a crash or a HUP's new generation.
func TestMetricsScrape(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-w", "2", "-k", "gthread",
		"--metrics-bind", "127.0.0.1:0", "chaos")
	url := metricsURL(in) + "/metrics"
	for range 50 {
		in.Get("/")
	}
	in.Get("/panic")
	ok, failed := `gocorn_requests_total{code="200"}`, `gocorn_requests_total{code="500"}`
	body := waitScrape(t, url, ok, 50)
	for name, want := range map[string]float64{
		failed:                                  1,
		"gocorn_request_duration_seconds_count": 51,
		`gocorn_request_duration_seconds_bucket{le="+Inf"}`: 51,
		"gocorn_workers":               2,
		"gocorn_workers_ready":         2,
		"gocorn_workers_spawned_total": 2,
		"gocorn_reloads_total":         0,
	} {
		if got := scraped(body, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if scraped(body, "gocorn_backlog") != 0 {
		t.Errorf("gocorn_backlog: %v, want 0", scraped(body, "gocorn_backlog"))
	}

	// A worker killed outright: what it reported stays counted.
	victim := in.Workers()[0]
	syscall.Kill(victim, syscall.SIGKILL)
	in.WaitLog(fmt.Sprintf(`Worker \(pid:%d\) was sent SIGKILL`, victim))
	in.WaitWorkers(2)
	body = waitScrape(t, url, "gocorn_workers_spawned_total", 3)
	if got := scraped(body, ok); got != 50 {
		t.Errorf("after a worker died, %s = %v, want 50", ok, got)
	}

	// A HUP replaces every worker: nothing counted is lost, and new
	// requests add up.
	in.Reload(2)
	for range 30 {
		in.Get("/")
	}
	body = waitScrape(t, url, ok, 80)
	if scraped(body, failed) != 1 || scraped(body, "gocorn_reloads_total") != 1 {
		t.Errorf("after a HUP:\n%s", body)
	}
}

// /healthz answers while the master runs; /readyz turns 503 at TERM,
// during shutdown_delay, while the application is still served, so a
// load balancer stops sending traffic first.
func TestReadyzDuringShutdownDelay(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "--shutdown-delay", "2",
		"--metrics-bind", "127.0.0.1:0", "hello")
	base := metricsURL(in)
	// The worker has booted; /readyz says ready once it reports ready.
	var code int
	var body string
	if !proctest.Poll(func() bool { code, body = fetch(t, base+"/readyz"); return code == 200 }) || body != "ready: 1 worker serving\n" {
		t.Fatalf("/readyz before TERM: %d %q", code, body)
	}
	if code, body := fetch(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	in.Signal(syscall.SIGTERM)
	in.WaitLog(`Stopping in 2s \(shutdown_delay\)`)
	if code, body := fetch(t, base+"/readyz"); code != 503 || body != "not ready: stopping\n" {
		t.Errorf("/readyz during shutdown_delay: %d %q", code, body)
	}
	if code, _ := fetch(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz during shutdown_delay: %d", code)
	}
	if code, _ := in.Get("/"); code != 200 {
		t.Errorf("the app during shutdown_delay: %d", code)
	}
	if code := in.Wait(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}
