// Package hookrun runs the server hooks of gocorn.conf.star: the Starlark
// functions named after gunicorn's hooks (on_starting, post_fork,
// pre_request, ...), with the server, worker, req and resp objects they
// receive.
//
// Package starcfg declares which hooks exist and checks each function's
// arity when it evaluates the file; this package calls them, in the master
// and in the workers, at the moments gunicorn does. It depends on starcfg
// for the settings the cfg object shows, and on nothing of the HTTP
// server: what a request hook needs from the server comes in a
// RequestView.
//
// A program that embeds gocorn may add hooks written in Go (Hooks, given
// to a Runner with WithGo): they run at the same moments, before the
// config file's, and fail the same way.
package hookrun

import "go.starlark.net/starlark"

// builtinFunc is the signature of a Starlark builtin's Go implementation.
type builtinFunc = func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)
