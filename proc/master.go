package proc

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/starcfg"
	"github.com/gocorn/gocorn/starcfg/hookrun"
)

// tick is how often the master checks timeouts, reaps and reconciles even
// when no signal or message arrives.
const tick = 500 * time.Millisecond

// master owns the sockets and the workers. One goroutine, run, owns all of
// its state; worker pipes and signals reach it over channels. Its workers
// and the decisions about them are the fleet's; the master connects the
// fleet to the configuration, the sockets, the signals and the outside
// world (pid file, systemd, a -D launcher).
type master struct {
	sys    system
	inv    starcfg.Invocation // how gocorn was started, re-resolved on HUP
	env    *environment       // the process environment, raw_env included
	appSet server.Apps

	// The running configuration: its settings, the sources workers
	// evaluate again for their hooks, and the hooks the master runs. A
	// HUP replaces all three.
	cfg     *starcfg.Config
	sources []starcfg.Source
	hooks   *hookrun.Runner

	logs    *logs
	log     *slog.Logger
	pidfile *pidfile

	sockets   []*socket
	activated []*socket // sockets systemd passed: used instead of bind
	tls       tlsState

	fleet         *fleet
	failedReloads int // HUPs whose configuration was refused
	reloads       int // HUPs whose configuration was applied

	metrics masterMetrics // statsd and the metrics listener (metrics.go)

	events  chan event
	signals chan os.Signal

	stop    stopState
	upgrade upgradeState
	control controlState // the control socket (controlsocket.go)

	report  *startReport // tells a -D launcher, or the old master of a USR2 upgrade, how the start went; nil otherwise
	notify  notifier
	watcher *fileWatcher // nil unless reload is on
}

// haltError ends the master with an exit code and a reason.
type haltError struct {
	code   int
	reason string
}

func (e *haltError) Error() string { return e.reason }

// run starts the master and returns its exit code. The order of the
// hooks is gunicorn's: nworkers_changed, on_starting (before binding),
// when_ready (sockets bound, no worker yet), on_exit (last).
func (m *master) run() int {
	m.log.Info(fmt.Sprintf("Starting %s %s", theProgram.Name, runningVersion()))
	m.fleet = m.newFleet()
	m.fleet.setTarget(m.cfg.Workers)
	if m.cfg.Pidfile != "" {
		pf, err := writePidfile(m.pidfilePath(), os.Getpid(), 0)
		if err != nil {
			m.log.Error(err.Error())
			m.report.Failed(err)
			return exitConfig
		}
		m.pidfile = pf
	}
	defer func() { m.pidfile.remove() }() // the file this master holds at exit: a promotion changes it
	m.hooks.OnStarting(m.hookServer())

	signal.Notify(m.signals, masterSignals...)
	defer signal.Stop(m.signals)

	socks, err := m.listen()
	if err != nil {
		m.log.Error(err.Error())
		m.report.Failed(err)
		return exitConfig
	}
	m.closeUnused(m.upgrade.inherited, socks)
	m.sockets = socks
	defer func() { closeSockets(m.sockets, m.ownsSocketFiles()) }() // the list changes when a HUP rebinds
	m.logListening(socks)
	m.startControl()
	defer m.stopControl()
	m.log.Info(fmt.Sprintf("Using worker: %s", m.cfg.WorkerClass))
	if err := m.startMetrics(); err != nil {
		m.log.Error(err.Error())
		m.report.Failed(err)
		return exitConfig
	}
	defer m.stopMetrics()
	m.warnIgnored(nil)
	m.hooks.WhenReady(m.hookServer())
	m.sys.SetTitle(m.title())

	m.watchFiles()
	defer m.watcher.close()
	m.fleet.reconcile()
	code := m.loop()
	m.log.Info("Shutting down: Master")
	if m.stop.haltReason != "" {
		m.log.Info("Reason: " + m.stop.haltReason)
		m.report.Failed(errors.New(m.stop.haltReason))
	}
	m.hooks.OnExit(m.hookServer())
	return code
}

