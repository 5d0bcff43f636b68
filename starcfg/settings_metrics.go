package starcfg

import (
	"fmt"
	"slices"
	"strings"
)

// secMetrics is the section of statsd and the metrics listener.
const secMetrics = "Metrics"

// init shows the section after Logging, where gunicorn documents statsd.
func init() {
	at := slices.Index(sectionOrder, secLogging) + 1
	sectionOrder = slices.Insert(sectionOrder, at, secMetrics)
}

// metricsSettings are the table entries of statsd and of the master's
// metrics listener (docs/metrics.md lists every metric).
var metricsSettings = []*setting{
	{
		name: "statsd_host", flags: []string{"statsd-host"}, metavar: "STATSD_ADDR",
		typ: typeOptString, def: "", check: checkStatsdHost, section: secMetrics, reloadable: true,
		help: "Send gunicorn's statsd metrics here: HOST:PORT or [IPV6]:PORT over UDP (port 8125 " +
			"when left out), or unix:PATH (unix://PATH) for a unix datagram socket. Every worker " +
			"sends gunicorn.requests, gunicorn.request.duration and gunicorn.request.status.CODE " +
			"for each request, whether or not the access log is on; every process counts its " +
			"warning and error lines (gunicorn.log.*); the master sends gauges and counters of " +
			"the workers every second (docs/metrics.md). Metrics are buffered and sent at least " +
			"every second, several to a datagram, never slowing a request: a statsd that is " +
			"down, unreachable or whose name does not resolve costs a warning in the log (again " +
			"at most every ten minutes while it lasts), and a host name is resolved again every " +
			"30 seconds, so a statsd that moves is followed. A HUP applies a change. None sends " +
			"nothing.",
		field: func(c *Config) any { return &c.StatsdHost },
	},
	{
		name: "statsd_prefix", flags: []string{"statsd-prefix"}, metavar: "STATSD_PREFIX",
		typ: typeString, def: "", check: checkStatsdPrefix, section: secMetrics, reloadable: true,
		help: "A prefix for every statsd metric name, joined to it by one dot whatever dots it " +
			"ends with: \"svc\" and \"svc.\" both send svc.gunicorn.requests. (gunicorn leaves a " +
			"one-letter prefix without its dot; gocorn adds it.)",
		field: func(c *Config) any { return &c.StatsdPrefix },
	},
	{
		name: "dogstatsd_tags", flags: []string{"dogstatsd-tags"}, metavar: "DOGSTATSD_TAGS",
		typ: typeString, def: "", check: checkDogstatsdTags, section: secMetrics, reloadable: true,
		help: "DogStatsD tags for every statsd metric, as comma-separated key:value pairs " +
			"(env:prod,region:eu); they are appended verbatim as |#TAGS, as gunicorn does.",
		field: func(c *Config) any { return &c.DogstatsdTags },
	},
	{
		name: "enable_backlog_metric", flags: []string{"enable-backlog-metric"},
		typ: typeBool, def: false, section: secMetrics, reloadable: true,
		help: "Send gunicorn.backlog every second: how many connections wait in the accept " +
			"queues of the TCP sockets, which the master reads from the kernel (Linux). A queue " +
			"that grows means the workers cannot keep up. metrics_bind always shows it.",
		field: func(c *Config) any { return &c.EnableBacklogMetric },
	},
	{
		name: "metrics_bind", flags: []string{"metrics-bind"}, metavar: "ADDRESS",
		typ: typeOptString, def: "", check: checkMetricsBind, section: secMetrics, reloadable: true,
		help: "Serve Prometheus metrics (/metrics), liveness (/healthz) and readiness (/readyz) " +
			"from the master on this address: HOST:PORT, [IPV6]:PORT or unix:PATH, away from the " +
			"application's sockets, so that probes never wait behind requests. The counters sum " +
			"every worker's requests, the exited ones' included, without a multiprocess " +
			"directory. /readyz answers 503 while no worker serves and from TERM on (during " +
			"shutdown_delay too), so a load balancer stops sending traffic. Keep it on a private " +
			"address: it needs no authentication. A gocorn setting; a HUP applies a change " +
			"(an address that cannot be bound is logged and the old listener kept). See " +
			"docs/metrics.md.",
		field: func(c *Config) any { return &c.MetricsBind },
	},
}

// checkStatsdHost parses statsd_host, so a typo fails at load.
func checkStatsdHost(v any, _ *checkContext) (any, error) {
	if s := v.(string); s != "" {
		if _, err := ParseStatsdAddress(s); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// checkMetricsBind parses metrics_bind.
func checkMetricsBind(v any, _ *checkContext) (any, error) {
	if s := v.(string); s != "" {
		if _, err := ParseMetricsBind(s); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// checkStatsdPrefix refuses what would break a statsd line: the
// separators of its value (: and |) and line ends.
func checkStatsdPrefix(v any, _ *checkContext) (any, error) {
	return refuseChars(v, ":|#@ \t\r\n")
}

// checkDogstatsdTags refuses what would end a tag list early: | and
// line ends.
func checkDogstatsdTags(v any, _ *checkContext) (any, error) {
	return refuseChars(v, "| \t\r\n")
}

// refuseChars accepts the string v unless it holds one of chars.
func refuseChars(v any, chars string) (any, error) {
	s := v.(string)
	if i := strings.IndexAny(s, chars); i >= 0 {
		return nil, fmt.Errorf("%q may not contain %q: it would break the statsd line", s, s[i:i+1])
	}
	return v, nil
}
