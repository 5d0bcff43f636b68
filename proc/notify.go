package proc

import "fmt"

// started tells systemd (READY=1) and a -D launcher that the server is
// up: the first workers are all ready.
func (m *master) started(ready int) {
	m.notify.Status(fmt.Sprintf("serving with %d workers", ready))
	m.notify.Ready()
	m.daemon.Ready()
}
