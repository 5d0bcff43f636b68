// Package statsdtest is a statsd server for tests: a real datagram
// socket, UDP on loopback or unix, that collects the lines it receives,
// so tests check the bytes a process sent.
package statsdtest

import (
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// WaitFor bounds every wait.
const WaitFor = 10 * time.Second

// Receiver collects the lines of the datagrams sent to Addr.
type Receiver struct {
	Addr string // HOST:PORT, or the unix socket's path

	conn  net.PacketConn
	mu    sync.Mutex
	lines []string
	grams int
}

// ListenUDP starts a receiver on a free port of 127.0.0.1; it stops when
// the test ends.
func ListenUDP(t testing.TB) *Receiver {
	t.Helper()
	return Listen(t, "udp", "127.0.0.1:0")
}

// ListenUnix starts a receiver on a unix datagram socket in a temporary
// directory.
func ListenUnix(t testing.TB) *Receiver {
	t.Helper()
	return Listen(t, "unixgram", filepath.Join(t.TempDir(), "statsd.sock"))
}

// Listen starts a receiver on address of network ("udp", "unixgram").
func Listen(t testing.TB, network, address string) *Receiver {
	t.Helper()
	c, err := net.ListenPacket(network, address)
	if err != nil {
		t.Fatal(err)
	}
	r := &Receiver{conn: c, Addr: c.LocalAddr().String()}
	t.Cleanup(r.Close)
	go r.read()
	return r
}

// Close stops receiving: later datagrams are refused.
func (r *Receiver) Close() { r.conn.Close() }

func (r *Receiver) read() {
	buf := make([]byte, 65536)
	for {
		n, _, err := r.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		r.mu.Lock()
		r.grams++
		for l := range bytes.SplitSeq(buf[:n], []byte("\n")) {
			r.lines = append(r.lines, string(l))
		}
		r.mu.Unlock()
	}
}

// Lines is every line received so far, in order.
func (r *Receiver) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// Datagrams is how many datagrams have come.
func (r *Receiver) Datagrams() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.grams
}

// WaitLines waits until n lines have come and returns them.
func (r *Receiver) WaitLines(t testing.TB, n int) []string {
	t.Helper()
	return r.Wait(t, "lines", func(lines []string) bool { return len(lines) >= n })
}

// Wait waits until cond holds of the lines received, and returns them;
// the test fails, naming what, when WaitFor passes first.
func (r *Receiver) Wait(t testing.TB, what string, cond func(lines []string) bool) []string {
	t.Helper()
	deadline := time.Now().Add(WaitFor)
	for {
		lines := r.Lines()
		if cond(lines) {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s; received:\n%s", what, WaitFor, strings.Join(lines, "\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Count is how many of lines are line.
func Count(lines []string, line string) int {
	n := 0
	for _, l := range lines {
		if l == line {
			n++
		}
	}
	return n
}

// Unread is the address of a UDP socket on 127.0.0.1 that nobody reads:
// datagrams sent there cost the sender what they cost against a live
// statsd, and the kernel drops them, so a benchmark measures the sender
// alone.
func Unread(t testing.TB) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().String()
}
