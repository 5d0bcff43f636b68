package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// newNotifier creates the fsnotify watcher; tests replace it to make
// inotify fail.
var newNotifier = fsnotify.NewWatcher

// loop is the state of one Watcher, owned by the goroutine running run.
// Events, errors, the debounce timer, poll ticks, updates and the
// delivery of a pending Change are all served by its one select.
type loop struct {
	w    *Watcher
	opts *options

	notify *fsnotify.Watcher // nil while polling
	ticker *time.Ticker      // nil while notified

	hasher   *hasher
	reported map[string]state // the last reported state of each file
	pending  []string         // changed paths not yet delivered

	// What makes an event worth a check: anything inside dirs, or a
	// change to dirs' ancestors (a missing directory appearing, or a
	// watched one going away).
	dirs, prefixes map[string]bool

	// The debounce: armed after the first event of a burst, reset by the
	// next ones, never later than maxDelayFactor × debounce after start.
	timer  *time.Timer
	armed  bool
	since  time.Time
	first  string // what started the burst, for the debug log
	events int
}

func newLoop(w *Watcher, opts *options) *loop {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &loop{w: w, opts: opts, hasher: newHasher(), timer: t}
}

// start creates the engine and records the baseline. It runs before the
// goroutine, so a change right after New returns is seen.
func (l *loop) start() error {
	if err := l.startEngine(); err != nil {
		return err
	}
	s, err := l.scan()
	if err != nil {
		l.stopEngine()
		return fmt.Errorf("watch: %w", err)
	}
	l.reported = l.hasher.states(s.files)
	l.opts.log.Debug(fmt.Sprintf("Watching %d file(s) with %s", len(s.files), l.engineName()))
	for _, p := range s.unmatched {
		l.opts.log.Warn(fmt.Sprintf("reload_extra_files: %q matches no files yet", p))
	}
	return nil
}

func (l *loop) run() {
	defer close(l.w.exited)
	defer close(l.w.changes)
	defer l.timer.Stop()
	defer l.stopEngine()
	for {
		var (
			events <-chan fsnotify.Event
			errs   <-chan error
			ticks  <-chan time.Time
			fire   <-chan time.Time
			out    chan<- Change
		)
		if l.notify != nil {
			events, errs = l.notify.Events, l.notify.Errors
		}
		if l.ticker != nil {
			ticks = l.ticker.C
		}
		if l.armed {
			fire = l.timer.C
		}
		if len(l.pending) > 0 {
			out = l.w.changes
		}
		select {
		case <-l.w.done:
			return
		case ev, ok := <-events:
			if !ok {
				l.fallBack(errors.New("fsnotify stopped"))
				continue
			}
			// A chmod or touch never changes content (and Spotlight or a
			// virus scanner may send floods of them).
			if ev.Op != fsnotify.Chmod && l.interesting(ev.Name) {
				l.trigger(fmt.Sprintf("%s %s", ev.Op, ev.Name))
			}
		case err, ok := <-errs:
			if !ok {
				l.fallBack(errors.New("fsnotify stopped"))
				continue
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				l.opts.log.Debug("File system events were lost; checking every watched file")
			} else {
				l.opts.log.Warn(fmt.Sprintf("Watching files: %v", err))
			}
			l.trigger("an fsnotify error")
		case <-ticks:
			if !l.armed && l.differs() { // armed: a check is coming anyway
				l.trigger("a poll found a difference")
			}
		case <-fire:
			l.armed = false
			more := ""
			if l.events > 1 {
				more = fmt.Sprintf(" and %d more", l.events-1)
			}
			l.opts.log.Debug(fmt.Sprintf("Checking watched files after %s%s", l.first, more))
			l.check()
		case out <- Change{Paths: l.pending}:
			l.pending = nil
		case u := <-l.w.updates:
			l.update(u.opts)
			close(u.reply)
		}
	}
}

// trigger starts or extends the debounce for a burst of events.
func (l *loop) trigger(why string) {
	d := l.opts.debounce
	if !l.armed {
		l.armed, l.since, l.first, l.events = true, time.Now(), why, 0
	} else if left := maxDelayFactor*d - time.Since(l.since); left < d {
		d = max(left, 0)
	}
	l.events++
	l.timer.Reset(d)
}

// interesting reports whether an event for name may mean a watched file
// changed: it is in a watched directory, or on the way to one.
func (l *loop) interesting(name string) bool {
	return l.dirs[filepath.Dir(name)] || l.prefixes[name]
}

// check compares every file with its last reported state and queues a
// Change for those that differ.
func (l *loop) check() {
	s, err := l.scan()
	if err != nil {
		l.opts.log.Warn(err.Error())
	}
	now := l.hasher.states(s.files)
	changed := diff(l.reported, now)
	l.reported = now
	if len(changed) == 0 {
		l.opts.log.Debug("No watched file changed content")
		return
	}
	l.opts.log.Debug(fmt.Sprintf("Changed: %s", strings.Join(changed, ", ")))
	for _, p := range changed {
		if !slices.Contains(l.pending, p) {
			l.pending = append(l.pending, p)
		}
	}
	slices.Sort(l.pending)
}

