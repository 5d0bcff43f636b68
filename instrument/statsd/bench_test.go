package statsd

import (
	"testing"
	"time"

	"github.com/gocorn/gocorn/instrument/statsd/statsdtest"
)

// BenchmarkRequest is the per-request cost of gunicorn's three request
// metrics: format into a pooled buffer, hand over to the buffered sender,
// and the sender's goroutine's datagram (one per FlushBytes) amortised.
// Run with -benchmem: it must not allocate.
func BenchmarkRequest(b *testing.B) {
	c, err := New(Config{Network: "udp", Address: statsdtest.Unread(b), Prefix: "svc", Tags: "env:prod,region:eu"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Request(200, 1234*time.Microsecond)
		}
	})
}
