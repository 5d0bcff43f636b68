package statsd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"
)

// Re-resolving a statsd host name: every resolveEvery while it resolves,
// so a statsd that moves (a new pod IP behind the same DNS name) is
// followed, and every retryEvery while it does not. A lookup is bounded
// by lookupWait.
const (
	resolveEvery = 30 * time.Second
	retryEvery   = 5 * time.Second
	lookupWait   = 5 * time.Second
)

// lookupFunc resolves a host name; tests replace net's.
type lookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// sender is the datagram socket under the library's buffered sender: the
// cactus Sender it flushes whole buffers to, from one goroutine.
//
// It never blocks that goroutine, whatever statsd does: a write that would
// block (a unix datagram receiver that stopped reading) is dropped
// instead of waited for, since a blocked flush would at length block the
// requests that add metrics. It never resolves a name either: a
// goroutine of its own does (resolve), and sends go to the last address
// found; until one is, datagrams are dropped.
type sender struct {
	network string                 // "udp" or "unixgram"
	target  atomic.Pointer[string] // the address to send to; nil until resolved
	trouble *trouble
	done    chan struct{} // closed by Close: stops resolve

	// Used by the flushing goroutine alone.
	conn net.Conn
	raw  syscall.RawConn
	to   string // what conn is connected to
}

func newSender(network string, t *trouble) *sender {
	return &sender{network: network, trouble: t, done: make(chan struct{})}
}

// Send writes one datagram. Its error is nil: failures are the trouble's
// to tell, and the buffered sender would drop the error anyway.
func (s *sender) Send(data []byte) (int, error) {
	to := s.target.Load()
	if to == nil {
		s.trouble.lose()
		return 0, nil
	}
	if err := s.connect(*to); err != nil {
		s.trouble.fail(err)
		return 0, nil
	}
	if err := s.write(data); err != nil {
		s.closeConn() // dial again next time: a unix socket may have been re-created
		s.trouble.fail(err)
		return 0, nil
	}
	return len(data), nil
}

// connect makes conn a socket connected to to, unless it is one. A
// connected socket hears of a UDP receiver that is not there (ICMP port
// unreachable comes back as an error), which the trouble then reports.
func (s *sender) connect(to string) error {
	if s.conn != nil && s.to == to {
		return nil
	}
	s.closeConn()
	c, err := net.Dial(s.network, to) // an address, never a name: no lookup
	if err != nil {
		return err
	}
	raw, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		c.Close()
		return err
	}
	s.conn, s.raw, s.to = c, raw, to
	return nil
}

// write sends data without waiting: the socket is non-blocking, and a
// full send buffer is an error (EAGAIN), not a wait.
func (s *sender) write(data []byte) error {
	var werr error
	err := s.raw.Write(func(fd uintptr) bool {
		_, werr = syscall.Write(int(fd), data)
		return true // done, whatever happened: never wait for the socket
	})
	if errors.Is(werr, syscall.EAGAIN) {
		return errors.New("its socket is full (statsd reads too slowly)")
	}
	return errors.Join(err, werr)
}

func (s *sender) closeConn() {
	if s.conn != nil {
		s.conn.Close()
		s.conn, s.raw, s.to = nil, nil, ""
	}
}

// Close stops resolving and closes the socket. The buffered sender calls
// it once it has flushed.
func (s *sender) Close() error {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.closeConn()
	return nil
}

// sendTo fixes the address: an IP address or a unix socket path.
func (s *sender) sendTo(addr string) { s.target.Store(&addr) }

// resolve looks host up until Close, and sends to the first address
// found, at port. A lookup that fails keeps the previous address.
func (s *sender) resolve(host, port string, lookup lookupFunc, every, retry time.Duration) {
	for {
		wait := every
		if err := s.lookupOnce(host, port, lookup); err != nil {
			s.trouble.fail(err)
			wait = retry
		}
		select {
		case <-s.done:
			return
		case <-time.After(wait):
		}
	}
}

func (s *sender) lookupOnce(host, port string, lookup lookupFunc) error {
	ctx, cancel := context.WithTimeout(context.Background(), lookupWait)
	defer cancel()
	ips, err := lookup(ctx, host)
	if err == nil && len(ips) == 0 {
		err = errors.New("no address")
	}
	if err != nil {
		return fmt.Errorf("resolving %s: %w", host, err)
	}
	s.sendTo(net.JoinHostPort(ips[0].Unmap().String(), port))
	return nil
}

// netLookup is the system resolver.
func netLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}
