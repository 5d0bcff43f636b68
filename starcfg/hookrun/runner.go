package hookrun

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"

	"github.com/gocorn/gocorn/starcfg"
)

// Step limits for one call of a hook. A step is roughly one bytecode
// instruction; a hook that logs a line or picks a header takes tens. The
// limits only stop a runaway loop: 1,000,000 steps take tens of
// milliseconds, 100,000 a few. Request hooks get the smaller limit because
// they run on every request. There is no wall-clock limit: a hook can only
// compute, since nothing it can call blocks (set_workers calls the master,
// which must not block in it).
const (
	lifecycleSteps = 1_000_000 // every hook but pre_request and post_request
	requestSteps   = 100_000   // pre_request and post_request
)

// Runner runs the server hooks of one config generation: the functions
// named after gunicorn's hooks in gocorn.conf.star, as Resolved.Runner and
// Evaluated.Runner hold them. The master and the workers call its typed
// methods at the moments gunicorn does; a method whose hook the config
// does not define returns at once, and so does every method of a nil
// *Runner, so callers need no checks.
//
// Every call runs on a fresh starlark.Thread over the config's frozen
// globals, so any number of calls may run at once. print() in a hook
// writes an INFO line to the error log, prefixed with the hook's name. A
// hook that fails (raises an error, runs out of steps, or makes a Go
// function it calls panic) is logged at ERROR with its Starlark backtrace;
// it never crashes the process or fails a request. Only post_fork and
// post_worker_init also return the failure, because it makes the worker's
// boot fail, as in gunicorn.
type Runner struct {
	fns             map[string]*starlark.Function
	preRequest      *starlark.Function
	postRequest     *starlark.Function
	postRequestArgs int // 2, 3 or 4: see HookArgs
	log             *slog.Logger
	view            RequestView
	goHooks         Hooks // the program's Go hooks, run before the Starlark ones (WithGo)
	print           func(*starlark.Thread, string)

	cfg       atomic.Pointer[cfgValue]    // the cfg object of the Config last seen
	worker    atomic.Pointer[workerValue] // the worker object of the Worker last seen
	badResult everySecond                 // pre_request results that are not headers
}

// New returns the runner of the hooks in fns (hook name -> function,
// as loaded and arity-checked by starcfg.Resolve or starcfg.EvalSources).
// fns may be nil or empty. Hook output and failures go to log; nil
// discards them. view completes the request hooks' objects; the master,
// which runs no request hook, passes the zero RequestView.
func New(fns map[string]*starlark.Function, log *slog.Logger, view RequestView) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Runner{fns: make(map[string]*starlark.Function, len(fns)), log: log, view: view}
	for name, fn := range fns {
		if fn != nil {
			h.fns[name] = fn
		}
	}
	h.preRequest = h.fns["pre_request"]
	if fn := h.fns["post_request"]; fn != nil {
		h.postRequest, h.postRequestArgs = fn, starcfg.HookArgs("post_request", fn)
	}
	h.print = func(thread *starlark.Thread, msg string) {
		h.log.Info(thread.Name + ": " + oneLine(msg))
	}
	return h
}

// LogPrints writes what print() wrote at the top level of the config
// files (Resolved.Prints, "FILE:LINE: text") to log, one INFO line each
// with control characters escaped, as print() in a hook is. The master
// calls it after each evaluation that it runs with: at start and on HUP.
func LogPrints(log *slog.Logger, prints []string) {
	for _, p := range prints {
		log.Info(oneLine(p))
	}
}

// Has reports whether the config or the program's Go hooks define the
// hook name.
func (h *Runner) Has(name string) bool {
	return h.fn(name) != nil || (h != nil && h.goFuncs().has(name))
}

func (h *Runner) fn(name string) *starlark.Function {
	if h == nil {
		return nil
	}
	return h.fns[name]
}

// The master's hooks.

// NworkersChanged runs nworkers_changed(server, new, old) in the master
// each time it assigns the number of workers to keep, even to the same
// value: at start (before on_starting, with old unknown, which the hook
// sees as None), on TTIN and TTOU, on HUP and after server.set_workers.
func (h *Runner) NworkersChanged(s *Master, newN, oldN int, oldKnown bool) {
	if h == nil {
		return
	}
	goOld := oldN
	if !oldKnown {
		goOld = 0 // the Go hook's int cannot be None: 0 is "no count yet"
	}
	h.goNworkersChanged(s, newN, goOld)
	if fn := h.fn("nworkers_changed"); fn != nil {
		var old starlark.Value = starlark.None
		if oldKnown {
			old = starlark.MakeInt(oldN)
		}
		h.run("nworkers_changed", fn, h.server(s), starlark.MakeInt(newN), old)
	}
}

