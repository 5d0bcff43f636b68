package server

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"
)

// pipeConn is a connection for slot bookkeeping tests; it never carries
// bytes.
func pipeConn(t *testing.T) net.Conn {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return a
}

func TestSlotsBusy(t *testing.T) {
	const grace = time.Hour
	tests := []struct {
		state http.ConnState
		idle  time.Duration // how long ago the state was entered
		busy  bool
	}{
		{http.StateNew, 0, true},
		{http.StateActive, 0, true},
		{http.StateIdle, 0, true},
		{http.StateIdle, 2 * grace, false},
		{http.StateActive, 2 * grace, true},
		{http.StateNew, 2 * grace, true},
		{http.StateHijacked, 0, false},
	}
	for _, tt := range tests {
		s := newSlots(1)
		c := &slotConn{Conn: pipeConn(t), slots: s}
		c.setState(tt.state)
		c.since.Add(-int64(tt.idle))
		s.add(c)
		if got := s.busy(grace); got != tt.busy {
			t.Errorf("busy with one %v connection, %v in that state = %v, want %v", tt.state, tt.idle, got, tt.busy)
		}
	}
	if newSlots(1).busy(grace) {
		t.Error("busy with no connections")
	}
}

// A slot comes back exactly once, whether the connection is closed by the
// server, reported closed by net/http, or both.
func TestSlotReleasedOnce(t *testing.T) {
	s := newSlots(1)
	if !s.take(nil) {
		t.Fatal("take on a fresh slots failed")
	}
	c := &slotConn{Conn: pipeConn(t), slots: s}
	s.add(c)
	c.Close()
	trackState(c, http.StateClosed)
	c.Close()
	if len(s.free) != 1 {
		t.Fatalf("%d free slots after one connection closed, want 1", len(s.free))
	}
	if len(s.open) != 0 {
		t.Errorf("%d connections still open", len(s.open))
	}

	// Shutting down stops take, and so does its own stop channel.
	s.take(nil)
	stop := make(chan struct{})
	close(stop)
	if s.take(stop) {
		t.Error("take succeeded on full slots with stop closed")
	}
	s.shutDown()
	s.shutDown()
	if s.take(nil) {
		t.Error("take succeeded on shut, full slots")
	}
}

// A hijacked connection (a websocket) keeps its slot until its handler
// closes it, and is not waited for by a drain.
func TestHijackedConnection(t *testing.T) {
	hijacked := make(chan net.Conn, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\nhi")
		brw.Flush()
		hijacked <- c
	})
	for _, access := range []bool{false, true} {
		o := with(gthread(2, 1, 5), Options{Handler: h})
		if access {
			o.AccessLog = &lines{}
		}
		r := start(t, o, 1)
		c := mustDial(t, r.addr())
		if err := c.send("GET /ws HTTP/1.1\r\nHost: test\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		var hc net.Conn
		select {
		case hc = <-hijacked:
		case <-time.After(waitLimit):
			t.Fatal("the handler did not hijack")
		}
		// worker_connections is 1 and the hijacked connection holds it.
		other := mustDial(t, r.addr())
		if err := other.send(get("/")); err != nil {
			t.Fatal(err)
		}
		if err := other.silent(quiet); err != nil {
			t.Fatalf("access log %v: a second connection while a hijacked one holds the only slot: %v", access, err)
		}
		// A drain does not wait for the hijacked connection...
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		begin := time.Now()
		err := r.Shutdown(ctx)
		cancel()
		if err != nil || time.Since(begin) > 2*time.Second {
			t.Errorf("access log %v: Shutdown with a hijacked connection = %v after %v", access, err, time.Since(begin))
		}
		// ...nor close it: it belongs to its handler.
		if _, err := hc.Write([]byte("!")); err != nil {
			t.Errorf("access log %v: the hijacked connection was closed by Shutdown: %v", access, err)
		}
		hc.Close()
	}
}

// With several listeners a connection is accepted first and waits for a
// slot inside the worker. When the worker drains, that connection has been
// accepted like any other and its request must be served, not dropped.
func TestShutdownServesConnectionWaitingForSlot(t *testing.T) {
	g := newGate()
	r := start(t, with(config("sync"), Options{Handler: g}), 2)
	a := mustDial(t, r.listeners[0].addr())
	if err := a.send(get("/a")); err != nil {
		t.Fatal(err)
	}
	g.waitEntered(t, "/a")
	b := mustDial(t, r.listeners[1].addr())
	r.listeners[1].waitAccepted(t, b)
	if err := b.send(get("/b")); err != nil {
		t.Fatal(err)
	}

	done := r.shutdownAsync()
	r.listeners[0].waitClosed(t)
	r.listeners[1].waitClosed(t)
	g.release <- struct{}{}
	if _, body, err := a.response(); err != nil || body != "done /a" {
		t.Fatalf("/a: %q, %v", body, err)
	}
	select {
	case p := <-g.entered:
		g.release <- struct{}{}
		if p != "/b" {
			t.Fatalf("%s reached the handler, want /b", p)
		}
	case <-time.After(time.Second):
	}
	if _, body, err := b.response(); err != nil || body != "done /b" {
		t.Errorf("/b, accepted on the second listener before Shutdown: %q, %v; want \"done /b\"", body, err)
	}
	waitShutdown(t, done)
}
