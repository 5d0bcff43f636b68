package hookrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.starlark.net/starlark"

	"github.com/gocorn/gocorn/starcfg"
)

// logRecorder is a slog.Handler that keeps "LEVEL message" lines.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }

func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	level := map[slog.Level]string{
		slog.LevelDebug: "DEBUG", slog.LevelInfo: "INFO", slog.LevelWarn: "WARNING",
		slog.LevelError: "ERROR", slog.LevelError + 1: "EXCEPTION", slog.LevelError + 4: "CRITICAL",
	}[rec.Level]
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, level+" "+rec.Message)
	return nil
}

// take returns the lines logged since the last take.
func (r *logRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	lines := r.lines
	r.lines = nil
	return lines
}

// loadHooks evaluates a config program as a worker would (EvalSources)
// and returns its Runner, logging to a recorder. src is the file's text,
// or "" to read path.
func loadHooks(t testing.TB, path, src string) (*Runner, *logRecorder) {
	t.Helper()
	data := []byte(src)
	if src == "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := starcfg.EvalSources([]starcfg.Source{{Path: path, Data: data}}, nil, io.Discard)
	if err != nil {
		t.Fatalf("evaluating %s: %v", path, err)
	}
	rec := &logRecorder{}
	return New(ev.Hooks, slog.New(rec), testView), rec
}

// testView gives the request hooks a small environ of the request.
var testView = RequestView{Environ: func(r *http.Request) map[string]string {
	return map[string]string{
		"REQUEST_METHOD":  r.Method,
		"PATH_INFO":       r.URL.Path,
		"QUERY_STRING":    r.URL.RawQuery,
		"HTTP_USER_AGENT": r.UserAgent(),
	}
}}

// testConfig is every setting at its default but workers, bind and
// worker_class.
func testConfig(t testing.TB) *starcfg.Config {
	t.Helper()
	cfg := starcfg.Defaults()
	cfg.Workers, cfg.Bind, cfg.WorkerClass = 3, []string{"0.0.0.0:8000"}, "gthread"
	return cfg
}

// testRequest is GET /a/b?x=1 from 192.0.2.10:4711 with a few headers.
func testRequest() *http.Request {
	r := httptest.NewRequest("GET", "http://example.com/a/b?x=1", nil)
	r.RequestURI = "/a/b?x=1"
	r.RemoteAddr = "192.0.2.10:4711"
	r.Header.Set("User-Agent", "curl/8.5")
	r.Header.Add("Accept", "text/html")
	r.Header.Add("Accept", "*/*")
	r.Header.Set("Content-Type", "text/plain")
	return r
}

