package server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocorn/gocorn/server/h1"
)

// slots bounds how many connections a worker holds open at once. Sockets
// beyond the bound stay in the kernel's accept queue, shared by all
// workers, so a busy worker never hoards connections an idle one could
// serve.
type slots struct {
	free     chan struct{}
	shut     chan struct{} // closed when the worker stops at once
	shutOnce sync.Once
	waiting  atomic.Int32 // accepted connections waiting for a slot
	// accepting counts Accept calls in progress: a connection the kernel
	// has just handed over is not in open yet, and a drain must wait for it.
	accepting atomic.Int32

	mu   sync.Mutex
	open map[*slotConn]struct{} // every connection holding a slot
}

func newSlots(n int) *slots {
	s := &slots{free: make(chan struct{}, n), shut: make(chan struct{}), open: make(map[*slotConn]struct{})}
	for range n {
		s.free <- struct{}{}
	}
	return s
}

// take waits for a free slot; false means the worker is closing: it stops
// at once, or stop (if not nil) was closed.
func (s *slots) take(stop <-chan struct{}) bool {
	select {
	case <-s.free:
		return true
	case <-s.shut:
		return false
	case <-stop:
		return false
	}
}

func (s *slots) give() { s.free <- struct{}{} }

// shutDown wakes everything waiting for a slot: the worker stops at once.
func (s *slots) shutDown() { s.shutOnce.Do(func() { close(s.shut) }) }

// limitListener takes a slot for every connection it returns and gives it
// back when the connection closes.
//
// With one listener it takes the slot before accepting, so a full worker
// accepts nothing. With several listeners, each Accept runs in its own
// goroutine and a slot held while blocked on a quiet listener would starve
// the others, so the slot is taken after accepting instead: at most one
// connection per listener then waits inside a full worker.
//
// A connection accepted before the listener closes for a drain keeps
// waiting for its slot and is served: only stopping at once drops it.
type limitListener struct {
	net.Listener
	slots       *slots
	takeFirst   bool
	idle        chan struct{}           // when set, accept only while a slot of this handler pool is free
	wrap        func(net.Conn) net.Conn // applied to each accepted connection, below its slotConn (New says what)
	emptying    atomic.Bool             // accept what is queued, then close
	emptyUntil  atomic.Int64            // unix ns after which an emptying listener closes anyway
	closed      chan struct{}
	closeOnce   sync.Once
	closeResult error
}

// queueQuiet is how long an emptying listener waits for one more queued
// connection before it decides the queue is empty and closes; queueLimit
// bounds the whole emptying, since clients that keep connecting would
// otherwise keep the queue full forever.
const (
	queueQuiet = 50 * time.Millisecond
	queueLimit = time.Second
)

// deadliner is what TCP and unix listeners offer to bound an Accept.
type deadliner interface{ SetDeadline(time.Time) error }

// empty makes the listener accept the connections already queued on the
// socket, and close once none has arrived for queueQuiet. The last process
// holding a socket empties it on the way out, since the kernel resets
// whatever is still queued when the socket closes.
func (l *limitListener) empty() {
	d, ok := l.Listener.(deadliner)
	if !ok {
		l.Close()
		return
	}
	l.emptyUntil.Store(time.Now().Add(queueLimit).UnixNano())
	l.emptying.Store(true)
	d.SetDeadline(l.emptyDeadline()) // wakes a blocked Accept
}

// emptyDeadline bounds the next Accept of an emptying listener.
func (l *limitListener) emptyDeadline() time.Time {
	return time.Unix(0, min(time.Now().Add(queueQuiet).UnixNano(), l.emptyUntil.Load()))
}

// isClosed tells whether Close has run.
func (l *limitListener) isClosed() bool {
	select {
	case <-l.closed:
		return true
	default:
		return false
	}
}

func newLimitListener(l net.Listener, s *slots, takeFirst bool, idle chan struct{}, wrap func(net.Conn) net.Conn) *limitListener {
	return &limitListener{Listener: l, slots: s, takeFirst: takeFirst, idle: idle, wrap: wrap, closed: make(chan struct{})}
}

// waitIdle waits until a handler slot is free (without taking it); false
// means the listener or the worker is closing.
func (l *limitListener) waitIdle() bool {
	if l.idle == nil {
		return true
	}
	select {
	case l.idle <- struct{}{}:
		<-l.idle
		return true
	case <-l.closed:
		return false
	case <-l.slots.shut:
		return false
	}
}

