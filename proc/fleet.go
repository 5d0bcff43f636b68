package proc

import (
	"fmt"
	"log/slog"
	"slices"
	"syscall"
	"time"

	"github.com/gocorn/gocorn/instrument/metrics"
	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/starcfg/cgroup"
)

// fleet is the master's workers and every decision about them: how many
// to keep, which generation of the configuration new ones run, when one
// starts, is replaced, stopped, aborted or killed, and how fast crashed
// ones come back. It holds no socket and no configuration: it reaches the
// OS through sys and the master through hooks, so tests drive it with a
// fake system and no master. Only the master's goroutine uses it.
type fleet struct {
	sys    system
	log    *slog.Logger
	hooks  fleetHooks
	policy policy // the running generation's

	workers map[int]*worker // by pid, until reaped
	target  int             // how many workers to keep
	gen     int             // configuration generation: 1 at start, +1 on every applied HUP
	lastID  int             // the id of the last worker spawned

	brake brake
	wake  <-chan time.Time // fires when the brake lets spawns go again

	bootWake   <-chan time.Time // fires when the next booting worker reaches boot_timeout
	bootWakeAt time.Time        // when bootWake fires; zero when it is not set

	everReady     bool      // some worker has served: boot failures no longer halt the master
	started       bool      // the first workers were all ready
	reloadStarted time.Time // when the running generation's HUP began; zero once it is complete
	closing       bool      // the master is stopping: exits are logged, nothing is replaced

	counts  Counts
	oomSeen map[cgroup.Memory]uint64 // by memory cgroup: the OOM-kill counter up to which kills are named (oom.go)

	served   metrics.Requests         // every worker's responses, from their heartbeats (served.go)
	reported map[int]metrics.Requests // by pid: what each worker's last heartbeat said it served
}

// fleetHooks are how the fleet reaches the master: what a new worker is
// started with, gunicorn's hooks around workers, and the moments systemd
// and a -D launcher wait for.
type fleetHooks struct {
	// newWorker is how to start a worker of the running generation: the
	// process, and its boot message but for what the fleet decides (ID,
	// MaxRequests).
	newWorker func() (process, *workerpipe.Boot, error)

	preFork         func(id int)                    // pre_fork, before the worker exists
	childExit       func(w *worker)                 // child_exit, once it is reaped
	nworkersChanged func(n, old int, oldKnown bool) // nworkers_changed, on every assignment of the target

	started  func(ready int) // the first workers are all ready
	reloaded func()          // a HUP is over: its generation serves, or the old one keeps serving

	oomKilled func(pid int) // the kernel's OOM killer killed a worker (exit_on_worker_oom)
}

func newFleet(sys system, log *slog.Logger, hooks fleetHooks, p policy) *fleet {
	return &fleet{sys: sys, log: log, hooks: hooks, policy: p, workers: make(map[int]*worker), gen: 1,
		oomSeen: make(map[cgroup.Memory]uint64)}
}

// setTarget sets how many workers to keep and runs nworkers_changed, as
// gunicorn does on every assignment (old is None the first time).
func (f *fleet) setTarget(n int) {
	old, known := f.target, f.target > 0
	if known {
		f.log.Info(fmt.Sprintf("Number of workers: %d -> %d", old, n))
	}
	f.target = n
	f.hooks.nworkersChanged(n, old, known)
}

// newGeneration starts the next generation, with policy p, for a HUP
// begun at started: every worker that counts now retires, and stops as a
// worker of the new generation becomes ready (retireReplaced).
func (f *fleet) newGeneration(p policy, started time.Time) {
	f.policy = p
	f.gen++
	f.reloadStarted = started
	// A HUP is a new attempt: the brake of an earlier generation that
	// could not boot must not hold this one up for up to 30 s.
	f.brake, f.wake = brake{}, nil
	for _, w := range f.workersIn(booting, ready) {
		f.move(w, retiring)
	}
}

// handle applies one message from a worker's pipe.
func (f *fleet) handle(ev event) {
	f.tally(ev)
	w, ok := f.workers[ev.pid]
	if !ok || ev.closed {
		return
	}
	now := f.sys.Now()
	w.lastBeat = now
	switch ev.msg.Kind {
	case workerpipe.KindReady:
		if err := workerpipe.CheckProtocol(ev.msg.Protocol, "worker"); err != nil {
			f.refuse(w, err.Error())
			return
		}
		f.becameReady(w, ev.msg.Version, now)
	case workerpipe.KindBeat:
		if b := ev.msg.Beat; b != nil {
			f.counts.DeadlinesHit += b.DeadlinesHit - min(w.beat.DeadlinesHit, b.DeadlinesHit)
			w.beat = *b
		}
	case workerpipe.KindRetire:
		w.recycle = ev.msg.Reason
	case workerpipe.KindFailed:
		w.failure = ev.msg.Reason
	case workerpipe.KindStuck:
		f.replaceStuck(w, ev.msg.Stuck)
	}
}

// refuse stops a worker that cannot serve with this master: it counts as
// a worker that could not boot (reason), and the brake holds the next.
func (f *fleet) refuse(w *worker, reason string) {
	w.failure = reason
	f.log.Error(fmt.Sprintf("Worker (pid:%d) cannot serve: %s", w.pid, reason))
	f.stop(w, drain)
	f.crashed()
}