// OnStarting runs on_starting(server) in the master, after the pid file is
// written and before the sockets are bound.
func (h *Runner) OnStarting(s *Master) { h.runServer("on_starting", h.goFuncs().OnStarting, s) }

// WhenReady runs when_ready(server) in the master, once the sockets are
// bound and before the first workers start.
func (h *Runner) WhenReady(s *Master) { h.runServer("when_ready", h.goFuncs().WhenReady, s) }

// OnReload runs on_reload(server) in the master on HUP, after the new
// config is loaded (and sockets rebound) and before its workers start.
// Call it on the Runner of the new generation.
func (h *Runner) OnReload(s *Master) { h.runServer("on_reload", h.goFuncs().OnReload, s) }

// PreFork runs pre_fork(server, worker) in the master before it starts a
// worker; worker.pid is still 0.
func (h *Runner) PreFork(s *Master, w *Worker) {
	h.runServerWorker("pre_fork", h.goFuncs().PreFork, s, w)
}

// ChildExit runs child_exit(server, worker) in the master after a worker
// has exited and been reaped.
func (h *Runner) ChildExit(s *Master, w *Worker) {
	h.runServerWorker("child_exit", h.goFuncs().ChildExit, s, w)
}

// PreExec runs pre_exec(server) in the master on USR2, just before the new
// master is started from the binary on disk.
func (h *Runner) PreExec(s *Master) { h.runServer("pre_exec", h.goFuncs().PreExec, s) }

// OnExit runs on_exit(server) in the master, last thing before it exits.
func (h *Runner) OnExit(s *Master) { h.runServer("on_exit", h.goFuncs().OnExit, s) }

// The workers' hooks.

// PostFork runs post_fork(server, worker) in a new worker, first thing
// after it starts and before it builds the app. Its failure is returned
// (as a *Error, already logged): the worker should exit as a boot
// failure (code 3), as gunicorn does.
func (h *Runner) PostFork(s *Master, w *Worker) error {
	if h == nil {
		return nil
	}
	if err := h.goServerWorker("post_fork", h.goFuncs().PostFork, s, w); err != nil {
		return err
	}
	if fn := h.fn("post_fork"); fn != nil {
		_, err := h.run("post_fork", fn, h.server(s), h.workerValue(w))
		return err
	}
	return nil
}

// PostWorkerInit runs post_worker_init(worker) in a worker after it has
// built the app and before it serves. Its failure is returned (as a
// *Error, already logged): the worker should exit as a boot failure
// (code 3).
func (h *Runner) PostWorkerInit(w *Worker) error {
	if h == nil {
		return nil
	}
	if err := h.goWorker("post_worker_init", h.goFuncs().PostWorkerInit, w); err != nil {
		return err
	}
	if fn := h.fn("post_worker_init"); fn != nil {
		_, err := h.run("post_worker_init", fn, h.workerValue(w))
		return err
	}
	return nil
}

// WorkerInt runs worker_int(worker) in a worker told to stop quickly (INT
// or QUIT).
func (h *Runner) WorkerInt(w *Worker) { h.runWorker("worker_int", h.goFuncs().WorkerInt, w) }

// WorkerAbort runs worker_abort(worker) in a worker the master aborts for
// timeout, before it exits.
func (h *Runner) WorkerAbort(w *Worker) { h.runWorker("worker_abort", h.goFuncs().WorkerAbort, w) }

// WorkerExit runs worker_exit(server, worker) in a worker as it exits.
func (h *Runner) WorkerExit(s *Master, w *Worker) {
	h.runServerWorker("worker_exit", h.goFuncs().WorkerExit, s, w)
}

// PreRequest runs pre_request(worker, req) in a worker before the handler
// sees r, and returns the headers the hook asks for: a hook may return a
// dict of header names to strings, which the server sets on the response
// before calling the handler. None, no hook and a failed hook give nil.
// Any other result is logged as an error (at most once a second) and
// ignored.
func (h *Runner) PreRequest(w *Worker, r *http.Request) http.Header {
	if h == nil {
		return nil
	}
	goHdr := h.goPreRequest(w, r)
	if h.preRequest == nil {
		return goHdr
	}
	return mergeHeaders(goHdr, h.starlarkPreRequest(w, r))
}

