package main

import (
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

// datagrams collects what a syslog socket receives, for a test to wait on.
type datagrams struct {
	t    *testing.T
	got  chan string
	seen []string // every message received so far, in order
}

// listenSyslog receives datagrams on network ("udp" or "unixgram") at
// addr until the test ends.
func listenSyslog(t *testing.T, network, addr string) (*datagrams, net.Addr) {
	pc, err := net.ListenPacket(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	d := &datagrams{t: t, got: make(chan string, 1024)}
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			d.got <- string(buf[:n])
		}
	}()
	return d, pc.LocalAddr()
}

// waitFor returns the first message received, now or later, that matches
// pattern, and its groups. The error log and the access log have a
// queue each, so their messages may arrive in either order.
func (d *datagrams) waitFor(pattern string) []string {
	d.t.Helper()
	re := regexp.MustCompile(pattern)
	for _, msg := range d.seen {
		if m := re.FindStringSubmatch(msg); m != nil {
			return m
		}
	}
	deadline := time.After(proctest.WaitFor)
	for {
		select {
		case msg := <-d.got:
			d.seen = append(d.seen, msg)
			if m := re.FindStringSubmatch(msg); m != nil {
				return m
			}
		case <-deadline:
			d.t.Fatalf("no syslog message matching %q within %s; got:\n%s", pattern, proctest.WaitFor, strings.Join(d.seen, ""))
			return nil
		}
	}
}

// The error log and the access log reach a syslog daemon on UDP as
// gunicorn sends them: one datagram per line, the facility and the level
// in the priority, the program name gocorn.PREFIX.error or .access with
// the pid of the process that wrote it.
func TestSyslogOverUDP(t *testing.T) {
	d, addr := listenSyslog(t, "udp", "127.0.0.1:0")
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "--log-syslog", "--log-syslog-to", "udp://"+addr.String(),
		"--log-syslog-prefix", "web", "--log-syslog-facility", "local3", "chaos")
	worker := in.Workers()[0]
	const local3 = 19 * 8
	head := `^<%d>\d{4}-\d\d-\d\dT\S+ \S+ gocorn\.web\.%s\[%d\]: `
	d.waitFor(fmt.Sprintf(head+`Listening at: http://`, local3+6, "error", in.Pid()))
	d.waitFor(fmt.Sprintf(head+`Booting worker with pid: %d\n$`, local3+6, "error", worker, worker))
	in.Get("/print?msg=hi")
	d.waitFor(fmt.Sprintf(head+`print slog msg=hi\n$`, local3+4, "error", worker))
	d.waitFor(fmt.Sprintf(head+`127\.0\.0\.1 - - \[[^]]+\] "GET /print\?msg=hi HTTP/1\.1" 200 8 "-" "Go-http-client/1\.1"\n$`, local3+6, "access", worker))
	in.Signal(syscall.SIGTERM)
	d.waitFor(fmt.Sprintf(head+`Shutting down: Master\n$`, local3+6, "error", in.Pid()))
	t.Logf("for example:\n%s", strings.Join(d.seen[len(d.seen)-3:], ""))
}

// A unix datagram socket gets the local format; with
// disable_redirect_access_to_syslog only the error log goes there, while
// the access log file still gets its lines.
func TestSyslogOverUnixWithoutAccess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	d, _ := listenSyslog(t, "unixgram", path)
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "--log-syslog", "--log-syslog-to", "unix://"+path+"#dgram",
		"--disable-redirect-access-to-syslog", "--access-logfile", "-", "-n", "shop:main", "hello")
	d.waitFor(fmt.Sprintf(`^<14>\w{3} [ \d]\d \d\d:\d\d:\d\d gocorn\.shop\.main\.error\[%d\]: Listening at: `, in.Pid()))
	in.Get("/")
	if !proctest.Poll(func() bool { return strings.Contains(in.Stdout.String(), `"GET / HTTP/1.1" 200`) }) {
		t.Fatalf("no access line on stdout: %q", in.Stdout)
	}
	in.Signal(syscall.SIGTERM)
	in.Wait()
	d.waitFor(`Shutting down: Master\n$`)
	for _, msg := range d.seen {
		if strings.Contains(msg, ".access[") {
			t.Errorf("an access line went to syslog: %q", msg)
		}
	}
}