func (l *limitListener) Accept() (net.Conn, error) {
	if l.takeFirst && !l.slots.take(l.closed) {
		return nil, net.ErrClosed
	}
	if !l.waitIdle() {
		if l.takeFirst {
			l.slots.give()
		}
		return nil, net.ErrClosed
	}
	if l.emptying.Load() {
		l.Listener.(deadliner).SetDeadline(l.emptyDeadline())
	}
	l.slots.accepting.Add(1)
	defer l.slots.accepting.Add(-1)
	c, err := l.Listener.Accept()
	if err != nil {
		if l.takeFirst {
			l.slots.give()
		}
		if l.emptying.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
			l.Close() // the queue stayed empty: done
			return nil, net.ErrClosed
		}
		return nil, err
	}
	if !l.takeFirst {
		l.slots.waiting.Add(1)
		ok := l.slots.take(nil)
		l.slots.waiting.Add(-1)
		if !ok {
			c.Close()
			return nil, net.ErrClosed
		}
	}
	if l.wrap != nil {
		c = l.wrap(c)
	}
	sc := &slotConn{Conn: c, slots: l.slots}
	sc.setState(http.StateNew)
	l.slots.add(sc)
	return sc, nil
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() {
		close(l.closed)
		l.closeResult = l.Listener.Close()
	})
	return l.closeResult
}

func (s *slots) add(c *slotConn) {
	s.mu.Lock()
	s.open[c] = struct{}{}
	s.mu.Unlock()
}

// release frees c's slot; the connection is gone or no longer HTTP's.
func (s *slots) release(c *slotConn) {
	s.mu.Lock()
	delete(s.open, c)
	s.mu.Unlock()
	s.give()
}

// busy tells whether any connection may still bring or be serving a
// request: it is new (headers not read yet), active, or idle for less
// than grace. Hijacked connections (websockets) belong to their handler
// and are not waited for.
func (s *slots) busy(grace time.Duration) bool {
	if s.waiting.Load() > 0 || s.accepting.Load() > 0 {
		return true
	}
	now := time.Now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.open {
		st, since := c.stateSince()
		switch {
		case st == http.StateHijacked:
		case st != http.StateIdle || now-since < int64(grace):
			return true
		}
	}
	return false
}

// slotConn gives its slot back once, when it closes or is hijacked, and
// remembers its net/http state for draining.
type slotConn struct {
	net.Conn
	slots *slots
	once  sync.Once
	state atomic.Int32 // an http.ConnState
	since atomic.Int64 // when state last changed, unix ns
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.slots.release(c) })
	return err
}

func (c *slotConn) setState(st http.ConnState) {
	c.since.Store(time.Now().UnixNano())
	c.state.Store(int32(st))
}

func (c *slotConn) stateSince() (http.ConnState, int64) {
	return http.ConnState(c.state.Load()), c.since.Load()
}

// trackState is the http.Server.ConnState hook feeding slotConn states.
func trackState(c net.Conn, st http.ConnState) {
	sc := below[*slotConn](c)
	if sc == nil {
		return
	}
	switch st {
	case http.StateClosed:
		sc.once.Do(func() { sc.slots.release(sc) })
		return
	case http.StateHijacked:
		if hc := below[*h1.Conn](c); hc != nil {
			hc.Hijacked() // the handler owns the bytes now (websockets)
		}
	}
	sc.setState(st)
}

// below finds the connection of type T in the stack of wrappers that c
// is, c included: slotConn, deadlineConn, h1's and tls.Conn each expose
// the connection they wrap through NetConn, in an order that depends on
// TLS (with TLS, h1 sits above the TLS layer and the slot below it).
func below[T net.Conn](c net.Conn) T {
	for c != nil {
		if t, ok := c.(T); ok {
			return t
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		c = u.NetConn()
	}
	var zero T
	return zero
}

// CloseWrite keeps net/http's half-close on connections it closes after a
// response, so unread client bytes do not turn the close into a reset.
func (c *slotConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ReadFrom keeps the kernel's sendfile/splice path for file responses.
func (c *slotConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// NetConn returns the wrapped connection, so code looking for a wrapper
// below (proxy.Peer finds the PROXY protocol's) can reach it.
func (c *slotConn) NetConn() net.Conn { return c.Conn }
