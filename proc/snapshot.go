package proc

import "time"

// WorkerStatus is one worker as the control socket and the statsd gauges
// list it: plain values, copied at one moment, so a reader needs neither
// the fleet nor its goroutine.
type WorkerStatus struct {
	PID        int
	ID         int           // spawn order: gunicorn's worker "age"
	Generation int           // the configuration generation it runs
	State      string        // booting, ready, retiring, stopping, aborting or killed
	Booted     bool          // it said Ready: it has served
	Age        time.Duration // since it was started
	SinceBeat  time.Duration // since its last message: gunicorn's last_heartbeat
	Requests   uint64        // requests started since it booted, as of its last heartbeat
	InFlight   int           // requests being served, as of its last heartbeat
}

// Snapshot lists the workers as they are at now, oldest first. Like all
// of the fleet it belongs to the master's goroutine; what it returns can
// go anywhere.
func (f *fleet) Snapshot(now time.Time) []WorkerStatus {
	ws := f.workersIn()
	list := make([]WorkerStatus, len(ws))
	for i, w := range ws {
		list[i] = WorkerStatus{
			PID:        w.pid,
			ID:         w.id,
			Generation: w.gen,
			State:      w.state.String(),
			Booted:     w.booted(),
			Age:        now.Sub(w.spawned),
			SinceBeat:  now.Sub(w.lastBeat),
			Requests:   w.beat.Requests,
			InFlight:   w.beat.InFlight,
		}
	}
	return list
}
