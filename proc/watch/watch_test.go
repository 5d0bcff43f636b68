package watch

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

const (
	testDebounce = 100 * time.Millisecond
	testPoll     = 50 * time.Millisecond
	waitLimit    = 5 * time.Second // for a Change that must come

	// For a Change that must not come: quiet after identical content,
	// settle (several debounces and polls) elsewhere.
	quiet  = time.Second
	settle = 5 * testDebounce
)

// forEngines runs f once per engine, in parallel.
func forEngines(t *testing.T, f func(t *testing.T, engine string)) {
	for _, engine := range []string{EngineInotify, EnginePoll} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			f(t, engine)
		})
	}
}

// start creates a watcher with short test intervals, closed at cleanup.
func start(t *testing.T, o Options) *Watcher {
	t.Helper()
	o.Debounce, o.Poll, o.Log = testDebounce, testPoll, testLogger(t, nil)
	w, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if o.Engine != "" && w.Engine() != o.Engine {
		t.Fatalf("engine %s, want %s", w.Engine(), o.Engine)
	}
	return w
}

// testLogger logs at debug to the test log, and to buf if not nil.
func testLogger(t *testing.T, buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t, buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	t   *testing.T
	buf *syncBuffer
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	if w.buf != nil {
		w.buf.Write(p)
	}
	return len(p), nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// wantChange waits for the next Change and requires it to name paths.
func wantChange(t *testing.T, w *Watcher, paths ...string) {
	t.Helper()
	select {
	case c, ok := <-w.Changes():
		if !ok {
			t.Fatal("Changes closed")
		}
		if !slices.Equal(c.Paths, paths) {
			t.Fatalf("Change names %q, want %q", c.Paths, paths)
		}
	case <-time.After(waitLimit):
		t.Fatalf("no Change within %s, want one naming %q", waitLimit, paths)
	}
}

// wantNoChange requires no Change for d.
func wantNoChange(t *testing.T, w *Watcher, d time.Duration) {
	t.Helper()
	select {
	case c := <-w.Changes():
		t.Fatalf("unexpected Change naming %q", c.Paths)
	case <-time.After(d):
	}
}

// write writes content to dir/name, creating directories, and returns
// the file's path.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestContentChanges(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		dir := t.TempDir()
		conf := write(t, dir, "gocorn.conf.star", "workers = 1\n")
		w := start(t, Options{Files: []string{conf}, Engine: engine})

		write(t, dir, "gocorn.conf.star", "workers = 2\n")
		wantChange(t, w, conf)

		// Same bytes again, a chmod and a touch: no content change.
		write(t, dir, "gocorn.conf.star", "workers = 2\n")
		must(t, os.Chmod(conf, 0o600))
		now := time.Now().Add(time.Minute)
		must(t, os.Chtimes(conf, now, now))
		wantNoChange(t, w, quiet)
	})
}

func TestBurstIsOneChange(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		dir := t.TempDir()
		conf := write(t, dir, "gocorn.conf.star", "workers = 0\n")
		w := start(t, Options{Files: []string{conf}, Engine: engine})
		for i := 1; i <= 20; i++ {
			write(t, dir, "gocorn.conf.star", strings.Repeat("#", i)+"\nworkers = 1\n")
		}
		wantChange(t, w, conf)
		wantNoChange(t, w, settle)
	})
}

func TestEditorSaves(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		dir := t.TempDir()
		conf := write(t, dir, "gocorn.conf.star", "workers = 1\n")
		w := start(t, Options{Files: []string{conf}, Engine: engine})

		// Write a temporary file, rename it over the original.
		tmp := write(t, dir, ".gocorn.conf.star.tmp", "workers = 2\n")
		must(t, os.Rename(tmp, conf))
		wantChange(t, w, conf)

		// vim: move the original away, write a new file, drop the backup.
		must(t, os.Rename(conf, conf+"~"))
		write(t, dir, "gocorn.conf.star", "workers = 3\n")
		must(t, os.Remove(conf+"~"))
		wantChange(t, w, conf)

		// Gone and back with the same content within one burst: nothing.
		must(t, os.Rename(conf, conf+".bak"))
		must(t, os.Rename(conf+".bak", conf))
		wantNoChange(t, w, settle)
	})
}

