package proc

import (
	"log/slog"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/starcfg"
	"github.com/gocorn/gocorn/starcfg/hookrun"
)

// worker is the master's record of one worker process.
type worker struct {
	pid  int
	id   int // age: the order in which workers were spawned
	gen  int // the configuration generation it runs
	pipe workerPipe

	state workerState
	since time.Time // when it entered its state

	spawned  time.Time
	readyAt  time.Time // when it said Ready; zero if it never did
	lastBeat time.Time // last message of any kind
	beat     workerpipe.Beat

	failure string // why it could not boot, as it said before exiting
	recycle string // why it should be replaced (max_requests, lifetime, memory); "" if not

	reopenPending bool   // a USR1 came while it booted: it gets one once ready
	killedFor     string // why the master aborted or killed it, for the exit log line
	bootTimedOut  bool   // killed for boot_timeout: a boot failure, not the master's own stop

	maxLifetime time.Duration // max_worker_lifetime plus this worker's jitter; 0 = none
	maxRSS      int64         // max_worker_memory plus jitter, in bytes; 0 = none

	memory oomWatch // its memory cgroup, to name the OOM killer (oom.go)
}

// booted tells whether w ever said Ready: it has served.
func (w *worker) booted() bool { return !w.readyAt.IsZero() }

// hookWorker is the worker object master hooks (pre_fork, child_exit)
// receive.
func (w *worker) hookWorker(cfg *starcfg.Config, log *slog.Logger) *hookrun.Worker {
	return &hookrun.Worker{PID: w.pid, ID: w.id, Config: cfg, Log: log, Booted: w.readyAt}
}
