package proc

import (
	"fmt"
	"time"
)

// requestStop is TERM: a graceful stop, after shutdown_delay if one is
// set. During the delay everything goes on as before, so a load balancer
// (Kubernetes endpoints) has time to stop sending traffic here; a second
// TERM skips the rest of it.
func (m *master) requestStop() {
	delay := time.Duration(m.cfg.ShutdownDelay) * time.Second
	if m.delayedStop != nil || delay <= 0 {
		m.beginStop(graceful)
		return
	}
	m.notify.Stopping()
	m.log.Info(fmt.Sprintf("Stopping in %s (shutdown_delay): still serving so load balancers can stop routing here", delay))
	m.delayedStop = m.sys.After(delay)
}

// beginStop stops the server. The master closes its copies of the
// sockets at once. In a graceful stop each worker is told, over its pipe,
// to drain: serve what it has, and, unless a new master started by USR2
// shares the sockets, accept and serve what is still queued on them before
// closing, so no connection the kernel already accepted is reset. A quick
// stop sends QUIT. Workers left at the deadline are killed. A quick stop
// during a graceful one speeds it up; the reverse changes nothing.
func (m *master) beginStop(mode stopMode) {
	if mode <= m.stop {
		return
	}
	if m.delayedStop == nil {
		m.notify.Stopping() // else requestStop did, when the delay began
	}
	m.stop, m.delayedStop = mode, nil
	closeSockets(m.sockets, m.ownsSocketFiles())
	m.sockets = nil
	wait := time.Duration(m.cfg.GracefulTimeout) * time.Second
	if mode == quick {
		wait = min(wait, 2*time.Second)
	}
	m.deadline = m.sys.Now().Add(wait)
	m.fleet.stopAll(m.workerStop())
}

// workerStop is how the workers stop in the stop under way. In a graceful
// one the queue on the sockets is left to whoever else holds them: a new
// master started by USR2, or systemd (socket activation), which hands it
// to the next instance.
func (m *master) workerStop() stopHow {
	switch {
	case m.stop == quick:
		return quit
	case m.upgradeChild == 0 && len(m.activated) == 0:
		return drainQueue
	}
	return drain
}
