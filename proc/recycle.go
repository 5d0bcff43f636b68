package proc

import (
	"fmt"
	"time"
)

// checkRecycling replaces workers that reached max_requests (they asked),
// max_worker_lifetime or max_worker_memory, one at a time, oldest first:
// a worker retires only when no other is retiring, its replacement starts
// at once (reconcile), and it stops only when the replacement is ready
// (retireReplaced). So at most one extra worker runs and capacity never
// dips.
func (f *fleet) checkRecycling(now time.Time) {
	var next *worker
	for _, w := range f.workers {
		switch w.state {
		case retiring:
			return // a replacement (or a reload) is under way and not ready yet
		case ready:
		default:
			continue
		}
		if w.recycle == "" {
			w.recycle = f.recycleReason(w, now)
		}
		if w.recycle != "" && (next == nil || w.id < next.id) {
			next = w
		}
	}
	if next != nil {
		f.log.Info(fmt.Sprintf("Recycling worker (pid:%d): %s", next.pid, next.recycle))
		f.move(next, retiring)
		f.counts.Recycled++
	}
}

// recycleReason says why w should be replaced now, or "".
func (f *fleet) recycleReason(w *worker, now time.Time) string {
	if w.maxLifetime > 0 && now.Sub(w.spawned) > w.maxLifetime {
		return fmt.Sprintf("it has run for %s, past max_worker_lifetime", now.Sub(w.spawned).Round(time.Second))
	}
	if w.maxRSS > 0 {
		if rss, err := f.sys.RSS(w.pid); err == nil && rss > w.maxRSS {
			return fmt.Sprintf("its RSS is %d MiB, over max_worker_memory (%d MiB for this worker)", rss>>20, w.maxRSS>>20)
		}
	}
	return ""
}
