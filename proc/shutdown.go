package proc

import (
	"fmt"
	"time"
)

// stopState is the master's own end: how it stops, when a TERM with
// shutdown_delay begins the stop, when what is left of the workers is
// killed, and why the master halted, if it did.
type stopState struct {
	mode       stopMode
	delayed    <-chan time.Time // fires when shutdown_delay has passed after TERM
	deadline   time.Time        // kill the workers left at this time
	haltReason string           // why the master stopped on its own
	code       int              // the exit code once the workers are gone: 0, or exitOOM
}

// stopMode is how the master stops: not at all yet, gracefully (TERM)
// or quickly (INT, QUIT).
type stopMode int

const (
	running stopMode = iota
	graceful
	quick
)

// requestStop is TERM: a graceful stop, after shutdown_delay if one is
// set. During the delay everything goes on as before, so a load balancer
// (Kubernetes endpoints) has time to stop sending traffic here; a second
// TERM skips the rest of it.
func (m *master) requestStop() {
	delay := time.Duration(m.cfg.ShutdownDelay) * time.Second
	if m.stop.delayed != nil || delay <= 0 {
		m.beginStop(graceful)
		return
	}
	m.notifyStopping()
	m.log.Info(fmt.Sprintf("Stopping in %s (shutdown_delay): still serving so load balancers can stop routing here", delay))
	m.stop.delayed = m.sys.After(delay)
}

// workerOOMKilled follows an OOM kill of worker pid: with
// exit_on_worker_oom, a graceful stop as TERM's that ends in exitOOM, so
// an orchestrator that restarts containers on memory trouble sees it. A
// stop already under way goes on as it was, with its own exit code.
func (m *master) workerOOMKilled(pid int) {
	if !m.cfg.ExitOnWorkerOOM || m.stop.mode != running || m.stop.delayed != nil {
		return
	}
	m.stop.code = exitOOM
	m.stop.haltReason = fmt.Sprintf("the kernel's OOM killer killed worker (pid:%d), and exit_on_worker_oom is set", pid)
	m.log.Error(fmt.Sprintf("Stopping: the kernel's OOM killer killed worker (pid:%d), and exit_on_worker_oom is set", pid))
	m.requestStop()
}

// beginStop stops the server. The master closes its copies of the
// sockets at once. In a graceful stop each worker is told, over its pipe,
// to drain: serve what it has, and, unless a new master started by USR2
// shares the sockets, accept and serve what is still queued on them before
// closing, so no connection the kernel already accepted is reset. A quick
// stop sends QUIT. Workers left at the deadline are killed. A quick stop
// during a graceful one speeds it up; the reverse changes nothing.
func (m *master) beginStop(mode stopMode) {
	if mode <= m.stop.mode {
		return
	}
	if m.stop.delayed == nil {
		m.notifyStopping() // else requestStop did, when the delay began
	}
	m.stop.mode, m.stop.delayed = mode, nil
	closeSockets(m.sockets, m.ownsSocketFiles())
	m.sockets = nil
	wait := time.Duration(m.cfg.GracefulTimeout) * time.Second
	if mode == quick {
		wait = min(wait, 2*time.Second)
	}
	m.stop.deadline = m.sys.Now().Add(wait)
	m.fleet.stopAll(m.workerStop())
}

// notifyStopping tells systemd the service is stopping (STOPPING=1),
// except in a master started by USR2 and not yet promoted: either
// systemd itself asked for the stop (the old master had handed the
// service over), or this master is not the service's main process (the
// operator rolls the upgrade back), and systemd, if it took STOPPING=1
// from it (NotifyAccess=all), would stop the service the old master
// serves.
func (m *master) notifyStopping() {
	if m.upgrade.parent == 0 {
		m.notify.Stopping()
	}
}

// workerStop is how the workers stop in the stop under way. In a graceful
// one the queue on the sockets is left to whoever else holds them: a new
// master started by USR2, or systemd (socket activation), which hands it
// to the next instance.
func (m *master) workerStop() stopHow {
	switch {
	case m.stop.mode == quick:
		return quit
	case m.upgrade.child == 0 && len(m.activated) == 0:
		return drainQueue
	}
	return drain
}
