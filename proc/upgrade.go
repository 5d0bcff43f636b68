package proc

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"

	"github.com/gocorn/gocorn/proc/sdnotify"
	"github.com/gocorn/gocorn/proc/workerpipe"
)

// The variables a master started by USR2 finds its inheritance in, as
// gunicorn's GUNICORN_FD and GUNICORN_PID.
const (
	envUpgradeSockets = "GOCORN_SOCKETS"    // JSON list of the sockets passed from fd 3 on
	envUpgradeParent  = "GOCORN_PID"        // the old master's pid
	envUpgradeReport  = "GOCORN_UPGRADE_FD" // the pipe the new master reports its start on, after the sockets
)

// handedSocket describes one socket passed to a new master.
type handedSocket struct {
	Spec string `json:"spec"` // the bind entry it was opened for
	Name string `json:"name"`
}

// upgradeState is USR2's, seen from either master: the new master this
// one started, or the old one that started this one and the sockets it
// handed over.
type upgradeState struct {
	argv      []string  // the command line, to start a new master with
	child     int       // the new master started by USR2, while it runs
	parent    int       // the old master while this one is not promoted; 0 otherwise
	inherited []*socket // sockets the old master handed over

	starting int                  // the new master whose report is awaited; 0 once it is in
	reports  chan newMasterReport // what the new master says about its start
}

// newMasterReport is what a new master started by USR2 said about its
// start, on the report pipe it inherited (the -D handshake's, daemon.go).
type newMasterReport struct {
	pid    int
	ready  bool   // its first workers all serve
	reason string // why it did not start, when it said
}

// startNewMaster is USR2: start a new master from the binary on disk,
// with the original command line and working directory, handing it every
// socket. Both masters then serve; the new one writes <pidfile>.2 and
// takes over the pid file when this one exits (send it TERM once the new
// master is ready, or TERM the new one to roll back). As in gunicorn,
// there is one upgrade at a time, and a new master cannot upgrade before
// it is promoted.
func (m *master) startNewMaster() {
	switch {
	case m.upgrade.child != 0:
		m.log.Warn(fmt.Sprintf("USR2 signal ignored. Child exists (pid:%d).", m.upgrade.child))
		return
	case m.upgrade.parent != 0:
		m.log.Warn(fmt.Sprintf("USR2 signal ignored. Parent exists (pid:%d).", m.upgrade.parent))
		return
	}
	m.hooks.PreExec(m.hookServer())
	exe, err := m.sys.Executable()
	if err != nil {
		m.log.Error("Upgrade failed: cannot find this program's binary: " + err.Error())
		return
	}
	handed := make([]handedSocket, len(m.sockets))
	for i, s := range m.sockets {
		handed[i] = handedSocket{Spec: s.spec, Name: s.name}
	}
	list, _ := json.Marshal(handed)
	report, w, err := os.Pipe()
	if err != nil {
		m.log.Error("Upgrade failed: cannot make the new master's report pipe: " + err.Error())
		return
	}
	defer w.Close() // the new master has its copy
	files := append(socketFDs(m.sockets), int(w.Fd()))
	env := append(withoutVars(os.Environ(), envUpgradeSockets, envUpgradeParent, envUpgradeReport, workerpipe.EnvVar, titleRoomEnv),
		envUpgradeSockets+"="+string(list), envUpgradeParent+"="+strconv.Itoa(os.Getpid()),
		envUpgradeReport+"="+strconv.Itoa(3+len(m.sockets)))
	pid, err := m.sys.StartMaster(process{exe: exe, argv: m.upgrade.argv, dir: m.inv.Dir, env: env, files: files})
	if err != nil {
		report.Close()
		m.log.Error(fmt.Sprintf("Upgrade failed: starting %s: %v", exe, err))
		return
	}
	m.upgrade.child, m.upgrade.starting = pid, pid
	m.upgrade.reports = make(chan newMasterReport, 1)
	go awaitNewMaster(pid, report, m.upgrade.reports)
	m.notify.Reloading()
	m.notify.Status(fmt.Sprintf("upgrading: a new master (pid:%d) is starting", pid))
	m.log.Info(fmt.Sprintf("Started a new master (pid:%d) from %s; %s", pid, exe, m.upgradeAdvice()))
}

// upgradeAdvice says how a USR2 upgrade ends.
func (m *master) upgradeAdvice() string {
	if m.notify.Enabled() {
		return "under systemd, this master hands the service over to it once it is ready, and stops"
	}
	return fmt.Sprintf("TERM this master (pid:%d) once it is ready, or TERM the new one to roll back", os.Getpid())
}

// awaitNewMaster reads the report of the new master pid and passes it on
// to the master loop.
func awaitNewMaster(pid int, report *os.File, reports chan<- newMasterReport) {
	defer report.Close()
	ready, reason, err := readReport(report)
	if err != nil {
		reason = "reading its report: " + err.Error()
	}
	reports <- newMasterReport{pid: pid, ready: ready, reason: reason}
}

