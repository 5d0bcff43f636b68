package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// deadlineApp is a handler for request_timeout tests. Its paths:
//
//	/fast    answers at once
//	/obey    waits for its context, then returns (a well-behaved handler)
//	/ignore  ignores its context until released, then tries to write
//	/started writes and flushes a first part, then ignores its context
//	/panic   panics
type deadlineApp struct {
	entered  chan string
	release  chan struct{}
	ctxErr   chan error // what /obey saw
	writeErr chan error // what /ignore's late write got
}

func newDeadlineApp() *deadlineApp {
	return &deadlineApp{
		entered: make(chan string, 16), release: make(chan struct{}),
		ctxErr: make(chan error, 16), writeErr: make(chan error, 16),
	}
}

func (a *deadlineApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.entered <- r.URL.Path
	switch r.URL.Path {
	case "/fast":
		w.Header().Set("X-App", "yes")
		io.WriteString(w, "fast")
	case "/obey":
		<-r.Context().Done()
		a.ctxErr <- r.Context().Err()
	case "/ignore":
		<-a.release
		_, err := io.WriteString(w, "late")
		a.writeErr <- err
	case "/started":
		io.WriteString(w, "first part;")
		http.NewResponseController(w).Flush()
		<-a.release
	case "/panic":
		panic("deadline test panic")
	}
}

// startDeadline serves app with request_timeout d and an access log.
func startDeadline(t *testing.T, d time.Duration, threads int, app http.Handler) (*running, *lines) {
	t.Helper()
	log := &lines{}
	o := with(gthread(threads, 10, 5), Options{Handler: app, RequestTimeout: d, AccessLog: log})
	o.AccessLogFormat = `%(U)s %(s)s`
	return start(t, o, 1), log
}

// A handler that ignores its context past the deadline: the client gets
// 504 at the deadline, the access log says so, the handler's later write
// fails, and its goroutine is counted until it returns.
func TestDeadlineAnswers504(t *testing.T) {
	app := newDeadlineApp()
	const d = 200 * time.Millisecond
	r, log := startDeadline(t, d, 4, app)
	c := mustDial(t, r.addr())
	begin := time.Now()
	resp, body, err := c.roundTrip(get("/ignore"))
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(begin)
	if resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(body, "request_timeout (200ms)") || !closes(resp) {
		t.Errorf("got %d %q (close %v), want 504 naming request_timeout, closing", resp.StatusCode, body, closes(resp))
	}
	if took < d || took > d+waitLimit/2 {
		t.Errorf("answered after %s, want about %s", took, d)
	}
	if got := log.waitN(t, 1)[0]; got != "/ignore 504\n" {
		t.Errorf("access log %q, want /ignore 504", got)
	}
	if s := r.Stats(); s.Running != 1 || s.InFlight != 0 || len(s.Longest) != 1 || s.DeadlinesHit != 1 {
		t.Errorf("with one stray handler: %+v", s)
	}
	app.release <- struct{}{}
	if err := <-app.writeErr; !errors.Is(err, http.ErrHandlerTimeout) {
		t.Errorf("the late write got %v, want http.ErrHandlerTimeout", err)
	}
	waitFor(t, "the stray handler to be gone", func() bool { return r.Stats().Running == 0 })
}

// A handler that watches its context sees it end at the deadline.
func TestDeadlineCancelsContext(t *testing.T) {
	app := newDeadlineApp()
	r, _ := startDeadline(t, 100*time.Millisecond, 4, app)
	resp, _, err := mustDial(t, r.addr()).roundTrip(get("/obey"))
	if err != nil || resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("got %v, %v; want 504", resp, err)
	}
	if err := <-app.ctxErr; err != context.DeadlineExceeded {
		t.Errorf("the handler's context ended with %v, want context.DeadlineExceeded", err)
	}
	waitFor(t, "no handler running", func() bool { return r.Stats().Running == 0 })
}

