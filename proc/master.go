package proc

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gocorn/gocorn/proc/sdnotify"
	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/starcfg"
)

// tick is how often the master checks timeouts, reaps and reconciles even
// when no signal or message arrives.
const tick = 500 * time.Millisecond

// master owns the sockets and the workers. One goroutine, run, owns all of
// its state; worker pipes and signals reach it over channels.
type master struct {
	sys     system
	inv     starcfg.Invocation // how gocorn was started, re-resolved on HUP
	appSet  server.Apps
	res     *starcfg.Resolved
	cfg     *starcfg.Config
	logs    *logs
	log     *slog.Logger
	pidfile *pidfile
	sockets []*socket
	// tls is what workers spawned now get: the certificate and the
	// session ticket keys (ticketkeys.go), whose newest was made at
	// ticketKeyMade; nil without TLS. Workers' boot messages share it, so
	// it is replaced, never changed.
	tls           *server.TLSSecrets
	ticketKeyMade time.Time

	workers map[int]*worker // by pid
	lastID  int
	target  int
	gen     int // configuration generation: 1 at start, +1 on every successful HUP

	failedReloads int       // HUPs whose configuration was refused
	reloadStarted time.Time // when the running HUP began; zero once its generation is complete

	events  chan event
	signals chan os.Signal

	everReady  bool // some worker has served: boot failures no longer halt the master
	bootFails  int  // workers that crashed in a row (see brake)
	lastCrash  time.Time
	wake       <-chan time.Time // fires when spawnAfter has passed
	spawnAfter time.Time        // crash-loop brake: no spawn before this

	stop        stopMode
	delayedStop <-chan time.Time // fires when shutdown_delay has passed after TERM
	deadline    time.Time        // when stopping: kill what is left at this time
	haltReason  string           // why the master stopped on its own, if it did

	argv         []string  // the command line, for USR2
	inherited    []*socket // sockets handed over by an old master (USR2)
	activated    []*socket // sockets systemd passed: used instead of bind
	parentPID    int       // the old master while this one is not promoted; 0 otherwise
	upgradeChild int       // the new master started by USR2, while it runs

	daemon  *daemonReport // tells a -D launcher how the start went; nil otherwise
	notify  sdnotify.Socket
	started bool // the first workers have all been ready (READY=1 sent)

	hooks   *starcfg.Hooks // the running configuration's hooks
	watcher *fileWatcher   // nil unless reload is on
}

type stopMode int

const (
	running stopMode = iota
	graceful
	quick
)

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
	m.log.Info(fmt.Sprintf("Starting gocorn %s", Version))
	m.gen = 1
	m.setTarget(m.cfg.Workers)
	if m.cfg.Pidfile != "" {
		pf, err := writePidfile(m.pidfilePath(), os.Getpid())
		if err != nil {
			m.log.Error(err.Error())
			m.daemon.Failed(err)
			return exitConfig
		}
		m.pidfile = pf
	}
	defer m.pidfile.remove()
	m.hooks.OnStarting(m.hookServer())

	signal.Notify(m.signals, masterSignals...)
	defer signal.Stop(m.signals)

	socks, err := m.listen()
	if err != nil {
		m.log.Error(err.Error())
		m.daemon.Failed(err)
		return exitConfig
	}
	m.closeUnused(m.inherited, socks)
	m.sockets = socks
	defer func() { closeSockets(m.sockets, m.ownsSocketFiles()) }() // the list changes when a HUP rebinds
	m.logListening(socks)
	m.log.Info(fmt.Sprintf("Using worker: %s", m.cfg.WorkerClass))
	m.warnIgnored(nil)
	m.hooks.WhenReady(m.hookServer())
	m.sys.SetTitle(m.title())

	m.watchFiles()
	defer m.watcher.close()
	m.reconcile()
	code := m.loop()
	m.log.Info("Shutting down: Master")
	if m.haltReason != "" {
		m.log.Info("Reason: " + m.haltReason)
		m.daemon.Failed(errors.New(m.haltReason))
	}
	m.hooks.OnExit(m.hookServer())
	return code
}

// hookServer is the server object master hooks receive.
func (m *master) hookServer() *starcfg.Server {
	return &starcfg.Server{
		PID:        os.Getpid(),
		NumWorkers: m.target,
		Config:     m.cfg,
		Log:        m.log,
		SetWorkers: func(n int) error { m.setTarget(n); return nil },
	}
}

