// Package syslogsink sends gocorn's log lines to a syslog daemon, as
// gunicorn's syslog settings do, without ever holding up the caller.
//
// A Sink owns one connection, made with the standard library's log/syslog
// (which dials udp, tcp, unixgram and unix sockets and writes RFC 3164
// style messages: "<PRI>TIMESTAMP HOST TAG[PID]: MESSAGE" over the
// network, "<PRI>TIMESTAMP TAG[PID]: MESSAGE" to a local socket). Send
// queues a message and returns; one goroutine writes the queue. When the
// queue is full, because the daemon is down, slow or unreachable, new
// messages are dropped and counted, and the count is reported on stderr
// at most once a minute. A daemon that is not there yet is dialled again
// at most once a second, so it starts receiving when it comes up.
//
// Over a stream (tcp, unix stream) a newline ends a message, so a
// message's own newlines (a goroutine dump) are sent as "#012", as
// rsyslog shows a datagram's; a datagram keeps them. Messages are cut at
// MaxMessage bytes.
package syslogsink

import (
	"fmt"
	"log/slog"
	"log/syslog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gocorn/gocorn/instrument/errlog"
)

// MaxMessage bounds a message's text, in bytes: rsyslog's default
// maximum is 8 KiB, and a larger datagram would be lost whole.
const MaxMessage = 8000

// queueLen is how many messages wait for the daemon before new ones are
// dropped.
const queueLen = 1024

// Sink sends messages to one syslog address under one facility and tag.
// It is safe for concurrent use.
type Sink struct {
	addr     Addr
	facility syslog.Priority
	tag      string
	retry    time.Duration // between dials of a daemon that is not there
	warn     func(string)  // reports drops; stderr by default

	queue chan message
	stop  chan struct{} // closed by Close
	done  chan struct{} // closed when run has sent what it could
	once  sync.Once

	mu      sync.Mutex
	dropped int // since the last report
	said    time.Time
}

type message struct {
	severity syslog.Priority
	text     string
}

// New starts a Sink that sends to addr with facility and tag (gunicorn's
// program name, such as "gocorn.web.error"). It does not dial until the
// first message, so a daemon that is down never stops a start.
func New(addr Addr, facility syslog.Priority, tag string) *Sink {
	s := &Sink{
		addr: addr, facility: facility, tag: tag, retry: time.Second,
		warn:  func(m string) { fmt.Fprintln(os.Stderr, m) },
		queue: make(chan message, queueLen), stop: make(chan struct{}), done: make(chan struct{}),
	}
	go s.run()
	return s
}

// Severity maps an error log level to a syslog severity, as Python's
// SysLogHandler maps gunicorn's levels.
func Severity(l slog.Level) syslog.Priority {
	switch {
	case l < slog.LevelInfo:
		return syslog.LOG_DEBUG
	case l < slog.LevelWarn:
		return syslog.LOG_INFO
	case l < slog.LevelError:
		return syslog.LOG_WARNING
	case l < errlog.LevelCritical:
		return syslog.LOG_ERR
	}
	return syslog.LOG_CRIT
}

// Send queues text with severity, or drops it if the queue is full. It
// never blocks.
func (s *Sink) Send(severity syslog.Priority, text string) {
	select {
	case s.queue <- message{severity, text}:
	default:
		s.drop(1, "the queue is full")
	}
}

// WriteLevel sends an error log record (see errlog.NewBodyHandler).
func (s *Sink) WriteLevel(l slog.Level, msg []byte) error {
	s.Send(Severity(l), string(msg))
	return nil
}

// Writer is an io.Writer that sends each Write, a log line, with
// severity; a final newline is dropped. It never fails.
func (s *Sink) Writer(severity syslog.Priority) *LineWriter {
	return &LineWriter{s, severity}
}

// LineWriter is Sink.Writer's writer.
type LineWriter struct {
	s        *Sink
	severity syslog.Priority
}

func (w *LineWriter) Write(p []byte) (int, error) {
	w.s.Send(w.severity, strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// Close sends what is queued, waiting at most wait, and stops the Sink;
// later messages are dropped.
func (s *Sink) Close(wait time.Duration) {
	s.once.Do(func() { close(s.stop) })
	select {
	case <-s.done:
	case <-time.After(wait):
	}
}

// run writes the queue until Close, then what is left in it.
func (s *Sink) run() {
	defer close(s.done)
	var c conn
	defer c.close()
	for {
		select {
		case m := <-s.queue:
			s.write(&c, m)
		case <-s.stop:
			for {
				select {
				case m := <-s.queue:
					s.write(&c, m)
				default:
					return
				}
			}
		}
	}
}

func (s *Sink) write(c *conn, m message) {
	if err := c.write(s, m); err != nil {
		s.drop(1, err.Error())
	}
}

// drop counts n lost messages and reports them at most once a minute.
func (s *Sink) drop(n int, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropped += n
	if time.Since(s.said) < time.Minute {
		return
	}
	s.warn(fmt.Sprintf("gocorn: [pid %d] syslog %s: %d messages dropped: %s", os.Getpid(), s.addr, s.dropped, why))
	s.said, s.dropped = time.Now(), 0
}

// conn is the run goroutine's connection to the daemon.
type conn struct {
	w       *syslog.Writer
	stream  bool
	dialed  time.Time // the last dial that failed
	dialErr error
}

// write sends m, dialling first if needed (at most once per retry).
func (c *conn) write(s *Sink, m message) error {
	if c.w == nil {
		if !c.dialed.IsZero() && time.Since(c.dialed) < s.retry {
			return c.dialErr
		}
		if err := c.dial(s); err != nil {
			c.dialed, c.dialErr = time.Now(), err
			return err
		}
	}
	if err := c.send(m); err != nil {
		c.close() // log/syslog dialled again once already
		c.dialed, c.dialErr = time.Now(), err
		return err
	}
	return nil
}

// dial connects to the first of the address's networks that answers.
func (c *conn) dial(s *Sink) error {
	var err error
	for _, network := range s.addr.Networks {
		var w *syslog.Writer
		if w, err = syslog.Dial(network, s.addr.Address, s.facility|syslog.LOG_INFO, s.tag); err == nil {
			c.w, c.stream = w, s.addr.stream(network)
			return nil
		}
	}
	return err
}

// send writes one message with its severity.
func (c *conn) send(m message) error {
	text := cut(m.text, MaxMessage)
	if c.stream {
		text = strings.ReplaceAll(text, "\n", "#012")
	}
	return bySeverity[m.severity&7](c.w, text)
}

// bySeverity are log/syslog's methods by severity: a Writer takes a
// severity per message only through them.
var bySeverity = [...]func(*syslog.Writer, string) error{
	syslog.LOG_EMERG: (*syslog.Writer).Emerg, syslog.LOG_ALERT: (*syslog.Writer).Alert,
	syslog.LOG_CRIT: (*syslog.Writer).Crit, syslog.LOG_ERR: (*syslog.Writer).Err,
	syslog.LOG_WARNING: (*syslog.Writer).Warning, syslog.LOG_NOTICE: (*syslog.Writer).Notice,
	syslog.LOG_INFO: (*syslog.Writer).Info, syslog.LOG_DEBUG: (*syslog.Writer).Debug,
}

func (c *conn) close() {
	if c.w != nil {
		c.w.Close()
		c.w = nil
	}
}

// cut shortens s to at most n bytes, at the start of a UTF-8 character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}
