package proc

import (
	"fmt"
	"time"

	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/server"
)

// TLS session tickets let a client resume its session without a full
// handshake. The master makes the keys that encrypt them, so that every
// worker shares them and a client resumes on whichever worker takes its
// next connection (each worker making its own, as crypto/tls does by
// default, would make most resumptions fail). As crypto/tls does for a
// single server, a new key comes every day and a key opens tickets for a
// week: a stolen key exposes a bounded stretch of sessions.
const (
	ticketKeyLifetime = 24 * time.Hour // how long a key makes new tickets
	ticketKeysKept    = 7              // the keys that still open tickets, newest first
)

// tlsState is what workers spawned now get of TLS: the certificate and
// the session ticket keys, whose newest was made at keyMade. Boot
// messages on their way share secrets, so it is replaced, never changed.
type tlsState struct {
	secrets *server.TLSSecrets // nil without TLS
	keyMade time.Time
}

// setTLS makes secrets the TLS material of the workers spawned from now
// on, with the ticket keys in use (a HUP keeps them); the first call makes
// the first key.
func (m *master) setTLS(secrets *server.TLSSecrets) {
	if secrets != nil {
		if m.tls.secrets != nil {
			secrets.TicketKeys = m.tls.secrets.TicketKeys
		} else {
			secrets.TicketKeys, m.tls.keyMade = rotateTicketKeys(nil), m.sys.Now()
		}
	}
	m.tls.secrets = secrets
}

// rotateTicketKeys puts a new key in front of keys and drops the oldest
// beyond ticketKeysKept. It returns a new slice: workers may still hold
// the old one.
func rotateTicketKeys(keys [][32]byte) [][32]byte {
	return append([][32]byte{server.NewTicketKey()}, keys[:min(len(keys), ticketKeysKept-1)]...)
}

// checkTicketKeys rotates the ticket keys once the newest is
// ticketKeyLifetime old, and hands them to every worker.
func (m *master) checkTicketKeys() {
	if m.tls.secrets == nil || m.sys.Now().Sub(m.tls.keyMade) < ticketKeyLifetime {
		return
	}
	next := *m.tls.secrets // a copy: boot messages on their way hold the old one
	next.TicketKeys, m.tls.keyMade = rotateTicketKeys(next.TicketKeys), m.sys.Now()
	m.tls.secrets = &next
	msg := workerpipe.Message{Kind: workerpipe.KindTicketKeys, TicketKeys: next.TicketKeys}
	for _, w := range m.fleet.workersIn() {
		if err := w.pipe.Send(msg); err != nil {
			m.log.Warn(fmt.Sprintf("Worker (pid:%d) did not take the new TLS session ticket key: %v", w.pid, err))
		}
	}
	m.log.Info(fmt.Sprintf("Rotated the TLS session ticket keys (%d kept)", len(next.TicketKeys)))
}
