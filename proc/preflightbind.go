package proc

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"

	"github.com/gocorn/gocorn/starcfg"
)

// target is what one bind entry listens on, as a start would bind it:
// the resolved address of a TCP entry, the absolute path of a unix one.
type target struct {
	spec string // the entry as written
	addr starcfg.Address
	ip   net.IP // tcp: the address bindTCP would take
	path string // unix: the socket file, absolute
}

// checkBinds resolves every bind entry without binding it and reports,
// one error each, an entry that does not parse or resolve and every pair
// that a start would fail to bind both of: the same address (however
// spelled), a wildcard and an address of its family on the same port, the
// same socket file or descriptor. dir resolves relative socket paths, as
// the master's working directory (chdir) would.
func checkBinds(binds []string, dir string, lookup lookupFunc) []error {
	var errs []error
	var seen []target
	for _, spec := range binds {
		t, err := resolveTarget(spec, dir, lookup)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, s := range seen {
			if why := clash(s, t); why != "" {
				errs = append(errs, fmt.Errorf("bind: %q and %q %s; a start would fail to bind the second", s.spec, t.spec, why))
			}
		}
		seen = append(seen, t)
	}
	return errs
}

// resolveTarget parses and resolves one bind entry.
func resolveTarget(spec, dir string, lookup lookupFunc) (target, error) {
	addr, err := starcfg.ParseAddress(spec)
	if err != nil {
		return target{}, fmt.Errorf("bind: %w", err)
	}
	t := target{spec: spec, addr: addr}
	switch addr.Network {
	case "tcp":
		if t.ip, err = hostIP(lookup, addr.Host); err != nil {
			return target{}, fmt.Errorf("bind: %q: %w", spec, err)
		}
	case "unix":
		t.path = filepath.Clean(addr.Path)
		if !filepath.IsAbs(t.path) {
			t.path = filepath.Join(dir, t.path)
		}
	}
	return t, nil
}

// clash says why a and b cannot both be bound, or "" when they can. Port
// 0 asks the kernel for a free port each time, so it never clashes.
func clash(a, b target) string {
	if a.addr.Network != b.addr.Network {
		return ""
	}
	switch a.addr.Network {
	case "unix":
		if a.path == b.path {
			return "are the same socket file " + a.path
		}
	case "fd":
		if a.addr.FD == b.addr.FD {
			return "are the same file descriptor"
		}
	case "tcp":
		return tcpClash(a, b)
	}
	return ""
}

// tcpClash is clash for two TCP targets: the same port in one family, on
// the same address or with one of them the family's wildcard (IPv6
// sockets are v6-only, so [::] and 0.0.0.0 do not clash).
func tcpClash(a, b target) string {
	port := a.addr.Port
	if port == 0 || port != b.addr.Port || (a.ip.To4() == nil) != (b.ip.To4() == nil) {
		return ""
	}
	hostPort := func(ip net.IP) string { return net.JoinHostPort(ip.String(), strconv.Itoa(port)) }
	switch {
	case a.ip.Equal(b.ip):
		return "are the same address, " + hostPort(a.ip)
	case a.ip.IsUnspecified():
		return fmt.Sprintf("overlap: %s already takes port %d on every address, %s included", hostPort(a.ip), port, b.ip)
	case b.ip.IsUnspecified():
		return fmt.Sprintf("overlap: %s takes port %d on every address, %s included", hostPort(b.ip), port, a.ip)
	}
	return ""
}
