package proc

import (
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gocorn/gocorn/starcfg"
)

func TestSyslogTag(t *testing.T) {
	tests := []struct {
		prefix, procName, app, kind, want string
	}{
		{"web", "shop", "hello", "error", "gocorn.web.error"},
		{"", "shop:main", "hello", "access", "gocorn.shop.main.access"},
		{"", "", "hello", "error", "gocorn.hello.error"},
		{"", "", "", "error", "gocorn.error"},
		{"a:b", "", "", "error", "gocorn.a:b.error"}, // syslog_prefix is taken as given, as in gunicorn
	}
	for _, tc := range tests {
		cfg := &starcfg.Config{ProcName: tc.procName, App: tc.app}
		cfg.SyslogPrefix = tc.prefix
		if got := syslogTag(cfg, tc.kind); got != tc.want {
			t.Errorf("syslogTag(prefix %q, proc_name %q, app %q) = %q, want %q", tc.prefix, tc.procName, tc.app, got, tc.want)
		}
	}
}

// A HUP that changes the syslog settings switches the master's error log
// to a new sink; one that changes nothing keeps it; turning syslog off
// stops the error log's records from going there.
func TestSyslogFollowsHUP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	var s syslogs
	defer s.close()
	log := slog.New(s.handler(slog.LevelInfo))
	cfg := func(on bool, prefix string) *starcfg.Config {
		c := &starcfg.Config{App: "hello"}
		c.Syslog, c.SyslogAddr, c.SyslogFacility, c.SyslogPrefix = on, "udp://"+pc.LocalAddr().String(), "user", prefix
		return c
	}
	s.follow(cfg(false, ""))
	log.Info("not sent")
	s.follow(cfg(true, ""))
	first := s.errors.Load()
	log.Info("one")
	s.follow(cfg(true, ""))
	if s.errors.Load() != first {
		t.Error("an unchanged configuration made a new sink")
	}
	s.follow(cfg(true, "web"))
	log.Info("two")
	s.follow(cfg(false, ""))
	log.Info("not sent either")
	if s.errors.Load() != nil || log.Enabled(t.Context(), slog.LevelError) {
		t.Error("syslog off still has a sink")
	}
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1024)
	var got []string // two sinks: in either order
	for range 2 {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(buf[:n]))
	}
	slices.SortFunc(got, func(a, b string) int { return strings.Compare(a[len(a)-4:], b[len(b)-4:]) }) // " one", " two"
	if !strings.Contains(got[0], "gocorn.hello.error[") || !strings.HasSuffix(got[0], ": one\n") ||
		!strings.Contains(got[1], "gocorn.web.error[") || !strings.HasSuffix(got[1], ": two\n") {
		t.Errorf("datagrams %q", got)
	}
	pc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, _, err := pc.ReadFrom(buf); err == nil {
		t.Errorf("unexpected datagram %q", buf[:n])
	}
}