// newMasterReported follows the start of the new master: once it is
// ready, under systemd (handOver), or else by saying so; if it could not
// start, this master goes on as the service's main process, and a reload
// systemd was told of (RELOADING=1) ends. The new master's exit may have
// been reaped before its report is read: ready or not, it is gone then.
func (m *master) newMasterReported(r newMasterReport) {
	if r.pid != m.upgrade.starting {
		return
	}
	m.upgrade.starting = 0
	if m.stop.mode != running || m.stop.delayed != nil {
		return // a stop under way says what happens
	}
	if r.ready && r.pid != m.upgrade.child {
		r.ready, r.reason = false, "it exited as soon as it was ready"
	}
	switch {
	case !r.ready:
		why := r.reason
		if why == "" {
			why = "it ended before its workers were ready"
		}
		m.log.Error(fmt.Sprintf("Upgrade failed: the new master (pid:%d) did not start: %s; this master keeps serving", r.pid, why))
		m.notify.Status(fmt.Sprintf("upgrade failed: %s; still serving (pid:%d)", why, os.Getpid()))
		m.notify.Ready()
	case m.notify.Enabled():
		m.handOver(r.pid)
	default:
		m.log.Info(fmt.Sprintf("The new master (pid:%d) is ready; TERM this master (pid:%d) to finish the upgrade, "+
			"or TERM the new one to roll back", r.pid, os.Getpid()))
	}
}

// handOver makes the new master pid systemd's main process for the
// service, ends the reload that USR2 began, and stops this master
// gracefully. From then on this master tells systemd nothing: it is no
// longer the main process, so systemd would drop what it says
// (NotifyAccess=main), or, with NotifyAccess=all, take its STOPPING=1 as
// the whole service stopping. When it exits, systemd sees a process
// that is neither the main one nor a control one end, and does nothing.
func (m *master) handOver(pid int) {
	status := fmt.Sprintf("upgraded: the new master (pid:%d) serves", pid)
	if err := m.notify.HandOver(pid, status); err != nil {
		m.log.Error(fmt.Sprintf("Upgrade: the new master (pid:%d) is ready, but systemd was not told: %v; "+
			"this master stays the service's main process: TERM the new one", pid, err))
		return
	}
	m.notify = sdnotify.Socket{}
	m.log.Info(fmt.Sprintf("Handed the service over to the new master (pid:%d), systemd's main process from now on; stopping this master", pid))
	m.beginStop(graceful)
}

// openStartReport is how this master tells whoever waits for its start
// how it went: a -D launcher, or the old master of a USR2 upgrade; nil
// when nobody waits.
func openStartReport() *startReport {
	if r := newDaemonReport(); r != nil {
		return r
	}
	return takeReport(envUpgradeReport)
}

// inheritedSockets adopts the sockets an old master handed over, and
// removes the variables so workers and later upgrades do not see them. It
// returns the old master's pid, 0 when this master was started normally.
func inheritedSockets() ([]*socket, int, error) {
	list, parent := os.Getenv(envUpgradeSockets), os.Getenv(envUpgradeParent)
	os.Unsetenv(envUpgradeSockets)
	os.Unsetenv(envUpgradeParent)
	if parent == "" {
		return nil, 0, nil
	}
	ppid, err := strconv.Atoi(parent)
	if err != nil {
		return nil, 0, fmt.Errorf("%s=%q is not a pid", envUpgradeParent, parent)
	}
	var handed []handedSocket
	if err := json.Unmarshal([]byte(list), &handed); err != nil {
		return nil, 0, fmt.Errorf("%s: %v", envUpgradeSockets, err)
	}
	socks := make([]*socket, 0, len(handed))
	for i, h := range handed {
		s, err := adoptFD(3 + i)
		if err != nil {
			return nil, 0, fmt.Errorf("socket %s handed over by the old master: %w", h.Name, err)
		}
		s.spec, s.name = h.Spec, h.Name
		s.unlink = unixPath(s.fd) // removed at exit once this master is the only one
		socks = append(socks, s)
	}
	return socks, ppid, nil
}

// checkPromotion makes a master started by USR2 the master once the old
// one has exited: it takes over the pid file and drops ".2" from its title.
func (m *master) checkPromotion() {
	if m.upgrade.parent == 0 || os.Getppid() == m.upgrade.parent {
		return
	}
	m.log.Info("Master has been promoted.")
	oldMaster := m.upgrade.parent // gone: this master was re-parented, whatever kill(pid, 0) says of a zombie
	m.upgrade.parent = 0
	m.notify.Status(servingStatus(len(m.fleet.workersIn(ready))))
	m.sys.SetTitle(m.title())
	m.startControl()
	if m.cfg.Pidfile == "" {
		return
	}
	old := m.pidfile
	pf, err := writePidfile(m.cfg.Pidfile, os.Getpid(), oldMaster)
	if err != nil {
		m.log.Error("Taking over the pid file: " + err.Error())
		return
	}
	old.remove()
	m.pidfile = pf
}

// pidfilePath is where this master writes its pid: <pidfile>.2 while an
// old master still runs.
func (m *master) pidfilePath() string {
	if m.upgrade.parent != 0 {
		return m.cfg.Pidfile + ".2"
	}
	return m.cfg.Pidfile
}

// ownsSocketFiles tells whether this master alone serves its unix socket
// paths, and so removes them when it closes the sockets: not while a new
// master started by USR2 runs, nor while it is itself such a new master
// and the old one runs.
// Sockets systemd passed are systemd's.
func (m *master) ownsSocketFiles() bool {
	return m.upgrade.child == 0 && m.upgrade.parent == 0 && len(m.activated) == 0
}

// closeUnused closes inherited sockets the configuration no longer binds.
func (m *master) closeUnused(inherited, used []*socket) {
	var unused []*socket
	for _, s := range inherited {
		if !slices.Contains(used, s) {
			unused = append(unused, s)
		}
	}
	closeSockets(unused, false)
}
