package hookrun

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
)

// Hooks are server hooks written in Go, for a program that embeds gocorn
// and has work a config file should not do: warming a cache from its own
// code, registering with a service directory, adding a header computed in
// Go. Each field is the Starlark hook of the same name (see `gocorn help
// hooks`), with typed views of the same objects: *Master for server,
// *Worker for worker, *http.Request for req, *Response for resp. A nil
// field is no hook.
//
// A Go hook runs at the same moment as its Starlark namesake, first: the
// program's code sets up what the operator's config file may then look
// at. A Go hook fails by returning an error or panicking; that is logged
// as a failing Starlark hook is ("Hook post_fork failed: ..."), and has
// the same effect: post_fork and post_worker_init fail the worker's boot
// (its Starlark hook then does not run), any other hook's failure is only
// logged. The views are valid for the call only.
type Hooks struct {
	// Master hooks.

	// OnStarting runs in the master before the sockets are bound.
	OnStarting func(s *Master) error
	// WhenReady runs in the master once the sockets are bound, before the
	// first workers start.
	WhenReady func(s *Master) error
	// OnReload runs in the master on HUP, after the new config is loaded
	// and before its workers start.
	OnReload func(s *Master) error
	// PreFork runs in the master before it starts a worker (w.PID is 0).
	PreFork func(s *Master, w *Worker) error
	// ChildExit runs in the master after a worker has exited.
	ChildExit func(s *Master, w *Worker) error
	// NworkersChanged runs in the master each time it sets the number of
	// workers to keep; old is 0 the first time. s.SetWorkers refuses here,
	// as server.set_workers does in Starlark.
	NworkersChanged func(s *Master, newN, old int) error
	// PreExec runs in the master on USR2, before the new master starts.
	PreExec func(s *Master) error
	// OnExit runs in the master just before it exits.
	OnExit func(s *Master) error

	// Worker hooks.

	// PostFork runs first thing in a new worker; an error fails its boot.
	PostFork func(s *Master, w *Worker) error
	// PostWorkerInit runs in a worker once the app is built, before it
	// serves; an error fails its boot.
	PostWorkerInit func(w *Worker) error
	// WorkerInt runs in a worker told to stop quickly (INT or QUIT).
	WorkerInt func(w *Worker) error
	// WorkerAbort runs in a worker the master aborts for timeout.
	WorkerAbort func(w *Worker) error
	// WorkerExit runs in a worker as it exits.
	WorkerExit func(s *Master, w *Worker) error
	// PreRequest runs in a worker before the handler sees r; the headers
	// it returns are set on the response (a Starlark pre_request's win
	// where both set one).
	PreRequest func(w *Worker, r *http.Request) (http.Header, error)
	// PostRequest runs in a worker after each response; resp may be nil.
	PostRequest func(w *Worker, r *http.Request, resp *Response) error
}

// has reports whether g defines the hook name.
func (g *Hooks) has(name string) bool {
	defined := map[string]bool{
		"on_starting": g.OnStarting != nil, "when_ready": g.WhenReady != nil,
		"on_reload": g.OnReload != nil, "pre_fork": g.PreFork != nil,
		"child_exit": g.ChildExit != nil, "nworkers_changed": g.NworkersChanged != nil,
		"pre_exec": g.PreExec != nil, "on_exit": g.OnExit != nil,
		"post_fork": g.PostFork != nil, "post_worker_init": g.PostWorkerInit != nil,
		"worker_int": g.WorkerInt != nil, "worker_abort": g.WorkerAbort != nil,
		"worker_exit": g.WorkerExit != nil, "pre_request": g.PreRequest != nil,
		"post_request": g.PostRequest != nil,
	}
	return defined[name]
}

// WithGo adds the program's Go hooks to h's Starlark ones and returns h.
// The master and the workers call it on each Runner they make.
func (h *Runner) WithGo(g Hooks) *Runner {
	h.goHooks = g
	return h
}

// runGo calls a Go hook, named name for the log. A returned error or a
// panic is logged as a failing Starlark hook is, and returned as an
// *Error.
func (h *Runner) runGo(name string, call func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &Error{Hook: name, Msg: oneLine(fmt.Sprintf("Go hook: panic: %v", p)),
				Traceback: strings.TrimRight(string(debug.Stack()), "\n")}
		}
		if err == nil {
			return
		}
		var he *Error
		if !errors.As(err, &he) {
			err = &Error{Hook: name, Msg: "Go hook: " + oneLine(err.Error()), Err: err}
		}
		h.log.Error(err.(*Error).logText())
	}()
	return call()
}

// goServer runs a Go hook that takes the server alone, if it is set.
func (h *Runner) goServer(name string, fn func(*Master) error, s *Master) error {
	if fn == nil {
		return nil
	}
	return h.runGo(name, func() error { return fn(s) })
}

// goServerWorker runs a Go hook that takes the server and a worker, if it
// is set.
func (h *Runner) goServerWorker(name string, fn func(*Master, *Worker) error, s *Master, w *Worker) error {
	if fn == nil {
		return nil
	}
	return h.runGo(name, func() error { return fn(s, w) })
}

// goWorker runs a Go hook that takes a worker alone, if it is set.
func (h *Runner) goWorker(name string, fn func(*Worker) error, w *Worker) error {
	if fn == nil {
		return nil
	}
	return h.runGo(name, func() error { return fn(w) })
}

// goNworkersChanged runs the Go nworkers_changed hook with a server whose
// SetWorkers refuses: setting the count would run the hook again.
func (h *Runner) goNworkersChanged(s *Master, newN, old int) {
	fn := h.goFuncs().NworkersChanged
	if fn == nil {
		return
	}
	var view *Master
	if s != nil {
		copied := *s
		copied.SetWorkers = func(int) error {
			return errors.New("not allowed in nworkers_changed, which runs because the number " +
				"of workers was just set; setting it again would run nworkers_changed again")
		}
		view = &copied
	}
	h.runGo("nworkers_changed", func() error { return fn(view, newN, old) })
}

// goPreRequest runs the Go pre_request hook, if set, and returns its
// headers; a failure gives none.
func (h *Runner) goPreRequest(w *Worker, r *http.Request) http.Header {
	fn := h.goFuncs().PreRequest
	if fn == nil {
		return nil
	}
	var hdr http.Header
	h.runGo("pre_request", func() error {
		got, err := fn(w, r)
		if err == nil {
			hdr = got
		}
		return err
	})
	return hdr
}

// mergeHeaders is first with second's headers set over it; either may be
// nil.
func mergeHeaders(first, second http.Header) http.Header {
	if first == nil {
		return second
	}
	for name, values := range second {
		first[name] = values
	}
	return first
}

// noGoHooks is what a nil *Runner has.
var noGoHooks Hooks

// goFuncs is h's Go hooks; a nil *Runner has none.
func (h *Runner) goFuncs() *Hooks {
	if h == nil {
		return &noGoHooks
	}
	return &h.goHooks
}