// starlarkPreRequest runs the config's pre_request and returns the
// headers it asks for.
func (h *Runner) starlarkPreRequest(w *Worker, r *http.Request) http.Header {
	c := &hookCall{}
	c.req.r, c.req.view = r, &h.view
	c.args[0], c.args[1] = h.workerValue(w), &c.req
	v, err := h.call("pre_request", h.preRequest, c, c.args[:2])
	if err != nil || v == starlark.None {
		return nil
	}
	hdr, err := resultHeaders(v)
	if err != nil {
		if ok, held := h.badResult.allow(); ok {
			msg := "Hook pre_request: " + err.Error() + "; ignored"
			if held > 0 {
				msg += fmt.Sprintf(" (%d more like this since the last message)", held)
			}
			h.log.Error(msg)
		}
		return nil
	}
	return hdr
}

// PostRequest runs post_request in a worker after each response, failed
// ones included. As in gunicorn the hook may take (worker, req), (worker,
// req, environ) or (worker, req, environ, resp); environ is built only for
// a hook that takes it. resp may be nil (the hook sees None).
func (h *Runner) PostRequest(w *Worker, r *http.Request, resp *Response) {
	if h == nil {
		return
	}
	if fn := h.goFuncs().PostRequest; fn != nil {
		h.runGo("post_request", func() error { return fn(w, r, resp) })
	}
	if h.postRequest == nil {
		return
	}
	c := &hookCall{}
	c.req.r, c.req.view = r, &h.view
	c.args[0], c.args[1] = h.workerValue(w), &c.req
	if h.postRequestArgs > 2 {
		c.args[2] = h.view.environ(r)
	}
	if h.postRequestArgs > 3 {
		c.args[3] = starlark.None
		if resp != nil {
			c.resp.resp = resp
			c.args[3] = &c.resp
		}
	}
	h.call("post_request", h.postRequest, c, c.args[:h.postRequestArgs])
}

func (h *Runner) runServer(name string, goFn func(*Master) error, s *Master) {
	if h == nil {
		return
	}
	h.goServer(name, goFn, s)
	if fn := h.fn(name); fn != nil {
		h.run(name, fn, h.server(s))
	}
}

func (h *Runner) runWorker(name string, goFn func(*Worker) error, w *Worker) {
	if h == nil {
		return
	}
	h.goWorker(name, goFn, w)
	if fn := h.fn(name); fn != nil {
		h.run(name, fn, h.workerValue(w))
	}
}

func (h *Runner) runServerWorker(name string, goFn func(*Master, *Worker) error, s *Master, w *Worker) {
	if h == nil {
		return
	}
	h.goServerWorker(name, goFn, s, w)
	if fn := h.fn(name); fn != nil {
		h.run(name, fn, h.server(s), h.workerValue(w))
	}
}

// hookCall is the memory of one hook call: a fresh thread, the arguments
// and the request objects, in one allocation.
type hookCall struct {
	thread starlark.Thread
	args   [4]starlark.Value
	req    requestValue
	resp   respValue
}

// run calls the hook fn, named name, with args.
func (h *Runner) run(name string, fn *starlark.Function, args ...starlark.Value) (starlark.Value, error) {
	c := &hookCall{}
	n := copy(c.args[:], args)
	return h.call(name, fn, c, c.args[:n])
}

// call calls the hook fn, named name, on c's thread with the hook's step
// limit. A failure is logged and returned as a *Error.
func (h *Runner) call(name string, fn *starlark.Function, c *hookCall, args starlark.Tuple) (v starlark.Value, err error) {
	thread := &c.thread
	thread.Name, thread.Print, thread.OnMaxSteps = name, h.print, stopAtStepLimit
	thread.SetMaxExecutionSteps(stepLimit(name))
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, &Error{
				Hook:      name,
				Msg:       oneLine(fmt.Sprintf("panic: %v", p)),
				Traceback: strings.TrimRight(string(debug.Stack()), "\n"),
			}
		}
		if err != nil {
			h.log.Error(err.(*Error).logText())
		}
	}()
	v, err = starlark.Call(thread, fn, args, nil)
	if err != nil {
		return nil, newHookError(name, err)
	}
	return v, nil
}

// stepLimit is how many steps one call of the hook may take.
func stepLimit(name string) uint64 {
	if name == "pre_request" || name == "post_request" {
		return requestSteps
	}
	return lifecycleSteps
}

// stopAtStepLimit is Thread.OnMaxSteps for hooks. (A function rather than
// a closure, so a call allocates nothing for it.)
func stopAtStepLimit(thread *starlark.Thread) {
	thread.Cancel(fmt.Sprintf("%s ran into its limit of %d steps per call (an endless loop?)",
		thread.Name, stepLimit(thread.Name)))
}

