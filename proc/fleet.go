package proc

import (
	"fmt"
	"slices"
	"syscall"
	"time"
)

// setTarget sets how many workers the master keeps and runs
// nworkers_changed, as gunicorn does on every assignment (old is None the
// first time).
func (m *master) setTarget(n int) {
	old, known := m.target, m.target > 0
	if known {
		m.log.Info(fmt.Sprintf("Number of workers: %d -> %d", old, n))
	}
	m.target = n
	m.hooks.NworkersChanged(m.hookServer(), n, old, known)
}

// noteReloadComplete logs, once per HUP, when every worker not on its way
// out runs the new generation and is ready: from then on only new workers
// accept connections.
func (m *master) noteReloadComplete() {
	if m.reloadStarted.IsZero() {
		return
	}
	ready := 0
	for _, w := range m.workers {
		if w.stopping {
			continue
		}
		if w.gen != m.gen || !w.ready {
			return
		}
		ready++
	}
	if ready < m.target {
		return
	}
	m.log.Info(fmt.Sprintf("Reload complete: generation %d, %d workers ready in %s",
		m.gen, ready, m.sys.Now().Sub(m.reloadStarted).Round(time.Millisecond)))
	m.notify.Ready()
	m.reloadStarted = time.Time{}
}

// retireReplaced stops retiring workers as replacements become ready:
// it keeps only as many of them as the target still lacks in ready,
// active workers, and stops the oldest first. So capacity never dips
// during a recycle or a reload, and a reload to fewer workers ends.
func (m *master) retireReplaced() {
	var readyActive int
	var retiring []*worker
	for _, w := range m.workers {
		switch {
		case w.retiring && !w.stopping:
			retiring = append(retiring, w)
		case w.active() && w.ready:
			readyActive++
		}
	}
	keep := max(m.target-readyActive, 0)
	if len(retiring) <= keep {
		return
	}
	slices.SortFunc(retiring, func(a, b *worker) int { return a.id - b.id })
	for _, w := range retiring[:len(retiring)-keep] {
		w.stopping = true
		m.sys.Signal(w.pid, syscall.SIGTERM)
	}
}

// reconcile spawns workers up to the target and stops the oldest beyond it.
func (m *master) reconcile() {
	var active []*worker
	for _, w := range m.workers {
		if w.active() {
			active = append(active, w)
		}
	}
	for n := len(active); n < m.target; n++ {
		if m.sys.Now().Before(m.spawnAfter) {
			return
		}
		if err := m.spawn(); err != nil {
			m.log.Error(err.Error())
			m.brake()
			return
		}
	}
	slices.SortFunc(active, func(a, b *worker) int { return a.id - b.id })
	for _, w := range active[:max(len(active)-m.target, 0)] {
		w.stopping = true
		m.sys.Signal(w.pid, syscall.SIGTERM)
	}
}