// differs is the poll engine's test: does anything differ from the
// reported state? A difference starts a debounce, so a file caught
// half-written is reported once, when it has settled.
func (l *loop) differs() bool {
	s := l.opts.expand()
	return len(diff(l.reported, l.hasher.states(s.files))) > 0
}

// update applies new options; see Watcher.Update.
func (l *loop) update(o *options) {
	old := l.opts
	l.opts = o
	switch {
	case o.engine != old.engine:
		l.stopEngine()
		if err := l.startEngine(); err != nil {
			l.opts.log.Warn(err.Error())
			l.startPoll()
		}
	case l.ticker != nil && o.poll != old.poll:
		l.ticker.Reset(o.poll)
	}
	s, err := l.scan()
	if err != nil {
		l.opts.log.Warn(err.Error())
	}
	now := l.hasher.states(s.files)
	next := make(map[string]state, len(now))
	stale := false
	for f, st := range now {
		if last, ok := l.reported[f]; ok {
			next[f] = last
			stale = stale || last != st
		} else {
			next[f] = st
		}
	}
	l.reported = next
	if stale {
		l.trigger("a watched file changed during the reload")
	}
}

// scan expands the options and, with fsnotify, makes the watches match
// the directories found. When new directories are watched it expands
// again, to catch files created before their watch existed.
//
// A watch that cannot be created turns EngineAuto to polling; with
// EngineInotify it is the error, and the other watches stay.
func (l *loop) scan() (scan, error) {
	s := l.opts.expand()
	var err error
	for range 3 {
		if l.notify == nil {
			break
		}
		var added bool
		if added, err = l.syncWatches(s.dirs); err != nil && l.opts.engine != EngineInotify {
			l.fallBack(err)
			err = nil
		}
		if err != nil || !added {
			break
		}
		s = l.opts.expand()
	}
	l.dirs, l.prefixes = s.dirs, map[string]bool{}
	for d := range s.dirs {
		ancestors(d, l.prefixes)
	}
	return s, err
}

// syncWatches watches each directory of dirs (or its nearest existing
// ancestor) and stops watching the rest.
func (l *loop) syncWatches(dirs map[string]bool) (added bool, err error) {
	want := map[string]bool{}
	for d := range dirs {
		want[watchTarget(d)] = true
	}
	have := map[string]bool{}
	for _, d := range l.notify.WatchList() {
		have[d] = true
		if !want[d] {
			_ = l.notify.Remove(d) // may be gone already
		}
	}
	for _, d := range slices.Sorted(maps.Keys(want)) {
		if have[d] {
			continue
		}
		switch e := l.notify.Add(d); {
		case e == nil:
			added = true
		case errors.Is(e, fs.ErrNotExist) || errors.Is(e, syscall.ENOTDIR):
			// Removed since the scan: the parent's event brings a new one.
		case err == nil:
			err = fmt.Errorf("cannot watch %s with %s: %w%s", d, EngineInotify, e, limitHint(e))
		}
	}
	return added, err
}

// limitHint is advice for the errors of inotify's limits: ENOSPC when
// fs.inotify.max_user_watches is reached, EMFILE for max_user_instances.
func limitHint(err error) string {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE) {
		return " (raise fs.inotify.max_user_watches and fs.inotify.max_user_instances, or set reload_engine = \"poll\")"
	}
	return ""
}

// startEngine starts fsnotify or the poll ticker, as the options ask.
func (l *loop) startEngine() error {
	if l.opts.engine == EnginePoll {
		l.startPoll()
		return nil
	}
	n, err := newNotifier()
	if err != nil {
		err = fmt.Errorf("cannot start %s: %w%s", EngineInotify, err, limitHint(err))
		if l.opts.engine == EngineInotify {
			return fmt.Errorf("watch: %v", err)
		}
		l.fallBack(err)
		return nil
	}
	l.notify = n
	l.w.engine.Store(EngineInotify)
	return nil
}

func (l *loop) startPoll() {
	l.ticker = time.NewTicker(l.opts.poll)
	l.w.engine.Store(EnginePoll)
}

// fallBack turns from fsnotify to polling, for good: what made inotify
// fail (its limits, most often) is unlikely to go away by itself.
func (l *loop) fallBack(err error) {
	l.opts.log.Warn(fmt.Sprintf("Watching files: %v; polling every %s instead", err, l.opts.poll))
	l.stopEngine()
	l.startPoll()
}

func (l *loop) stopEngine() {
	if l.notify != nil {
		_ = l.notify.Close()
		l.notify = nil
	}
	if l.ticker != nil {
		l.ticker.Stop()
		l.ticker = nil
	}
}

func (l *loop) engineName() string { return l.w.engine.Load().(string) }

// diff lists the files whose state differs between old and new, sorted.
// A file absent from a map is missing there.
func diff(old, new map[string]state) []string {
	var out []string
	for f, st := range new {
		if old[f] != st {
			out = append(out, f)
		}
	}
	for f, st := range old {
		if _, ok := new[f]; !ok && st.kind != missing {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}
