package proc

import (
	"log/slog"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/starcfg"
)

// worker is the master's record of one worker process.
type worker struct {
	pid     int
	id      int // age: the order in which workers were spawned
	gen     int // the configuration generation it runs
	pipe    workerPipe
	spawned time.Time

	ready    bool // said Ready: it is accepting connections
	readyAt  time.Time
	lastBeat time.Time // last message of any kind
	beat     workerpipe.Beat

	failure   string    // why it could not boot, as it said before exiting
	recycle   string    // why it should be replaced (max_requests, lifetime, memory); "" if not
	retiring  bool      // to be replaced: stops as soon as a replacement is ready
	stopping  bool      // sent TERM (or QUIT); leaves on its own
	aborted   time.Time // when the master began killing it; zero if never
	killedFor string    // why the master killed it, for the exit log line

	maxLifetime time.Duration // max_worker_lifetime plus this worker's jitter; 0 = none
	maxRSS      int64         // max_worker_memory plus jitter, in bytes; 0 = none
}

// hookWorker is the worker object master hooks (pre_fork, child_exit)
// receive.
func (w *worker) hookWorker(cfg *starcfg.Config, log *slog.Logger) *starcfg.Worker {
	hw := &starcfg.Worker{PID: w.pid, ID: w.id, Config: cfg, Log: log}
	if w.ready {
		hw.Booted = w.readyAt
	}
	return hw
}

// active tells whether the worker counts toward the target number.
func (w *worker) active() bool { return !w.retiring && !w.stopping }
