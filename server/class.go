package server

import (
	"fmt"

	"github.com/gocorn/gocorn/starcfg"
)

// class is the concurrency model of a worker class, as net/http settings.
type class struct {
	name      string
	maxConns  int  // connections open at once
	maxActive int  // handlers running at once; 0 = as many as maxConns
	keepAlive bool // whether responses may keep the connection open

	// acceptWhenIdle makes the worker accept only while no handler runs,
	// so a busy worker leaves new connections to idle ones.
	acceptWhenIdle bool
}

// classOf maps gunicorn's worker classes onto net/http:
//
//   - sync: one request at a time; every response says "Connection: close",
//     as gunicorn's sync worker. Unlike gunicorn, a connection holds the
//     worker only once its request headers have arrived: while its handler
//     is free the worker keeps accepting (up to worker_connections), so
//     clients that trickle or never send their headers (slowloris) cost a
//     goroutine each, not the worker. While its handler runs it accepts
//     nothing, and new connections wait in the kernel's queue, where idle
//     workers take them.
//   - gthread: up to worker_connections connections, at most threads
//     handlers at once, keep-alive for keepalive idle seconds.
func classOf(cfg *starcfg.Config) (class, error) {
	switch cfg.WorkerClass {
	case "sync":
		return class{
			name:           "sync",
			maxConns:       max(cfg.WorkerConnections, 1),
			maxActive:      1,
			acceptWhenIdle: true,
		}, nil
	case "gthread":
		return class{
			name:      "gthread",
			maxConns:  max(cfg.WorkerConnections, 1),
			maxActive: max(cfg.Threads, 1),
			keepAlive: cfg.Keepalive > 0,
		}, nil
	}
	return class{}, fmt.Errorf("worker class %q is not known (want sync or gthread)", cfg.WorkerClass)
}

// Concurrency is how many requests one worker of cfg's class serves at
// once: 1 for sync, threads for gthread. A worker whose every handler has
// been busy for longer than timeout makes no progress: the master aborts it.
func Concurrency(cfg *starcfg.Config) int {
	cl, err := classOf(cfg)
	if err != nil {
		return 1
	}
	if cl.maxActive > 0 {
		return min(cl.maxActive, cl.maxConns)
	}
	return cl.maxConns
}