// server is the server object for s.
func (h *Runner) server(s *Master) starlark.Value {
	if s == nil {
		return starlark.None
	}
	return &serverValue{srv: *s, h: h}
}

// workerValue is the worker object for w, reused while calls are for the
// same Worker (in a worker process: always).
func (h *Runner) workerValue(w *Worker) starlark.Value {
	if w == nil {
		return starlark.None
	}
	if v := h.worker.Load(); v != nil && v.w == w {
		return v
	}
	v := &workerValue{w: w, h: h}
	h.worker.Store(v)
	return v
}

// cfgFor is the cfg object for c, built once per Config.
func (h *Runner) cfgFor(c *starcfg.Config) starlark.Value {
	if c == nil {
		return starlark.None
	}
	if v := h.cfg.Load(); v != nil && v.c == c {
		return v
	}
	v := newCfgValue(c)
	h.cfg.Store(v)
	return v
}

// logFor is the log object writing to l, or to the Runner' logger.
func (h *Runner) logFor(l *slog.Logger) starlark.Value {
	if l == nil {
		l = h.log
	}
	return &logValue{l: l}
}

// Error is a hook call that failed: the hook raised an error (fail(),
// a missing key, a wrong type...), ran out of steps, or a Go function it
// called panicked.
type Error struct {
	Hook      string // the hook's name
	Msg       string // one line, from the file:line:col where the hook failed
	Traceback string // the Starlark call stack; for a panic, the Go stack
	Err       error  // the underlying error; nil for a panic
}

// Error is "post_fork hook failed: gocorn.conf.star:12:9: fail: no db".
func (e *Error) Error() string { return e.Hook + " hook failed: " + e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// logText is the error log's message: a line, then the traceback.
func (e *Error) logText() string {
	text := "Hook " + e.Hook + " failed: " + e.Msg
	if e.Traceback != "" {
		text += "\n" + e.Traceback
	}
	return text
}

// newHookError describes err from calling the hook name. The message is
// kept on one line, since it may quote what a client sent.
func newHookError(name string, err error) *Error {
	he := &Error{Hook: name, Msg: oneLine(err.Error()), Err: err}
	var ee *starlark.EvalError
	if !errors.As(err, &ee) {
		return he
	}
	stack := ee.CallStack
	if n := len(stack); n > 0 && stack[n-1].Pos.Filename() == "<builtin>" {
		stack = stack[:n-1] // fail(), set_workers()...: their message names them
	}
	if n := len(stack); n > 0 {
		he.Msg = stack[n-1].Pos.String() + ": " + oneLine(starcfg.RuntimeHint(ee.Msg))
	}
	he.Traceback = strings.TrimRight(stack.String(), "\n")
	return he
}

// resultHeaders converts pre_request's result to headers: a dict of
// header names to strings, with names and values as HTTP allows them.
func resultHeaders(v starlark.Value) (http.Header, error) {
	d, ok := v.(*starlark.Dict)
	if !ok {
		return nil, fmt.Errorf("returned %s, want a dict of header names to strings, or None", v.Type())
	}
	if d.Len() == 0 {
		return nil, nil
	}
	hdr := make(http.Header, d.Len())
	for _, kv := range d.Items() {
		name, ok := kv[0].(starlark.String)
		if !ok {
			return nil, fmt.Errorf("returned a dict with a %s key, want header names (strings)", kv[0].Type())
		}
		value, ok := kv[1].(starlark.String)
		if !ok {
			return nil, fmt.Errorf("returned %s for header %s, want a string", kv[1].Type(), name)
		}
		if !starcfg.IsHeaderName(string(name)) {
			return nil, fmt.Errorf("returned an invalid header name %s", name)
		}
		if strings.IndexFunc(string(value), isControl) >= 0 {
			return nil, fmt.Errorf("returned a control character in header %s", name)
		}
		hdr.Set(string(name), string(value))
	}
	return hdr, nil
}

// everySecond lets a message through at most once a second and counts
// the ones it holds back.
type everySecond struct {
	last atomic.Int64 // unix nanoseconds of the last message let through
	held atomic.Int64 // messages held back since
}

// allow reports whether to write a message now, and how many were held
// back since the last one.
func (e *everySecond) allow() (ok bool, held int64) {
	now := time.Now().UnixNano()
	last := e.last.Load()
	if (last != 0 && now-last < int64(time.Second)) || !e.last.CompareAndSwap(last, now) {
		e.held.Add(1)
		return false, 0
	}
	return true, e.held.Swap(0)
}
