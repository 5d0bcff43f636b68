package proc

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/gocorn/gocorn/instrument/statsd"
	"github.com/gocorn/gocorn/starcfg"
)

// statsdConfig is where cfg sends statsd metrics and how it names them;
// ok is false when statsd_host is None. log hears of a statsd that cannot
// be reached: a logger that does not count its lines into statsd.
func statsdConfig(cfg *starcfg.Config, log *slog.Logger) (c statsd.Config, ok bool, err error) {
	if cfg.StatsdHost == "" {
		return statsd.Config{}, false, nil
	}
	a, err := starcfg.ParseStatsdAddress(cfg.StatsdHost)
	if err != nil {
		return statsd.Config{}, false, fmt.Errorf("statsd_host: %w", err)
	}
	c = statsd.Config{Network: "unixgram", Address: a.Path, Prefix: cfg.StatsdPrefix, Tags: cfg.DogstatsdTags, Log: log}
	if a.Network == "udp" {
		c.Network, c.Address = "udp", net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
	}
	return c, true, nil
}

// newStatsd starts the statsd client cfg asks for; nil when statsd is off
// or cannot start, which is logged: metrics never stop a process.
func newStatsd(cfg *starcfg.Config, log *slog.Logger) *statsd.Client {
	sc, ok, err := statsdConfig(cfg, log)
	if ok {
		var c *statsd.Client
		if c, err = statsd.New(sc); err == nil {
			return c
		}
	}
	if err != nil {
		log.Error("Metrics will not be sent: " + err.Error())
	}
	return nil
}

// countingLog is a process's logger: log's, with its warnings and errors
// counted into the sink's statsd (gunicorn.log.*).
func countingLog(log *slog.Logger, sink *statsd.Sink) *slog.Logger {
	return slog.New(statsd.CountLogs(log.Handler(), sink))
}
