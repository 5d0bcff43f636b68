package starcfg

import (
	"fmt"
	"regexp"
	"strings"
)

// MetricsConfig holds the settings of statsd and of the master's metrics
// listener; it is embedded in Config.
type MetricsConfig struct {
	StatsdHost          string `json:"statsd_host"`   // "" is None: statsd off
	StatsdPrefix        string `json:"statsd_prefix"` // as given; instrument/statsd adds the dot
	DogstatsdTags       string `json:"dogstatsd_tags"`
	EnableBacklogMetric bool   `json:"enable_backlog_metric"`
	MetricsBind         string `json:"metrics_bind"` // "" is None: no listener
}

// defaultStatsdPort is statsd's port, gunicorn's default for statsd_host.
const defaultStatsdPort = 8125

// legacyUnixPort is gunicorn's reading of "unix:8125": the UDP host named
// unix, kept from before unix:PATH meant a socket.
var legacyUnixPort = regexp.MustCompile(`^unix:(\d+)$`)

// ParseStatsdAddress reads statsd_host as gunicorn does: HOST, HOST:PORT
// or [V6]:PORT for UDP, the port 8125 when missing (Network "udp"), or
// unix:PATH and unix://PATH for a unix datagram socket (Network "unix").
// As in gunicorn, "unix:" followed by digits alone is a port of the UDP
// host named unix.
func ParseStatsdAddress(s string) (Address, error) {
	s = strings.TrimSpace(s)
	if legacyUnixPort.MatchString(s) {
		s = "udp://" + s // HOST:PORT, as in gunicorn
	}
	if rest, ok := strings.CutPrefix(s, "udp://"); ok {
		host, port, err := splitHostPort(rest, defaultStatsdPort)
		if err != nil {
			return Address{}, fmt.Errorf("address %q: %v", s, err)
		}
		return Address{Network: "udp", Host: strings.ToLower(host), Port: port}, nil
	}
	a, err := parseAddress(s, defaultStatsdPort)
	switch {
	case err != nil:
		return Address{}, fmt.Errorf("address %q: %v", s, err)
	case a.Network == "tcp":
		a.Network = "udp"
	case a.Network != "unix":
		return Address{}, fmt.Errorf("address %q: want HOST:PORT, [IPV6]:PORT or unix:PATH", s)
	}
	return a, nil
}

// ParseMetricsBind reads metrics_bind: HOST:PORT, [V6]:PORT (the port is
// required: no default could be right) or unix:PATH.
func ParseMetricsBind(s string) (Address, error) {
	a, err := parseAddress(strings.TrimSpace(s), 0)
	if err == nil && a.Network == "fd" {
		err = fmt.Errorf("an inherited socket cannot be the metrics listener")
	}
	if err != nil {
		return Address{}, fmt.Errorf("address %q: %v", s, err)
	}
	return a, nil
}
