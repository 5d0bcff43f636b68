package hookrun

import (
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// everyStarlarkHook defines each hook to print "starlark".
const everyStarlarkHook = `
def nworkers_changed(server, new, old): print("starlark")
def on_starting(server): print("starlark")
def when_ready(server): print("starlark")
def pre_fork(server, worker): print("starlark")
def post_fork(server, worker): print("starlark")
def post_worker_init(worker): print("starlark")
def pre_request(worker, req):
    print("starlark")
    return {"X-Both": "starlark", "X-Starlark": "1"}
def post_request(worker, req): print("starlark")
def worker_int(worker): print("starlark")
def worker_abort(worker): print("starlark")
def worker_exit(server, worker): print("starlark")
def child_exit(server, worker): print("starlark")
def on_reload(server): print("starlark")
def pre_exec(server): print("starlark")
def on_exit(server): print("starlark")
`

// goHooksLogging returns Go hooks that each log "NAME: go" to log, and
// fail with err (nil: succeed).
func goHooksLogging(log *slog.Logger, err error) Hooks {
	say := func(name string) error { log.Info(name + ": go"); return err }
	return Hooks{
		NworkersChanged: func(_ *Master, _, _ int) error { return say("nworkers_changed") },
		OnStarting:      func(*Master) error { return say("on_starting") },
		WhenReady:       func(*Master) error { return say("when_ready") },
		PreFork:         func(*Master, *Worker) error { return say("pre_fork") },
		PostFork:        func(*Master, *Worker) error { return say("post_fork") },
		PostWorkerInit:  func(*Worker) error { return say("post_worker_init") },
		PreRequest: func(*Worker, *http.Request) (http.Header, error) {
			return http.Header{"X-Both": {"go"}, "X-Go": {"1"}}, say("pre_request")
		},
		PostRequest: func(*Worker, *http.Request, *Response) error { return say("post_request") },
		WorkerInt:   func(*Worker) error { return say("worker_int") },
		WorkerAbort: func(*Worker) error { return say("worker_abort") },
		WorkerExit:  func(*Master, *Worker) error { return say("worker_exit") },
		ChildExit:   func(*Master, *Worker) error { return say("child_exit") },
		OnReload:    func(*Master) error { return say("on_reload") },
		PreExec:     func(*Master) error { return say("pre_exec") },
		OnExit:      func(*Master) error { return say("on_exit") },
	}
}

func TestGoHooksRunFirstAtEveryStarlarkHook(t *testing.T) {
	h, rec := loadHooks(t, "gocorn.conf.star", everyStarlarkHook)
	h.WithGo(goHooksLogging(slog.New(rec), nil))
	hdr := callEveryHook(t, h, &Master{}, &Worker{}, &Response{})
	lines := rec.take()
	if len(lines) != 2*len(hooksInOrder) {
		t.Fatalf("logged %d lines, want 2 for each of %d hooks:\n%s", len(lines), len(hooksInOrder), strings.Join(lines, "\n"))
	}
	for i, name := range hooksInOrder {
		want := []string{"INFO " + name + ": go", "INFO " + name + ": starlark"}
		if got := lines[2*i : 2*i+2]; !slices.Equal(got, want) {
			t.Errorf("hook %d: logged %q, want %q", i, got, want)
		}
	}
	want := http.Header{"X-Both": {"starlark"}, "X-Go": {"1"}, "X-Starlark": {"1"}}
	if !reflect.DeepEqual(hdr, want) {
		t.Errorf("pre_request headers = %v, want %v", hdr, want)
	}
}

// hooksInOrder are the hooks in the order callEveryHook calls them.
var hooksInOrder = []string{"nworkers_changed", "on_starting", "when_ready", "pre_fork", "post_fork",
	"post_worker_init", "pre_request", "post_request", "worker_int", "worker_abort", "worker_exit",
	"child_exit", "on_reload", "pre_exec", "on_exit"}

func TestGoHookFailuresActAsStarlarkOnes(t *testing.T) {
	h, rec := loadHooks(t, "gocorn.conf.star", everyStarlarkHook)
	h.WithGo(goHooksLogging(slog.New(rec), errors.New("no database")))
	err := h.PostFork(&Master{}, &Worker{})
	var he *Error
	if !errors.As(err, &he) || err.Error() != "post_fork hook failed: Go hook: no database" {
		t.Errorf("PostFork = %v, want the Go hook's failure", err)
	}
	if err := h.PostWorkerInit(&Worker{}); err == nil {
		t.Error("PostWorkerInit succeeded after its Go hook failed")
	}
	h.OnStarting(&Master{}) // only logged: the Starlark hook still runs
	want := []string{
		"INFO post_fork: go", "ERROR Hook post_fork failed: Go hook: no database",
		"INFO post_worker_init: go", "ERROR Hook post_worker_init failed: Go hook: no database",
		"INFO on_starting: go", "ERROR Hook on_starting failed: Go hook: no database", "INFO on_starting: starlark",
	}
	if lines := rec.take(); !slices.Equal(lines, want) {
		t.Errorf("logged\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if hdr := h.PreRequest(&Worker{}, testRequest()); hdr.Get("X-Go") != "" || hdr.Get("X-Starlark") != "1" {
		t.Errorf("a failed Go pre_request gave headers %v", hdr)
	}
}

func TestGoHookPanicIsAFailure(t *testing.T) {
	h, rec := loadHooks(t, "gocorn.conf.star", "# no hooks\n")
	h.WithGo(Hooks{PostWorkerInit: func(*Worker) error { panic("cache is nil") }})
	if err := h.PostWorkerInit(&Worker{}); err == nil || err.Error() != "post_worker_init hook failed: Go hook: panic: cache is nil" {
		t.Errorf("PostWorkerInit = %v", err)
	}
	if lines := rec.take(); len(lines) != 1 || !strings.Contains(lines[0], "gohooks_test.go") {
		t.Errorf("logged %q, want the failure with its Go stack", lines)
	}
}

func TestGoNworkersChangedCannotSetWorkers(t *testing.T) {
	h, rec := loadHooks(t, "gocorn.conf.star", "# no hooks\n")
	set := 0
	var olds []int
	h.WithGo(Hooks{NworkersChanged: func(s *Master, _, old int) error {
		olds = append(olds, old)
		return s.SetWorkers(5)
	}})
	srv := &Master{SetWorkers: func(n int) error { set = n; return nil }}
	h.NworkersChanged(srv, 2, 0, false)
	h.NworkersChanged(srv, 3, 2, true)
	if set != 0 || !slices.Equal(olds, []int{0, 2}) {
		t.Errorf("SetWorkers reached the master (%d); olds %v, want [0 2]", set, olds)
	}
	if lines := rec.take(); len(lines) != 2 || !strings.Contains(lines[0], "not allowed in nworkers_changed") {
		t.Errorf("logged %q", lines)
	}
}

func TestGoHooksCountForHas(t *testing.T) {
	h := New(nil, nil, RequestView{}).WithGo(Hooks{PostRequest: func(*Worker, *http.Request, *Response) error { return nil }})
	if !h.Has("post_request") || h.Has("pre_request") {
		t.Errorf("Has(post_request) = %v, Has(pre_request) = %v", h.Has("post_request"), h.Has("pre_request"))
	}
	all := goHooksLogging(slog.New(slog.DiscardHandler), nil)
	for _, name := range hooksInOrder {
		if !all.has(name) {
			t.Errorf("Hooks has no field for %s", name)
		}
	}
}
