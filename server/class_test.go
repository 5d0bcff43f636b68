package server

import (
	"encoding/json"
	"testing"
	"time"
)

func TestClasses(t *testing.T) {
	tests := []struct {
		got, want   Class
		concurrency int
	}{
		{SyncClass("sync", 1000), Class{Name: "sync", Connections: 1000, Handlers: 1, AcceptWhenIdle: true}, 1},
		{SyncClass("sync", 0), Class{Name: "sync", Connections: 1, Handlers: 1, AcceptWhenIdle: true}, 1},
		{ThreadClass("gthread", 4, 100, true), Class{Name: "gthread", Connections: 100, Handlers: 4, KeepAlive: true}, 4},
		{ThreadClass("gthread", 4, 100, false), Class{Name: "gthread", Connections: 100, Handlers: 4}, 4},
		{ThreadClass("gthread", 0, 0, true), Class{Name: "gthread", Connections: 1, Handlers: 1, KeepAlive: true}, 1},
		{ThreadClass("gthread", 64, 10, true), Class{Name: "gthread", Connections: 10, Handlers: 64, KeepAlive: true}, 10},
		{Class{Connections: 5}, Class{Connections: 5}, 5},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %+v, want %+v", tt.got, tt.want)
		}
		if c := tt.got.Concurrency(); c != tt.concurrency {
			t.Errorf("%+v: Concurrency() = %d, want %d", tt.got, c, tt.concurrency)
		}
	}
}

// The sync worker serves one request at a time and closes every
// connection after its response. While its handler runs it accepts no new
// connection, except the one an Accept already waiting when the handler
// started may return (at most one per listener).
func TestSyncOneConnectionAtATime(t *testing.T) {
	g := newGate()
	r := start(t, with(config("sync"), Options{Handler: g}), 1)
	l := r.listeners[0]

	a := mustDial(t, r.addr())
	if err := a.send(get("/a")); err != nil {
		t.Fatal(err)
	}
	g.waitEntered(t, "/a")
	b := mustDial(t, r.addr())
	if err := b.send(get("/b")); err != nil {
		t.Fatal(err)
	}
	if err := b.silent(quiet); err != nil {
		t.Fatalf("second connection while the first is in the handler: %v", err)
	}
	c := mustDial(t, r.addr())
	if err := c.send(get("/c")); err != nil {
		t.Fatal(err)
	}
	if err := c.silent(quiet); err != nil {
		t.Fatalf("third connection while the first is in the handler: %v", err)
	}
	if n := l.count.Load(); n > 2 {
		t.Fatalf("the sync worker accepted %d connections while one was in its handler, want at most 2", n)
	}
	g.noneEntered(t, "while /a was in the handler of a sync worker")

	g.release <- struct{}{}
	checkClosed(t, a, "/a")
	for _, next := range []struct {
		c    *client
		path string
	}{{b, "/b"}, {c, "/c"}} {
		g.waitEntered(t, next.path)
		g.release <- struct{}{}
		checkClosed(t, next.c, next.path)
	}
	if n := l.count.Load(); n != 3 {
		t.Errorf("accepted %d connections, want 3", n)
	}
}

// checkClosed reads the gate's response to path on c and checks that it
// says "Connection: close" and that the server then closes c.
func checkClosed(t *testing.T, c *client, path string) {
	t.Helper()
	resp, body, err := c.response()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if body != "done "+path || !closes(resp) {
		t.Errorf("%s: %q, Connection: close %v; want %q, true", path, body, resp.Close, "done "+path)
	}
	if err := c.closedByServer(); err != nil {
		t.Errorf("%s: %v", path, err)
	}
}

// With worker_connections 2, a third connection waits, unanswered, until one
// of the first two closes.
func TestGthreadWorkerConnections(t *testing.T) {
	r := start(t, with(gthread(2, 2, 30), Options{Handler: Hello()}), 1)
	first := mustDial(t, r.addr())
	second := mustDial(t, r.addr())
	for _, c := range []*client{first, second} {
		if resp, _ := c.mustGet(t, "/"); closes(resp) {
			t.Fatal("a keep-alive response closed its connection")
		}
	}
	third := mustDial(t, r.addr())
	if err := third.send(get("/third")); err != nil {
		t.Fatal(err)
	}
	if err := third.silent(quiet); err != nil {
		t.Fatalf("third connection with worker_connections 2: %v", err)
	}
	if n := r.listeners[0].count.Load(); n != 2 {
		t.Fatalf("accepted %d connections with worker_connections 2", n)
	}
	// The open connections are still served meanwhile.
	second.mustGet(t, "/again")

	first.Close()
	resp, body, err := third.response()
	if err != nil {
		t.Fatalf("third connection after the first closed: %v", err)
	}
	if resp.StatusCode != 200 || body != "Hello, World!\n" {
		t.Errorf("third connection: %d %q", resp.StatusCode, body)
	}
}

