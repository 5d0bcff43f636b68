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
}

// classOf maps gunicorn's worker classes onto net/http:
//
//   - sync: one connection at a time and so one request at a time; every
//     response says "Connection: close", as gunicorn's sync worker. Other
//     connections wait in the kernel's queue, where idle workers take them.
//   - gthread: up to worker_connections connections, at most threads
//     handlers at once, keep-alive for keepalive idle seconds.
func classOf(cfg *starcfg.Config) (class, error) {
	switch cfg.WorkerClass {
	case "sync":
		return class{name: "sync", maxConns: 1}, nil
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
