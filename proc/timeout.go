package proc

import (
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/gocorn/gocorn/instrument/errlog"
	"github.com/gocorn/gocorn/server"
)

// checkTimeouts aborts workers that make no progress for timeout seconds:
// either their pipe is silent (the process is stopped or its runtime is
// wedged), or every one of their handlers has been busy with the same
// request for longer than timeout (for sync, its one request: gunicorn's
// rule). The master logs what the worker was serving and sends SIGABRT;
// the worker writes every goroutine's stack to the error log and runs
// worker_abort. A worker still there a second later gets SIGKILL.
func (m *master) checkTimeouts() {
	if m.cfg.Timeout <= 0 {
		return
	}
	limit := time.Duration(m.cfg.Timeout) * time.Second
	now := m.sys.Now()
	for _, w := range m.workers {
		if !w.aborted.IsZero() {
			if now.Sub(w.aborted) > time.Second {
				m.sys.Signal(w.pid, syscall.SIGKILL)
			}
			continue
		}
		if !w.ready {
			continue // booting workers are never timed out, as gunicorn
		}
		if why := m.noProgress(w, now, limit); why != "" {
			m.abort(w, why)
		}
	}
}

// noProgress says why w makes no progress, or "" if it does.
func (m *master) noProgress(w *worker, now time.Time, limit time.Duration) string {
	if silent := now.Sub(w.lastBeat); silent > limit {
		return fmt.Sprintf("no heartbeat for %s", silent.Round(time.Second))
	}
	slots := server.Concurrency(m.cfg)
	stuck := 0
	for _, r := range w.beat.Longest {
		if r.Age > limit {
			stuck++
		}
	}
	if stuck < slots {
		return ""
	}
	if slots == 1 {
		return fmt.Sprintf("its request has run for more than %ds", m.cfg.Timeout)
	}
	return fmt.Sprintf("all %d of its handlers have been busy for more than %ds", slots, m.cfg.Timeout)
}

// abort logs why the master aborts w and what w was serving, then sends
// SIGABRT. The replacement starts at once; w no longer counts.
func (m *master) abort(w *worker, why string) {
	errlog.Critical(m.log, fmt.Sprintf("WORKER TIMEOUT (pid:%d): %s; the master is aborting it", w.pid, why))
	if reqs := describeRequests(w.beat.Longest); reqs != "" {
		m.log.Error(fmt.Sprintf("Worker (pid:%d) was serving: %s", w.pid, reqs))
	}
	w.aborted, w.killedFor, w.retiring = m.sys.Now(), "timeout", true
	m.sys.Signal(w.pid, syscall.SIGABRT)
}

func describeRequests(reqs []server.Request) string {
	parts := make([]string, len(reqs))
	for i, r := range reqs {
		parts[i] = fmt.Sprintf("%s %s for %s", r.Method, r.Path, r.Age.Round(100*time.Millisecond))
	}
	return strings.Join(parts, "; ")
}
