package proc

import (
	"syscall"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/starcfg/cgroup"
)

// system is every way the master touches the operating system: starting
// workers and a new master, signalling and reaping them, the clock, the
// binary on disk, a worker's memory and the master's process title. The
// master's decisions go through it and nothing else, so unit tests run
// them against a fake, in milliseconds and without processes, as
// tableflip's env does. osSystem (system_os.go) is the real one.
type system interface {
	// Now is the time every decision reads.
	Now() time.Time

	// After is a timer, as time.After.
	After(d time.Duration) <-chan time.Time

	// Executable is the binary on disk, which workers and a new master
	// are started from, so a rebuilt binary is picked up.
	Executable() (string, error)

	// StartWorker starts a worker: p, with its end of a new pipe as
	// workerpipe.FD and p.files after it. boot is the first message the
	// worker gets on the pipe; the worker's messages come back as events.
	StartWorker(p process, boot *workerpipe.Boot) (pid int, pipe workerPipe, err error)

	// StartMaster starts a new master (USR2): p, with p.files from fd 3
	// on.
	StartMaster(p process) (pid int, err error)

	// Signal sends sig to pid.
	Signal(pid int, sig syscall.Signal) error

	// Reap collects one exited child without waiting; ok is false when
	// none is left to collect.
	Reap() (pid int, status syscall.WaitStatus, ok bool)

	// RSS is a process's resident set size in bytes.
	RSS(pid int) (int64, error)

	// MemoryCgroup is the memory cgroup whose OOM-kill counter counts
	// process pid; the zero Memory, standing for the whole machine, when
	// it is in none (oom.go).
	MemoryCgroup(pid int) cgroup.Memory

	// OOMKills reads the OOM-kill counter of cg, or of the machine for
	// the zero Memory.
	OOMKills(cg cgroup.Memory) (uint64, error)

	// MemoryLimit is the memory limit that binds cg, in bytes; ok is
	// false when there is none.
	MemoryLimit(cg cgroup.Memory) (limit int64, ok bool)

	// SetTitle makes ps show title for the master.
	SetTitle(title string)
}

// process is a program the master starts.
type process struct {
	exe   string
	argv  []string
	dir   string   // working directory; "" for the master's
	env   []string // "KEY=VALUE" pairs
	files []int    // inherited after the standard streams (and a worker's pipe)
	cred  *syscall.Credential
}

// workerPipe is the master's end of a worker's pipe, as the master uses
// it: it sends the worker messages (Stop, new ticket keys) and closes it
// once the worker is reaped. What the worker says arrives as events.
type workerPipe interface {
	Send(workerpipe.Message) error
	Close() error
}

// event is something a worker's pipe said, delivered to the master loop.
type event struct {
	pid    int
	msg    workerpipe.Message
	closed bool // the pipe reached EOF: the worker is exiting
}
