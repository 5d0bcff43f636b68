package syslogsink

import (
	"bufio"
	"fmt"
	"log/syslog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// wait bounds every read in these tests.
const wait = 5 * time.Second

// readDatagrams reads n datagrams from c.
func readDatagrams(t *testing.T, c net.PacketConn, n int) []string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wait))
	var got []string
	buf := make([]byte, 64<<10)
	for range n {
		k, _, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		got = append(got, string(buf[:k]))
	}
	return got
}

// network is "<PRI>RFC3339 HOST TAG[PID]: TEXT\n", log/syslog's message to
// a network address.
var network = regexp.MustCompile(`^<(\d+)>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d) \S+ ([^\[ ]+)\[(\d+)\]: (?s)(.*)\n$`)

// local is "<PRI>Mmm dd hh:mm:ss TAG[PID]: TEXT\n", its message to a
// local socket.
var local = regexp.MustCompile(`^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d ([^\[ ]+)\[(\d+)\]: (?s)(.*)\n$`)

// Over UDP, each message is one datagram with the facility and severity
// in its priority, the tag and pid, and the text; newlines stay.
func TestSinkUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	a, _ := ParseAddr("udp://" + pc.LocalAddr().String())
	s := New(a, syslog.LOG_LOCAL3, "gocorn.web.error")
	s.Send(syslog.LOG_ERR, "boom")
	s.Send(syslog.LOG_INFO, "two\nlines")
	s.Close(wait)
	want := []struct {
		pri  int
		text string
	}{{19*8 + 3, "boom"}, {19*8 + 6, "two\nlines"}}
	for i, d := range readDatagrams(t, pc, 2) {
		m := network.FindStringSubmatch(d)
		if m == nil || m[1] != fmt.Sprint(want[i].pri) || m[3] != "gocorn.web.error" || m[4] != fmt.Sprint(os.Getpid()) || m[5] != want[i].text {
			t.Errorf("datagram %q, want priority %d and text %q", d, want[i].pri, want[i].text)
		}
	}
}

// A unix datagram socket gets the local format; unix:// without a type
// falls back to a stream socket, where a newline ends a message, so the
// message's own newlines are sent as #012.
func TestSinkUnix(t *testing.T) {
	dir := t.TempDir()
	dgram := filepath.Join(dir, "dgram")
	pc, err := net.ListenPacket("unixgram", dgram)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	a, _ := ParseAddr("unix://" + dgram)
	s := New(a, syslog.LOG_USER, "gocorn.x.access")
	s.Writer(syslog.LOG_INFO).Write([]byte("GET / 200\n"))
	s.Close(wait)
	if d := readDatagrams(t, pc, 1)[0]; local.FindStringSubmatch(d) == nil || !strings.HasPrefix(d, "<14>") || !strings.HasSuffix(d, "gocorn.x.access["+fmt.Sprint(os.Getpid())+"]: GET / 200\n") {
		t.Errorf("unix datagram %q", d)
	}

	stream := filepath.Join(dir, "stream")
	l, err := net.Listen("unix", stream)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a, _ = ParseAddr("unix://" + stream)
	s = New(a, syslog.LOG_DAEMON, "gocorn.x.error")
	s.Send(syslog.LOG_CRIT, "dump\nline 2")
	s.Send(syslog.LOG_DEBUG, "next")
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(wait))
	r := bufio.NewReader(c)
	for _, want := range []string{"<26>", "<31>"} {
		line, err := r.ReadString('\n')
		if err != nil || local.FindStringSubmatch(line) == nil || !strings.HasPrefix(line, want) {
			t.Errorf("stream message %q, %v; want priority %s", line, err, want)
		}
		if want == "<26>" && !strings.HasSuffix(line, ": dump#012line 2\n") {
			t.Errorf("stream message %q: its newline is not #012", line)
		}
	}
	s.Close(wait)
}

// A daemon that is down, or one that stops reading, never holds up Send;
// what cannot be sent is dropped and reported once, and a daemon that
// comes up later receives what is sent then.
func TestSinkNeverBlocks(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // accepts, never reads
		c, err := l.Accept()
		if err == nil {
			defer c.Close()
			time.Sleep(wait)
		}
	}()
	a, _ := ParseAddr("tcp://" + l.Addr().String())
	var mu sync.Mutex
	var warnings []string
	s := New(a, syslog.LOG_USER, "t")
	s.warn = func(m string) { mu.Lock(); warnings = append(warnings, m); mu.Unlock() }
	begin := time.Now()
	text := strings.Repeat("x", MaxMessage+100)
	for range 50000 {
		s.Send(syslog.LOG_INFO, text)
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("50000 sends to a daemon that does not read took %s", d)
	}
	s.Close(10 * time.Millisecond) // bounded, though the writer is stuck
	mu.Lock()
	if len(warnings) != 1 || !strings.Contains(warnings[0], "messages dropped: the queue is full") {
		t.Errorf("warnings %q", warnings)
	}
	mu.Unlock()
}

func TestSinkDaemonComesUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	a, _ := ParseAddr("unix://" + path + "#dgram")
	s := New(a, syslog.LOG_USER, "t")
	s.retry = 10 * time.Millisecond
	s.warn = func(string) {}
	defer s.Close(wait)
	s.Send(syslog.LOG_INFO, "lost") // no daemon yet, unless the dial comes late
	pc, err := net.ListenPacket("unixgram", path)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 1024)
	for i := 0; ; i++ {
		s.Send(syslog.LOG_INFO, fmt.Sprint("up ", i))
		pc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if n, _, err := pc.ReadFrom(buf); err == nil {
			if got := string(buf[:n]); !strings.Contains(got, ": up ") && !strings.HasSuffix(got, ": lost\n") {
				t.Errorf("got %q", buf[:n])
			}
			return
		}
		if i == 200 {
			t.Fatal("the daemon never received a message after it came up")
		}
	}
}

func TestCut(t *testing.T) {
	if got := cut("héllo", 2); got != "h" {
		t.Errorf("cut in a character: %q", got)
	}
	if got := cut("abc", 5); got != "abc" {
		t.Errorf("short: %q", got)
	}
}