// warnIgnored logs the gunicorn settings that are set but have no effect
// in gocorn, except those old (the previous configuration, if any)
// already had: once at start, then for what a HUP newly sets.
func (m *master) warnIgnored(old *starcfg.Config) {
	var before []string
	if old != nil {
		before = old.IgnoredSettings()
	}
	for _, w := range m.cfg.IgnoredSettings() {
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
			m.handleEvent(ev)
		case <-m.wake:
			m.wake = nil // reconcile below spawns
		case <-m.delayedStop:
			m.beginStop(graceful)
		case ch := <-m.watcher.changes():
			m.log.Info("Reloading: changed " + strings.Join(ch.Paths, ", "))
			m.reload()
		case <-ticker.C:
		}
		if err := m.reap(); err != nil {
			return m.halt(err)
		}
		if m.stop != running {
			if len(m.workers) == 0 {
				return 0
			}
			m.killLate()
			continue
		}
		m.checkTimeouts()
		m.checkTicketKeys()
		m.checkRecycling()
		m.checkPromotion()
		m.reconcile()
	}
}

func (m *master) halt(h *haltError) int {
	m.haltReason = h.reason
	m.signalAll(syscall.SIGKILL)
	for len(m.workers) > 0 {
		time.Sleep(10 * time.Millisecond)
		m.reap()
	}
	return h.code
}

func (m *master) handleSignal(sig os.Signal) {
	if sig == syscall.SIGCHLD {
		return // reaping follows every loop pass
	}
	m.log.Info("Handling signal: " + signalName(sig))
	switch sig {
	case syscall.SIGTERM:
		m.requestStop()
	case syscall.SIGINT, syscall.SIGQUIT:
		m.beginStop(quick)
	}
	if m.stop != running {
		return // the rest make no sense while stopping
	}
	switch sig {
	case syscall.SIGTTIN:
		m.setTarget(m.target + 1)
	case syscall.SIGTTOU:
		if m.target > 1 {
			m.setTarget(m.target - 1)
		}
	case syscall.SIGUSR1:
		if err := m.logs.reopen(); err != nil {
			m.log.Error("Reopening log files: " + err.Error())
		}
		m.signalAll(syscall.SIGUSR1)
	case syscall.SIGHUP:
		m.reload()
	case syscall.SIGUSR2:
		m.upgrade()
	case syscall.SIGWINCH:
		if !m.cfg.Daemon {
			m.log.Debug("SIGWINCH ignored: it stops workers only in daemon mode")
			return
		}
		m.log.Info("Stopping every worker (WINCH); the master keeps running")
		m.setTarget(0)
	}
}

// killLate kills the workers still alive at the stop deadline.
func (m *master) killLate() {
	if m.sys.Now().Before(m.deadline) {
		return
	}
	for _, w := range m.workers {
		if w.aborted.IsZero() {
			m.log.Warn(fmt.Sprintf("Worker (pid:%d) did not stop within the graceful timeout; killing it", w.pid))
			w.aborted, w.killedFor = m.sys.Now(), "graceful_timeout"
			m.sys.Signal(w.pid, syscall.SIGKILL)
		}
	}
}

func (m *master) signalAll(sig syscall.Signal) {
	for _, w := range m.workers {
		m.sys.Signal(w.pid, sig)
	}
}

// handleEvent applies one message from a worker's pipe.
func (m *master) handleEvent(ev event) {
	w, ok := m.workers[ev.pid]
	if !ok || ev.closed {
		return
	}
	now := m.sys.Now()
	w.lastBeat = now
	switch ev.msg.Kind {
	case workerpipe.KindReady:
		w.ready, w.readyAt = true, now
		m.everReady = true
		m.log.Debug(fmt.Sprintf("Worker (pid:%d) is ready", w.pid))
		m.noteStarted()
		if v := ev.msg.Version; v != Version {
			// The binary on disk changed since the master started.
			m.log.Info(fmt.Sprintf("Worker (pid:%d) runs gocorn %s; the master runs %s", w.pid, v, Version))
		}
		m.retireReplaced()
		m.noteReloadComplete()
	case workerpipe.KindBeat:
		if ev.msg.Beat != nil {
			w.beat = *ev.msg.Beat
		}
	case workerpipe.KindRetire:
		w.recycle = ev.msg.Reason
	case workerpipe.KindFailed:
		w.failure = ev.msg.Reason
	}
}