func TestHookMethods(t *testing.T) {
	cfg := testConfig(t)
	srv := &Master{PID: 100, NumWorkers: 3, Config: cfg}
	w := &Worker{PID: 200, ID: 7, Config: cfg}
	booted := &Worker{PID: 201, ID: 8, Config: cfg, Booted: time.Unix(1700000000, 250_000_000)}
	resp := &Response{Status: 201, Header: http.Header{"Content-Type": {"text/html"}}, Bytes: 42, Duration: 1500 * time.Millisecond}

	tests := []struct {
		name string
		call func(h *Runner)
		want []string
	}{
		{"nworkers_changed at start", func(h *Runner) { h.NworkersChanged(srv, 3, 0, false) },
			[]string{"INFO nworkers_changed: new=3 old=None num_workers=3"}},
		{"nworkers_changed", func(h *Runner) { h.NworkersChanged(srv, 4, 3, true) },
			[]string{"INFO nworkers_changed: new=4 old=3 num_workers=3"}},
		{"on_starting", func(h *Runner) { h.OnStarting(srv) },
			[]string{"INFO on_starting: pid 100 num_workers 3 cfg.workers 3"}},
		{"when_ready", func(h *Runner) { h.WhenReady(srv) },
			[]string{`WARNING ready on ["0.0.0.0:8000"]`}},
		{"on_reload", func(h *Runner) { h.OnReload(srv) },
			[]string{"ERROR reloaded, pidfile None"}},
		{"pre_fork", func(h *Runner) { h.PreFork(srv, &Worker{ID: 9}) },
			[]string{"DEBUG forking worker 9 (pid 0)"}},
		{"post_fork", func(h *Runner) {
			if err := h.PostFork(srv, w); err != nil {
				t.Errorf("PostFork: %v", err)
			}
		}, []string{"INFO post_fork: master 100, worker 200, age 7"}},
		{"post_worker_init", func(h *Runner) {
			if err := h.PostWorkerInit(w); err != nil {
				t.Errorf("PostWorkerInit: %v", err)
			}
		}, []string{"INFO post_worker_init: booted 0.0"}},
		{"post_worker_init booted", func(h *Runner) { _ = h.PostWorkerInit(booted) },
			[]string{"INFO post_worker_init: booted 1.70000000025e+09"}},
		{"worker_int", func(h *Runner) { h.WorkerInt(w) }, []string{"CRITICAL interrupted 200"}},
		{"worker_abort", func(h *Runner) { h.WorkerAbort(w) }, []string{"ERROR aborted 200"}},
		{"worker_exit", func(h *Runner) { h.WorkerExit(srv, booted) },
			[]string{"INFO worker_exit: exit 201 booted True"}},
		{"child_exit", func(h *Runner) { h.ChildExit(srv, w) },
			[]string{"INFO child_exit: child 200 exited; id 7"}},
		{"pre_exec", func(h *Runner) { h.PreExec(srv) }, []string{"INFO pre_exec: exec 100"}},
		{"on_exit", func(h *Runner) { h.OnExit(srv) }, []string{"INFO on_exit: bye gthread"}},
		{"pre_request", func(h *Runner) {
			got := h.PreRequest(w, testRequest())
			want := http.Header{"X-Worker": {"7"}, "X-Path": {"/a/b"}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("PreRequest = %v, want %v", got, want)
			}
		}, nil},
		{"post_request", func(h *Runner) { h.PostRequest(w, testRequest(), resp) },
			[]string{"INFO post_request: GET /a/b?x=1 /a/b 201 42 text/html 1.5"}},
	}
	h, rec := loadHooks(t, "testdata/all.star", "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.call(h)
			if got := rec.take(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("logged\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestHookFailures(t *testing.T) {
	cfg := testConfig(t)
	var asked []int
	master := &Master{PID: 100, NumWorkers: 3, Config: cfg, SetWorkers: func(n int) error {
		asked = append(asked, n)
		return errors.New("the master is stopping")
	}}
	inWorker := &Master{PID: 100, NumWorkers: 3, Config: cfg}
	w := &Worker{PID: 200, ID: 1, Config: cfg}

	tests := []struct {
		name string
		call func(h *Runner)
		want string // regexp the whole log must match
	}{
		{"fail", func(h *Runner) { h.OnStarting(master) },
			`^ERROR Hook on_starting failed: testdata/fail.star:4:9: fail: no database\n` +
				`Traceback \(most recent call last\):\n  testdata/fail.star:4:9: in on_starting$`},
		{"missing key", func(h *Runner) { h.WhenReady(master) },
			`^ERROR Hook when_ready failed: testdata/fail.star:7:14: key "missing" not in dict\n`},
		{"lifecycle step limit", func(h *Runner) { h.OnReload(master) },
			`^ERROR Hook on_reload failed: testdata/fail.star:10:5: Starlark computation cancelled: ` +
				`on_reload ran into its limit of 1000000 steps per call \(an endless loop\?\)\n`},
		{"request step limit", func(h *Runner) {
			if hdr := h.PreRequest(w, testRequest()); hdr != nil {
				t.Errorf("PreRequest = %v, want nil", hdr)
			}
		}, `^ERROR Hook pre_request failed: .*: pre_request ran into its limit of 100000 steps per call`},
		{"nested call", func(h *Runner) { h.PostRequest(w, testRequest(), nil) },
			`^ERROR Hook post_request failed: testdata/fail.star:21:23: key "X-Missing" not in headers\n` +
				`Traceback \(most recent call last\):\n` +
				`  testdata/fail.star:18:19: in post_request\n` +
				`  testdata/fail.star:21:23: in _helper$`},
		{"post_fork", func(h *Runner) {
			err := h.PostFork(master, w)
			var he *Error
			if !errors.As(err, &he) || he.Hook != "post_fork" ||
				err.Error() != "post_fork hook failed: testdata/fail.star:25:9: fail: cannot boot" {
				t.Errorf("PostFork = %v, want a post_fork *Error", err)
			}
		}, `^INFO post_fork\nERROR Hook post_fork failed: testdata/fail.star:25:9: fail: cannot boot\n`},
		{"post_worker_init", func(h *Runner) {
			if err := h.PostWorkerInit(w); err == nil || !strings.Contains(err.Error(), "worker has no .nope") {
				t.Errorf("PostWorkerInit = %v, want an error", err)
			}
		}, `ERROR Hook post_worker_init failed: testdata/fail.star:28:11: worker has no .nope field or method`},
		{"set_workers not an int", func(h *Runner) { h.PreFork(master, w) },
			`ERROR Hook pre_fork failed: testdata/fail.star:31:23: set_workers: for parameter 1: got string, want int`},
		{"set_workers negative", func(h *Runner) { h.ChildExit(master, w) },
			`ERROR Hook child_exit failed: testdata/fail.star:34:23: set_workers: got -1, want 1 or more`},
		{"set_workers zero", func(h *Runner) { h.OnExit(master) },
			`ERROR Hook on_exit failed: .*: set_workers: got 0, want 1 or more`},
		{"set_workers in nworkers_changed", func(h *Runner) { h.NworkersChanged(master, 3, 2, true) },
			`ERROR Hook nworkers_changed failed: .*: set_workers: not allowed in nworkers_changed`},
		{"set_workers in a worker", func(h *Runner) { h.WorkerExit(inWorker, w) },
			`ERROR Hook worker_exit failed: .*: set_workers: only the master can change the number of workers, and worker_exit runs in a worker`},
		{"set_workers refused", func(h *Runner) { h.PreExec(master) },
			`ERROR Hook pre_exec failed: testdata/fail.star:43:23: set_workers: the master is stopping\n`},
	}
	h, rec := loadHooks(t, "testdata/fail.star", "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.call(h)
			got := strings.Join(rec.take(), "\n")
			if !regexp.MustCompile(tt.want).MatchString(got) {
				t.Errorf("logged\n%s\nwant match for\n%s", got, tt.want)
			}
		})
	}
	if want := []int{2}; !reflect.DeepEqual(asked, want) {
		t.Errorf("SetWorkers called with %v, want %v (only for pre_exec)", asked, want)
	}
}

func TestHookPanic(t *testing.T) {
	h, rec := loadHooks(t, "hooks.star", "def post_fork(server, worker):\n    server.set_workers(2)\n")
	srv := &Master{SetWorkers: func(int) error { panic("master bug") }}
	err := h.PostFork(srv, &Worker{})
	var he *Error
	if !errors.As(err, &he) || he.Msg != "panic: master bug" {
		t.Fatalf("PostFork = %#v, want a panic *Error", err)
	}
	lines := rec.take()
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "ERROR Hook post_fork failed: panic: master bug\ngoroutine ") {
		t.Errorf("logged %q, want the panic with its Go stack", lines)
	}
}

