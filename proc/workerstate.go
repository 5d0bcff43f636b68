package proc

import (
	"fmt"
	"slices"
)

// workerState is what a worker is doing, as the master sees it: one
// answer, which every decision, the gauges and the control socket read.
// Facts that outlive a state (when it became ready, why it was killed)
// are plain fields of the worker.
type workerState int

const (
	booting  workerState = iota // started; has not said Ready
	ready                       // serving; counts toward the target
	retiring                    // to be replaced; serves (or boots) until a replacement is ready
	stopping                    // told to stop; finishes what it serves, then exits
	aborting                    // timed out: sent SIGABRT, SIGKILL follows a second later
	killed                      // sent SIGKILL; waits to be reaped
	gone                        // reaped
)

var stateNames = [...]string{"booting", "ready", "retiring", "stopping", "aborting", "killed", "gone"}

func (s workerState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("workerState(%d)", int(s))
}

// nextStates are the moves a worker can make. A worker only ever goes
// down this list: it never boots again, and nothing brings back one that
// was told to stop. Any state may end in gone, since a process can die
// at any time.
var nextStates = map[workerState][]workerState{
	booting:  {ready, retiring, stopping, killed, gone},
	ready:    {retiring, stopping, aborting, killed, gone},
	retiring: {stopping, aborting, killed, gone},
	stopping: {aborting, killed, gone},
	aborting: {killed, gone},
	killed:   {gone},
}

// canBecome tells whether a worker in s may move to next.
func (s workerState) canBecome(next workerState) bool {
	return slices.Contains(nextStates[s], next)
}

// counts tells whether a worker in s counts toward the target: it serves,
// or will once booted, and nobody asked it to go.
func (s workerState) counts() bool { return s == booting || s == ready }

// leaving tells whether the master has told a worker in s to go, or made
// it go: its exit is expected, not a crash.
func (s workerState) leaving() bool { return s == stopping || s == aborting || s == killed }

// move puts w in state next, the one place a worker's state changes. A
// move the machine does not allow is a bug in the master: it is logged
// and refused.
func (f *fleet) move(w *worker, next workerState) bool {
	if !w.state.canBecome(next) {
		f.log.Error(fmt.Sprintf("Worker (pid:%d) cannot go from %s to %s; it stays %s", w.pid, w.state, next, w.state))
		return false
	}
	w.state, w.since = next, f.sys.Now()
	return true
}
