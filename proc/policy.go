package proc

import (
	"math/rand/v2"
	"time"

	"github.com/gocorn/gocorn/starcfg"
)

// policy is what the fleet's decisions read of the configuration, as
// plain values, so the fleet needs no configuration to be tested. Each
// generation has its own; a HUP replaces it.
type policy struct {
	timeout  time.Duration // a worker that makes no progress this long is aborted; 0 = never
	requests budget        // max_requests
	lifetime budget        // max_worker_lifetime, in seconds
	memory   budget        // max_worker_memory, in MiB

	bootTimeout time.Duration // a worker not ready this long after its start is killed; 0 = never
	maxBoots    int           // at most this many workers booting at once; 0 = no limit
}

func policyOf(cfg *starcfg.Config) policy {
	return policy{
		timeout:  time.Duration(cfg.Timeout) * time.Second,
		requests: budget{cfg.MaxRequests, cfg.MaxRequestsJitter},
		lifetime: budget{cfg.MaxWorkerLifetime, cfg.MaxWorkerLifetimeJitter},
		memory:   budget{cfg.MaxWorkerMemory, cfg.MaxWorkerMemoryJitter},

		bootTimeout: time.Duration(cfg.BootTimeout * float64(time.Second)),
		maxBoots:    cfg.MaxConcurrentBoots,
	}
}

// budget is a limit each worker gets its own draw of: base plus a random
// 0..jitter, so workers do not all recycle at once. A base of 0 is no
// limit.
type budget struct{ base, jitter int }

func (b budget) draw() int { return jittered(b.base, b.jitter) }

// jittered is limit plus a random 0..jitter (inclusive), or 0 when limit
// is 0: jitter without a limit means nothing, as in gunicorn.
func jittered(limit, jitter int) int {
	if limit <= 0 {
		return 0
	}
	if jitter <= 0 {
		return limit
	}
	return limit + rand.IntN(jitter+1)
}
