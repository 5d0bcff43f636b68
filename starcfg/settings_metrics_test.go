package starcfg

import (
	"reflect"
	"strings"
	"testing"
)

// statsd_host reads as gunicorn reads it, legacy unix:PORT included;
// metrics_bind needs a port, as no default could be right.
func TestParseMetricsAddresses(t *testing.T) {
	statsd, bind := ParseStatsdAddress, ParseMetricsBind
	tests := []struct {
		parse   func(string) (Address, error)
		in      string
		want    Address
		wantErr string
	}{
		{statsd, "localhost", Address{Network: "udp", Host: "localhost", Port: 8125}, ""},
		{statsd, "Stats.Example:9125", Address{Network: "udp", Host: "stats.example", Port: 9125}, ""},
		{statsd, "10.0.0.1:8125", Address{Network: "udp", Host: "10.0.0.1", Port: 8125}, ""},
		{statsd, "[::1]:8126", Address{Network: "udp", Host: "::1", Port: 8126}, ""},
		{statsd, "[::1]", Address{Network: "udp", Host: "::1", Port: 8125}, ""},
		{statsd, ":8125", Address{Network: "udp", Host: "0.0.0.0", Port: 8125}, ""},
		{statsd, "udp://localhost", Address{Network: "udp", Host: "localhost", Port: 8125}, ""},
		{statsd, "unix:/run/statsd.sock", Address{Network: "unix", Path: "/run/statsd.sock"}, ""},
		{statsd, "unix:///run/statsd.sock", Address{Network: "unix", Path: "/run/statsd.sock"}, ""},
		{statsd, "unix:8125", Address{Network: "udp", Host: "unix", Port: 8125}, ""}, // gunicorn's legacy reading
		{statsd, "unix:", Address{}, "no socket path"},
		{statsd, "fd://3", Address{}, "want HOST:PORT"},
		{statsd, "::1:8125", Address{}, "needs brackets"},
		{statsd, "host:99999", Address{}, "not a port number"},
		{bind, "127.0.0.1:9100", Address{Network: "tcp", Host: "127.0.0.1", Port: 9100}, ""},
		{bind, "127.0.0.1:0", Address{Network: "tcp", Host: "127.0.0.1", Port: 0}, ""},
		{bind, "[::1]:9100", Address{Network: "tcp", Host: "::1", Port: 9100}, ""},
		{bind, "unix:/run/gocorn-metrics.sock", Address{Network: "unix", Path: "/run/gocorn-metrics.sock"}, ""},
		{bind, "localhost", Address{}, "no port: give one, as in localhost:9100"},
		{bind, "[::1]", Address{}, "no port"},
		{bind, "fd://3", Address{}, "inherited socket"},
	}
	for _, tt := range tests {
		got, err := tt.parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want one saying %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

// The metrics settings from the file and the command line, and the
// values that would break a statsd line.
func TestMetricsSettings(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"gocorn.conf.star": "statsd_host = 'localhost:9125'\nstatsd_prefix = 'svc.'\n" +
			"dogstatsd_tags = 'env:dev'\nenable_backlog_metric = True\nmetrics_bind = '127.0.0.1:9100'\n",
		"badhost.star":   "statsd_host = 'fd://3'\n",
		"badprefix.star": "statsd_prefix = 'a:b'\n",
		"badtags.star":   "dogstatsd_tags = 'env:dev|x'\n",
		"badbind.star":   "metrics_bind = 'localhost'\n",
	})
	r, err := resolveIn(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := MetricsConfig{StatsdHost: "localhost:9125", StatsdPrefix: "svc.", DogstatsdTags: "env:dev",
		EnableBacklogMetric: true, MetricsBind: "127.0.0.1:9100"}
	if !reflect.DeepEqual(r.Config.MetricsConfig, want) {
		t.Errorf("file: %+v, want %+v", r.Config.MetricsConfig, want)
	}
	r, err = resolveIn(t, dir, nil, "--statsd-host", "unix:/run/s.sock", "--statsd-prefix", "app",
		"--dogstatsd-tags", "a:b,c:d", "--metrics-bind", "unix:/run/m.sock")
	if err != nil {
		t.Fatal(err)
	}
	want = MetricsConfig{StatsdHost: "unix:/run/s.sock", StatsdPrefix: "app", DogstatsdTags: "a:b,c:d",
		EnableBacklogMetric: true, MetricsBind: "unix:/run/m.sock"}
	if !reflect.DeepEqual(r.Config.MetricsConfig, want) {
		t.Errorf("flags: %+v, want %+v", r.Config.MetricsConfig, want)
	}
	errs := map[string]string{
		"badhost.star":   `badhost.star:1: statsd_host: address "fd://3": want HOST:PORT, [IPV6]:PORT or unix:PATH`,
		"badprefix.star": `badprefix.star:1: statsd_prefix: "a:b" may not contain ":": it would break the statsd line`,
		"badtags.star":   `badtags.star:1: dogstatsd_tags: "env:dev|x" may not contain "|": it would break the statsd line`,
		"badbind.star":   `badbind.star:1: metrics_bind: address "localhost": no port: give one, as in localhost:9100`,
	}
	for file, want := range errs {
		if _, err := resolveIn(t, dir, nil, "-c", file); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %s", file, err, want)
		}
	}
}
