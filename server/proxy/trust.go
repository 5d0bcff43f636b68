package proxy

import (
	"net"
	"net/netip"
	"strings"
)

// Trust is a parsed allow list of peers: forwarded_allow_ips or
// proxy_allow_ips. The zero Trust allows unix-socket peers only.
type Trust struct {
	all      bool // "*"
	prefixes []netip.Prefix
}

// NewTrust is an allow list: every peer when all is set ("*"), else the
// peers in prefixes. IPv4-mapped IPv6 prefixes count as the IPv4 prefixes
// they are.
func NewTrust(all bool, prefixes ...netip.Prefix) *Trust {
	t := &Trust{all: all, prefixes: make([]netip.Prefix, len(prefixes))}
	for i, p := range prefixes {
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		t.prefixes[i] = p
	}
	return t
}

// All tells whether the list is "*".
func (t *Trust) All() bool { return t != nil && t.all }

// Allows tells whether a peer is on the list. Unix-socket peers are
// always allowed, as in gunicorn: only a process on this machine can
// connect to the socket, and its permissions say which. "*" allows every
// peer. A nil addr is not allowed.
func (t *Trust) Allows(addr net.Addr) bool {
	switch a := addr.(type) {
	case *net.TCPAddr:
		ip, ok := netip.AddrFromSlice(a.IP)
		return ok && t.AllowsIP(ip)
	case *net.UnixAddr:
		return true
	case nil:
		return false
	}
	return t.AllowsRemote(addr.String())
}

// AllowsRemote is Allows for an address in the form of
// http.Request.RemoteAddr: "host:port" or a bare IP; a unix-socket peer
// shows as "", "@" or a path starting with "/" and is allowed. Anything
// else is not.
func (t *Trust) AllowsRemote(remote string) bool {
	if ip, ok := parseRemoteIP(remote); ok {
		return t.AllowsIP(ip)
	}
	return isUnixRemote(remote)
}

// AllowsIP tells whether an IP address is on the list. IPv4-mapped IPv6
// addresses count as their IPv4 address; zones are ignored.
func (t *Trust) AllowsIP(ip netip.Addr) bool {
	if t == nil || !ip.IsValid() {
		return false
	}
	if t.all {
		return true
	}
	return t.listed(ip)
}

// listed tells whether ip is covered by an explicit entry; "*" does not
// count.
func (t *Trust) listed(ip netip.Addr) bool {
	if t == nil {
		return false
	}
	ip = ip.Unmap().WithZone("")
	for _, p := range t.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// String is the list as the settings spell it: "*,10.0.0.0/8,::1".
func (t *Trust) String() string {
	var parts []string
	if t.all {
		parts = append(parts, "*")
	}
	for _, p := range t.prefixes {
		if p.IsSingleIP() {
			parts = append(parts, p.Addr().String())
		} else {
			parts = append(parts, p.String())
		}
	}
	return strings.Join(parts, ",")
}

// parseRemoteIP reads the IP of a RemoteAddr-shaped string without
// allocating: "1.2.3.4:5", "[::1]:5", or a bare IP.
func parseRemoteIP(remote string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr(), true
	}
	if ip, err := netip.ParseAddr(remote); err == nil {
		return ip, true
	}
	return netip.Addr{}, false
}

// isUnixRemote tells whether a RemoteAddr names a unix-socket peer: an
// unnamed one ("" or "@", which is what accepted unix connections show)
// or a named one (an absolute path, or an abstract name "@...").
func isUnixRemote(remote string) bool {
	return remote == "" || remote[0] == '@' || remote[0] == '/'
}
