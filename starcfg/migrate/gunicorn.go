package migrate

import "slices"

// What gocorn does with each gunicorn setting and hook (kept, ignored,
// refused) is starcfg's to say: migrate asks starcfg.LookupSetting,
// LookupFlag and HookRefused, so a translation follows gocorn as its
// settings table grows. This file holds only what the table has no
// column for.

// gocornClasses are the worker classes gocorn has. gunicorn's others
// (gevent, eventlet, tornado, asgi, uvicorn's, a class path) become
// gthread: a Go worker serves on goroutines, so what the async classes
// buy in Python, gthread with enough threads gives.
var gocornClasses = []string{"sync", "gthread"}

// workerClassNote is the note on a worker class gocorn replaces.
func workerClassNote(class string) string {
	return "worker_class " + class + " is Python's; gocorn's gthread serves `threads` " +
		"requests at once on goroutines (raise threads for an async class's concurrency)"
}

func isGocornClass(class string) bool { return slices.Contains(gocornClasses, class) }

// The attributes of the objects hooks receive (package hookrun), for
// telling a hook that calls something gocorn lacks (worker.alive,
// server.kill_worker) before it fails at run time.
var (
	objectAttrs = map[string][]string{
		"server": {"cfg", "log", "num_workers", "pid", "set_workers"},
		"worker": {"age", "booted", "cfg", "id", "log", "pid"},
		"req":    {"headers", "method", "path", "proto", "query", "remote_addr", "remote_port", "scheme", "uri"},
		"resp":   {"bytes_sent", "duration", "headers", "status", "status_code"},
	}
	logMethods = []string{"critical", "debug", "error", "exception", "info", "log", "warn", "warning"}
	// logAliases are Python logging's spellings that gocorn's log lacks.
	logAliases = map[string]string{"fatal": "critical"}
)
