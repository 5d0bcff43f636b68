package syslogsink

import (
	"log/slog"
	"log/syslog"
	"slices"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/instrument/errlog"
)

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in       string
		networks []string
		address  string
		err      string
	}{
		{in: DefaultAddr, networks: []string{"udp"}, address: "localhost:514"},
		{in: "udp://10.0.0.1:5514", networks: []string{"udp"}, address: "10.0.0.1:5514"},
		{in: "udp://LogHost", networks: []string{"udp"}, address: "loghost:514"},
		{in: "udp://", networks: []string{"udp"}, address: "localhost:514"},
		{in: "udp://:601", networks: []string{"udp"}, address: "localhost:601"},
		{in: "tcp://[2001:db8::1]:601", networks: []string{"tcp"}, address: "[2001:db8::1]:601"},
		{in: "tcp://[::1]", networks: []string{"tcp"}, address: "[::1]:514"},
		{in: "unix:///dev/log", networks: []string{"unixgram", "unix"}, address: "/dev/log"},
		{in: "unix:///dev/log#dgram", networks: []string{"unixgram"}, address: "/dev/log"},
		{in: "unix:///run/syslog#stream", networks: []string{"unix"}, address: "/run/syslog"},
		{in: "unix://", err: "names no socket path"},
		{in: "unix:///dev/log#seqpacket", err: `want dgram or stream`},
		{in: "udp://host:syslog", err: `"syslog" is not a port number`},
		{in: "udp://host:70000", err: `"70000" is not a port number`},
		{in: "udp://host:+5", err: `"+5" is not a port number`},
		{in: "tcp://[::1", err: "lacks its closing ]"},
		{in: "tcp://[::1]x", err: `"x" follows the IPv6 address`},
		{in: "localhost:514", err: "is not a syslog address"},
		{in: "http://host", err: "is not a syslog address"},
	}
	for _, tc := range tests {
		a, err := ParseAddr(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseAddr(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(a.Networks, tc.networks) || a.Address != tc.address {
			t.Errorf("ParseAddr(%q) = %v %q, %v; want %v %q", tc.in, a.Networks, a.Address, err, tc.networks, tc.address)
		}
		if back, _ := ParseAddr(a.String()); !slices.Equal(back.Networks, a.Networks) || back.Address != a.Address {
			t.Errorf("%q reads back as %v", a.String(), back)
		}
	}
}

func TestParseFacility(t *testing.T) {
	tests := []struct {
		name string
		want syslog.Priority
	}{
		{"user", syslog.LOG_USER}, {"USER", syslog.LOG_USER}, {"kern", syslog.LOG_KERN},
		{"daemon", syslog.LOG_DAEMON}, {"security", syslog.LOG_AUTH}, {"authpriv", syslog.LOG_AUTHPRIV},
		{"local0", syslog.LOG_LOCAL0}, {"local7", syslog.LOG_LOCAL7},
	}
	for _, tc := range tests {
		if got, err := ParseFacility(tc.name); err != nil || got != tc.want {
			t.Errorf("ParseFacility(%q) = %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
	if _, err := ParseFacility("local8"); err == nil || !strings.Contains(err.Error(), "auth, authpriv, cron") {
		t.Errorf("local8: %v", err)
	}
	if n := len(FacilityNames()); n != 21 {
		t.Errorf("%d facilities, want gunicorn's 21", n)
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		level slog.Level
		want  syslog.Priority
	}{
		{slog.LevelDebug, syslog.LOG_DEBUG}, {slog.LevelInfo, syslog.LOG_INFO}, {slog.LevelInfo + 1, syslog.LOG_INFO},
		{slog.LevelWarn, syslog.LOG_WARNING}, {slog.LevelError, syslog.LOG_ERR}, {errlog.LevelCritical, syslog.LOG_CRIT},
	}
	for _, tc := range tests {
		if got := Severity(tc.level); got != tc.want {
			t.Errorf("Severity(%v) = %d, want %d", tc.level, got, tc.want)
		}
	}
}
