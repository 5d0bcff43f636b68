package proc

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"time"
)

// reap collects every exited child: a worker, the new master started by
// USR2, or a child the master did not start (as PID 1 in a container,
// orphans are its children), which is reaped silently. A worker that
// could not boot before any worker ever became ready halts the master.
func (m *master) reap() *haltError {
	for {
		pid, ws, ok := m.sys.Reap()
		switch {
		case !ok:
			return nil
		case pid == m.upgrade.child:
			m.upgrade.child = 0
			m.log.Warn(fmt.Sprintf("The new master (pid:%d) exited (%s); this master keeps serving", pid, exitText(ws)))
		case m.fleet.workers[pid] != nil:
			if h := m.fleet.exited(pid, ws); h != nil {
				return h
			}
		default:
			m.log.Debug(fmt.Sprintf("Reaped child (pid:%d) that is not a worker", pid))
		}
	}
}

// exited handles the exit of worker pid: it logs how the worker ended and
// runs child_exit. Unless the master is stopping, a worker that never
// became ready may halt the master (bootFailed), and one that crashed
// applies the brake; reconcile replaces it.
func (f *fleet) exited(pid int, ws syscall.WaitStatus) *haltError {
	w := f.workers[pid]
	delete(f.workers, pid)
	w.pipe.Close()
	crash := crashed(w, ws, f.sys.Now())
	oom := f.oomCheck(w, ws)
	f.move(w, gone)
	f.logExit(w, ws, oom)
	f.hooks.childExit(w)
	if oom.confirmed() {
		f.counts.OOMKilled++
		f.hooks.oomKilled(w.pid)
	}
	if f.closing {
		return nil
	}
	if !w.booted() {
		f.counts.BootFailures++
		if h := f.bootFailed(w, ws); h != nil {
			return h
		}
	}
	if crash || w.bootTimedOut {
		f.crashed()
	}
	return nil
}

// crashWindow: a worker that dies on its own this soon after it started
// counts as a crash for the respawn brake, even if it became ready.
const crashWindow = 5 * time.Second

// crashed tells whether w, which exited with ws, died on its own (not
// stopped or killed by the master) before it booted or within crashWindow
// of starting.
func crashed(w *worker, ws syscall.WaitStatus, now time.Time) bool {
	if w.state.leaving() || (!ws.Signaled() && ws.ExitStatus() == 0) {
		return false
	}
	return !w.booted() || now.Sub(w.spawned) < crashWindow
}

// bootFailed handles a worker that exited before it was ready: with
// gunicorn's boot (3) or app-load (4) code before any worker ever became
// ready, the master halts with that code; during a HUP it says that the
// old generation keeps serving.
func (f *fleet) bootFailed(w *worker, ws syscall.WaitStatus) *haltError {
	code := ws.ExitStatus()
	if w.bootTimedOut {
		code = exitBoot // it was killed, but for failing to boot
	}
	if !f.everReady && (code == exitBoot || code == exitAppLoad) {
		reason := "Worker failed to boot."
		if code == exitAppLoad {
			reason = "App failed to load."
		}
		if w.failure != "" {
			reason += " " + w.failure
		}
		return &haltError{code: code, reason: reason}
	}
	if older := f.servingGenerations(w.gen); len(older) > 0 {
		why := "it died before it was ready"
		if w.failure != "" {
			why = w.failure
		}
		f.log.Warn(fmt.Sprintf("Generation %d cannot boot yet (worker pid:%d: %s); "+
			"workers of generation %v keep serving", w.gen, w.pid, why, older))
		f.hooks.reloaded() // the reload is over as far as systemd goes: the old generation serves
	}
	return nil
}

// servingGenerations lists the generations older than gen that still have
// workers that booted.
func (f *fleet) servingGenerations(gen int) []int {
	var gens []int
	for _, w := range f.workers {
		if w.booted() && w.gen < gen && !slices.Contains(gens, w.gen) {
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

// logExit says how w ended, naming the master's own kills as such, and
// the kernel's OOM killer as oom found it.
func (f *fleet) logExit(w *worker, ws syscall.WaitStatus, oom oomVerdict) {
	switch {
	case ws.Signaled():
		sig := ws.Signal()
		msg := fmt.Sprintf("Worker (pid:%d) was sent SIG%s!", w.pid, strings.ToUpper(signalName(sig)))
		switch {
		case sig == syscall.SIGKILL && w.killedFor == "":
			f.log.Error(oom.killLine(w.pid, msg))
		case sig == syscall.SIGKILL:
			f.log.Error(msg + " (killed by the master: " + w.killedFor + ")")
		case sig == syscall.SIGTERM:
			f.log.Info(msg)
		default:
			f.log.Warn(msg)
		}
	case ws.ExitStatus() != 0 && w.killedFor != "":
		f.log.Error(fmt.Sprintf("Worker (pid:%d) exited with code %d (aborted by the master: %s).", w.pid, ws.ExitStatus(), w.killedFor))
	case ws.ExitStatus() != 0:
		f.log.Error(fmt.Sprintf("Worker (pid:%d) exited with code %d.", w.pid, ws.ExitStatus()))
	default:
		f.log.Debug(fmt.Sprintf("Worker (pid:%d) exited", w.pid))
	}
}
