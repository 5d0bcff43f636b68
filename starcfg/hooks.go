package starcfg

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

// hookSpec describes a server hook: a function in gocorn.conf.star named
// after one of gunicorn's hooks, called by gocorn at a moment of a
// process's life.
type hookSpec struct {
	name    string
	params  []string // gunicorn's parameter names
	min     int      // fewest arguments gocorn may pass (post_request varies)
	process string   // where and when it runs, for the docs
}

// hooks are gunicorn's server hooks, in the order of a process's life.
var hooks = []hookSpec{
	{"nworkers_changed", []string{"server", "new", "old"}, 3, "master, whenever the number of workers changes (old is None at start)"},
	{"on_starting", []string{"server"}, 1, "master, before the sockets are bound"},
	{"when_ready", []string{"server"}, 1, "master, once the sockets are bound, before the first workers"},
	{"pre_fork", []string{"server", "worker"}, 2, "master, before each worker is started"},
	{"post_fork", []string{"server", "worker"}, 2, "worker, right after it starts"},
	{"post_worker_init", []string{"worker"}, 1, "worker, after the app is loaded, before serving"},
	{"pre_request", []string{"worker", "req"}, 2, "worker, before each request"},
	{"post_request", []string{"worker", "req", "environ", "resp"}, 2, "worker, after each request, even a failed one; it may take 2, 3 or 4 arguments"},
	{"worker_int", []string{"worker"}, 1, "worker, on INT or QUIT"},
	{"worker_abort", []string{"worker"}, 1, "worker, when the master aborts it for timeout"},
	{"worker_exit", []string{"server", "worker"}, 2, "worker, as it exits"},
	{"child_exit", []string{"server", "worker"}, 2, "master, after a worker has exited"},
	{"on_reload", []string{"server"}, 1, "master, on HUP, after the new config is loaded, before new workers"},
	{"pre_exec", []string{"server"}, 1, "new master on USR2, just before it executes the binary"},
	{"on_exit", []string{"server"}, 1, "master, just before it exits"},
}

// hooksByName indexes hooks by name.
var hooksByName = func() map[string]*hookSpec {
	m := make(map[string]*hookSpec, len(hooks))
	for i := range hooks {
		m[hooks[i].name] = &hooks[i]
	}
	return m
}()

// hookNames lists the hook names in table order.
func hookNames() []string {
	names := make([]string, len(hooks))
	for i, h := range hooks {
		names[i] = h.name
	}
	return names
}

// max is the most arguments gocorn may pass to the hook.
func (h *hookSpec) max() int { return len(h.params) }

// signature is the hook's parameter list as the docs and errors show it:
// "(worker, req[, environ[, resp]])".
func (h *hookSpec) signature() string {
	var b strings.Builder
	b.WriteString("(" + strings.Join(h.params[:h.min], ", "))
	for _, p := range h.params[h.min:] {
		b.WriteString("[, " + p)
	}
	b.WriteString(strings.Repeat("]", h.max()-h.min) + ")")
	return b.String()
}

// checkHook checks that v is a Starlark function gocorn can call with the
// hook's arguments. gunicorn checks hook arity when it loads the config;
// so does gocorn, rather than failing at the first request.
func checkHook(h *hookSpec, v starlark.Value) (*starlark.Function, error) {
	fn, ok := v.(*starlark.Function)
	if !ok {
		return nil, fmt.Errorf("%s is a server hook, so it must be a function "+
			"(def %s%s: ...), got %s", h.name, h.name, h.signature(), v.Type())
	}
	a := arityOf(fn)
	if a.kwonlyRequired > 0 {
		return nil, fmt.Errorf("%s: has required keyword-only parameters, want %s",
			h.name, h.signature())
	}
	for n := h.min; n <= h.max(); n++ {
		if a.accepts(n) {
			return fn, nil
		}
	}
	return nil, fmt.Errorf("%s: takes %s, want %s", h.name, a, h.signature())
}

// arity is how many positional arguments a Starlark function accepts.
type arity struct {
	required       int  // positional parameters without a default
	max            int  // positional parameters in all
	varargs        bool // has *args
	kwonlyRequired int  // keyword-only parameters without a default
}

func arityOf(fn *starlark.Function) arity {
	a := arity{varargs: fn.HasVarargs()}
	a.max = fn.NumParams() - fn.NumKwonlyParams()
	if fn.HasVarargs() {
		a.max--
	}
	if fn.HasKwargs() {
		a.max--
	}
	for i := 0; i < a.max; i++ {
		if fn.ParamDefault(i) == nil {
			a.required++
		}
	}
	for i := a.max; i < a.max+fn.NumKwonlyParams(); i++ {
		if fn.ParamDefault(i) == nil {
			a.kwonlyRequired++
		}
	}
	return a
}

// accepts reports whether a call with n positional arguments binds.
func (a arity) accepts(n int) bool {
	return n >= a.required && (n <= a.max || a.varargs)
}

// String describes the arity as "1 argument", "2 to 3 arguments" or "2
// or more arguments".
func (a arity) String() string {
	switch {
	case a.varargs:
		return fmt.Sprintf("%d or more arguments", a.required)
	case a.required == a.max:
		return plural(a.max, "argument")
	default:
		return fmt.Sprintf("%d to %d arguments", a.required, a.max)
	}
}

// HookArgs returns how many arguments gocorn passes to the hook fn: the
// most of the hook's parameters fn accepts. Only post_request varies
// (2, 3 or 4, as in gunicorn); for the others it is the hook's arity.
func HookArgs(name string, fn *starlark.Function) int {
	h, ok := hooksByName[name]
	if !ok {
		return 0
	}
	a := arityOf(fn)
	for n := h.max(); n > h.min; n-- {
		if a.accepts(n) {
			return n
		}
	}
	return h.min
}

// plural is "1 argument" or "2 arguments".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
