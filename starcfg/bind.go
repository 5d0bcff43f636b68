package starcfg

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Address is one parsed entry of the bind setting.
type Address struct {
	Network string // "tcp", "unix" or "fd"; "udp" for statsd_host
	Host    string // tcp: lower-cased host name or IP, IPv6 without brackets
	Port    int    // tcp: port, 8000 when the entry has none
	Path    string // unix: socket path
	FD      int    // fd: an inherited file descriptor
}

// defaultPort is gunicorn's port for a bind entry without one.
const defaultPort = 8000

// ParseAddress parses a bind entry the way gunicorn does: HOST,
// HOST:PORT, [V6]:PORT, [V6], tcp://HOST:PORT, unix:PATH, unix://PATH or
// fd://N. A missing port is 8000 and an empty host 0.0.0.0. It only checks
// syntax; whether the address can be bound is the master's business.
func ParseAddress(s string) (Address, error) {
	a, err := parseAddress(strings.TrimSpace(s), defaultPort)
	if err != nil {
		return Address{}, fmt.Errorf("address %q: %s", s, err)
	}
	return a, nil
}

// parseAddress parses s with port as the port of a TCP entry without one;
// port 0 requires one.
func parseAddress(s string, port int) (Address, error) {
	if path, ok := cutAnyPrefix(s, "unix://", "unix:"); ok {
		if path == "" {
			return Address{}, fmt.Errorf("no socket path after unix:")
		}
		return Address{Network: "unix", Path: path}, nil
	}
	if fd, ok := strings.CutPrefix(s, "fd://"); ok {
		n, err := strconv.Atoi(fd)
		if err != nil || n < 0 {
			return Address{}, fmt.Errorf("%q is not a file descriptor number", fd)
		}
		return Address{Network: "fd", FD: n}, nil
	}
	s = strings.TrimPrefix(s, "tcp://")
	host, port, err := splitHostPort(s, port)
	if err != nil {
		return Address{}, err
	}
	return Address{Network: "tcp", Host: strings.ToLower(host), Port: port}, nil
}

// splitHostPort splits HOST[:PORT] or [V6][:PORT], applying the defaults:
// defPort for a missing port (0: a port is required), 0.0.0.0 for a
// missing host.
func splitHostPort(s string, defPort int) (string, int, error) {
	host, portText, missing := s, "", false
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.Index(s, "]")
		if end < 0 {
			return "", 0, fmt.Errorf("missing ] after the IPv6 address")
		}
		host, portText = s[1:end], s[end+1:]
		if portText != "" && !strings.HasPrefix(portText, ":") {
			return "", 0, fmt.Errorf("unexpected %q after ]", portText)
		}
		portText = strings.TrimPrefix(portText, ":")
		if ip, err := netip.ParseAddr(host); err != nil || !ip.Is6() {
			return "", 0, fmt.Errorf("%q is not an IPv6 address", host)
		}
		missing = portText == ""
	case strings.Count(s, ":") > 1:
		return "", 0, fmt.Errorf("an IPv6 address needs brackets, as in [::1]:8000")
	case strings.Contains(s, ":"):
		host, portText, _ = strings.Cut(s, ":")
	default:
		missing = true
	}
	if missing {
		if defPort == 0 {
			return "", 0, fmt.Errorf("no port: give one, as in %s:9100", s)
		}
		portText = strconv.Itoa(defPort)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	if !isHostName(host) {
		return "", 0, fmt.Errorf("%q is not a host name%s", host, separatorHint(s))
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q is not a port number (want 0 to 65535)", portText)
	}
	return host, port, nil
}

// isHostName tells whether host can be looked up: an IPv4 address or a
// DNS name (letters, digits, -, _ and dots). A bracketed IPv6 address is
// checked where it is parsed.
func isHostName(host string) bool {
	if strings.Contains(host, ":") {
		return true // inside brackets: already an IPv6 address
	}
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._", c)) {
			return false
		}
	}
	return true
}

// separatorHint is a did-you-mean for HOST;PORT and HOST,PORT, where a
// port was meant: " (did you mean "HOST:PORT"?)", or "".
func separatorHint(s string) string {
	for _, sep := range []string{";", ","} {
		fixed := strings.Replace(s, sep, ":", 1)
		if strings.Count(s, sep) != 1 || strings.Contains(s, ":") {
			continue
		}
		if _, _, err := splitHostPort(fixed, 0); err == nil {
			return fmt.Sprintf(" (did you mean %q?)", fixed)
		}
	}
	return ""
}

// cutAnyPrefix is strings.CutPrefix with several prefixes, tried in order.
func cutAnyPrefix(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return s, false
}

// String is gunicorn's name for the listener, as its logs show it:
// http://HOST:PORT, http://[V6]:PORT, unix:PATH or fd://N.
func (a Address) String() string {
	switch a.Network {
	case "unix":
		return "unix:" + a.Path
	case "fd":
		return "fd://" + strconv.Itoa(a.FD)
	}
	host := a.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + strconv.Itoa(a.Port)
}
