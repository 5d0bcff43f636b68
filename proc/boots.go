package proc

import (
	"fmt"
	"slices"
	"time"
)

// unbooted lists the workers still booting, oldest first: started, never
// ready, and not killed. A worker told to retire or stop before it became
// ready still runs its boot (it opens the app's pools all the same), so
// it counts as booting for max_concurrent_boots and boot_timeout.
func (f *fleet) unbooted() []*worker {
	var ws []*worker
	for _, w := range f.workersIn(booting, retiring, stopping) {
		if !w.booted() {
			ws = append(ws, w)
		}
	}
	return ws
}

// mayBoot tells whether one more worker may start booting now:
// max_concurrent_boots is off, or fewer than that many are booting. A
// worker held back is started by the reconcile that follows the Ready or
// the exit of one that boots; its wait is not part of its boot_timeout,
// since that counts from the start of the process. Nothing starts while
// the master is about to halt: a boot timeout before any worker served
// halts it as soon as the killed worker is reaped.
func (f *fleet) mayBoot() bool {
	if !f.everReady && slices.ContainsFunc(f.workersIn(killed), func(w *worker) bool { return w.bootTimedOut }) {
		return false
	}
	limit := f.policy.maxBoots
	return limit <= 0 || len(f.unbooted()) < limit
}

// checkBootTimeouts kills the workers that have not said Ready
// boot_timeout after they started. A booting worker serves nothing, so
// there is nothing to drain and no stack the operator asked for: SIGKILL.
// Its exit then counts as a worker that failed to boot (bootFailed).
func (f *fleet) checkBootTimeouts(now time.Time) {
	limit := f.policy.bootTimeout
	if limit <= 0 {
		f.bootWake, f.bootWakeAt = nil, time.Time{}
		return
	}
	for _, w := range f.unbooted() {
		took := now.Sub(w.spawned)
		if took < limit {
			continue
		}
		f.log.Error(fmt.Sprintf("Worker (pid:%d) did not boot within %s (boot_timeout); killed after %.1fs",
			w.pid, limit, took.Seconds()))
		w.failure = fmt.Sprintf("it did not boot within %s (boot_timeout)", limit)
		w.bootTimedOut = true
		f.counts.BootTimeouts++
		f.kill(w, "boot_timeout")
	}
	f.armBootWake(now)
}

// armBootWake has the master's loop woken when the next booting worker
// reaches boot_timeout, so its kill is not up to a tick late. A worker
// started later in the same step is covered from the next step on, at
// most a tick later.
func (f *fleet) armBootWake(now time.Time) {
	var next time.Time
	for _, w := range f.unbooted() {
		if at := w.spawned.Add(f.policy.bootTimeout); next.IsZero() || at.Before(next) {
			next = at
		}
	}
	if next.Equal(f.bootWakeAt) {
		return
	}
	f.bootWake, f.bootWakeAt = nil, next
	if !next.IsZero() {
		f.bootWake = f.sys.After(next.Sub(now))
	}
}
