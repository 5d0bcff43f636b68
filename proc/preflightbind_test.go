package proc

import (
	"context"
	"maps"
	"net"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/starcfg"
)

// fakeLookup resolves IP literals as themselves and a few names, like a
// resolver on a machine where localhost has both families.
func fakeLookup(_ context.Context, host string) ([]net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		return []net.IP{ip}, nil
	}
	names := map[string][]net.IP{
		"localhost": {net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		"web":       {net.ParseIP("10.0.0.5")},
		"web6":      {net.ParseIP("fd00::5")},
		"empty":     {},
	}
	if ips, ok := names[host]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestCheckBinds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		binds []string
		want  []string // a part of each error, in order
	}{
		{"distinct", []string{"127.0.0.1:8000", "127.0.0.1:8001", "[::1]:8000", "web:8000", "unix:a.sock", "unix:b.sock", "fd://3", "fd://4"}, nil},
		{"the same twice", []string{"127.0.0.1:8000", "127.0.0.1:8000"},
			[]string{`bind: "127.0.0.1:8000" and "127.0.0.1:8000" are the same address (127.0.0.1:8000): only one of them can be bound`}},
		{"empty host and 0.0.0.0", []string{":8000", "0.0.0.0:8000"},
			[]string{`":8000" and "0.0.0.0:8000" are the same address (0.0.0.0:8000)`}},
		{"one name, two spellings", []string{"localhost:8000", "tcp://LocalHost:8000"},
			[]string{`"localhost:8000" and "tcp://LocalHost:8000" are the same address (127.0.0.1:8000)`}},
		{"a name and its address", []string{"localhost:8000", "127.0.0.1:8000"},
			[]string{`"localhost:8000" and "127.0.0.1:8000" are the same address`}},
		{"the default port", []string{"web", "10.0.0.5:8000"}, []string{`"web" and "10.0.0.5:8000" are the same address (10.0.0.5:8000)`}},
		{"wildcard first", []string{":8000", "web:8000"},
			[]string{`":8000" and "web:8000" overlap (0.0.0.0:8000 takes port 8000 on every address, 10.0.0.5 included)`}},
		{"wildcard second", []string{"web:8000", "0.0.0.0:8000"},
			[]string{`"web:8000" and "0.0.0.0:8000" overlap (0.0.0.0:8000 takes port 8000 on every address, 10.0.0.5 included)`}},
		{"IPv6 wildcard", []string{"[::]:8000", "web6:8000"}, []string{`overlap ([::]:8000 takes port 8000`}},
		{"the families apart", []string{"[::]:8000", "0.0.0.0:8000", "[::1]:8000"}, []string{`"[::]:8000" and "[::1]:8000" overlap`}},
		{"wildcards on other ports", []string{":8000", "web:8001"}, nil},
		{"port 0 twice", []string{"127.0.0.1:0", "127.0.0.1:0", ":0"}, nil},
		{"one socket file", []string{"unix:a.sock", "unix:///srv/app/./a.sock"},
			[]string{`"unix:a.sock" and "unix:///srv/app/./a.sock" are the same socket file (/srv/app/a.sock)`}},
		{"one descriptor", []string{"fd://3", "fd://3"}, []string{`"fd://3" and "fd://3" are the same file descriptor`}},
		{"unresolvable, and the rest still checked", []string{"nowhere.invalid:80", "empty:80", "web:1", "web:1"}, []string{
			`bind: "nowhere.invalid:80": cannot resolve "nowhere.invalid": lookup nowhere.invalid: no such host`,
			`bind: "empty:80": cannot resolve "empty": no address`,
			`"web:1" and "web:1" are the same address`,
		}},
		{"every pair", []string{"web:1", "web:1", "web:1"}, []string{`"web:1" and "web:1"`, `"web:1" and "web:1"`, `"web:1" and "web:1"`}},
		{"syntax", []string{"127.0.0.1;8000"}, []string{`bind: address "127.0.0.1;8000": "127.0.0.1;8000" is not a host name (did you mean "127.0.0.1:8000"?)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, checkBinds(listenSpecs(&starcfg.Config{Bind: tc.binds}), "/srv/app", fakeLookup), tc.want)
		})
	}
}

// TestCheckBindsWithMetrics: metrics_bind is one more address a start
// listens on, which may not clash with a bind.
func TestCheckBindsWithMetrics(t *testing.T) {
	for _, tc := range []struct {
		name    string
		binds   []string
		metrics string
		want    []string
	}{
		{name: "metrics apart", binds: []string{"127.0.0.1:8000", "unix:a.sock"}, metrics: "127.0.0.1:9100"},
		{name: "metrics on a bind's port", binds: []string{":8000"}, metrics: "localhost:8000",
			want: []string{`metrics_bind: bind ":8000" and "localhost:8000" overlap (0.0.0.0:8000 takes port 8000`}},
		{name: "metrics on a bind's socket file", binds: []string{"unix:/srv/app/a.sock"}, metrics: "unix:a.sock",
			want: []string{`metrics_bind: bind "unix:/srv/app/a.sock" and "unix:a.sock" are the same socket file (/srv/app/a.sock)`}},
		{name: "metrics unresolvable", metrics: "nowhere:9100",
			want: []string{`metrics_bind: "nowhere:9100": cannot resolve "nowhere"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &starcfg.Config{Bind: tc.binds}
			cfg.MetricsBind = tc.metrics
			wantErrors(t, checkBinds(listenSpecs(cfg), "/srv/app", fakeLookup), tc.want)
		})
	}
}

// wantErrors checks errs against a part of each, in order.
func wantErrors(t *testing.T, errs []error, want []string) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("got %d errors %v, want %d", len(errs), errs, len(want))
	}
	for i, err := range errs {
		if !strings.Contains(err.Error(), want[i]) {
			t.Errorf("error %d: %q, want it to contain %q", i, err, want[i])
		}
	}
}

func TestStatsdWarning(t *testing.T) {
	for _, tc := range []struct{ host, want string }{
		{"", ""},
		{"web:8125", ""},
		{"10.0.0.9:8125", ""},
		{"unix:/run/statsd.sock", ""},
		{"nowhere:8125", `statsd_host: cannot resolve "nowhere": lookup nowhere: no such host; a start serves, and drops the metrics until the name resolves`},
	} {
		cfg := &starcfg.Config{}
		cfg.StatsdHost = tc.host
		if got := statsdWarning(cfg, fakeLookup); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.host, got, tc.want)
		}
	}
}

// A start checks its binds, then binds them: one question to the resolver
// per host, so both steps see the same address.
func TestStartResolvesEachHostOnce(t *testing.T) {
	asked := map[string]int{}
	lookup := rememberLookups(func(ctx context.Context, host string) ([]net.IP, error) {
		asked[host]++
		return fakeLookup(ctx, host)
	})
	cfg := &starcfg.Config{Bind: []string{"localhost:0", "web:8000", "nosuch:80"}, Backlog: 16}
	checkBinds(listenSpecs(cfg), t.TempDir(), lookup)
	s, err := bindTCP(starcfg.Address{Network: "tcp", Host: "localhost"}, 16, false, lookup)
	if err != nil {
		t.Fatal(err)
	}
	closeSockets([]*socket{s}, false)
	hostIP(lookup, "nosuch")
	if want := map[string]int{"localhost": 1, "web": 1, "nosuch": 1}; !maps.Equal(asked, want) {
		t.Errorf("the resolver was asked %v, want %v", asked, want)
	}
}
