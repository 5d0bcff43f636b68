package proc

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gocorn/gocorn/instrument/statsd"
	"github.com/gocorn/gocorn/starcfg"
)

// masterMetrics are the master's metric sinks: statsd, which gets the
// fleet's gauges and counters every statsd.FlushInterval, and the metrics
// listener (metrics_bind), whose handlers read the view the master's
// loop publishes after each pass. Its zero value is off.
type masterMetrics struct {
	statsd   statsd.Sink     // also counts the master's log lines
	reporter statsd.Reporter // the counters' totals at the last report
	flush    *time.Ticker    // nil until started

	latest atomic.Pointer[fleetView] // the view the listener reads
	admin  *adminServer              // nil unless metrics_bind is set
}

// startMetrics starts the metrics listener and statsd for the running
// configuration. A listener that cannot be bound stops the start, as a
// socket of bind does.
func (m *master) startMetrics() error {
	if m.cfg.MetricsBind != "" {
		a, err := startAdmin(m.cfg.MetricsBind, &m.metrics.latest, m.log)
		if err != nil {
			return err
		}
		m.metrics.admin = a
		m.publish()
	}
	m.metrics.statsd.Replace(newStatsd(m.cfg, m.logs.log))
	m.metrics.flush = time.NewTicker(statsd.FlushInterval)
	return nil
}

// stopMetrics closes the listener and sends a last report to statsd,
// so what was counted since the last one (the OOM kill that stopped the
// master) is not lost, with what statsd has buffered.
func (m *master) stopMetrics() {
	if m.metrics.flush != nil {
		m.metrics.flush.Stop()
		m.reportStatsd()
	}
	m.metrics.admin.close()
	m.metrics.statsd.Replace(nil)
}

// flushes ticks when the master reports to statsd; nil (never) before
// startMetrics.
func (mm *masterMetrics) flushes() <-chan time.Time {
	if mm.flush == nil {
		return nil
	}
	return mm.flush.C
}

// reportStatsd sends the fleet's gauges and counters to statsd, every
// interval and not only on change, so a graph has a point for every
// interval and a lost datagram costs nothing.
func (m *master) reportStatsd() {
	samples := m.view().samples(m.cfg.EnableBacklogMetric)
	m.metrics.reporter.Report(m.metrics.statsd.Client(), samples)
}

// publish hands the metrics listener the fleet as it is now; without a
// listener there is nobody to read it. A master that stops while the new
// master of a USR2 upgrade runs closes its listener instead: the new one
// serves the same address, and probes must hear its answers alone, not
// this one's "stopping".
func (m *master) publish() {
	if m.metrics.admin == nil {
		return
	}
	v := m.view()
	if v.stopping && m.upgrade.child != 0 {
		m.metrics.admin.close()
		m.metrics.admin = nil
		return
	}
	m.metrics.latest.Store(v)
}

// followMetrics applies a HUP's changes to statsd and metrics_bind. A
// new statsd client replaces the old, which sends what it had buffered.
// A new listener replaces the old once it is bound; one that cannot be
// bound is logged, and the old one keeps serving.
func (m *master) followMetrics(old *starcfg.Config) {
	if m.cfg.StatsdHost != old.StatsdHost || m.cfg.StatsdPrefix != old.StatsdPrefix ||
		m.cfg.DogstatsdTags != old.DogstatsdTags {
		m.metrics.statsd.Replace(newStatsd(m.cfg, m.logs.log))
	}
	if m.cfg.MetricsBind == m.metrics.admin.bound() {
		return // also after a failed rebind: the next HUP tries again
	}
	var a *adminServer
	if m.cfg.MetricsBind != "" {
		var err error
		if a, err = startAdmin(m.cfg.MetricsBind, &m.metrics.latest, m.log); err != nil {
			m.log.Error(fmt.Sprintf("metrics_bind: %v; the metrics listener stays as it was", err))
			return
		}
	}
	m.metrics.admin.close()
	m.metrics.admin = a
}
