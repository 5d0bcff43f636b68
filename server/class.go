package server

// Class is a worker class's concurrency model, as net/http settings.
// SyncClass and ThreadClass make gunicorn's two classes.
type Class struct {
	Name        string // for logs
	Connections int    // connections open at once
	Handlers    int    // handlers running at once; 0 = as many as Connections
	KeepAlive   bool   // whether responses may keep the connection open

	// AcceptWhenIdle makes the worker accept only while no handler runs,
	// so a busy worker leaves new connections to idle ones.
	AcceptWhenIdle bool
}

// SyncClass is gunicorn's sync worker: one request at a time; every
// response says "Connection: close". Unlike gunicorn, a connection holds
// the worker only once its request headers have arrived: while its
// handler is free the worker keeps accepting (up to connections), so
// clients that trickle or never send their headers (slowloris) cost a
// goroutine each, not the worker. While its handler runs it accepts
// nothing, and new connections wait in the kernel's queue, where idle
// workers take them.
func SyncClass(name string, connections int) Class {
	return Class{Name: name, Connections: max(connections, 1), Handlers: 1, AcceptWhenIdle: true}
}

// ThreadClass is gunicorn's gthread worker: up to connections
// connections, at most threads handlers at once, keep-alive if asked.
func ThreadClass(name string, threads, connections int, keepAlive bool) Class {
	return Class{Name: name, Connections: max(connections, 1), Handlers: max(threads, 1), KeepAlive: keepAlive}
}

// Concurrency is how many requests one worker of the class serves at
// once: 1 for sync, threads for gthread. A worker whose every handler has
// been busy for longer than timeout makes no progress.
func (c Class) Concurrency() int {
	if c.Handlers > 0 {
		return min(c.Handlers, max(c.Connections, 1))
	}
	return max(c.Connections, 1)
}

// pooled tells whether handlers need slots of their own: fewer of them
// may run than connections may be open.
func (c Class) pooled() bool { return c.Handlers > 0 && c.Handlers < c.Connections }
