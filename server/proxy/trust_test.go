package proxy

import (
	"net"
	"net/netip"
	"testing"
)

func TestParseTrust(t *testing.T) {
	tests := []struct {
		in      []string
		want    string // String() of the result
		wantErr string
	}{
		{nil, "", ""},
		{[]string{"127.0.0.1", "::1"}, "127.0.0.1,::1", ""},
		{[]string{"127.0.0.1,::1"}, "127.0.0.1,::1", ""},              // the flag's and FORWARDED_ALLOW_IPS's form
		{[]string{" 10.0.0.1 , ,10.0.0.2,"}, "10.0.0.1,10.0.0.2", ""}, // blanks and empty entries
		{[]string{"*"}, "*", ""},
		{[]string{"10.0.0.0/8", "2001:db8::/32"}, "10.0.0.0/8,2001:db8::/32", ""},
		{[]string{"10.0.0.1/32"}, "10.0.0.1", ""},
		{[]string{"::ffff:10.0.0.1"}, "10.0.0.1", ""},             // IPv4-mapped: stored as IPv4
		{[]string{"::ffff:10.0.0.0/104"}, "10.0.0.0/8", ""},       // ... prefixes too
		{[]string{"::ffff:0:0/95"}, "::fffe:0:0/95", "host bits"}, // not mapped any more: strictly a v6 prefix
		{[]string{"10.0.0.1/8"}, "", `"10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)`},
		{[]string{"2001:db8::1/32"}, "", `"2001:db8::1/32" has host bits set (did you mean 2001:db8::/32?)`},
		{[]string{"127.0.0.1", "localhost"}, "", `"localhost" is not an IP address, a CIDR prefix or *`},
		{[]string{"10.0.0.256"}, "", `"10.0.0.256" is not an IP address, a CIDR prefix or *`},
		{[]string{"010.0.0.1"}, "", `"010.0.0.1" is not an IP address, a CIDR prefix or *`},
		{[]string{"fe80::1%eth0"}, "", `"fe80::1%eth0" is not an IP address, a CIDR prefix or *`},
		{[]string{"10.0.0.0/33"}, "", `"10.0.0.0/33" is not a valid CIDR prefix (want ADDRESS/BITS, such as 10.0.0.0/8)`},
		{[]string{"10.0.0.0/"}, "", `"10.0.0.0/" is not a valid CIDR prefix (want ADDRESS/BITS, such as 10.0.0.0/8)`},
		{[]string{"**"}, "", `"**" is not an IP address, a CIDR prefix or *`},
	}
	for _, tt := range tests {
		got, err := ParseTrust(tt.in)
		switch {
		case tt.wantErr == "host bits":
			if err == nil {
				t.Errorf("ParseTrust(%q) = %v, want a host-bits error", tt.in, got)
			}
		case tt.wantErr != "":
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseTrust(%q) error = %v, want %s", tt.in, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("ParseTrust(%q): %v", tt.in, err)
		case got.String() != tt.want:
			t.Errorf("ParseTrust(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestTrustAllows(t *testing.T) {
	list := mustTrust(t, "127.0.0.1", "::1", "10.1.0.0/16", "2001:db8::/32")
	star := mustTrust(t, "*")
	none := mustTrust(t)
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
	list := mustTrust(t, "127.0.0.1", "10.0.0.0/8")
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

func mustTrust(t testing.TB, entries ...string) *Trust {
	t.Helper()
	tr, err := ParseTrust(entries)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
