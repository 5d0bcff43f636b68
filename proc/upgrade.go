package proc

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"

	"github.com/gocorn/gocorn/proc/workerpipe"
)

// The variables a master started by USR2 finds its inheritance in, as
// gunicorn's GUNICORN_FD and GUNICORN_PID.
const (
	envUpgradeSockets = "GOCORN_SOCKETS" // JSON list of the sockets passed from fd 3 on
	envUpgradeParent  = "GOCORN_PID"     // the old master's pid
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
	env := append(withoutVars(os.Environ(), envUpgradeSockets, envUpgradeParent, workerpipe.EnvVar, titleRoomEnv),
		envUpgradeSockets+"="+string(list), envUpgradeParent+"="+strconv.Itoa(os.Getpid()))
	pid, err := m.sys.StartMaster(process{exe: exe, argv: m.upgrade.argv, dir: m.inv.Dir, env: env, files: socketFDs(m.sockets)})
	if err != nil {
		m.log.Error(fmt.Sprintf("Upgrade failed: starting %s: %v", exe, err))
		return
	}
	m.upgrade.child = pid
	m.log.Info(fmt.Sprintf("Started a new master (pid:%d) from %s; TERM this master (pid:%d) once it is ready, or TERM the new one to roll back",
		pid, exe, os.Getpid()))
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
	m.upgrade.parent = 0
	m.sys.SetTitle(m.title())
	m.startControl()
	if m.cfg.Pidfile == "" {
		return
	}
	old := m.pidfile
	pf, err := writePidfile(m.cfg.Pidfile, os.Getpid())
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
