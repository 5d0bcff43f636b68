package proxy

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// go test -bench . -benchmem ./server/proxy

func BenchmarkHandler(b *testing.B) {
	px := New(Config{Forwarded: trust("127.0.0.1", "::1", "10.1.0.0/16"), SchemeHeaders: gunicornSchemes})
	cases := []struct {
		name    string
		remote  string
		wired   bool
		headers map[string]string
	}{
		{"untrusted", "192.0.2.1:4000", true, map[string]string{"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}},
		{"trusted/no-headers", "127.0.0.1:4000", true, nil},
		{"trusted/xff+proto", "127.0.0.1:4000", true, map[string]string{"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}},
		{"trusted/xff-4-hops", "127.0.0.1:4000", true, map[string]string{"X-Forwarded-For": "198.51.100.1, 203.0.113.5, 10.1.0.1, 10.1.0.2", "X-Forwarded-Proto": "https"}},
		{"unix/xff+proto", "@", true, map[string]string{"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}},
		{"unwired/xff+proto", "127.0.0.1:4000", false, map[string]string{"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/", nil)
			for k, v := range c.headers {
				r.Header.Set(k, v)
			}
			if c.wired {
				r = r.WithContext(px.ConnContext(context.Background(), fakeConn{remote: addrOf(c.remote)}))
			}
			var scheme string
			h := px.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { scheme = Scheme(r) }))
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				r.RemoteAddr = c.remote
				h.ServeHTTP(w, r)
			}
			_ = scheme
		})
	}
}

// memConn is a connection over bytes, to time the header code alone.
type memConn struct {
	net.Conn
	data   string
	remote net.Addr
}

func (c *memConn) Read(p []byte) (int, error) {
	if c.data == "" {
		return 0, net.ErrClosed
	}
	n := copy(p, c.data)
	c.data = c.data[n:]
	return n, nil
}
func (c *memConn) RemoteAddr() net.Addr            { return c.remote }
func (c *memConn) SetReadDeadline(time.Time) error { return nil }

func BenchmarkConn(b *testing.B) {
	const req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	p := &Protocol{Mode: Auto, Allow: loopback}
	peer := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}
	for _, c := range []struct{ name, data string }{
		{"plain", req},
		{"v1", "PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n" + req},
		{"v2", string(v2Header(0x21, 0x11, inet4("198.51.100.9", "10.0.0.1", 4242, 443))) + req},
	} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 4096)
			mc := &memConn{remote: peer}
			b.ReportAllocs()
			for b.Loop() {
				mc.data = c.data
				conn := p.Conn(mc)
				conn.RemoteAddr()
				if n, _ := conn.Read(buf); !strings.HasPrefix(req, string(buf[:n])) {
					b.Fatalf("read %q", buf[:n])
				}
			}
		})
	}
}
