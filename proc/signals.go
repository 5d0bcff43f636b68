package proc

import (
	"os"
	"strings"
	"syscall"
)

// masterSignals are the signals the master acts on (gunicorn's set).
var masterSignals = []os.Signal{
	syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT,
	syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGUSR1, syscall.SIGUSR2,
	syscall.SIGWINCH, syscall.SIGCHLD,
}

// signalName is gunicorn's spelling in "Handling signal: term".
func signalName(sig os.Signal) string {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return sig.String()
	}
	name := map[syscall.Signal]string{
		syscall.SIGHUP: "hup", syscall.SIGTERM: "term", syscall.SIGINT: "int",
		syscall.SIGQUIT: "quit", syscall.SIGTTIN: "ttin", syscall.SIGTTOU: "ttou",
		syscall.SIGUSR1: "usr1", syscall.SIGUSR2: "usr2", syscall.SIGWINCH: "winch",
		syscall.SIGCHLD: "chld", syscall.SIGKILL: "kill", syscall.SIGABRT: "abrt",
	}[s]
	if name == "" {
		return strings.ToLower(s.String())
	}
	return name
}

// handleSignal acts on one of masterSignals.
func (m *master) handleSignal(sig os.Signal) {
	if sig == syscall.SIGCHLD {
		return // reaping follows every loop pass
	}
	m.log.Info("Handling signal: " + signalName(sig))
	switch sig {
	case syscall.SIGTERM:
		m.requestStop()
	case syscall.SIGINT, syscall.SIGQUIT:
		m.beginStop(quick)
	}
	if m.stop.mode != running {
		return // the rest make no sense while stopping
	}
	switch sig {
	case syscall.SIGTTIN:
		m.fleet.setTarget(m.fleet.target + 1)
	case syscall.SIGTTOU:
		if m.fleet.target > 1 {
			m.fleet.setTarget(m.fleet.target - 1)
		}
	case syscall.SIGUSR1:
		if err := m.logs.reopen(); err != nil {
			m.log.Error("Reopening log files: " + err.Error())
		}
		m.fleet.reopenLogs()
	case syscall.SIGHUP:
		m.reload()
	case syscall.SIGUSR2:
		m.startNewMaster()
	case syscall.SIGWINCH:
		if !m.cfg.Daemon {
			m.log.Debug("SIGWINCH ignored: it stops workers only in daemon mode")
			return
		}
		m.log.Info("Stopping every worker (WINCH); the master keeps running")
		m.fleet.setTarget(0)
	}
}
