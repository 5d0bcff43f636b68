package proc

import "fmt"

// notifier is how the master tells systemd how the service is doing:
// sdnotify.Socket (from $NOTIFY_SOCKET, doing nothing when it is unset),
// or a unit test's recorder.
type notifier interface {
	Enabled() bool
	Ready() error
	Reloading() error
	Stopping() error
	Status(text string) error
	HandOver(pid int, status string) error
}

// started tells systemd (READY=1) and whoever waits for this master's
// start (a -D launcher, or the old master of a USR2 upgrade) that the
// server is up: the first workers are all ready. A master started by USR2
// says nothing to systemd while the old master is the service's main
// process: systemd would drop it (NotifyAccess=main), and the old master
// says it for both when it hands the service over (handOver).
func (m *master) started(ready int) {
	if m.upgrade.parent == 0 {
		m.notify.Status(servingStatus(ready))
		m.notify.Ready()
	}
	m.report.Ready()
}

// reloaded tells systemd that a HUP is over (READY=1): the new
// generation serves, or cannot boot and the old one serves on. The status
// line replaces one a refused reload left.
func (m *master) reloaded() {
	m.notify.Status(servingStatus(len(m.fleet.workersIn(ready))))
	m.notify.Ready()
}

// servingStatus is the status line systemctl status shows while the
// master serves.
func servingStatus(ready int) string {
	return fmt.Sprintf("serving with %d workers", ready)
}
