package statsd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocorn/gocorn/instrument/statsd/statsdtest"
)

// syncBuffer is a log destination tests read while clients write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testLogger(b *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, nil))
}

func newTestClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// heldClient is a client with prefix to a new receiver that sends
// nothing until it is closed, so a test receives exactly the lines it
// caused, in order.
func heldClient(t *testing.T, prefix string) (*Client, *statsdtest.Receiver) {
	t.Helper()
	r := statsdtest.ListenUDP(t)
	c, err := newClient(Config{Network: "udp", Address: r.Addr, Prefix: prefix}, timing{flush: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, r
}

// wantSent fails the test unless r receives want, in order.
func wantSent(t *testing.T, r *statsdtest.Receiver, want ...string) {
	t.Helper()
	if got := r.WaitLines(t, len(want)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sent:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A request's three metrics reach a UDP or unix datagram statsd with
// gunicorn's names and format, packed into datagrams of at most
// FlushBytes; Close sends what is buffered.
func TestClientSendsRequests(t *testing.T) {
	for _, network := range []string{"udp", "unixgram"} {
		t.Run(network, func(t *testing.T) {
			var r *statsdtest.Receiver
			if network == "udp" {
				r = statsdtest.ListenUDP(t)
			} else {
				r = statsdtest.ListenUnix(t)
			}
			c := newTestClient(t, Config{Network: network, Address: r.Addr, Prefix: "svc", Tags: "env:dev"})
			for range 100 {
				c.Request(200, 1500*time.Microsecond)
			}
			c.Request(404, 2*time.Millisecond)
			c.Close()
			lines := r.WaitLines(t, 303)
			want := map[string]int{
				"svc.gunicorn.requests:1|c|@1.0|#env:dev":           101,
				"svc.gunicorn.request.duration:1.5|ms|#env:dev":     100,
				"svc.gunicorn.request.duration:2.0|ms|#env:dev":     1,
				"svc.gunicorn.request.status.200:1|c|@1.0|#env:dev": 100,
				"svc.gunicorn.request.status.404:1|c|@1.0|#env:dev": 1,
			}
			got := map[string]int{}
			for _, l := range lines {
				got[l]++
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("lines:\n%v\nwant\n%v", got, want)
			}
			if n := r.Datagrams(); n >= 303/10 {
				t.Errorf("%d datagrams for 303 lines: the sender does not batch", n)
			}
		})
	}
}

// Without Close, buffered lines go out within the flush interval.
func TestClientFlushesOnInterval(t *testing.T) {
	r := statsdtest.ListenUDP(t)
	c, err := newClient(Config{Network: "udp", Address: r.Addr}, timing{flush: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Gauge("gunicorn.workers", 3)
	c.Histogram("gunicorn.backlog", 0)
	c.Count("gunicorn.log.error", 2)
	wantSent(t, r, "gunicorn.workers:3|g", "gunicorn.backlog:0|h", "gunicorn.log.error:2|c|@1.0")
}

// A nil client, and a closed one, send nothing and do not fail.
func TestClientNilAndClosed(t *testing.T) {
	var nilClient *Client
	nilClient.Request(200, time.Second)
	nilClient.Count("x", 1)
	if err := nilClient.Close(); err != nil {
		t.Fatal(err)
	}
	r := statsdtest.ListenUDP(t)
	c := newTestClient(t, Config{Network: "udp", Address: r.Addr})
	c.Close()
	c.Request(200, time.Second)
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Network: "tcp", Address: "127.0.0.1:8125"},
		{Network: "udp", Address: "no-port"},
	} {
		if c, err := New(cfg); err == nil {
			c.Close()
			t.Errorf("%+v: no error", cfg)
		}
	}
}

// A statsd that refuses, is absent, reads too slowly or has a name that
// does not resolve never holds up the requests that send metrics, and
// the log hears of it once, not once per datagram.
func TestClientNeverWaitsForStatsd(t *testing.T) {
	refusing := func(t *testing.T) string { // a UDP port nobody listens on
		r := statsdtest.ListenUDP(t)
		r.Close()
		return r.Addr
	}
	full := func(t *testing.T) string { // a unix datagram socket nobody reads
		path := filepath.Join(t.TempDir(), "full.sock")
		c, err := net.ListenPacket("unixgram", path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return path
	}
	tests := []struct {
		name, network string
		addr          func(*testing.T) string
		says          string
	}{
		{"refused", "udp", refusing, "connection refused"},
		{"absent socket", "unixgram", func(t *testing.T) string { return filepath.Join(t.TempDir(), "none.sock") }, "no such file"},
		{"not reading", "unixgram", full, "its socket is full"},
		{"no such host", "udp", func(*testing.T) string { return "statsd.invalid:8125" }, "resolving statsd.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log syncBuffer
			noHost := func(context.Context, string) ([]netip.Addr, error) { return nil, errors.New("no such host") }
			c, err := newClient(Config{Network: tt.network, Address: tt.addr(t), Log: testLogger(&log)},
				timing{lookup: noHost, resolve: time.Hour, retry: time.Millisecond, flush: FlushInterval})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i := range 20000 { // several MB: far beyond a socket's buffer
					c.Request(200+i%300, time.Millisecond)
				}
			}()
			select {
			case <-done:
			case <-time.After(statsdtest.WaitFor):
				t.Fatal("sending metrics blocked")
			}
			c.Close() // flushes the rest: more failures
			if n := strings.Count(log.String(), "Metrics cannot reach"); n != 1 {
				t.Errorf("%d warnings, want 1:\n%s", n, log.String())
			}
			if !strings.Contains(log.String(), tt.says) {
				t.Errorf("the warning does not say %q:\n%s", tt.says, log.String())
			}
		})
	}
}

// A host name is looked up again and again: sends follow it when it
// moves, and start once it resolves.
func TestClientFollowsDNS(t *testing.T) {
	first := statsdtest.ListenUDP(t)
	_, port, _ := net.SplitHostPort(first.Addr)
	second := statsdtest.Listen(t, "udp", "127.0.0.2:"+port)

	var answer atomic.Value // the address the name resolves to, "" for none
	answer.Store("")
	lookup := func(context.Context, string) ([]netip.Addr, error) {
		if a := answer.Load().(string); a != "" {
			return []netip.Addr{netip.MustParseAddr(a)}, nil
		}
		return nil, errors.New("no such host")
	}
	var log syncBuffer
	c, err := newClient(Config{Network: "udp", Address: "statsd.example:" + port, Log: testLogger(&log)},
		timing{lookup: lookup, resolve: 10 * time.Millisecond, retry: 10 * time.Millisecond, flush: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sendUntil := func(r *statsdtest.Receiver) {
		t.Helper()
		deadline := time.Now().Add(statsdtest.WaitFor)
		for len(r.Lines()) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("nothing reached %s within %s", r.Addr, statsdtest.WaitFor)
			}
			c.Gauge("gunicorn.workers", 1)
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(50 * time.Millisecond) // a few failed lookups
	answer.Store("127.0.0.1")
	sendUntil(first)
	answer.Store("127.0.0.2")
	sendUntil(second)
	if n := strings.Count(log.String(), "Metrics cannot reach"); n != 1 {
		t.Errorf("%d warnings for a name that did not resolve at first, want 1:\n%s", n, log.String())
	}
}

// While statsd stays unreachable the warning comes back at most every
// quietFor, with how many datagrams were lost.
func TestTroubleIsQuiet(t *testing.T) {
	var log syncBuffer
	tr := newTrouble(testLogger(&log), "statsd at udp x:1")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr.now = func() time.Time { return now }
	for range 5 {
		tr.fail(errors.New("connection refused"))
	}
	tr.lose()
	now = now.Add(quietFor)
	tr.fail(errors.New("connection refused"))
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 warnings, got:\n%s", log.String())
	}
	if !strings.Contains(lines[1], "6 datagrams lost in the last 10m0s") {
		t.Errorf("the second warning does not count the losses: %s", lines[1])
	}
}
