package proc

import "time"

// brake delays the next spawn after crashes in a row: the first crash is
// replaced at once, then 0.1 s, doubling up to 30 s, so a crash loop
// neither spins the CPU nor floods the log. A minute without a crash
// starts the count over.
type brake struct {
	crashes   int // in a row
	lastCrash time.Time
	until     time.Time // no spawn before this
}

// crashed counts a crash at now and returns how long spawns now wait: 0
// after the first crash in a row.
func (b *brake) crashed(now time.Time) time.Duration {
	if now.Sub(b.lastCrash) > time.Minute {
		b.crashes = 0
	}
	b.lastCrash = now
	b.crashes++
	if b.crashes == 1 {
		return 0
	}
	delay := min(100*time.Millisecond<<min(b.crashes-2, 9), 30*time.Second)
	b.until = now.Add(delay)
	return delay
}

// holds tells whether spawns must still wait at now.
func (b *brake) holds(now time.Time) bool { return now.Before(b.until) }