// hookServer is the server object master hooks receive.
func (m *master) hookServer() *hookrun.Master {
	return &hookrun.Master{
		PID:        os.Getpid(),
		NumWorkers: m.fleet.target,
		Config:     m.cfg,
		Log:        m.log,
		SetWorkers: func(n int) error { m.fleet.setTarget(n); return nil },
	}
}

// newFleet makes the master's fleet for the running configuration.
func (m *master) newFleet() *fleet {
	return newFleet(m.sys, m.log, fleetHooks{
		newWorker: m.workerProcess,
		preFork: func(id int) {
			m.hooks.PreFork(m.hookServer(), &hookrun.Worker{ID: id, Config: m.cfg, Log: m.log})
		},
		childExit: func(w *worker) { m.hooks.ChildExit(m.hookServer(), w.hookWorker(m.cfg, m.log)) },
		nworkersChanged: func(n, old int, oldKnown bool) {
			m.hooks.NworkersChanged(m.hookServer(), n, old, oldKnown)
		},
		started:   m.started,
		reloaded:  m.reloaded,
		oomKilled: m.workerOOMKilled,
	}, policyOf(m.cfg))
}

// warnIgnored logs the gunicorn settings that are set but have no effect
// in gocorn, except those old (the previous configuration, if any)
// already had: once at start, then for what a HUP newly sets.
func (m *master) warnIgnored(old *starcfg.Config) {
	var before []string
	if old != nil {
		before = old.Warnings()
	}
	for _, w := range m.cfg.Warnings() {
		if !slices.Contains(before, w) {
			m.log.Warn(w)
		}
	}
}

// loop serves signals, pipe messages and the periodic check until the
// master stops.
func (m *master) loop() int {
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		select {
		case sig := <-m.signals:
			m.handleSignal(sig)
		case ev := <-m.events:
			m.fleet.handle(ev)
		case c := <-m.control.calls:
			m.answer(c)
		case <-m.fleet.wake:
			m.fleet.wake = nil // the step below spawns
		case <-m.fleet.bootWake:
			m.fleet.bootWake, m.fleet.bootWakeAt = nil, time.Time{} // the step below kills
		case <-m.stop.delayed:
			m.beginStop(graceful)
		case r := <-m.upgrade.reports:
			m.newMasterReported(r)
		case ch := <-m.watcher.changes():
			m.log.Info("Reloading: changed " + strings.Join(ch.Paths, ", "))
			m.reload()
		case <-ticker.C:
		case <-m.metrics.flushes():
			m.reportStatsd()
		}
		code, done := m.step()
		m.publish()
		if done {
			return code
		}
	}
}

// step follows everything the loop serves: reap, then see a stop through,
// or keep the workers right. done says the master has stopped, with code.
func (m *master) step() (code int, done bool) {
	if h := m.reap(); h != nil {
		return m.halt(h), true
	}
	now := m.sys.Now()
	m.fleet.killAborted(now)
	m.fleet.checkBootTimeouts(now) // a stop does not wait for a boot past boot_timeout either
	if m.stop.mode != running {
		if len(m.fleet.workers) == 0 {
			return m.stop.code, true
		}
		m.fleet.killLate(now, m.stop.deadline)
		return 0, false
	}
	m.fleet.checkTimeouts(now)
	m.checkTicketKeys()
	m.fleet.checkRecycling(now)
	m.checkPromotion()
	m.fleet.reconcile()
	return 0, false
}

// halt ends the master on its own, for h: it kills every worker and
// waits for them.
func (m *master) halt(h *haltError) int {
	m.stop.haltReason = h.reason
	m.fleet.killAll("it is halting")
	m.reap()
	for len(m.fleet.workers) > 0 {
		time.Sleep(10 * time.Millisecond) // SIGKILL takes effect soon, not at once
		m.reap()
	}
	return h.code
}
