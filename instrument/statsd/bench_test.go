package statsd

import (
	"net"
	"testing"
	"time"
)

// BenchmarkRequest is the per-request cost of gunicorn's three request
// metrics: format into a pooled buffer, hand over to the buffered sender.
// Run with -benchmem: it must not allocate, and the datagrams (one per
// FlushBytes) are sent by the sender's goroutine, not here.
func BenchmarkRequest(b *testing.B) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	go func() { // a statsd that keeps up
		buf := make([]byte, 65536)
		for {
			if _, _, err := conn.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	c, err := New(Config{Network: "udp", Address: conn.LocalAddr().String(), Prefix: "svc", Tags: "env:prod,region:eu"})
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
