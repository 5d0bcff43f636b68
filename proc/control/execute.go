package control

import (
	"errors"
	"fmt"
	"maps"
	"syscall"
)

// errStopping refuses what makes no sense once a shutdown has begun.
var errStopping = errors.New("the master is shutting down")

// errNoDirty is what gunicorn's dirty commands answer with its dirty
// arbiter off, as gocorn always is.
const errNoDirty = "Dirty arbiter not running"

// Execute runs cmd against m and returns the reply's data, or an error
// that becomes "Command failed: ...". It runs on the master's loop.
func Execute(cmd Command, m Master) (any, error) {
	st := m.Status()
	switch cmd.Verb {
	case VerbShow:
		return show(cmd.Target, st), nil
	case VerbHelp:
		return HelpReply{Commands: maps.Clone(helpText)}, nil
	case VerbDirty:
		return KillReply{Error: errNoDirty}, nil
	case VerbShutdown:
		return shutdown(cmd.Target, m)
	}
	if st.Stopping {
		return nil, errStopping
	}
	switch cmd.Verb {
	case VerbWorker:
		return worker(cmd, st, m), nil
	case VerbReload:
		return StatusReply{Status: "reloading"}, m.Signal(syscall.SIGHUP)
	case VerbReopen:
		return StatusReply{Status: "reopening"}, m.Signal(syscall.SIGUSR1)
	}
	return nil, fmt.Errorf("no handler for %q", cmd.Verb)
}

func show(target string, st Status) any {
	switch target {
	case ShowWorkers:
		return workersReply(st)
	case ShowStats:
		return statsReply(st)
	case ShowConfig:
		return configReply(st)
	case ShowListeners:
		return listenersReply(st)
	case ShowDirty:
		return dirtyReply()
	}
	return allReply(st)
}

// worker runs worker add, remove and kill, as gunicorn's: add and remove
// move the target (never below 1), and the master starts or stops
// workers to meet it; kill stops one gracefully and the master replaces
// it.
func worker(cmd Command, st Status, m Master) any {
	switch cmd.Target {
	case ActionAdd:
		m.SetTarget(st.Target + cmd.N)
		return WorkerAddReply{Added: cmd.N, Previous: st.Target, Total: st.Target + cmd.N}
	case ActionRemove:
		total := max(1, st.Target-cmd.N)
		m.SetTarget(total)
		return WorkerRemoveReply{Removed: st.Target - total, Previous: st.Target, Total: total}
	}
	if !m.StopWorker(cmd.N) {
		return KillReply{Error: fmt.Sprintf("Worker %d not found", cmd.N)}
	}
	return KillReply{Success: true, Killed: cmd.N}
}

// shutdown is TERM for graceful, INT for quick; a quick one may follow a
// graceful one to hurry it, as the signals may.
func shutdown(mode string, m Master) (any, error) {
	sig := syscall.SIGTERM
	if mode == ModeQuick {
		sig = syscall.SIGINT
	}
	return StatusReply{Status: "shutting_down", Mode: mode}, m.Signal(sig)
}
