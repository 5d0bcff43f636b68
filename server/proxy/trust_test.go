package proxy

import (
	"net"
	"net/netip"
	"strings"
	"testing"
)

// NewTrust stores IPv4-mapped prefixes as the IPv4 prefixes they are.
func TestNewTrust(t *testing.T) {
	tests := []struct {
		all      bool
		prefixes []string
		want     string
	}{
		{false, nil, ""},
		{true, nil, "*"},
		{false, []string{"127.0.0.1/32", "::1/128", "10.0.0.0/8"}, "127.0.0.1,::1,10.0.0.0/8"},
		{false, []string{"::ffff:10.0.0.1/128"}, "10.0.0.1"},
		{false, []string{"::ffff:10.0.0.0/104"}, "10.0.0.0/8"},
		{false, []string{"::fffe:0:0/95"}, "::fffe:0:0/95"},
	}
	for _, tt := range tests {
		var ps []netip.Prefix
		for _, p := range tt.prefixes {
			ps = append(ps, netip.MustParsePrefix(p))
		}
		if got := NewTrust(tt.all, ps...).String(); got != tt.want {
			t.Errorf("NewTrust(%v, %v) = %s, want %s", tt.all, tt.prefixes, got, tt.want)
		}
	}
}

func TestTrustAllows(t *testing.T) {
	list := trust("127.0.0.1", "::1", "10.1.0.0/16", "2001:db8::/32")
	star := trust("*")
	none := trust()
	tcp := func(s string) net.Addr { return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s)) }
	tests := []struct {
		addr             net.Addr
		list, star, none bool
	}{
		{tcp("127.0.0.1:5000"), true, true, false},
		{tcp("127.0.0.2:5000"), false, true, false},
		{tcp("[::1]:5000"), true, true, false},
		{tcp("[::ffff:127.0.0.1]:5000"), true, true, false}, // dual-stack socket, IPv4 client
		{&net.TCPAddr{IP: net.ParseIP("10.1.2.3").To16(), Port: 1}, true, true, false},
		{tcp("10.2.0.1:1"), false, true, false},
		{tcp("[2001:db8:1::5]:1"), true, true, false},
		{&net.TCPAddr{IP: net.ParseIP("fe80::1"), Zone: "eth0"}, false, true, false},
		{&net.UnixAddr{Name: "@", Net: "unix"}, true, true, true}, // unix peers: always
		{&net.UnixAddr{Name: "", Net: "unix"}, true, true, true},
		{&net.UDPAddr{IP: net.ParseIP("127.0.0.1"), Port: 1}, true, true, false}, // other types: by their String
		{nil, false, false, false},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			name string
			tr   *Trust
			want bool
		}{{"list", list, tt.list}, {"*", star, tt.star}, {"none", none, tt.none}} {
			if got := c.tr.Allows(tt.addr); got != c.want {
				t.Errorf("%s.Allows(%v) = %v, want %v", c.name, tt.addr, got, c.want)
			}
		}
	}
}

func TestTrustAllowsRemote(t *testing.T) {
	list := trust("127.0.0.1", "10.0.0.0/8")
	tests := []struct {
		remote string
		want   bool
	}{
		{"127.0.0.1:80", true},
		{"127.0.0.1", true}, // a bare IP
		{"10.9.8.7:1", true},
		{"[::ffff:10.9.8.7]:1", true},
		{"11.0.0.1:1", false},
		{"@", true}, // unix peers
		{"", true},
		{"/run/client.sock", true},
		{"garbage", false},
		{"127.0.0.1:bad", false},
	}
	for _, tt := range tests {
		if got := list.AllowsRemote(tt.remote); got != tt.want {
			t.Errorf("AllowsRemote(%q) = %v, want %v", tt.remote, got, tt.want)
		}
	}
	var nilTrust *Trust
	if nilTrust.AllowsIP(netip.MustParseAddr("127.0.0.1")) || nilTrust.All() {
		t.Error("a nil Trust allows an IP")
	}
}

// trust is the allow list of entries: "*", IP addresses and prefixes.
func trust(entries ...string) *Trust {
	var all bool
	var ps []netip.Prefix
	for _, e := range entries {
		switch {
		case e == "*":
			all = true
		case strings.Contains(e, "/"):
			ps = append(ps, netip.MustParsePrefix(e))
		default:
			a := netip.MustParseAddr(e)
			ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return NewTrust(all, ps...)
}