// replaceStuck retires a worker whose handlers ignore request_timeout at
// once, out of the one-at-a-time recycling queue: each stuck handler
// holds a handler slot. Its replacement starts now (reconcile); until it
// is ready the worker serves with the slots it has left, and then it
// drains, logs the stuck handlers' stacks and exits.
func (f *fleet) replaceStuck(w *worker, stuck []server.Request) {
	f.log.Error(fmt.Sprintf("Worker (pid:%d) has handlers still running request_timeout past their deadline: %s; replacing it",
		w.pid, describeRequests(stuck)))
	w.recycle = "handlers stuck past request_timeout"
	if w.state == ready && f.move(w, retiring) {
		f.counts.Stuck++
	}
}

// becameReady records w's Ready. A booting worker starts to count; one
// told to retire or stop before it booted stays on its way out.
func (f *fleet) becameReady(w *worker, version string, now time.Time) {
	w.readyAt = now
	if w.reopenPending {
		w.reopenPending = false
		f.signal(w, syscall.SIGUSR1)
	}
	if w.state == booting {
		f.move(w, ready)
	}
	f.everReady = true
	f.log.Debug(fmt.Sprintf("Worker (pid:%d) is ready", w.pid))
	if version != runningVersion() {
		// The binary on disk changed since the master started.
		f.log.Info(fmt.Sprintf("Worker (pid:%d) runs %s %s; the master runs %s", w.pid, theProgram.Name, version, runningVersion()))
	}
	f.retireReplaced()
	f.noteStarted()
	f.noteReloadComplete()
}

// noteStarted tells the master, once, that the first workers are all
// ready.
func (f *fleet) noteStarted() {
	if f.started {
		return
	}
	if n := len(f.workersIn(ready)); n >= f.target {
		f.started = true
		f.hooks.started(n)
	}
}

// noteReloadComplete logs, once per HUP, when every worker not on its way
// out runs the new generation and is ready: from then on only new workers
// accept connections.
func (f *fleet) noteReloadComplete() {
	if f.reloadStarted.IsZero() {
		return
	}
	n := 0
	for _, w := range f.workers {
		switch {
		case w.state.leaving():
			continue
		case w.gen != f.gen || w.state != ready:
			return
		}
		n++
	}
	if n < f.target {
		return
	}
	f.log.Info(fmt.Sprintf("Reload complete: generation %d, %d workers ready in %s",
		f.gen, n, f.sys.Now().Sub(f.reloadStarted).Round(time.Millisecond)))
	f.hooks.reloaded()
	f.reloadStarted = time.Time{}
}

// reconcile starts workers up to the target, unless the brake holds or
// max_concurrent_boots are booting already, and stops the oldest beyond
// it.
func (f *fleet) reconcile() {
	counted := f.workersIn(booting, ready)
	for n := len(counted); n < f.target; n++ {
		if f.brake.holds(f.sys.Now()) || !f.mayBoot() {
			return
		}
		if err := f.spawn(); err != nil {
			f.log.Error(err.Error())
			f.crashed()
			return
		}
	}
	for _, w := range counted[:max(len(counted)-f.target, 0)] {
		f.stop(w, drain)
	}
}

// retireReplaced stops retiring workers as replacements become ready:
// it keeps only as many of them as the target still lacks in ready
// workers, and stops the oldest first. So capacity never dips during a
// recycle or a reload, and a reload to fewer workers ends.
func (f *fleet) retireReplaced() {
	retiring := f.workersIn(retiring)
	keep := max(f.target-len(f.workersIn(ready)), 0)
	if len(retiring) <= keep {
		return
	}
	for _, w := range retiring[:len(retiring)-keep] {
		f.stop(w, drain)
	}
}

// crashed applies the brake after a crash: a worker that died on its own
// early, or a spawn that failed.
func (f *fleet) crashed() {
	f.counts.Crashes++
	delay := f.brake.crashed(f.sys.Now())
	if delay == 0 {
		return
	}
	f.wake = f.sys.After(delay)
	f.log.Warn(fmt.Sprintf("%d workers crashed in a row; waiting %s before the next", f.brake.crashes, delay))
}

// workersIn lists the workers in any of states, oldest first; no states
// lists them all.
func (f *fleet) workersIn(states ...workerState) []*worker {
	var ws []*worker
	for _, w := range f.workers {
		if len(states) == 0 || slices.Contains(states, w.state) {
			ws = append(ws, w)
		}
	}
	slices.SortFunc(ws, func(a, b *worker) int { return a.id - b.id })
	return ws
}

// signal sends sig to w. A worker that has just exited is reaped soon:
// the error says nothing the master acts on.
func (f *fleet) signal(w *worker, sig syscall.Signal) { f.sys.Signal(w.pid, sig) }

// reopenLogs tells every worker to reopen its log files (USR1). A worker
// that has not said Ready yet may not have set up its signal handling,
// and USR1's default action would kill it: it gets the signal once it is
// ready.
func (f *fleet) reopenLogs() {
	for _, w := range f.workersIn() {
		if w.booted() {
			f.signal(w, syscall.SIGUSR1)
		} else {
			w.reopenPending = true
		}
	}
}
