package proc

import (
	"fmt"
	"time"

	"github.com/gocorn/gocorn/instrument/metrics"
)

// fleetView is the master's state as metrics and probes read it: made by
// the master's goroutine (master.view), then only read, by the statsd
// report and by the metrics listener's handlers on their own goroutines.
type fleetView struct {
	taken time.Time // when the master's loop made it

	workers  int // worker processes, in any state
	serving  int // booted workers that accept connections: ready, or retiring but not yet told to stop
	busy     int // serving workers with a request in flight
	idle     int // serving workers with none
	inFlight int // requests in every worker
	queued   int // connections in the TCP sockets' accept queues; -1 when unknown

	counts        Counts
	reloads       int // HUPs applied
	failedReloads int // HUPs refused
	served        metrics.Requests

	stopping bool // TERM came (shutdown_delay included), or INT or QUIT
}

// view is the fleet as it is now. It belongs to the master's goroutine.
func (m *master) view() *fleetView {
	now := m.sys.Now()
	v := &fleetView{
		taken: now, queued: -1,
		counts: m.fleet.counts, reloads: m.reloads, failedReloads: m.failedReloads,
		served:   m.fleet.served.Clone(),
		stopping: m.stop.mode != running || m.stop.delayed != nil,
	}
	for _, w := range m.fleet.Snapshot(now) {
		v.workers++
		v.inFlight += w.InFlight
		if !w.Booted || (w.State != ready.String() && w.State != retiring.String()) {
			continue
		}
		v.serving++
		if w.InFlight > 0 {
			v.busy++
		} else {
			v.idle++
		}
	}
	if n, ok := acceptQueue(m.sockets); ok {
		v.queued = n
	}
	return v
}

// ready answers /readyz: whether a load balancer should send traffic
// here, and why not.
func (v *fleetView) ready() (bool, string) {
	switch {
	case v.stopping:
		return false, "stopping"
	case v.serving == 0:
		return false, "no worker is serving"
	}
	if v.serving == 1 {
		return true, "1 worker serving"
	}
	return true, fmt.Sprintf("%d workers serving", v.serving)
}

// fleetMetric is one of the master's metrics and where its value comes
// from.
type fleetMetric struct {
	metrics.Metric
	value func(*fleetView) float64
}

