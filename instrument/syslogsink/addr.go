package syslogsink

import (
	"errors"
	"fmt"
	"log/syslog"
	"net"
	"slices"
	"strconv"
	"strings"
)

// DefaultAddr is gunicorn's syslog_addr on Linux: the local daemon's UDP
// port. (gunicorn picks a unix socket on macOS and the BSDs.)
const DefaultAddr = "udp://localhost:514"

// Addr is a parsed syslog_addr: the networks to dial, in order, and the
// address.
type Addr struct {
	Networks []string // "udp", "tcp", "unixgram", "unix"
	Address  string   // host:port, or a socket's path
}

// String is the address as syslog_addr spells it, for messages.
func (a Addr) String() string {
	switch {
	case slices.Equal(a.Networks, autoUnix):
		return "unix://" + a.Address
	case a.Networks[0] == "unixgram":
		return "unix://" + a.Address + "#dgram"
	case a.Networks[0] == "unix":
		return "unix://" + a.Address + "#stream"
	}
	return a.Networks[0] + "://" + a.Address
}

// stream tells whether messages go over a byte stream (tcp, unix
// stream), where a newline ends a message.
func (a Addr) stream(network string) bool { return network == "tcp" || network == "unix" }

// autoUnix is how a unix:// address without #dgram or #stream is tried:
// a datagram socket first (the usual /dev/log), then a stream one, as
// Python's SysLogHandler does for gunicorn.
var autoUnix = []string{"unixgram", "unix"}

// ParseAddr reads syslog_addr as gunicorn does: unix://PATH, optionally
// with #dgram or #stream (without either, both are tried, datagram
// first); udp://HOST:PORT; tcp://HOST:PORT. The host may be a name, an
// IPv4 address or an [IPv6] address; it defaults to localhost and the
// port to 514.
func ParseAddr(s string) (Addr, error) {
	if rest, ok := strings.CutPrefix(s, "unix://"); ok {
		path, kind, _ := strings.Cut(rest, "#")
		if path == "" {
			return Addr{}, fmt.Errorf("%q names no socket path (want unix:///dev/log)", s)
		}
		switch kind {
		case "":
			return Addr{Networks: autoUnix, Address: path}, nil
		case "dgram":
			return Addr{Networks: []string{"unixgram"}, Address: path}, nil
		case "stream":
			return Addr{Networks: []string{"unix"}, Address: path}, nil
		}
		return Addr{}, fmt.Errorf("%q: the socket type after # is %q, want dgram or stream", s, kind)
	}
	network, hostPort, ok := strings.Cut(s, "://")
	if !ok || network != "udp" && network != "tcp" {
		return Addr{}, fmt.Errorf("%q is not a syslog address (want udp://HOST:PORT, tcp://HOST:PORT or unix://PATH)", s)
	}
	host, port, err := splitHostPort(hostPort)
	if err != nil {
		return Addr{}, fmt.Errorf("%q: %w", s, err)
	}
	return Addr{Networks: []string{network}, Address: net.JoinHostPort(host, port)}, nil
}

// splitHostPort splits HOST, HOST:PORT, [V6] or [V6]:PORT, with
// gunicorn's defaults.
func splitHostPort(s string) (host, port string, err error) {
	host, port = s, "514"
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", errors.New("an IPv6 address lacks its closing ]")
		}
		host, s = s[1:end], s[end+1:]
		if s != "" && s[0] != ':' {
			return "", "", fmt.Errorf("%q follows the IPv6 address", s)
		}
		if s != "" {
			port = s[1:]
		}
	} else if h, p, ok := strings.Cut(s, ":"); ok {
		host, port = h, p
	}
	if host == "" {
		host = "localhost"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strings.TrimLeft(port, "0123456789") != "" {
		return "", "", fmt.Errorf("%q is not a port number", port)
	}
	return strings.ToLower(host), port, nil
}

// facilities are gunicorn's syslog_facility names.
var facilities = map[string]syslog.Priority{
	"auth": syslog.LOG_AUTH, "authpriv": syslog.LOG_AUTHPRIV, "cron": syslog.LOG_CRON,
	"daemon": syslog.LOG_DAEMON, "ftp": syslog.LOG_FTP, "kern": syslog.LOG_KERN,
	"lpr": syslog.LOG_LPR, "mail": syslog.LOG_MAIL, "news": syslog.LOG_NEWS,
	"security": syslog.LOG_AUTH, // gunicorn's deprecated alias of auth
	"syslog":   syslog.LOG_SYSLOG, "user": syslog.LOG_USER, "uucp": syslog.LOG_UUCP,
	"local0": syslog.LOG_LOCAL0, "local1": syslog.LOG_LOCAL1, "local2": syslog.LOG_LOCAL2,
	"local3": syslog.LOG_LOCAL3, "local4": syslog.LOG_LOCAL4, "local5": syslog.LOG_LOCAL5,
	"local6": syslog.LOG_LOCAL6, "local7": syslog.LOG_LOCAL7,
}

// FacilityNames are the names ParseFacility knows, sorted.
func FacilityNames() []string {
	names := make([]string, 0, len(facilities))
	for n := range facilities {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ParseFacility maps a syslog_facility name, in any case, to its
// facility.
func ParseFacility(name string) (syslog.Priority, error) {
	if f, ok := facilities[strings.ToLower(name)]; ok {
		return f, nil
	}
	return 0, fmt.Errorf("%q is not a syslog facility (want one of %s)", name, strings.Join(FacilityNames(), ", "))
}
