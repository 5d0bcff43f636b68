package statsd

import "sync/atomic"

// Sink is where a process's metrics go now: a Client that a reload can
// replace while requests and log lines keep sending. Its zero value sends
// nothing; a nil *Sink too.
//
// The client is replaced whole rather than changed, since the library's
// clients are not safe to reconfigure while in use.
type Sink struct {
	c atomic.Pointer[Client]
}

// Client is the client in use; nil when statsd is off.
func (s *Sink) Client() *Client {
	if s == nil {
		return nil
	}
	return s.c.Load()
}

// Replace puts c in use (nil turns statsd off) and closes the client it
// replaces, which sends what it had buffered.
func (s *Sink) Replace(c *Client) {
	if old := s.c.Swap(c); old != nil {
		old.Close()
	}
}
