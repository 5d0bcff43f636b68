package proc

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"

	"github.com/gocorn/gocorn/starcfg"
)

// listenSpec is one address a start listens on: an entry of bind, or
// metrics_bind.
type listenSpec struct {
	setting string // "bind" or "metrics_bind"
	spec    string // as written
}

// listenSpecs are the addresses cfg has a start listen on, binds first.
func listenSpecs(cfg *starcfg.Config) []listenSpec {
	specs := make([]listenSpec, 0, len(cfg.Bind)+1)
	for _, b := range cfg.Bind {
		specs = append(specs, listenSpec{"bind", b})
	}
	if cfg.MetricsBind != "" {
		specs = append(specs, listenSpec{"metrics_bind", cfg.MetricsBind})
	}
	return specs
}

// target is what one listenSpec listens on, as a start would bind it: the
// resolved address of a TCP entry, the absolute path of a unix one.
type target struct {
	listenSpec
	addr starcfg.Address
	ip   net.IP // tcp: the address bindTCP would take
	path string // unix: the socket file, absolute
}

// checkBinds resolves every address without binding it and reports, one
// error each, an entry that does not parse or resolve and every pair that
// a start would fail to bind both of: the same address (however spelled),
// a wildcard and an address of its family on the same port, the same
// socket file or descriptor. dir resolves relative socket paths, as the
// master's working directory (chdir) would.
func checkBinds(specs []listenSpec, dir string, lookup lookupFunc) []error {
	var errs []error
	var seen []target
	for _, spec := range specs {
		t, err := resolveTarget(spec, dir, lookup)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, s := range seen {
			if why := clash(s, t); why != "" {
				errs = append(errs, fmt.Errorf("%s: %s and %s %s: only one of them can be bound",
					t.setting, s.label(t.setting), t.label(t.setting), why))
			}
		}
		seen = append(seen, t)
	}
	return errs
}

// label is the entry quoted, after its setting's name when that is not
// the setting the message is about.
func (l listenSpec) label(about string) string {
	if l.setting == about {
		return strconv.Quote(l.spec)
	}
	return l.setting + " " + strconv.Quote(l.spec)
}

// resolveTarget parses and resolves one address.
func resolveTarget(l listenSpec, dir string, lookup lookupFunc) (target, error) {
	parse := starcfg.ParseAddress
	if l.setting == "metrics_bind" {
		parse = starcfg.ParseMetricsBind
	}
	addr, err := parse(l.spec)
	if err != nil {
		return target{}, fmt.Errorf("%s: %w", l.setting, err)
	}
	t := target{listenSpec: l, addr: addr}
	switch addr.Network {
	case "tcp":
		if t.ip, err = hostIP(lookup, addr.Host); err != nil {
			return target{}, fmt.Errorf("%s: %q: %w", l.setting, l.spec, err)
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
			return "are the same socket file (" + a.path + ")"
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
	if a.ip.Equal(b.ip) {
		return "are the same address (" + hostPort(a.ip) + ")"
	}
	wild, other := a.ip, b.ip
	if !wild.IsUnspecified() {
		wild, other = b.ip, a.ip
	}
	if !wild.IsUnspecified() {
		return ""
	}
	return fmt.Sprintf("overlap (%s takes port %d on every address, %s included)", hostPort(wild), port, other)
}
