// Package watch tells when watched files change content. It serves
// gocorn's reload setting: the master watches the config file and the
// files it load()s, its own executable and reload_extra_files, and treats
// a change like a HUP.
//
// A change means different content. Every check hashes each file
// (sha256) and compares it with what was last reported, so a touch, a
// chmod or a rewrite with the same bytes is no change, and neither is a
// file that disappears and comes back the same within one burst.
//
// The inotify engine (fsnotify: inotify on Linux, kqueue on BSD and
// macOS) watches the directories that hold the files, not the files:
// an editor that saves by renaming a new file over the old one, and a
// Kubernetes ConfigMap volume that swaps its ..data symbolic link, both
// replace the file a watch on the file would be stuck to. Any event in
// such a directory starts a short debounce; when events stop, one check
// runs. The poll engine compares hashes every Poll interval and, on a
// difference, runs the same debounced check; it is for file systems that
// send no events (NFS, SMB, FUSE) and for when inotify runs out of
// watches. Either way a file whose device, inode, size, mode, mtime and
// ctime are unchanged since a settled hash is not read again.
//
// Entries of ExtraFiles may be glob patterns with *, ?, [...] and ** (any
// number of directories), searched again on every check so that new
// matching files count as changes. As in Python's glob, a wildcard skips
// names that start with a dot unless its segment starts with one, and
// symbolic links to directories below a pattern's fixed base are not
// followed.
package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The engines, as the reload_engine setting names them.
const (
	EngineAuto    = "auto"    // inotify, or poll when watches cannot be created
	EngineInotify = "inotify" // file system events through fsnotify
	EnginePoll    = "poll"    // a check every Options.Poll
)

// Defaults for the zero Options durations.
const (
	DefaultDebounce = 200 * time.Millisecond
	DefaultPoll     = time.Second
)

// maxDelayFactor caps a burst: a directory that never falls quiet (a log
// file written next to the config) still gets a check every
// maxDelayFactor × Debounce.
const maxDelayFactor = 10

// ErrClosed is returned by Update after Close.
var ErrClosed = errors.New("watch: watcher closed")

// Options says what to watch and how.
type Options struct {
	// Files are watched as they are, existing or not: the config file,
	// the files it load()ed, the executable. A missing file is a state
	// like any other, so its deletion is a change, and so is its return.
	Files []string

	// ExtraFiles are reload_extra_files entries: literal paths, which
	// must exist when New or Update is called, or glob patterns (see
	// IsPattern), which may match nothing yet.
	ExtraFiles []string

	// Dir resolves relative Files and ExtraFiles; "" means the current
	// directory. gocorn passes the directory it was started in, which
	// starcfg used to check reload_extra_files.
	Dir string

	// Engine is EngineAuto (also ""), EngineInotify or EnginePoll.
	Engine string

	// Debounce is how long events must stop before a check; 0 means
	// DefaultDebounce. Poll is the poll engine's interval; 0 means
	// DefaultPoll.
	Debounce, Poll time.Duration

	// Log receives a debug line for each check and what triggered it, and
	// warnings when inotify cannot watch and when a pattern matches no
	// file at New; nil discards.
	Log *slog.Logger
}

// Change is one settled burst of real content changes.
type Change struct {
	// Paths are the files whose state differs from the one last reported,
	// sorted: changed, created (including new matches of a pattern) or
	// removed. A file found through a pattern is named by the pattern's
	// base joined with the names found below it; other files as given.
	Paths []string
}

// Watcher watches files for content changes. Its methods may be called
// from any goroutine.
type Watcher struct {
	changes chan Change
	updates chan update
	done    chan struct{} // closed by Close
	exited  chan struct{} // closed when the loop has stopped
	once    sync.Once
	engine  atomic.Value // string: the engine in use
}

type update struct {
	opts  *options
	reply chan struct{}
}

// New records the current content of every watched file and starts
// watching. It fails when an option is invalid, a literal ExtraFiles path
// does not exist, or Engine is EngineInotify and the watches cannot be
// created; EngineAuto then logs a warning and polls.
func New(o Options) (*Watcher, error) {
	opts, err := o.resolve()
	if err != nil {
		return nil, err
	}
	w := &Watcher{
		changes: make(chan Change),
		updates: make(chan update),
		done:    make(chan struct{}),
		exited:  make(chan struct{}),
	}
	l := newLoop(w, opts)
	if err := l.start(); err != nil {
		return nil, err
	}
	go l.run()
	return w, nil
}

// Changes delivers one Change per settled burst of content changes. A
// Change not yet received absorbs later ones, so a slow reader gets the
// union rather than a backlog. The channel is closed by Close.
func (w *Watcher) Changes() <-chan Change { return w.changes }

// Engine is the engine in use: EngineInotify or EnginePoll. EngineAuto
// starts as inotify and turns to poll if a watch cannot be created.
func (w *Watcher) Engine() string { return w.engine.Load().(string) }

// Update replaces the options after a reload, when the config may load()
// other files or name other extra files. It takes the whole Options, as
// New does: a nil Log discards, zero durations mean the defaults. Files watched before and after
// keep their last reported state, so a change made while the reload ran
// is still reported; new files start from their current content. The
// error is about the options (the watcher then keeps the old ones) or
// ErrClosed. A new engine that cannot watch falls back to polling with a
// warning, as EngineAuto does.
func (w *Watcher) Update(o Options) error {
	opts, err := o.resolve()
	if err != nil {
		return err
	}
	u := update{opts: opts, reply: make(chan struct{})}
	select {
	case w.updates <- u:
	case <-w.exited:
		return ErrClosed
	}
	<-u.reply
	return nil
}

// Close stops watching and closes the Changes channel. It waits for the
// watching goroutine to end and may be called more than once.
func (w *Watcher) Close() error {
	w.once.Do(func() { close(w.done) })
	<-w.exited
	return nil
}

// options are Options checked, defaulted and made absolute.
type options struct {
	files    []string
	patterns []pattern
	engine   string
	debounce time.Duration
	poll     time.Duration
	log      *slog.Logger
}

func (o Options) resolve() (*options, error) {
	dir := o.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("watch: %v", err)
		}
		dir = wd
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("watch: %v", err)
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return filepath.Clean(p)
		}
		return filepath.Join(dir, p)
	}
	r := &options{engine: o.Engine, debounce: o.Debounce, poll: o.Poll, log: o.Log}
	for _, f := range o.Files {
		r.files = append(r.files, abs(f))
	}
	for _, e := range o.ExtraFiles {
		if e == "" {
			return nil, errors.New("watch: an extra file is the empty string")
		}
		if !IsPattern(e) {
			if _, err := os.Stat(abs(e)); errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("watch: extra file %q does not exist", e)
			}
			r.files = append(r.files, abs(e))
			continue
		}
		p, err := parsePattern(e, abs(e))
		if err != nil {
			return nil, fmt.Errorf("watch: %v", err)
		}
		r.patterns = append(r.patterns, p)
	}
	slices.Sort(r.files)
	r.files = slices.Compact(r.files)
	switch r.engine {
	case "":
		r.engine = EngineAuto
	case EngineAuto, EngineInotify, EnginePoll:
	default:
		return nil, fmt.Errorf("watch: unknown engine %q (want auto, inotify or poll)", o.Engine)
	}
	if r.debounce <= 0 {
		r.debounce = DefaultDebounce
	}
	if r.poll <= 0 {
		r.poll = DefaultPoll
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r, nil
}
