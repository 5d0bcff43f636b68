package statsd

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// quietFor is how long trouble keeps quiet after saying that metrics are
// being lost: a statsd that is down for an hour costs six log lines, not
// one per datagram.
const quietFor = 10 * time.Minute

// trouble says in the log that metrics cannot reach statsd: at the first
// failure, then at most once per quietFor while failures go on, with how
// many datagrams were lost meanwhile. It is safe for concurrent use.
type trouble struct {
	log   *slog.Logger
	where string           // "statsd at udp 127.0.0.1:8125", for the message
	now   func() time.Time // tests move the clock

	mu   sync.Mutex
	said time.Time // when it last logged; zero: never
	lost int       // datagrams lost since then
}

func newTrouble(log *slog.Logger, where string) *trouble {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &trouble{log: log, where: where, now: time.Now}
}

// lose counts a datagram dropped for a reason already told.
func (t *trouble) lose() {
	t.mu.Lock()
	t.lost++
	t.mu.Unlock()
}

// fail reports err, which lost a datagram (or will lose the coming ones,
// for an address that does not resolve).
func (t *trouble) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lost++
	now := t.now()
	if !t.said.IsZero() && now.Sub(t.said) < quietFor {
		return
	}
	msg := fmt.Sprintf("Metrics cannot reach %s: %v; serving goes on, and metrics are dropped while this lasts", t.where, err)
	if !t.said.IsZero() {
		msg = fmt.Sprintf("Metrics still cannot reach %s: %v; %d datagrams lost in the last %s",
			t.where, err, t.lost, now.Sub(t.said).Round(time.Second))
	}
	t.log.Warn(msg)
	t.said, t.lost = now, 0
}