func TestSetWorkers(t *testing.T) {
	h, rec := loadHooks(t, "hooks.star", `
def on_starting(server):
    server.set_workers(server.num_workers * 2)
    print(server.num_workers)
`)
	var got []int
	srv := &Master{NumWorkers: 3, SetWorkers: func(n int) error { got = append(got, n); return nil }}
	h.OnStarting(srv)
	if want := []int{6}; !reflect.DeepEqual(got, want) {
		t.Errorf("SetWorkers called with %v, want %v", got, want)
	}
	if lines, want := rec.take(), []string{"INFO on_starting: 6"}; !reflect.DeepEqual(lines, want) {
		t.Errorf("logged %q, want %q", lines, want)
	}
	if srv.NumWorkers != 3 {
		t.Errorf("the master's Master was changed: NumWorkers = %d", srv.NumWorkers)
	}
}

func TestNilHooks(t *testing.T) {
	for _, h := range []*Runner{nil, New(nil, nil, RequestView{}), New(map[string]*starlark.Function{}, nil, RequestView{})} {
		if h.Has("pre_request") {
			t.Errorf("Has(pre_request) = true")
		}
		if hdr := callEveryHook(t, h, &Master{}, &Worker{}, &Response{}); hdr != nil {
			t.Errorf("PreRequest = %v", hdr)
		}
	}
}

// callEveryHook calls each of h's hooks once, in the order of a server's
// life, with testRequest for the request hooks, and returns what
// pre_request asked for. A failing post_fork or post_worker_init fails t.
func callEveryHook(t *testing.T, h *Runner, srv *Master, w *Worker, resp *Response) http.Header {
	t.Helper()
	h.NworkersChanged(srv, 1, 0, false)
	h.OnStarting(srv)
	h.WhenReady(srv)
	h.PreFork(srv, w)
	if err := h.PostFork(srv, w); err != nil {
		t.Errorf("PostFork = %v", err)
	}
	if err := h.PostWorkerInit(w); err != nil {
		t.Errorf("PostWorkerInit = %v", err)
	}
	hdr := h.PreRequest(w, testRequest())
	h.PostRequest(w, testRequest(), resp)
	h.WorkerInt(w)
	h.WorkerAbort(w)
	h.WorkerExit(srv, w)
	h.ChildExit(srv, w)
	h.OnReload(srv)
	h.PreExec(srv)
	h.OnExit(srv)
	return hdr
}