// A response that has started is cut off at the deadline.
func TestDeadlineCutsStartedResponse(t *testing.T) {
	app := newDeadlineApp()
	r, log := startDeadline(t, 200*time.Millisecond, 4, app)
	c := mustDial(t, r.addr())
	if err := c.send(get("/started")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "first part;" || err == nil {
		t.Errorf("got %d %q, %v; want 200, the first part, then an error (cut off)", resp.StatusCode, body, err)
	}
	if got := log.waitN(t, 1)[0]; got != "/started 200\n" {
		t.Errorf("access log %q", got)
	}
	close(app.release)
}

// A request within its deadline is served as without one, with the
// headers pre_request gave.
func TestDeadlineFastRequest(t *testing.T) {
	app := newDeadlineApp()
	o := with(gthread(4, 10, 5), Options{Handler: app, RequestTimeout: time.Second,
		PreRequest: func(*http.Request) http.Header { return http.Header{"X-Hook": {"1"}} }})
	r := start(t, o, 1)
	c := mustDial(t, r.addr())
	for range 3 { // keep-alive still works
		resp, body := c.mustGet(t, "/fast")
		if resp.StatusCode != 200 || body != "fast" || resp.Header.Get("X-Hook") != "1" || resp.Header.Get("X-App") != "yes" || closes(resp) {
			t.Fatalf("got %d %q %v", resp.StatusCode, body, resp.Header)
		}
	}
	if s := r.Stats(); s.Running != 0 || s.Requests != 3 {
		t.Errorf("stats %+v", s)
	}
}

// The deadline counts from arrival: a request that waits for a handler
// slot past it gets 504 without its handler running.
func TestDeadlineWhileWaitingForThread(t *testing.T) {
	app := newDeadlineApp()
	r, log := startDeadline(t, 300*time.Millisecond, 1, app)
	busy := mustDial(t, r.addr())
	if err := busy.send(get("/ignore")); err != nil {
		t.Fatal(err)
	}
	<-app.entered
	resp, _, err := mustDial(t, r.addr()).roundTrip(get("/fast"))
	if err != nil || resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("a request waiting for the only thread: %v, %v; want 504", resp, err)
	}
	select {
	case p := <-app.entered:
		t.Errorf("%s reached the handler after its deadline", p)
	default:
	}
	got := log.waitN(t, 2)
	slices.Sort(got)
	if want := []string{"/fast 504\n", "/ignore 504\n"}; !slices.Equal(got, want) {
		t.Errorf("access log %q, want %q", got, want)
	}
	close(app.release)
}

// A handler that panics under a deadline gets a 500, as without one.
func TestDeadlinePanic(t *testing.T) {
	r, _ := startDeadline(t, time.Second, 4, newDeadlineApp())
	resp, _, err := mustDial(t, r.addr()).roundTrip(get("/panic"))
	if err != nil || resp.StatusCode != 500 {
		t.Fatalf("got %v, %v; want 500", resp, err)
	}
}

// A handler still running request_timeout past its deadline is stuck:
// Stats and Stuck report it, with its goroutine's stack.
func TestDeadlineStuck(t *testing.T) {
	app := newDeadlineApp()
	const d = 100 * time.Millisecond
	r, _ := startDeadline(t, d, 4, app)
	mustDial(t, r.addr()).roundTrip(get("/ignore"))
	if s := r.Stats(); len(s.Stuck) != 0 {
		t.Errorf("stuck at the deadline already: %+v", s.Stuck)
	}
	waitFor(t, "the handler to be stuck", func() bool { return len(r.Stats().Stuck) == 1 })
	st := r.Stuck()
	if len(st) != 1 || st[0].Path != "/ignore" || st[0].Age < 2*d ||
		!strings.Contains(st[0].Stack, "deadlineApp).ServeHTTP") {
		t.Errorf("Stuck() = %+v", st)
	}
	app.release <- struct{}{}
	waitFor(t, "no stuck handler", func() bool { return len(r.Stats().Stuck) == 0 && r.Stuck() == nil })
}

// AllBusyFor is how long every handler slot has been held; requests
// waiting for a slot do not count as running.
func TestAllBusyFor(t *testing.T) {
	g := newGate()
	r := start(t, with(gthread(2, 10, 5), Options{Handler: g}), 1)
	var clients []*client
	send := func(path string) {
		c := mustDial(t, r.addr())
		if err := c.send(get(path)); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	send("/a")
	g.waitEntered(t, "/a")
	if s := r.Stats(); s.Running != 1 || s.Handlers != 2 || s.AllBusyFor != 0 {
		t.Errorf("one of two slots busy: %+v", s)
	}
	send("/b")
	g.waitEntered(t, "/b")
	send("/c") // waits for a slot
	waitFor(t, "three requests in flight", func() bool { return r.Stats().InFlight == 3 })
	waitFor(t, "the slots' hold to grow", func() bool { return r.Stats().AllBusyFor >= 20*time.Millisecond })
	s := r.Stats()
	if s.Running != 2 || s.InFlight != 3 || len(s.Longest) != 2 || s.Longest[0].Path != "/a" {
		t.Errorf("two of two slots busy, one request waiting: %+v", s)
	}
	var wg sync.WaitGroup
	for _, c := range clients {
		g.release <- struct{}{}
		wg.Go(func() { c.response() })
	}
	wg.Wait()
}
