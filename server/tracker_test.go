package server

import (
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"
	"time"
)

func TestMaxRequests(t *testing.T) {
	var retired atomic.Int32
	r := start(t, with(gthread(2, 10, 5), Options{
		Handler:     Hello(),
		MaxRequests: 3,
		OnRetire:    func() { retired.Add(1) },
	}), 1)
	c := mustDial(t, r.addr())
	for i := 1; i <= 2; i++ {
		if resp, _ := c.mustGet(t, "/"); closes(resp) {
			t.Fatalf("request %d of max_requests 3 says Connection: close", i)
		}
		if n := retired.Load(); n != 0 {
			t.Fatalf("OnRetire ran %d times after %d requests of max_requests 3", n, i)
		}
	}
	if resp, _ := c.mustGet(t, "/"); !closes(resp) {
		t.Error("request 3 of max_requests 3 does not say Connection: close")
	}
	if err := c.closedByServer(); err != nil {
		t.Error(err)
	}
	// The worker keeps serving until it is told to stop, closing every
	// connection after one request.
	for i := 4; i <= 5; i++ {
		c := mustDial(t, r.addr())
		if resp, _ := c.mustGet(t, "/"); !closes(resp) {
			t.Errorf("request %d after max_requests 3 does not say Connection: close", i)
		}
	}
	if n := retired.Load(); n != 1 {
		t.Errorf("OnRetire ran %d times, want 1", n)
	}
	if got := r.Stats().Requests; got != 5 {
		t.Errorf("Stats().Requests = %d, want 5", got)
	}
}

func TestMaxRequestsConcurrent(t *testing.T) {
	tests := []struct {
		name        string
		maxRequests int
		onRetire    bool
		wantClose   int // of n responses
	}{
		{"limit 5", 5, true, 16},
		{"limit 1", 1, true, 20},
		{"no limit", 0, true, 0},
		{"negative is no limit", -1, true, 0},
		{"no OnRetire", 5, false, 16},
	}
	const n = 20
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var retired atomic.Int32
			o := with(gthread(8, n, 5), Options{Handler: Hello(), MaxRequests: tt.maxRequests})
			if tt.onRetire {
				o.OnRetire = func() {
					retired.Add(1)
					time.Sleep(10 * time.Millisecond) // widen the window for a second call
				}
			}
			r := start(t, o, 1)
			type result struct {
				resp *http.Response
				err  error
			}
			results := make(chan result, n)
			startLine := make(chan struct{})
			for range n {
				c := mustDial(t, r.addr())
				go func() {
					<-startLine
					resp, _, err := c.roundTrip(get("/"))
					results <- result{resp, err}
				}()
			}
			close(startLine)
			closed := 0
			for range n {
				res := <-results
				if res.err != nil {
					t.Fatal(res.err)
				}
				if closes(res.resp) {
					closed++
				}
			}
			if closed != tt.wantClose {
				t.Errorf("%d of %d responses say Connection: close, want %d", closed, n, tt.wantClose)
			}
			wantRetired := int32(0)
			if tt.maxRequests > 0 && tt.onRetire {
				wantRetired = 1
			}
			if got := retired.Load(); got != wantRetired {
				t.Errorf("OnRetire ran %d times, want %d", got, wantRetired)
			}
			if got := r.Stats().Requests; got != n {
				t.Errorf("Stats().Requests = %d, want %d", got, n)
			}
		})
	}
}

func TestStats(t *testing.T) {
	g := newGate()
	r := start(t, with(gthread(4, 10, 5), Options{Handler: g}), 1)
	if s := r.Stats(); !reflect.DeepEqual(s, Stats{Handlers: 4}) {
		t.Errorf("Stats() of a fresh worker = %+v", s)
	}
	first := mustDial(t, r.addr())
	if err := first.send(get("/first")); err != nil {
		t.Fatal(err)
	}
	g.waitEntered(t, "/first")
	const age = 50 * time.Millisecond
	waitFor(t, "the first request to age", func() bool { return r.Stats().Oldest >= age })
	second := mustDial(t, r.addr())
	if err := second.send(get("/second")); err != nil {
		t.Fatal(err)
	}
	g.waitEntered(t, "/second")
	s := r.Stats()
	if s.InFlight != 2 || s.Requests != 2 || s.Oldest < age || s.Oldest > waitLimit {
		t.Errorf("Stats() with two requests in flight, the older one %v or more = %+v", age, s)
	}
	if len(s.Longest) != 2 || s.Longest[0].Path != "/first" || s.Longest[1].Path != "/second" ||
		s.Longest[0].Method != "GET" || s.Longest[0].Age != s.Oldest {
		t.Errorf("Stats().Longest = %+v, want /first then /second", s.Longest)
	}

	for _, c := range []*client{first, second} {
		g.release <- struct{}{}
		if _, _, err := c.response(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "no request in flight", func() bool { return r.Stats().InFlight == 0 })
	if s := r.Stats(); !reflect.DeepEqual(s, Stats{Requests: 2, Handlers: 4}) {
		t.Errorf("Stats() after the requests = %+v, want only Requests 2 and Handlers 4", s)
	}
}
