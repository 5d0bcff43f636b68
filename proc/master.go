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

// event is something a worker's pipe said, delivered to the master loop.
type event struct {
	pid    int
	msg    workerpipe.Message
	closed bool // the pipe reached EOF: the worker is exiting
}

// master owns the sockets and the workers. One goroutine, run, owns all of
// its state; worker pipes and signals reach it over channels.
type master struct {
	inv     starcfg.Invocation // how gocorn was started, re-resolved on HUP
	appSet  server.Apps
	res     *starcfg.Resolved
	cfg     *starcfg.Config
	logs    *logs
	log     *slog.Logger
	pidfile *pidfile
	sockets []*socket

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
	m.log.Info(fmt.Sprintf("Listening at: %s (%d)", joinNames(socketNames(socks)), os.Getpid()))
	m.log.Info(fmt.Sprintf("Using worker: %s", m.cfg.WorkerClass))
	m.hooks.WhenReady(m.hookServer())
	setTitle(m.title())

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

// setTarget sets how many workers the master keeps and runs
// nworkers_changed, as gunicorn does on every assignment (old is None the
// first time).
func (m *master) setTarget(n int) {
	old, known := m.target, m.target > 0
	if known {
		m.log.Info(fmt.Sprintf("Number of workers: %d -> %d", old, n))
	}
	m.target = n
	m.hooks.NworkersChanged(m.hookServer(), n, old, known)
}

// killLate kills the workers still alive at the stop deadline.
func (m *master) killLate() {
	if time.Now().Before(m.deadline) {
		return
	}
	for _, w := range m.workers {
		if w.aborted.IsZero() {
			m.log.Warn(fmt.Sprintf("Worker (pid:%d) did not stop within the graceful timeout; killing it", w.pid))
			w.aborted, w.killedFor = time.Now(), "graceful_timeout"
			syscall.Kill(w.pid, syscall.SIGKILL)
		}
	}
}

func (m *master) signalAll(sig syscall.Signal) {
	for _, w := range m.workers {
		syscall.Kill(w.pid, sig)
	}
}

// handleEvent applies one message from a worker's pipe.
func (m *master) handleEvent(ev event) {
	w, ok := m.workers[ev.pid]
	if !ok || ev.closed {
		return
	}
	w.lastBeat = time.Now()
	switch ev.msg.Kind {
	case workerpipe.KindReady:
		w.ready, w.readyAt = true, time.Now()
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

// noteReloadComplete logs, once per HUP, when every worker not on its way
// out runs the new generation and is ready: from then on only new workers
// accept connections.
func (m *master) noteReloadComplete() {
	if m.reloadStarted.IsZero() {
		return
	}
	ready := 0
	for _, w := range m.workers {
		if w.stopping {
			continue
		}
		if w.gen != m.gen || !w.ready {
			return
		}
		ready++
	}
	if ready < m.target {
		return
	}
	m.log.Info(fmt.Sprintf("Reload complete: generation %d, %d workers ready in %s",
		m.gen, ready, time.Since(m.reloadStarted).Round(time.Millisecond)))
	m.notify.Ready()
	m.reloadStarted = time.Time{}
}

// retireReplaced stops retiring workers as replacements become ready:
// it keeps only as many of them as the target still lacks in ready,
// active workers, and stops the oldest first. So capacity never dips
// during a recycle or a reload, and a reload to fewer workers ends.
func (m *master) retireReplaced() {
	var readyActive int
	var retiring []*worker
	for _, w := range m.workers {
		switch {
		case w.retiring && !w.stopping:
			retiring = append(retiring, w)
		case w.active() && w.ready:
			readyActive++
		}
	}
	keep := max(m.target-readyActive, 0)
	if len(retiring) <= keep {
		return
	}
	slices.SortFunc(retiring, func(a, b *worker) int { return a.id - b.id })
	for _, w := range retiring[:len(retiring)-keep] {
		w.stopping = true
		syscall.Kill(w.pid, syscall.SIGTERM)
	}
}

// reconcile spawns workers up to the target and stops the oldest beyond it.
func (m *master) reconcile() {
	var active []*worker
	for _, w := range m.workers {
		if w.active() {
			active = append(active, w)
		}
	}
	for n := len(active); n < m.target; n++ {
		if time.Now().Before(m.spawnAfter) {
			return
		}
		if err := m.spawn(); err != nil {
			m.log.Error(err.Error())
			m.brake()
			return
		}
	}
	slices.SortFunc(active, func(a, b *worker) int { return a.id - b.id })
	for _, w := range active[:max(len(active)-m.target, 0)] {
		w.stopping = true
		syscall.Kill(w.pid, syscall.SIGTERM)
	}
}

// brake delays the next spawn after crashes in a row: the first crash is
// replaced at once, then 0.1 s, doubling up to 30 s, so a crash loop
// neither spins the CPU nor floods the log. A minute without a crash
// starts the count over.
func (m *master) brake() {
	if time.Since(m.lastCrash) > time.Minute {
		m.bootFails = 0
	}
	m.lastCrash = time.Now()
	m.bootFails++
	if m.bootFails == 1 {
		return
	}
	delay := min(100*time.Millisecond<<min(m.bootFails-2, 9), 30*time.Second)
	m.spawnAfter = time.Now().Add(delay)
	m.wake = time.After(delay)
	m.log.Warn(fmt.Sprintf("%d workers crashed in a row; waiting %s before the next", m.bootFails, delay))
}

// reap collects every exited child. Children that are not workers are
// reaped silently. A worker that could not boot before any worker ever
// became ready halts the master with the worker's exit code.
func (m *master) reap() *haltError {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return nil
		}
		if pid == m.upgradeChild {
			m.upgradeChild = 0
			m.log.Warn(fmt.Sprintf("The new master (pid:%d) exited (%s); this master keeps serving", pid, exitText(ws)))
			continue
		}
		w, ok := m.workers[pid]
		if !ok {
			m.log.Debug(fmt.Sprintf("Reaped child (pid:%d) that is not a worker", pid))
			continue
		}
		delete(m.workers, pid)
		w.conn.Close()
		m.logExit(w, ws)
		m.hooks.ChildExit(m.hookServer(), w.hookWorker(m.cfg, m.log))
		if m.stop != running {
			continue
		}
		if !w.ready {
			if h := m.bootFailed(w, ws); h != nil {
				return h
			}
		}
		if crashed(w, ws) {
			m.brake()
		}
	}
}

// crashWindow: a worker that dies on its own this soon after it started
// counts as a crash for the respawn brake, even if it became ready.
const crashWindow = 5 * time.Second

// crashed tells whether w died on its own (not stopped or killed by the
// master) before it booted or within crashWindow of starting.
func crashed(w *worker, ws syscall.WaitStatus) bool {
	if w.stopping || w.killedFor != "" || (!ws.Signaled() && ws.ExitStatus() == 0) {
		return false
	}
	return !w.ready || time.Since(w.spawned) < crashWindow
}

// bootFailed handles a worker that exited before it was ready: with
// gunicorn's boot (3) or app-load (4) code before any worker ever became
// ready, the master halts with that code; during a HUP it says that the
// old generation keeps serving.
func (m *master) bootFailed(w *worker, ws syscall.WaitStatus) *haltError {
	code := ws.ExitStatus()
	if !m.everReady && (code == exitBoot || code == exitAppLoad) {
		reason := "Worker failed to boot."
		if code == exitAppLoad {
			reason = "App failed to load."
		}
		if w.failure != "" {
			reason += " " + w.failure
		}
		return &haltError{code: code, reason: reason}
	}
	if older := m.servingGenerations(w.gen); len(older) > 0 {
		why := "it died before it was ready"
		if w.failure != "" {
			why = w.failure
		}
		m.log.Warn(fmt.Sprintf("Generation %d cannot boot yet (worker pid:%d: %s); "+
			"workers of generation %v keep serving", w.gen, w.pid, why, older))
		m.notify.Ready() // the reload is over as far as systemd goes: the old generation serves
	}
	return nil
}

// servingGenerations lists the generations older than gen that still have
// ready workers.
func (m *master) servingGenerations(gen int) []int {
	var gens []int
	for _, w := range m.workers {
		if w.ready && w.gen < gen && !slices.Contains(gens, w.gen) {
			gens = append(gens, w.gen)
		}
	}
	slices.Sort(gens)
	return gens
}

// exitText says how a process ended: "exit code 3" or "signal killed".
func exitText(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return "signal " + ws.Signal().String()
	}
	return fmt.Sprintf("exit code %d", ws.ExitStatus())
}

func (m *master) logExit(w *worker, ws syscall.WaitStatus) {
	switch {
	case ws.Signaled():
		sig := ws.Signal()
		msg := fmt.Sprintf("Worker (pid:%d) was sent SIG%s!", w.pid, strings.ToUpper(signalName(sig)))
		switch {
		case sig == syscall.SIGKILL && w.killedFor == "":
			m.log.Error(msg + " Perhaps out of memory?")
		case sig == syscall.SIGKILL:
			m.log.Error(msg + " (killed by the master: " + w.killedFor + ")")
		case sig == syscall.SIGTERM:
			m.log.Info(msg)
		default:
			m.log.Warn(msg)
		}
	case ws.ExitStatus() != 0 && w.killedFor != "":
		m.log.Error(fmt.Sprintf("Worker (pid:%d) exited with code %d (aborted by the master: %s).", w.pid, ws.ExitStatus(), w.killedFor))
	case ws.ExitStatus() != 0:
		m.log.Error(fmt.Sprintf("Worker (pid:%d) exited with code %d.", w.pid, ws.ExitStatus()))
	default:
		m.log.Debug(fmt.Sprintf("Worker (pid:%d) exited", w.pid))
	}
}
