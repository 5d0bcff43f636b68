package starcfg

import "testing"

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in      string
		want    Address
		str     string
		wantErr string
	}{
		{"127.0.0.1:8000", Address{Network: "tcp", Host: "127.0.0.1", Port: 8000}, "http://127.0.0.1:8000", ""},
		{"LocalHost", Address{Network: "tcp", Host: "localhost", Port: 8000}, "http://localhost:8000", ""},
		{":9000", Address{Network: "tcp", Host: "0.0.0.0", Port: 9000}, "http://0.0.0.0:9000", ""},
		{"", Address{Network: "tcp", Host: "0.0.0.0", Port: 8000}, "http://0.0.0.0:8000", ""},
		{" example.com:80 ", Address{Network: "tcp", Host: "example.com", Port: 80}, "http://example.com:80", ""},
		{"tcp://10.0.0.1:81", Address{Network: "tcp", Host: "10.0.0.1", Port: 81}, "http://10.0.0.1:81", ""},
		{"[::1]:8080", Address{Network: "tcp", Host: "::1", Port: 8080}, "http://[::1]:8080", ""},
		{"[::]", Address{Network: "tcp", Host: "::", Port: 8000}, "http://[::]:8000", ""},
		{"[FE80::1%eth0]:1", Address{Network: "tcp", Host: "fe80::1%eth0", Port: 1}, "http://[fe80::1%eth0]:1", ""},
		{"unix:/run/gocorn.sock", Address{Network: "unix", Path: "/run/gocorn.sock"}, "unix:/run/gocorn.sock", ""},
		{"unix://relative.sock", Address{Network: "unix", Path: "relative.sock"}, "unix:relative.sock", ""},
		{"fd://3", Address{Network: "fd", FD: 3}, "fd://3", ""},
		{"unix:", Address{}, "", `address "unix:": no socket path after unix:`},
		{"fd://x", Address{}, "", `address "fd://x": "x" is not a file descriptor number`},
		{"fd://-1", Address{}, "", `address "fd://-1": "-1" is not a file descriptor number`},
		{"host:", Address{}, "", `address "host:": "" is not a port number (want 0 to 65535)`},
		{"host:http", Address{}, "", `address "host:http": "http" is not a port number (want 0 to 65535)`},
		{"host:70000", Address{}, "", `address "host:70000": "70000" is not a port number (want 0 to 65535)`},
		{"::1", Address{}, "", `address "::1": an IPv6 address needs brackets, as in [::1]:8000`},
		{"[::1", Address{}, "", `address "[::1": missing ] after the IPv6 address`},
		{"[::1]8000", Address{}, "", `address "[::1]8000": unexpected "8000" after ]`},
		{"[10.0.0.1]:80", Address{}, "", `address "[10.0.0.1]:80": "10.0.0.1" is not an IPv6 address`},
		{"my host:80", Address{}, "", `address "my host:80": "my host" is not a host name`},
		{"127.0.0.1;18020", Address{}, "", `address "127.0.0.1;18020": "127.0.0.1;18020" is not a host name (did you mean "127.0.0.1:18020"?)`},
		{"tcp://localhost,80", Address{}, "", `address "tcp://localhost,80": "localhost,80" is not a host name (did you mean "localhost:80"?)`},
		{"a;b;c", Address{}, "", `address "a;b;c": "a;b;c" is not a host name`},
		{"host/x:80", Address{}, "", `address "host/x:80": "host/x" is not a host name`},
		{"my_host-1.example:80", Address{Network: "tcp", Host: "my_host-1.example", Port: 80}, "http://my_host-1.example:80", ""},
	}
	for _, tt := range tests {
		got, err := ParseAddress(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseAddress(%q) error = %v, want %s", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAddress(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if got.String() != tt.str {
			t.Errorf("ParseAddress(%q).String() = %q, want %q", tt.in, got.String(), tt.str)
		}
	}
}