func TestHas(t *testing.T) {
	h, _ := loadHooks(t, "testdata/fail.star", "")
	for name, want := range map[string]bool{"pre_request": true, "post_request": true, "ssl_context": false, "_helper": false} {
		if got := h.Has(name); got != want {
			t.Errorf("Has(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestPostRequestArity(t *testing.T) {
	resp := &Response{Status: 404, Header: http.Header{}, Bytes: 9, Duration: time.Millisecond}
	tests := []struct {
		def  string
		resp *Response
		want string
	}{
		{"def post_request(worker, req):\n    print(req.path)", resp, "INFO post_request: /a/b"},
		{"def post_request(worker, req, environ):\n    print(environ['QUERY_STRING'], environ['HTTP_USER_AGENT'])", resp,
			"INFO post_request: x=1 curl/8.5"},
		{"def post_request(worker, req, environ, resp):\n    print(environ['REQUEST_METHOD'], resp.status, resp.bytes_sent)", resp,
			"INFO post_request: GET 404 9"},
		{"def post_request(worker, req, environ, resp):\n    print(resp)", nil, "INFO post_request: None"},
		{"def post_request(worker, req, environ=None, resp=None):\n    print(environ != None, resp.status)", resp,
			"INFO post_request: True 404"},
		{"def post_request(worker, req, *rest):\n    print(len(rest))", resp, "INFO post_request: 2"},
	}
	for _, tt := range tests {
		t.Run(strings.SplitN(tt.def, "\n", 2)[0], func(t *testing.T) {
			h, rec := loadHooks(t, "hooks.star", tt.def+"\n")
			h.PostRequest(&Worker{}, testRequest(), tt.resp)
			if got := rec.take(); len(got) != 1 || got[0] != tt.want {
				t.Errorf("logged %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPreRequestResult(t *testing.T) {
	tests := []struct {
		ret  string
		want http.Header
		log  string // regexp for the error logged, "" for none
	}{
		{"None", nil, ""},
		{"{}", nil, ""},
		{`{"x-request-id": "abc", "Cache-Control": "no-store"}`,
			http.Header{"X-Request-Id": {"abc"}, "Cache-Control": {"no-store"}}, ""},
		{`{"X-Path": req.path}`, http.Header{"X-Path": {"/a/b"}}, ""},
		{`"X-A: 1"`, nil, `^ERROR Hook pre_request: returned string, want a dict of header names to strings, or None; ignored$`},
		{`{1: "a"}`, nil, `returned a dict with a int key`},
		{`{"X-A": 1}`, nil, `returned int for header "X-A", want a string`},
		{`{"bad name": "a"}`, nil, `returned an invalid header name "bad name"`},
		{`{"X-A": "a\r\nSet-Cookie: x"}`, nil, `returned a control character in header "X-A"`},
	}
	for _, tt := range tests {
		t.Run(tt.ret, func(t *testing.T) {
			h, rec := loadHooks(t, "hooks.star", "def pre_request(worker, req):\n    return "+tt.ret+"\n")
			if got := h.PreRequest(&Worker{}, testRequest()); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("PreRequest = %v, want %v", got, tt.want)
			}
			lines := rec.take()
			switch {
			case tt.log == "" && len(lines) > 0:
				t.Errorf("logged %q, want nothing", lines)
			case tt.log != "" && (len(lines) != 1 || !regexp.MustCompile(tt.log).MatchString(lines[0])):
				t.Errorf("logged %q, want one line matching %s", lines, tt.log)
			}
		})
	}
}

// A pre_request that returns the wrong thing on every request logs about
// it at most once a second, then says how many it held back.
func TestPreRequestResultLoggedOncePerSecond(t *testing.T) {
	h, rec := loadHooks(t, "hooks.star", "def pre_request(worker, req):\n    return 1\n")
	for range 100 {
		h.PreRequest(&Worker{}, testRequest())
	}
	if lines := rec.take(); len(lines) != 1 {
		t.Fatalf("logged %d lines, want 1: %q", len(lines), lines)
	}
	h.badResult.last.Add(-int64(time.Second)) // as if a second had passed
	h.PreRequest(&Worker{}, testRequest())
	if lines := rec.take(); len(lines) != 1 || !strings.HasSuffix(lines[0], "(99 more like this since the last message)") {
		t.Errorf("logged %q, want the count of held-back messages", lines)
	}
}

// Many goroutines run pre_request at once, each on its own thread, and
// share one worker object (go test -race).
func TestPreRequestConcurrent(t *testing.T) {
	h, rec := loadHooks(t, "hooks.star", `
def pre_request(worker, req):
    if req.headers["X-N"] == "0":
        print("first of", worker.pid)
    return {"X-Echo": req.headers["X-N"] + " " + req.path + " " + str(worker.cfg.workers)}
`)
	w := &Worker{PID: 5, ID: 1, Config: testConfig(t)}
	var wg sync.WaitGroup
	for g := range 50 {
		wg.Go(func() {
			for i := range 20 {
				r := testRequest()
				r.URL.Path = fmt.Sprintf("/g%d", g)
				r.Header.Set("X-N", fmt.Sprint(i))
				got := h.PreRequest(w, r).Get("X-Echo")
				if want := fmt.Sprintf("%d /g%d 3", i, g); got != want {
					t.Errorf("X-Echo = %q, want %q", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
	if lines := rec.take(); len(lines) != 50 || lines[0] != "INFO pre_request: first of 5" {
		t.Errorf("logged %d lines (first %q), want 50", len(lines), lines[:min(1, len(lines))])
	}
}

// print and log lines stay on one line, whatever the hook prints.
func TestHookOutputOneLine(t *testing.T) {
	h, rec := loadHooks(t, "hooks.star", `
def pre_request(worker, req):
    print("path", req.path)
    worker.log.info(req.path)
    fail(req.path)
`)
	r := testRequest()
	r.URL.Path = "/x\n[2026-01-01 00:00:00 +0000] [1] [CRITICAL] forged\x00"
	h.PreRequest(&Worker{}, r)
	const esc = `/x\n[2026-01-01 00:00:00 +0000] [1] [CRITICAL] forged\x00`
	want := []string{
		"INFO pre_request: path " + esc,
		"INFO " + esc,
		"ERROR Hook pre_request failed: hooks.star:5:9: fail: " + esc + "\n" +
			"Traceback (most recent call last):\n  hooks.star:5:9: in pre_request",
	}
	if got := rec.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("logged\n%q\nwant\n%q", got, want)
	}
}

// Runner from EvalSources and from Resolve behave the same: the worker
// runs the master's generation.
func TestHooksFromResolve(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gocorn.conf.star")
	src := "workers = 2\ndef on_starting(server):\n    print(server.cfg.workers)\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := starcfg.Resolve(starcfg.Invocation{Args: []string{"-c", path}, Dir: dir, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	rec := &logRecorder{}
	h := New(res.Hooks, slog.New(rec), RequestView{})
	h.OnStarting(&Master{Config: res.Config})
	if got, want := rec.take(), []string{"INFO on_starting: 2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("logged %q, want %q", got, want)
	}
}

// The config examples in docs/hooks.md load and run without failing.
func TestHooksDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/hooks.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```python\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 2 {
		t.Fatalf("found %d python blocks in docs/hooks.md, want 2 or more", len(blocks))
	}
	// The page's main example is a file it shows and runs.
	example, err := os.ReadFile("../../examples/hooks.conf.star")
	if err != nil {
		t.Fatal(err)
	}
	blocks = append(blocks, []string{"", string(example)})
	cfg := testConfig(t)
	var asked []int
	srv := &Master{PID: 1, NumWorkers: 12, Config: cfg, SetWorkers: func(n int) error { asked = append(asked, n); return nil }}
	w := &Worker{PID: 2, ID: 3, Config: cfg}
	r := testRequest()
	r.Header.Set("X-Request-Id", "abc")
	resp := &Response{Status: 200, Header: http.Header{}, Duration: 2 * time.Second}
	for i, b := range blocks {
		h, rec := loadHooks(t, fmt.Sprintf("docs/hooks.md#%d", i), b[1])
		h.NworkersChanged(srv, 12, 0, false)
		h.OnStarting(srv)
		h.WhenReady(srv)
		h.PreFork(srv, w)
		if err := h.PostFork(srv, w); err != nil {
			t.Error(err)
		}
		hdr := h.PreRequest(w, r)
		h.PostRequest(w, r, resp)
		h.WorkerAbort(w)
		for _, line := range rec.take() {
			t.Log(line)
			if strings.HasPrefix(line, "ERROR") {
				t.Errorf("block %d: %s", i, line)
			}
		}
		if h.Has("pre_request") && len(hdr) == 0 {
			t.Errorf("block %d: pre_request returned no headers", i)
		}
	}
	if want := []int{8}; !reflect.DeepEqual(asked, want) {
		t.Errorf("set_workers called with %v, want %v", asked, want)
	}
}
