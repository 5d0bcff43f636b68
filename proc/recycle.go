package proc

import (
	"fmt"
	"time"
)

// checkRecycling replaces workers that reached max_requests (they asked),
// max_worker_lifetime or max_worker_memory, one at a time: a worker is
// marked retiring only when no other worker is being replaced, its
// replacement starts at once, and it stops only when the replacement is
// ready. So at most one extra worker runs and capacity never dips.
func (m *master) checkRecycling() {
	now := m.sys.Now()
	var next *worker
	for _, w := range m.workers {
		if w.retiring && !w.stopping {
			return // a replacement (or a reload) is under way and not ready yet
		}
		if w.retiring || w.stopping {
			continue
		}
		if w.recycle == "" && w.ready {
			w.recycle = m.recycleReason(w, now)
		}
		if w.recycle != "" && (next == nil || w.id < next.id) {
			next = w
		}
	}
	if next != nil {
		m.log.Info(fmt.Sprintf("Recycling worker (pid:%d): %s", next.pid, next.recycle))
		next.retiring = true
	}
}

// recycleReason says why w should be replaced now, or "".
func (m *master) recycleReason(w *worker, now time.Time) string {
	if w.maxLifetime > 0 && now.Sub(w.spawned) > w.maxLifetime {
		return fmt.Sprintf("it has run for %s, past max_worker_lifetime", now.Sub(w.spawned).Round(time.Second))
	}
	if w.maxRSS > 0 {
		if rss, err := m.sys.RSS(w.pid); err == nil && rss > w.maxRSS {
			return fmt.Sprintf("its RSS is %d MiB, over max_worker_memory (%d MiB for this worker)", rss>>20, w.maxRSS>>20)
		}
	}
	return ""
}
