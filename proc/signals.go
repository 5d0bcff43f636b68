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