// fleetMetrics are the master's metrics, one table for statsd,
// Prometheus and docs/metrics.md (TestMetricsDoc checks the docs list
// them all).
var fleetMetrics = [...]fleetMetric{
	{metrics.Metric{Name: "workers", Prom: "gocorn_workers", Kind: metrics.Gauge,
		Help: "Worker processes, in any state (gunicorn's gunicorn.workers)."},
		func(v *fleetView) float64 { return float64(v.workers) }},
	{metrics.Metric{Name: "workers.ready", Prom: "gocorn_workers_ready", Kind: metrics.Gauge,
		Help: "Workers serving: booted and accepting connections, those being replaced included until told to stop."},
		func(v *fleetView) float64 { return float64(v.serving) }},
	{metrics.Metric{Name: "workers.busy", Prom: "gocorn_workers_busy", Kind: metrics.Gauge,
		Help: "Serving workers with at least one request in flight, as of their last heartbeat."},
		func(v *fleetView) float64 { return float64(v.busy) }},
	{metrics.Metric{Name: "workers.idle", Prom: "gocorn_workers_idle", Kind: metrics.Gauge,
		Help: "Serving workers with no request in flight, as of their last heartbeat."},
		func(v *fleetView) float64 { return float64(v.idle) }},
	{metrics.Metric{Name: "requests.in_flight", Prom: "gocorn_requests_in_flight", Kind: metrics.Gauge,
		Help: "Requests in the workers, running or waiting for a thread, as of their last heartbeats."},
		func(v *fleetView) float64 { return float64(v.inFlight) }},
	{metrics.Metric{Name: "backlog", Prom: "gocorn_backlog", Kind: metrics.Histogram,
		Help: "Connections waiting in the accept queues of the TCP sockets (Linux TCP_INFO)."},
		func(v *fleetView) float64 { return float64(v.queued) }},
	{metrics.Metric{Name: "workers.spawned", Prom: "gocorn_workers_spawned_total", Kind: metrics.Counter,
		Help: "Workers started."},
		func(v *fleetView) float64 { return float64(v.counts.Spawned) }},
	{metrics.Metric{Name: "workers.stopped", Prom: "gocorn_workers_stopped_total", Kind: metrics.Counter,
		Help: "Workers told to stop: beyond the target, replaced, or the master stopping."},
		func(v *fleetView) float64 { return float64(v.counts.Stopped) }},
	{metrics.Metric{Name: "workers.killed", Prom: "gocorn_workers_killed_total", Kind: metrics.Counter,
		Help: "Workers the master sent SIGKILL."},
		func(v *fleetView) float64 { return float64(v.counts.Killed) }},
	{metrics.Metric{Name: "workers.timeouts", Prom: "gocorn_worker_timeouts_total", Kind: metrics.Counter,
		Help: "Workers aborted for making no progress within timeout (WORKER TIMEOUT)."},
		func(v *fleetView) float64 { return float64(v.counts.Timeouts) }},
	{metrics.Metric{Name: "workers.recycled", Prom: "gocorn_workers_recycled_total", Kind: metrics.Counter,
		Help: "Workers replaced for max_requests, max_worker_lifetime or max_worker_memory."},
		func(v *fleetView) float64 { return float64(v.counts.Recycled) }},
	{metrics.Metric{Name: "workers.stuck", Prom: "gocorn_workers_stuck_total", Kind: metrics.Counter,
		Help: "Workers replaced for handlers stuck past request_timeout."},
		func(v *fleetView) float64 { return float64(v.counts.Stuck) }},
	{metrics.Metric{Name: "workers.boot_failures", Prom: "gocorn_worker_boot_failures_total", Kind: metrics.Counter,
		Help: "Workers that exited before they were ready."},
		func(v *fleetView) float64 { return float64(v.counts.BootFailures) }},
	{metrics.Metric{Name: "workers.boot_timeouts", Prom: "gocorn_worker_boot_timeouts_total", Kind: metrics.Counter,
		Help: "Workers killed for not being ready within boot_timeout (counted in boot failures too)."},
		func(v *fleetView) float64 { return float64(v.counts.BootTimeouts) }},
	{metrics.Metric{Name: "workers.crashes", Prom: "gocorn_worker_crashes_total", Kind: metrics.Counter,
		Help: "Workers that died on their own early, and spawns that failed (the crash brake counts them)."},
		func(v *fleetView) float64 { return float64(v.counts.Crashes) }},
	{metrics.Metric{Name: "workers.oom_killed", Prom: "gocorn_workers_oom_killed_total", Kind: metrics.Counter,
		Help: "Workers the kernel's OOM killer killed, as their memory cgroup's OOM-kill counter confirms."},
		func(v *fleetView) float64 { return float64(v.counts.OOMKilled) }},
	{metrics.Metric{Name: "requests.deadline_hit", Prom: "gocorn_request_deadlines_hit_total", Kind: metrics.Counter,
		Help: "Requests that reached request_timeout (answered 504, or cut off)."},
		func(v *fleetView) float64 { return float64(v.counts.DeadlinesHit) }},
	{metrics.Metric{Name: "reloads.ok", Prom: "gocorn_reloads_total", Kind: metrics.Counter,
		Help: "Reloads (HUP, or reload's file watch) whose configuration was applied."},
		func(v *fleetView) float64 { return float64(v.reloads) }},
	{metrics.Metric{Name: "reloads.failed", Prom: "gocorn_reload_failures_total", Kind: metrics.Counter,
		Help: "Reloads whose configuration was refused; the previous one kept serving."},
		func(v *fleetView) float64 { return float64(v.failedReloads) }},
}

// samples are v's metrics; withBacklog keeps gunicorn.backlog, which no
// sink gets while it is unknown and statsd only with
// enable_backlog_metric.
func (v *fleetView) samples(withBacklog bool) []metrics.Sample {
	out := make([]metrics.Sample, 0, len(fleetMetrics))
	for i := range fleetMetrics {
		fm := &fleetMetrics[i]
		if fm.Name == "backlog" && (!withBacklog || v.queued < 0) {
			continue
		}
		out = append(out, metrics.Sample{Metric: &fm.Metric, Value: fm.value(v)})
	}
	return out
}