// With threads 2, at most two handlers run at once however many
// connections bring requests.
func TestGthreadThreads(t *testing.T) {
	g := newGate()
	r := start(t, with(gthread(2, 10, 5), Options{Handler: g}), 1)
	const n = 5
	type result struct {
		body string
		err  error
	}
	results := make(chan result, n)
	for range n {
		c := mustDial(t, r.addr())
		go func() {
			_, body, err := c.roundTrip(get("/x"))
			results <- result{body, err}
		}()
	}
	// Requests are counted before they wait for a thread.
	waitFor(t, "5 requests to arrive", func() bool { return r.Stats().Requests == n })
	g.waitEntered(t, "/x")
	g.waitEntered(t, "/x")
	g.noneEntered(t, "with two handlers running and threads 2")
	if got := g.running.Load(); got != 2 {
		t.Fatalf("%d handlers running, want 2", got)
	}

	for range n {
		g.release <- struct{}{}
	}
	for range n {
		select {
		case res := <-results:
			if res.err != nil || res.body != "done /x" {
				t.Errorf("response: %q, %v", res.body, res.err)
			}
		case <-time.After(waitLimit):
			t.Fatal("not every request was answered")
		}
	}
	if m := g.maxRunning.Load(); m != 2 {
		t.Errorf("at most %d handlers ran at once, want 2", m)
	}
}

func TestKeepAlive(t *testing.T) {
	tests := []struct {
		name string
		cfg  Options
		keep bool
	}{
		{"sync", config("sync"), false},
		{"gthread", gthread(2, 10, 5), true},
		{"gthread keepalive 0", gthread(2, 10, 0), false},
		{"gthread one thread", gthread(1, 10, 5), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := start(t, with(tt.cfg, Options{Handler: Echo()}), 1)
			c := mustDial(t, r.addr())
			rounds := 3
			if !tt.keep {
				rounds = 1
			}
			for i := range rounds {
				resp, body := c.mustGet(t, "/")
				if closes(resp) == tt.keep {
					t.Fatalf("request %d: Connection: close is %v, want %v", i+1, resp.Close, !tt.keep)
				}
				var reply EchoReply
				if err := json.Unmarshal([]byte(body), &reply); err != nil {
					t.Fatal(err)
				}
				if reply.RemoteAddr != c.LocalAddr().String() {
					t.Errorf("request %d came from %s, want %s", i+1, reply.RemoteAddr, c.LocalAddr())
				}
			}
			if !tt.keep {
				if err := c.closedByServer(); err != nil {
					t.Error(err)
				}
			}
			if n := r.listeners[0].count.Load(); n != 1 {
				t.Errorf("accepted %d connections, want 1", n)
			}
		})
	}
}

// keepalive is also the idle timeout: an idle connection is closed after
// that many seconds.
func TestGthreadKeepaliveIdleTimeout(t *testing.T) {
	r := start(t, with(gthread(2, 10, 1), Options{Handler: Hello()}), 1)
	c := mustDial(t, r.addr())
	c.mustGet(t, "/")
	idle := time.Now()
	if err := c.closedByServer(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(idle); d < 900*time.Millisecond {
		t.Errorf("idle connection closed after %v, want about keepalive = 1s", d)
	}
	// Its slot is free again: with worker_connections 10 this is weak, so
	// check the worker still answers.
	mustDial(t, r.addr()).mustGet(t, "/")
}

// A request the client abandons while waiting for a thread does not keep
// the thread or the connection slot.
func TestGthreadAbandonedRequestFreesSlot(t *testing.T) {
	g := newGate()
	r := start(t, with(gthread(1, 2, 5), Options{Handler: g}), 1)
	busy := mustDial(t, r.addr())
	if err := busy.send(get("/busy")); err != nil {
		t.Fatal(err)
	}
	g.waitEntered(t, "/busy")
	waiting := mustDial(t, r.addr())
	if err := waiting.send(get("/waiting")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second request to wait for a thread", func() bool { return r.Stats().Requests == 2 })
	waiting.Close()
	// The slot of the abandoned connection comes back.
	third := mustDial(t, r.addr())
	if err := third.send(get("/third")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the third connection to be accepted", func() bool { return r.listeners[0].count.Load() == 3 })
	g.release <- struct{}{}
	if _, body, err := busy.response(); err != nil || body != "done /busy" {
		t.Fatalf("/busy: %q, %v", body, err)
	}
	g.waitEntered(t, "/third")
	g.release <- struct{}{}
	if _, body, err := third.response(); err != nil || body != "done /third" {
		t.Fatalf("/third: %q, %v", body, err)
	}
}