func TestRemoveAndRestore(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		dir := t.TempDir()
		conf := write(t, dir, "gocorn.conf.star", "workers = 1\n")
		w := start(t, Options{Files: []string{conf}, Engine: engine})

		must(t, os.Remove(conf))
		wantChange(t, w, conf) // missing is a state of its own
		write(t, dir, "gocorn.conf.star", "workers = 1\n")
		wantChange(t, w, conf)
	})
}

// TestConfigMap swaps ..data the way the kubelet updates a ConfigMap
// volume: a new timestamped directory, a new symbolic link renamed over
// ..data, the old directory removed. The files themselves, links into
// ..data, never change. routes.star is found by a pattern.
func TestConfigMap(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		dir := t.TempDir()
		current := "..2026_11_24_1"
		write(t, dir, current+"/gocorn.conf.star", "workers = 1\n")
		write(t, dir, current+"/routes.star", "routes = 1\n")
		must(t, os.Symlink(current, filepath.Join(dir, "..data")))
		conf, routes := filepath.Join(dir, "gocorn.conf.star"), filepath.Join(dir, "routes.star")
		must(t, os.Symlink("..data/gocorn.conf.star", conf))
		must(t, os.Symlink("..data/routes.star", routes))
		w := start(t, Options{Files: []string{conf}, ExtraFiles: []string{filepath.Join(dir, "*.star")}, Engine: engine})

		swap := func(next, confText, routesText string) {
			write(t, dir, next+"/gocorn.conf.star", confText)
			write(t, dir, next+"/routes.star", routesText)
			must(t, os.Symlink(next, filepath.Join(dir, "..data_tmp")))
			must(t, os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")))
			must(t, os.RemoveAll(filepath.Join(dir, current)))
			current = next
		}
		swap("..2026_11_24_2", "workers = 2\n", "routes = 1\n")
		wantChange(t, w, conf)
		swap("..2026_11_24_3", "workers = 2\n", "routes = 1\n")
		wantNoChange(t, w, settle)
		swap("..2026_11_24_4", "workers = 2\n", "routes = 4\n")
		wantChange(t, w, routes)
	})
}

// TestSymlinkedDirectorySwap deploys the Capistrano way: "current" links
// to a release directory and a deploy renames a new link over it.
func TestSymlinkedDirectorySwap(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		dir := t.TempDir()
		write(t, dir, "releases/1/gocorn.conf.star", "workers = 1\n")
		must(t, os.Symlink("releases/1", filepath.Join(dir, "current")))
		conf := filepath.Join(dir, "current/gocorn.conf.star")
		w := start(t, Options{Files: []string{conf}, Engine: engine})

		write(t, dir, "releases/2/gocorn.conf.star", "workers = 2\n")
		must(t, os.Symlink("releases/2", filepath.Join(dir, "current.tmp")))
		must(t, os.Rename(filepath.Join(dir, "current.tmp"), filepath.Join(dir, "current")))
		wantChange(t, w, conf)

		// An edit in place in the release now current.
		write(t, dir, "releases/2/gocorn.conf.star", "workers = 3\n")
		wantChange(t, w, conf)
	})
}

func TestGlobs(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		dir := t.TempDir()
		write(t, dir, "conf.d/a.star", "a = 1\n")
		write(t, dir, "templates/index.html", "<p>\n")
		w := start(t, Options{
			Dir:        dir,
			ExtraFiles: []string{"conf.d/*.star", "templates/**/*.html", filepath.Join(dir, "later/**/*.html")},
			Engine:     engine,
		})

		// A new match in new directories, then an edit there.
		deep := write(t, dir, "templates/x/y/new.html", "<p>new\n")
		wantChange(t, w, deep)
		write(t, dir, "templates/x/y/new.html", "<p>newer\n")
		wantChange(t, w, deep)

		// Files no pattern matches.
		write(t, dir, "templates/x/y/notes.txt", "notes\n")
		write(t, dir, "conf.d/.a.star.swp", "swap\n")
		write(t, dir, "conf.d/sub/c.star", "c = 1\n")
		write(t, dir, "conf.d/b.py", "b = 1\n")
		write(t, dir, "templates/.cache/x.html", "hidden\n")
		wantNoChange(t, w, settle)

		b := write(t, dir, "conf.d/b.star", "b = 1\n")
		wantChange(t, w, b)

		// A pattern whose base did not exist at first.
		later := write(t, dir, "later/a/b.html", "<p>later\n")
		wantChange(t, w, later)

		must(t, os.Remove(b))
		wantChange(t, w, b)
	})
}

func TestOptionErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "present.txt", "x")
	tests := []struct {
		o    Options
		want string
	}{
		{Options{Dir: dir, ExtraFiles: []string{"present.txt", "missing.txt"}}, `watch: extra file "missing.txt" does not exist`},
		{Options{Dir: dir, ExtraFiles: []string{"conf.d/[a.star"}}, `watch: bad pattern "conf.d/[a.star": syntax error in pattern`},
		{Options{Dir: dir, ExtraFiles: []string{""}}, "watch: an extra file is the empty string"},
		{Options{Dir: dir, Engine: "kqueue"}, `watch: unknown engine "kqueue" (want auto, inotify or poll)`},
	}
	for _, tt := range tests {
		w, err := New(tt.o)
		if err == nil {
			w.Close()
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("New(%+v) error = %v, want %s", tt.o, err, tt.want)
		}
	}
	// A pattern that matches nothing yet is fine.
	w, err := New(Options{Dir: dir, ExtraFiles: []string{"nothing/**/*.star"}, Engine: EnginePoll})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
}

func TestUpdate(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		dir := t.TempDir()
		a := write(t, dir, "a.star", "a = 1\n")
		b := write(t, dir, "lib/b.star", "b = 1\n")
		w := start(t, Options{Files: []string{a}, Engine: engine})

		// The reload found a load() of lib/b.star.
		opts := func(files ...string) Options {
			return Options{Files: files, Engine: engine, Debounce: testDebounce, Poll: testPoll, Log: testLogger(t, nil)}
		}
		if err := w.Update(opts(a, b)); err != nil {
			t.Fatal(err)
		}
		write(t, dir, "lib/b.star", "b = 2\n")
		wantChange(t, w, b)

		// A bad update changes nothing.
		bad := opts(a)
		bad.ExtraFiles = []string{filepath.Join(dir, "gone")}
		err := w.Update(bad)
		if err == nil || !strings.Contains(err.Error(), "gone") {
			t.Fatalf("Update error = %v, want one naming gone", err)
		}
		write(t, dir, "lib/b.star", "b = 3\n")
		wantChange(t, w, b)

		// Changed between the Change and the Update: still reported.
		write(t, dir, "a.star", "a = 2\n")
		if err := w.Update(opts(a)); err != nil {
			t.Fatal(err)
		}
		wantChange(t, w, a)
		write(t, dir, "lib/b.star", "b = 4\n") // no longer watched
		wantNoChange(t, w, settle)
	})
}

func TestHasher(t *testing.T) {
	dir := t.TempDir()
	f := write(t, dir, "f", "aaaa")
	old := time.Now().Add(-time.Hour)
	must(t, os.Chtimes(f, old, old))
	h := newHasher()
	h.settle = 20 * time.Millisecond
	time.Sleep(2 * h.settle) // for ctime, which Chtimes sets to now
	first := h.state(f)
	if first.kind != regular || h.state(f) != first {
		t.Fatalf("state = %+v, then %+v", first, h.state(f))
	}
	if _, ok := h.cache[f]; !ok {
		t.Fatal("an old, unchanged file was not cached")
	}
	// Same size, mtime put back: only ctime (on Linux) tells.
	write(t, dir, "f", "bbbb")
	must(t, os.Chtimes(f, old, old))
	time.Sleep(2 * h.settle)
	if runtime.GOOS == "linux" && h.state(f) == first {
		t.Error("an in-place rewrite with the old mtime went unnoticed")
	}
	// Fresh files are hashed every time.
	g := write(t, dir, "g", "x")
	h.state(g)
	if _, ok := h.cache[g]; ok {
		t.Error("a file changed just now was cached")
	}
	must(t, os.Mkdir(filepath.Join(dir, "d"), 0o755))
	for name, want := range map[string]kind{"missing": missing, "d": notRegular, "f/under-a-file": missing} {
		if got := h.state(filepath.Join(dir, name)).kind; got != want {
			t.Errorf("state(%s) = %d, want %d", name, got, want)
		}
	}
}

