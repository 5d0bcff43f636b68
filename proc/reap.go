package proc

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"time"
)

// brake delays the next spawn after crashes in a row: the first crash is
// replaced at once, then 0.1 s, doubling up to 30 s, so a crash loop
// neither spins the CPU nor floods the log. A minute without a crash
// starts the count over.
func (m *master) brake() {
	now := m.sys.Now()
	if now.Sub(m.lastCrash) > time.Minute {
		m.bootFails = 0
	}
	m.lastCrash = now
	m.bootFails++
	if m.bootFails == 1 {
		return
	}
	delay := min(100*time.Millisecond<<min(m.bootFails-2, 9), 30*time.Second)
	m.spawnAfter = now.Add(delay)
	m.wake = m.sys.After(delay)
	m.log.Warn(fmt.Sprintf("%d workers crashed in a row; waiting %s before the next", m.bootFails, delay))
}

// reap collects every exited child. Children that are not workers are
// reaped silently. A worker that could not boot before any worker ever
// became ready halts the master with the worker's exit code.
func (m *master) reap() *haltError {
	for {
		pid, ws, ok := m.sys.Reap()
		if !ok {
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
		w.pipe.Close()
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
		if crashed(w, ws, m.sys.Now()) {
			m.brake()
		}
	}
}

// crashWindow: a worker that dies on its own this soon after it started
// counts as a crash for the respawn brake, even if it became ready.
const crashWindow = 5 * time.Second

// crashed tells whether w died on its own (not stopped or killed by the
// master) before it booted or within crashWindow of starting.
func crashed(w *worker, ws syscall.WaitStatus, now time.Time) bool {
	if w.stopping || w.killedFor != "" || (!ws.Signaled() && ws.ExitStatus() == 0) {
		return false
	}
	return !w.ready || now.Sub(w.spawned) < crashWindow
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
