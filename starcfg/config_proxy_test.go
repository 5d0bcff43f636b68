package starcfg

import "testing"

func TestParseAllowList(t *testing.T) {
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
		got, err := ParseAllowList(tt.in)
		switch {
		case tt.wantErr == "host bits":
			if err == nil {
				t.Errorf("ParseAllowList(%q) = %v, want a host-bits error", tt.in, got)
			}
		case tt.wantErr != "":
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseAllowList(%q) error = %v, want %s", tt.in, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("ParseAllowList(%q): %v", tt.in, err)
		case got.String() != tt.want:
			t.Errorf("ParseAllowList(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseProxyMode(t *testing.T) {
	for in, want := range map[string]string{
		"off": "off", "OFF": "off", "false": "off", "0": "off", "None": "off", " v1 ": "v1", "V2": "v2",
		"auto": "auto", "true": "auto", "True": "auto", "1": "auto",
	} {
		if got, err := parseProxyMode(in); err != nil || got != want {
			t.Errorf("parseProxyMode(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "v3", "yes", "2"} {
		if _, err := parseProxyMode(in); err == nil {
			t.Errorf("parseProxyMode(%q) succeeded", in)
		}
	}
}
