package proc

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/instrument/metrics"
	"github.com/gocorn/gocorn/proc/workerpipe"
)

// get asks h for path and returns the status and body.
func getFrom(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

// The probes answer from the published view: /healthz while the loop
// publishes, /readyz while a worker serves and no stop has begun.
func TestProbes(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		view          *fleetView
		health, ready int
		says          string // in /readyz's answer
	}{
		{"no view yet", nil, 503, 503, "the master has not started"},
		{"serving", &fleetView{taken: now, serving: 2}, 200, 200, "ready: 2 workers serving"},
		{"booting", &fleetView{taken: now, workers: 2}, 200, 503, "not ready: no worker is serving"},
		{"stopping", &fleetView{taken: now, serving: 2, stopping: true}, 200, 503, "not ready: stopping"},
		{"loop stuck", &fleetView{taken: now.Add(-6 * time.Second), serving: 2}, 503, 503, "has not answered for 6s"},
	}
	for _, tt := range tests {
		var latest atomic.Pointer[fleetView]
		latest.Store(tt.view)
		h := adminHandler(&latest, func() time.Time { return now })
		if code, body := getFrom(t, h, "/healthz"); code != tt.health {
			t.Errorf("%s: /healthz %d %q, want %d", tt.name, code, body, tt.health)
		}
		if code, body := getFrom(t, h, "/readyz"); code != tt.ready || !strings.Contains(body, tt.says) {
			t.Errorf("%s: /readyz %d %q, want %d saying %q", tt.name, code, body, tt.ready, tt.says)
		}
	}
}

