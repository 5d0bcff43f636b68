package proc

import (
	"fmt"
	"syscall"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
)

// stopHow is how a worker is told to stop.
type stopHow int

const (
	drain      stopHow = iota // finish what it serves; the other workers take what is queued
	drainQueue                // finish what it serves and what is queued on the sockets: no other process will
	quit                      // close at once (SIGQUIT)
)

// stop tells w to stop: the one way the master stops a worker, whether
// it is beyond the target, replaced, or the master is stopping. A drain
// goes over the pipe (Stop) and falls back to SIGTERM, which the worker
// takes the same way, when the pipe fails; quit is SIGQUIT. A worker
// already draining is only told again to quit; one aborting or killed is
// on its way out already.
func (f *fleet) stop(w *worker, how stopHow) {
	switch {
	case w.state == aborting || w.state == killed:
		return
	case w.state == stopping && how != quit:
		return
	case w.state != stopping:
		f.move(w, stopping)
		f.counts.Stopped++
	}
	if how == quit {
		f.signal(w, syscall.SIGQUIT)
		return
	}
	msg := workerpipe.Message{Kind: workerpipe.KindStop, EmptyQueue: how == drainQueue}
	if err := w.pipe.Send(msg); err != nil {
		f.signal(w, syscall.SIGTERM)
	}
}

// stopAll stops every worker, as the master stops: from then on exits are
// only logged, and nothing is replaced.
func (f *fleet) stopAll(how stopHow) {
	f.closing = true
	for _, w := range f.workersIn() {
		f.stop(w, how)
	}
}

// killAll kills every worker, as the master halts: from then on exits are
// only logged.
func (f *fleet) killAll(why string) {
	f.closing = true
	for _, w := range f.workersIn() {
		f.kill(w, why)
	}
}

// kill sends w SIGKILL. why is for the exit log line, unless w was
// already aborted for a reason of its own.
func (f *fleet) kill(w *worker, why string) {
	if w.state == killed {
		return
	}
	if w.killedFor == "" {
		w.killedFor = why
	}
	f.move(w, killed)
	f.counts.Killed++
	f.signal(w, syscall.SIGKILL)
}

// killLate kills the workers still there at the stop's deadline; an
// aborting one is left to its own SIGKILL.
func (f *fleet) killLate(now, deadline time.Time) {
	if now.Before(deadline) {
		return
	}
	for _, w := range f.workersIn(booting, ready, retiring, stopping) {
		f.log.Warn(fmt.Sprintf("Worker (pid:%d) did not stop within the graceful timeout; killing it", w.pid))
		f.kill(w, "graceful_timeout")
	}
}
