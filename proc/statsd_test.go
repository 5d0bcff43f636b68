package proc

import (
	"testing"
	"time"

	"github.com/gocorn/gocorn/instrument/statsd"
	"github.com/gocorn/gocorn/instrument/statsd/statsdtest"
)

// BenchmarkWorkerObserve is what metrics cost a worker per request
// (server.Options.Observe): the counts for the master's /metrics, and
// gunicorn's three statsd metrics with a prefix and tags, handed to the
// buffered sender. Run with -benchmem: none of it allocates.
func BenchmarkWorkerObserve(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "statsd=off"
		if on {
			name = "statsd=on"
		}
		b.Run(name, func(b *testing.B) {
			c := &child{}
			if on {
				client, err := statsd.New(statsd.Config{Network: "udp", Address: statsdtest.Unread(b), Prefix: "svc", Tags: "env:prod"})
				if err != nil {
					b.Fatal(err)
				}
				c.statsd.Replace(client)
				defer c.statsd.Replace(nil)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.observe(200, 1234*time.Microsecond)
				}
			})
		})
	}
}