// /metrics shows the fleet's gauges and counters and the requests summed
// from the workers, in Prometheus's text format.
func TestMetricsEndpoint(t *testing.T) {
	var latest atomic.Pointer[fleetView]
	latest.Store(&fleetView{
		taken: time.Now(), workers: 3, serving: 2, busy: 1, idle: 1, inFlight: 4, queued: 7,
		counts:  Counts{Spawned: 5, Timeouts: 1},
		reloads: 2, failedReloads: 1,
		served: metrics.Requests{Status: map[int]uint64{200: 12, 503: 1},
			Buckets: []uint64{10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, Seconds: 61.5},
	})
	code, body := getFrom(t, adminHandler(&latest, time.Now), "/metrics")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{
		"# TYPE gocorn_workers gauge\ngocorn_workers 3\n",
		"gocorn_workers_ready 2\n",
		"gocorn_workers_busy 1\n",
		"gocorn_workers_idle 1\n",
		"gocorn_requests_in_flight 4\n",
		"gocorn_backlog 7\n",
		"# TYPE gocorn_workers_spawned_total counter\ngocorn_workers_spawned_total 5\n",
		"gocorn_worker_timeouts_total 1\n",
		"gocorn_reloads_total 2\n",
		"gocorn_reload_failures_total 1\n",
		"# TYPE gocorn_requests_total counter\n",
		`gocorn_requests_total{code="200"} 12`,
		`gocorn_requests_total{code="503"} 1`,
		"# TYPE gocorn_request_duration_seconds histogram\n",
		`gocorn_request_duration_seconds_bucket{le="0.005"} 10`,
		`gocorn_request_duration_seconds_bucket{le="0.01"} 12`,
		`gocorn_request_duration_seconds_bucket{le="10"} 12`,
		`gocorn_request_duration_seconds_bucket{le="+Inf"} 13`,
		"gocorn_request_duration_seconds_sum 61.5\n",
		"gocorn_request_duration_seconds_count 13\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
	latest.Store(&fleetView{taken: time.Now(), queued: -1})
	if _, body := getFrom(t, adminHandler(&latest, time.Now), "/metrics"); strings.Contains(body, "gocorn_backlog") ||
		!strings.Contains(body, "gocorn_request_duration_seconds_count 0") {
		t.Errorf("an unknown backlog is shown, or no requests are not zero:\n%s", body)
	}
}

// The master's view counts its workers by what they do: serving ones
// (ready, or retiring but still accepting) busy or idle, in-flight
// requests from their heartbeats, and TERM's stop (during
// shutdown_delay too).
func TestMasterView(t *testing.T) {
	mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\nworkers = 3\nshutdown_delay = 5\n")
	mt.ready(1, 2)
	mt.say(1, workerpipe.Message{Kind: workerpipe.KindBeat, Beat: &workerpipe.Beat{InFlight: 2}})
	mt.m.reloads, mt.m.failedReloads = 1, 2
	v := mt.m.view()
	if v.workers != 3 || v.serving != 2 || v.busy != 1 || v.idle != 1 || v.inFlight != 2 || v.queued != 0 ||
		v.reloads != 1 || v.failedReloads != 2 || v.counts.Spawned != 3 || v.stopping {
		t.Errorf("view %+v", v)
	}
	if ok, why := v.ready(); !ok {
		t.Errorf("not ready: %s", why)
	}
	mt.m.handleSignal(syscall.SIGTERM)
	if ok, _ := mt.m.view().ready(); ok {
		t.Error("ready during shutdown_delay")
	}
}

// A unix metrics socket is taken over by a new master (USR2): the old
// one leaves the new one's path alone when it closes.
func TestAdminUnixTakeover(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.sock")
	var latest atomic.Pointer[fleetView]
	log := slog.New(slog.DiscardHandler)
	old, err := startAdmin("unix:"+path, &latest, log)
	if err != nil {
		t.Fatal(err)
	}
	newer, err := startAdmin("unix:"+path, &latest, log)
	if err != nil {
		t.Fatalf("a new master cannot take the path over: %v", err)
	}
	old.close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the old master removed the new one's socket: %v", err)
	}
	newer.close()
	if _, err := os.Stat(path); err == nil {
		t.Error("the socket is left behind")
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := startAdmin("unix:"+path, &latest, log); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("a plain file was replaced: %v", err)
	}
}

// Two masters share a TCP metrics port during a USR2 upgrade.
func TestAdminSharesItsPort(t *testing.T) {
	var latest atomic.Pointer[fleetView]
	log := slog.New(slog.DiscardHandler)
	first, err := startAdmin("127.0.0.1:0", &latest, log)
	if err != nil {
		t.Fatal(err)
	}
	defer first.close()
	second, err := startAdmin(strings.TrimPrefix(first.name, "http://"), &latest, log)
	if err != nil {
		t.Fatalf("a second master cannot bind %s: %v", first.name, err)
	}
	second.close()
}

// The loop publishes its view while the listener's handlers read it:
// they share nothing else (run with -race).
func TestPublishedViewWhileScraped(t *testing.T) {
	mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\nworkers = 2\nmetrics_bind = \"127.0.0.1:0\"\n")
	if err := mt.m.startMetrics(); err != nil {
		t.Fatal(err)
	}
	defer mt.m.stopMetrics()
	base := mt.m.metrics.admin.name
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			for _, path := range []string{"/metrics", "/readyz", "/healthz"} {
				resp, err := http.Get(base + path)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}()
	mt.ready(1, 2)
	for i := uint64(1); ; i++ {
		select {
		case <-done:
			if v := mt.m.metrics.latest.Load(); v.served.Count() == 0 || v.serving != 2 {
				t.Errorf("the last view published: %+v", v)
			}
			return
		default:
		}
		mt.say(1, served(i, 0))
		mt.step()
		mt.m.publish()
	}
}

// An old master stopping after USR2 leaves the shared metrics address to
// the new master, so probes do not hear it say "stopping".
func TestOldMasterLeavesTheMetricsAddress(t *testing.T) {
	mt := newMasterTest(t, "bind = [\"127.0.0.1:0\"]\nmetrics_bind = \"127.0.0.1:0\"\n")
	if err := mt.m.startMetrics(); err != nil {
		t.Fatal(err)
	}
	defer mt.m.stopMetrics()
	mt.ready(1)
	mt.sys.now = time.Now() // the probes age the view by the real clock
	mt.m.publish()
	url := mt.m.metrics.admin.name + "/readyz"
	if resp, err := http.Get(url); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/readyz: %v %v", resp, err)
	}
	mt.m.handleSignal(syscall.SIGUSR2)
	mt.m.handleSignal(syscall.SIGTERM)
	mt.m.publish()
	if mt.m.metrics.admin != nil {
		t.Fatal("the old master still serves the metrics address")
	}
	if _, err := http.Get(url); err == nil {
		t.Error("the old master still answers probes")
	}
}
