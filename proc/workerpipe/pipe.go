// Package workerpipe is the conversation between the master and one worker.
//
// Each worker inherits one end of a Unix stream socket pair as file
// descriptor 3. The master speaks first with a Boot message that carries the
// configuration generation the worker must run; from then on the worker
// reports: Ready once it accepts connections, Beat periodically with what it
// is doing, and Retire when it wants to be replaced (max_requests). Messages
// are JSON, one per line, so the pipe can be read with a plain decoder and
// debugged with strace.
package workerpipe

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gocorn/gocorn/instrument/metrics"
	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/starcfg"
)

// FD is the file descriptor number of the pipe in a worker process.
const FD = 3

// FirstListenerFD is where the inherited listening sockets start, in the
// order of Boot.Listeners.
const FirstListenerFD = 4

// Protocol is the version of the conversation this binary speaks. Change
// it whenever a message changes in a way the other side could misread.
// Version 1 was the pipe before it had a version (Boot without one). It
// is a variable only so that a test can build a binary speaking another
// (go build -ldflags "-X github.com/gocorn/gocorn/proc/workerpipe.Protocol=3").
var Protocol = "2"

// EnvVar marks a process as a gocorn worker; its value is the pipe's FD.
// A process started without it is a master.
const EnvVar = "GOCORN_WORKER_PIPE"

// Kind says what a Message means.
type Kind string

// The kinds of message. Boot, Stop and TicketKeys go master to worker; the
// rest worker to master.
const (
	KindBoot       Kind = "boot"
	KindStop       Kind = "stop"
	KindTicketKeys Kind = "ticket_keys" // new TLS session ticket keys, in TicketKeys
	KindReady      Kind = "ready"
	KindBeat       Kind = "beat"
	KindRetire     Kind = "retire"
	KindStuck      Kind = "stuck"  // handlers run request_timeout past their deadline; Stuck says which
	KindFailed     Kind = "failed" // the worker could not boot; Reason says why
)

// Message is one line on the pipe. Only the fields of its Kind are set.
type Message struct {
	Kind   Kind   `json:"kind"`
	Boot   *Boot  `json:"boot,omitempty"`
	Beat   *Beat  `json:"beat,omitempty"`
	Reason string `json:"reason,omitempty"` // why a worker retires

	// Stuck, with Stuck, are the requests whose handlers still run
	// request_timeout past their deadline, oldest first.
	Stuck []server.Request `json:"stuck,omitempty"`

	// EmptyQueue, with Stop, asks the worker to accept and serve what is
	// still queued on the sockets before it closes them: the master is
	// stopping and no other process will.
	EmptyQueue bool `json:"empty_queue,omitempty"`

	// TicketKeys, with TicketKeys, replace the worker's TLS session
	// ticket keys (server.TLSSecrets).
	TicketKeys [][32]byte `json:"ticket_keys,omitempty"`

	// Version, with Ready, is the gocorn version of the worker's binary:
	// after a deploy it differs from the master's.
	Version string `json:"version,omitempty"`

	// Protocol, with Ready and Failed, is the pipe version the worker
	// speaks.
	Protocol string `json:"protocol,omitempty"`
}

// Boot is everything a worker needs to serve, decided by the master.
type Boot struct {
	// Protocol is the pipe version the master speaks; "" from a master of
	// version 1.
	Protocol string `json:"protocol"`

	ID          int              `json:"id"`           // the worker's age: 1 for the first worker spawned, and so on
	Config      *starcfg.Config  `json:"config"`       // resolved settings; workers never re-read flags
	Sources     []starcfg.Source `json:"sources"`      // the exact config bytes the master evaluated
	Listeners   []string         `json:"listeners"`    // names of the inherited sockets, from FirstListenerFD on
	MaxRequests int              `json:"max_requests"` // max_requests plus this worker's jitter; 0 = no limit

	// TLS is what certfile, keyfile and ca_certs hold, read by the master,
	// and the shared session ticket keys; nil without TLS.
	TLS *server.TLSSecrets `json:"tls,omitempty"`
}

// CheckProtocol says, as a sentence for the master's log, why this
// binary cannot work with the other side of the pipe, the "master" or the
// "worker", which speaks other (from Boot or Ready; "" is version 1). It
// is nil when both speak the same.
func CheckProtocol(other, side string) error {
	if other == Protocol {
		return nil
	}
	if other == "" {
		other = "1"
	}
	if side == "master" {
		return fmt.Errorf("its binary speaks worker pipe protocol %s and the master %s, so they cannot work together: "+
			"run the new binary as the master (USR2, or a restart)", Protocol, other)
	}
	return fmt.Errorf("its binary speaks worker pipe protocol %s and the master %s, so they cannot work together: "+
		"start the master from the workers' binary (USR2, or a restart), or put back the master's", other, Protocol)
}

// Beat is a worker's periodic report.
type Beat struct {
	InFlight int    `json:"in_flight"` // requests being served now
	Requests uint64 `json:"requests"`  // requests started since boot

	// Handlers is how many handlers the worker runs at once, Running how
	// many run now, and AllBusyFor how long all of them have been held by
	// the same requests (server.Stats): what the master's timeout rule
	// reads.
	Handlers   int           `json:"handlers"`
	Running    int           `json:"running"`
	AllBusyFor time.Duration `json:"all_busy_for"`

	// DeadlinesHit counts the requests that reached request_timeout
	// since the worker booted.
	DeadlinesHit uint64 `json:"deadlines_hit,omitempty"`

	// Longest are the oldest running handlers, oldest first, so the
	// master can say what a hung worker was doing.
	Longest []server.Request `json:"longest,omitempty"`

	// Served counts the worker's responses since it booted, by status
	// code and duration, which the master sums for /metrics. It was
	// added to protocol 2 without a new version, as it only adds: a
	// master that does not know it ignores it, and a worker that does
	// not send it leaves it nil, which the master reads as nothing
	// served.
	Served *metrics.Requests `json:"served,omitempty"`
}

// Conn sends and receives Messages. Send is safe for concurrent use;
// Receive must be called from one goroutine.
type Conn struct {
	mu  sync.Mutex
	enc *json.Encoder
	dec *json.Decoder
	rw  io.ReadWriteCloser
}

// NewConn wraps one end of the pipe.
func NewConn(rw io.ReadWriteCloser) *Conn {
	return &Conn{enc: json.NewEncoder(rw), dec: json.NewDecoder(rw), rw: rw}
}

// Send writes one message.
func (c *Conn) Send(m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enc.Encode(m); err != nil {
		return fmt.Errorf("worker pipe: send %s: %w", m.Kind, err)
	}
	return nil
}

// Receive reads the next message. It returns io.EOF when the other side
// has closed the pipe (the process exited).
func (c *Conn) Receive() (Message, error) {
	var m Message
	err := c.dec.Decode(&m)
	return m, err
}

// Close closes the pipe.
func (c *Conn) Close() error { return c.rw.Close() }
