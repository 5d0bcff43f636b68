package proc

import (
	"fmt"
)

// noteStarted tells systemd (READY=1) and a -D launcher that the server
// is up, once the first workers are all ready.
func (m *master) noteStarted() {
	if m.started {
		return
	}
	ready := 0
	for _, w := range m.workers {
		if w.ready {
			ready++
		}
	}
	if ready < m.target {
		return
	}
	m.started = true
	m.notify.Status(fmt.Sprintf("serving with %d workers", ready))
	m.notify.Ready()
	m.daemon.Ready()
}
