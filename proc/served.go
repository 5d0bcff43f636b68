package proc

import (
	"github.com/gocorn/gocorn/instrument/metrics"
	"github.com/gocorn/gocorn/proc/workerpipe"
)

// tally adds to the fleet's total what a worker's heartbeat says it
// served since its previous one, so the total only grows, and what
// workers served stays counted after they exit (no multiprocess
// directory: the pipe carries the counts). A heartbeat that comes after
// its worker was reaped still counts: a worker's last one, sent as it
// leaves, can be read after its exit. A worker's record is dropped when
// its pipe closes, the last event it makes.
func (f *fleet) tally(ev event) {
	if ev.closed {
		delete(f.reported, ev.pid)
		return
	}
	b := ev.msg.Beat
	if ev.msg.Kind != workerpipe.KindBeat || b == nil || b.Served == nil {
		return
	}
	if f.reported == nil {
		f.reported = make(map[int]metrics.Requests)
	}
	f.served.Add(b.Served.Since(f.reported[ev.pid]))
	f.reported[ev.pid] = *b.Served
}
