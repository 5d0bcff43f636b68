package proc

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/gocorn/gocorn/proc/control"
	"github.com/gocorn/gocorn/starcfg"
)

// controlState is the master's control socket: the server while it runs,
// and the channel its commands reach the loop on.
type controlState struct {
	server  *control.Server // nil while there is none
	calls   chan control.Call
	started time.Time // when this master started: show stats' uptime
}

// newControlState is the control state of a master started at started.
func newControlState(started time.Time) controlState {
	return controlState{calls: make(chan control.Call), started: started}
}

// warnNoControlPath is the master's warning when the control socket has no
// path; --check-config prints it too.
const warnNoControlPath = "No control socket: neither XDG_RUNTIME_DIR nor HOME is set to find its default path; " +
	"set control_socket, or --no-control-socket"

// startControl opens the control socket the configuration asks for. It
// never stops the master: a path it cannot create, or one another master
// serves, is a warning. A master started by USR2 leaves the path to the
// old master until it is promoted.
func (m *master) startControl() {
	cfg := m.cfg
	switch {
	case cfg.ControlSocketDisable:
		m.log.Debug("Control socket disabled")
		return
	case m.upgrade.parent != 0:
		m.log.Info(fmt.Sprintf("Control socket %s stays the old master's (pid:%d); this master opens it once promoted",
			cfg.ControlSocket, m.upgrade.parent))
		return
	case cfg.ControlSocket == "":
		m.log.Warn(warnNoControlPath)
		return
	}
	s, err := control.Listen(cfg.ControlSocket, os.FileMode(cfg.ControlSocketMode), m.control.calls, m.log)
	var inUse *control.InUseError
	switch {
	case errors.As(err, &inUse):
		m.log.Warn("No control socket: " + err.Error())
		return
	case err != nil:
		m.log.Warn(fmt.Sprintf("No control socket: cannot create %s: %v; set control_socket to a writable path, "+
			"or --no-control-socket", cfg.ControlSocket, err))
		return
	}
	m.control.server = s
	m.log.Info("Control socket listening at " + s.Path())
}

// stopControl closes the control socket and removes its file, if this
// master still owns it.
func (m *master) stopControl() {
	if m.control.server != nil {
		m.control.server.Close()
		m.control.server = nil
	}
}

// followControl applies a HUP's control socket settings: a new path, or
// turning it on or off, reopens the socket; a new mode changes the file.
// A master that has none tries again, so a HUP picks up a path that
// another master has since freed, or that has become writable.
func (m *master) followControl(old *starcfg.Config) {
	now := m.cfg.ControlConfig
	switch {
	case now.ControlSocket != old.ControlSocket || now.ControlSocketDisable != old.ControlSocketDisable,
		m.control.server == nil && !now.ControlSocketDisable:
		m.stopControl()
		m.startControl()
	case now.ControlSocketMode != old.ControlSocketMode && m.control.server != nil:
		if err := m.control.server.Chmod(os.FileMode(now.ControlSocketMode)); err != nil {
			m.log.Warn("Control socket: " + err.Error())
		}
	}
}

// answer runs a command that came over the control socket; commands that
// change something are logged.
func (m *master) answer(c control.Call) {
	if !c.Command.ReadOnly() {
		m.log.Info("Control command: " + c.Command.String())
	}
	c.Answer(controlView{m})
}

// controlView is the master as control commands see and move it.
type controlView struct{ m *master }

// Status copies what the show commands report; Reloads counts every HUP,
// refused ones too, as gunicorn counts its reloads.
func (v controlView) Status() control.Status {
	m, now := v.m, v.m.sys.Now()
	return control.Status{
		PID: os.Getpid(), Started: m.control.started, Now: now,
		Stopping: m.stop.mode != running, Target: m.fleet.target,
		Generation: m.fleet.gen, Reloads: m.fleet.gen - 1 + m.failedReloads, Failed: m.failedReloads,
		Workers: v.workers(now), Listeners: listeners(m.sockets), Counts: controlCounts(m.fleet.counts),
		Config: m.cfg, ProcName: procName(m.cfg),
	}
}

// workers are the fleet's snapshot with what the control socket adds:
// each worker's oldest request and memory.
func (v controlView) workers(now time.Time) []control.Worker {
	snap := v.m.fleet.Snapshot(now)
	ws := make([]control.Worker, len(snap))
	for i, s := range snap {
		ws[i] = control.Worker{
			PID: s.PID, ID: s.ID, Generation: s.Generation, State: s.State, Booted: s.Booted,
			Age: s.Age, SinceBeat: s.SinceBeat, Requests: s.Requests, InFlight: s.InFlight, RSS: -1,
		}
		if rss, err := v.m.sys.RSS(s.PID); err == nil {
			ws[i].RSS = rss
		}
		if longest := v.m.fleet.workers[s.PID].beat.Longest; len(longest) > 0 {
			r := longest[0]
			ws[i].Oldest = &control.Running{Method: r.Method, Path: r.Path, Age: r.Age + s.SinceBeat}
		}
	}
	return ws
}

// listeners lists the sockets as gunicorn's show listeners does.
func listeners(socks []*socket) []control.Listener {
	ls := make([]control.Listener, len(socks))
	for i, s := range socks {
		ls[i] = control.Listener{Address: s.name, FD: s.fd, Type: "unknown"}
		sa, err := syscall.Getsockname(s.fd)
		if err != nil {
			continue
		}
		switch sa.(type) {
		case *syscall.SockaddrInet4:
			ls[i].Type = "tcp"
		case *syscall.SockaddrInet6:
			ls[i].Type = "tcp6"
		case *syscall.SockaddrUnix:
			ls[i].Type = "unix"
		}
	}
	return ls
}

func controlCounts(c Counts) control.Counts {
	return control.Counts{
		Spawned: c.Spawned, Stopped: c.Stopped, Killed: c.Killed, Timeouts: c.Timeouts, Recycled: c.Recycled,
		Stuck: c.Stuck, BootFailures: c.BootFailures, BootTimeouts: c.BootTimeouts, Crashes: c.Crashes,
		OOMKilled:    c.OOMKilled,
		DeadlinesHit: c.DeadlinesHit,
	}
}

// SetTarget moves the target as TTIN and TTOU do; the loop's next step
// starts or stops workers to meet it.
func (v controlView) SetTarget(n int) { v.m.fleet.setTarget(n) }

// StopWorker drains the worker as SIGTERM would; it no longer counts, so
// the next reconcile starts its replacement.
func (v controlView) StopWorker(pid int) bool {
	w, ok := v.m.fleet.workers[pid]
	if !ok {
		return false
	}
	v.m.log.Info(fmt.Sprintf("Stopping worker (pid:%d), as the control socket asked", pid))
	v.m.fleet.stop(w, drain)
	return true
}

// Signal queues sig for the loop, which handles it after this command's
// reply is on its way, as the signal from outside.
func (v controlView) Signal(sig syscall.Signal) error {
	select {
	case v.m.signals <- sig:
		return nil
	default:
		return errors.New("the master has too many signals queued; try again")
	}
}
