// Package statsd sends gunicorn's statsd metrics, byte for byte, through
// github.com/cactus/go-statsd-client/v5's buffered sender.
//
// Lines are gunicorn's (see wire.go) and are written into pooled buffers;
// the library's BufferedSender packs them into datagrams of up to
// FlushBytes and sends them from its own goroutine at least every
// FlushInterval, so a request's metrics cost a mutex and a copy, never a
// system call. Under it a sender of ours writes each datagram to a
// connected UDP or unix datagram socket without ever waiting, follows a
// host name as DNS moves it, and tells the log about a statsd that is
// down or absent once, not once per datagram: metrics never slow or
// break serving.
package statsd

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	cactus "github.com/cactus/go-statsd-client/v5/statsd"
)

// The buffered sender's limits: a datagram goes out when it is full
// (FlushBytes fits an Ethernet MTU with IP and UDP headers, the library's
// default) or FlushInterval after its first line. The master sends its
// gauges every FlushInterval too.
const (
	FlushInterval = time.Second
	FlushBytes    = 1432
)

// Config says where metrics go and how they are named.
type Config struct {
	// Network is "udp" or "unixgram"; Address is HOST:PORT for udp (a
	// host name is resolved now and again) or a socket path.
	Network, Address string

	Prefix string // statsd_prefix, as set: see Prefix
	Tags   string // dogstatsd_tags, verbatim: see TagSuffix

	// Log is told when metrics cannot be sent. Do not give it a logger
	// that counts its lines into this client (CountLogs): a statsd that
	// fails would then be told of its own failure.
	Log *slog.Logger
}

// Client sends metrics. Its methods are safe for concurrent use, and a
// nil *Client sends nothing, so callers need not ask whether statsd is on.
type Client struct {
	format
	buffered cactus.Sender
	sender   *sender
	bufs     sync.Pool
	close    sync.Once
}

// New starts a client for cfg. It does not wait for a name to resolve or
// for statsd to answer: it fails only for a network it does not know or
// an address it cannot read.
func New(cfg Config) (*Client, error) {
	return newClient(cfg, timing{lookup: netLookup, resolve: resolveEvery, retry: retryEvery, flush: FlushInterval})
}

// timing is how often a client flushes and looks its host up, and with
// what; tests shorten it.
type timing struct {
	lookup                lookupFunc
	resolve, retry, flush time.Duration
}

func newClient(cfg Config, tm timing) (*Client, error) {
	where := fmt.Sprintf("statsd at %s %s", cfg.Network, cfg.Address)
	s := newSender(cfg.Network, newTrouble(cfg.Log, where))
	switch cfg.Network {
	case "unixgram":
		s.sendTo(cfg.Address)
	case "udp":
		host, port, err := net.SplitHostPort(cfg.Address)
		if err != nil {
			return nil, fmt.Errorf("statsd address %q: %w", cfg.Address, err)
		}
		if ip, err := netip.ParseAddr(host); err == nil {
			s.sendTo(net.JoinHostPort(ip.String(), port))
		} else {
			go s.resolve(host, port, tm.lookup, tm.resolve, tm.retry)
		}
	default:
		return nil, fmt.Errorf("statsd network %q: want udp or unixgram", cfg.Network)
	}
	buffered, err := cactus.NewBufferedSenderWithSender(s, tm.flush, FlushBytes)
	if err != nil {
		s.Close()
		return nil, err
	}
	c := &Client{format: format{prefix: Prefix(cfg.Prefix), tags: TagSuffix(cfg.Tags)}, buffered: buffered, sender: s}
	c.bufs.New = func() any { b := make([]byte, 0, 256); return &b }
	return c, nil
}

// Request sends gunicorn's three metrics of one response: the requests
// counter, the duration timer and the counter of its status code, in one
// hand-over to the buffer.
func (c *Client) Request(status int, d time.Duration) {
	if c == nil {
		return
	}
	c.send(func(b []byte) []byte {
		b = c.count(b, "gunicorn.requests", 1)
		b = c.timer(append(b, '\n'), "gunicorn.request.duration", d)
		return c.status(append(b, '\n'), status)
	})
}

// Count adds n to the counter name (its full name, "gunicorn.log.error").
func (c *Client) Count(name string, n int64) {
	if c != nil {
		c.send(func(b []byte) []byte { return c.count(b, name, n) })
	}
}

// Gauge sets the gauge name to v.
func (c *Client) Gauge(name string, v int64) {
	if c != nil {
		c.send(func(b []byte) []byte { return c.gauge(b, name, v) })
	}
}

// Histogram adds v to the distribution name.
func (c *Client) Histogram(name string, v int64) {
	if c != nil {
		c.send(func(b []byte) []byte { return c.histogram(b, name, v) })
	}
}

// send hands the lines write appends to the buffered sender, which
// copies them.
func (c *Client) send(write func([]byte) []byte) {
	bp := c.bufs.Get().(*[]byte)
	b := write((*bp)[:0])
	c.buffered.Send(b) // fails only once closed: the metric is dropped
	*bp = b
	c.bufs.Put(bp)
}

// Close sends what is buffered and stops the client. Sends after Close
// are dropped.
func (c *Client) Close() error {
	if c == nil {
		return nil
	}
	var err error
	c.close.Do(func() { err = errors.Join(c.buffered.Close(), c.sender.Close()) })
	return err
}
