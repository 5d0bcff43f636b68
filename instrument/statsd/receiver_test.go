package statsd

import (
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitFor bounds every wait in these tests.
const waitFor = 10 * time.Second

// receiver is a statsd server for tests: a real datagram socket that
// collects the lines it receives.
type receiver struct {
	conn  net.PacketConn
	addr  string // what a Config's Address is
	mu    sync.Mutex
	lines []string
	grams int // datagrams received
}

// listenUDP starts a receiver on a free loopback port.
func listenUDP(t *testing.T) *receiver {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startReceiver(t, c, c.LocalAddr().String())
}

// listenUnix starts a receiver on a unix datagram socket.
func listenUnix(t *testing.T) *receiver {
	t.Helper()
	path := filepath.Join(t.TempDir(), "statsd.sock")
	c, err := net.ListenPacket("unixgram", path)
	if err != nil {
		t.Fatal(err)
	}
	return startReceiver(t, c, path)
}

func startReceiver(t *testing.T, c net.PacketConn, addr string) *receiver {
	r := &receiver{conn: c, addr: addr}
	t.Cleanup(func() { c.Close() })
	go r.read()
	return r
}

func (r *receiver) read() {
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

// got is every line received so far.
func (r *receiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// datagrams is how many datagrams have come.
func (r *receiver) datagrams() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.grams
}

// waitLines waits until n lines have come and returns them.
func (r *receiver) waitLines(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		got := r.got()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d lines within %s, got %d: %q", n, waitFor, len(got), got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// countLines counts the lines with prefix.
func countLines(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}