// TestFallBackToPoll makes fsnotify fail: auto polls with a warning,
// inotify refuses. Not parallel: it replaces newNotifier.
func TestFallBackToPoll(t *testing.T) {
	saved := newNotifier
	t.Cleanup(func() { newNotifier = saved })
	newNotifier = func() (*fsnotify.Watcher, error) {
		return nil, fmt.Errorf("couldn't initialize inotify: %w", syscall.EMFILE)
	}
	dir := t.TempDir()
	conf := write(t, dir, "gocorn.conf.star", "workers = 1\n")

	var logs syncBuffer
	w, err := New(Options{Files: []string{conf}, Debounce: testDebounce, Poll: testPoll, Log: testLogger(t, &logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.Engine() != EnginePoll {
		t.Errorf("engine %s, want poll", w.Engine())
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "fs.inotify.max_user_instances") {
		t.Errorf("no warning with advice:\n%s", logs.String())
	}
	write(t, dir, "gocorn.conf.star", "workers = 2\n")
	wantChange(t, w, conf)

	_, err = New(Options{Files: []string{conf}, Engine: EngineInotify})
	if err == nil || !strings.Contains(err.Error(), "too many open files") {
		t.Errorf("New with inotify error = %v", err)
	}
}

// TestCloseLeavesNothing closes watchers in every state, twice, and
// requires their goroutines (and fsnotify's) to be gone. Not parallel, so
// the goroutine count is the package's alone.
func TestCloseLeavesNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	conf := write(t, dir, "gocorn.conf.star", "workers = 1\n")
	for _, engine := range []string{EngineInotify, EnginePoll} {
		w, err := New(Options{Files: []string{conf}, Engine: engine, Debounce: testDebounce, Poll: testPoll})
		if err != nil {
			t.Fatal(err)
		}
		write(t, dir, "gocorn.conf.star", "workers = 2 # "+engine+"\n")
		wantChange(t, w, conf)
		write(t, dir, "gocorn.conf.star", "workers = 3 # "+engine+"\n") // left pending or in flight
		must(t, w.Close())
		must(t, w.Close())
		if _, ok := <-w.Changes(); ok {
			t.Error("Changes still open after Close")
		}
		if err := w.Update(Options{Files: []string{conf}}); !errors.Is(err, ErrClosed) {
			t.Errorf("Update after Close = %v, want ErrClosed", err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestUnwatchableDirectory makes one directory unreadable, so inotify
// cannot watch it: auto polls with a warning, inotify refuses. Root may
// read anything, so the test needs another user.
func TestUnwatchableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can watch any directory")
	}
	t.Parallel()
	dir := t.TempDir()
	locked := filepath.Join(dir, "locked")
	must(t, os.Mkdir(locked, 0o000))
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	conf := write(t, dir, "gocorn.conf.star", "workers = 1\n")
	files := []string{conf, filepath.Join(locked, "x.star")}

	var logs syncBuffer
	w, err := New(Options{Files: files, Debounce: testDebounce, Poll: testPoll, Log: testLogger(t, &logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.Engine() != EnginePoll || !strings.Contains(logs.String(), "cannot watch "+locked) {
		t.Errorf("engine %s, logs:\n%s", w.Engine(), logs.String())
	}
	write(t, dir, "gocorn.conf.star", "workers = 2\n")
	wantChange(t, w, conf)

	if _, err := New(Options{Files: files, Engine: EngineInotify}); err == nil || !strings.Contains(err.Error(), locked) {
		t.Errorf("New with inotify error = %v, want one naming %s", err, locked)
	}
}
