package server

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/gocorn/gocorn/server/tlstest"
)

// BenchmarkServe is one keep-alive client sending GETs one after another
// to hello, over plain TCP and over TLS, served by a bare net/http server
// and by a gocorn worker's Server (gthread, strict h1 parsing, its
// connection wrappers and, with TLS, its own handshake stage). Compare
// gocorn/bare within a transport: what the layers cost per request.
func BenchmarkServe(b *testing.B) {
	p := tlstest.New(b)
	for _, transport := range []string{"plain", "tls"} {
		for _, server := range []string{"bare", "gocorn"} {
			b.Run(transport+"/"+server, func(b *testing.B) {
				cfg := gthread(4, 100, 75)
				if transport == "tls" {
					cfg.TLS = tlsOf(b, p, nil)
				}
				addr := serveForBench(b, server, cfg)
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				defer conn.Close()
				if transport == "tls" {
					cc := p.ClientConfig()
					cc.ServerName = "localhost"
					conn = tls.Client(conn, cc)
				}
				benchGETs(b, conn)
			})
		}
	}
}

// serveForBench starts the server of the benchmark and returns its
// address; it stops when the benchmark ends.
func serveForBench(b *testing.B, kind string, cfg Options) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	if kind == "gocorn" {
		s, err := New(with(cfg, Options{Handler: Hello(), Listeners: []net.Listener{ln}}))
		if err != nil {
			b.Fatal(err)
		}
		go s.Serve()
		b.Cleanup(func() { s.Close() })
		return ln.Addr().String()
	}
	srv := &http.Server{Handler: Hello()}
	if cfg.TLS != nil {
		if srv.TLSConfig, err = tlsConfigOf(cfg.TLS); err != nil {
			b.Fatal(err)
		}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// benchGETs sends a GET and reads its response b.N times on conn.
func benchGETs(b *testing.B, conn net.Conn) {
	br := bufio.NewReader(conn)
	req := []byte("GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := conn.Write(req); err != nil {
			b.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkServeClose is a new connection per request ("Connection:
// close", what nginx sends upstream by default), plain TCP, bare net/http
// against a gocorn worker's Server: what the layers cost per connection.
func BenchmarkServeClose(b *testing.B) {
	for _, server := range []string{"bare", "gocorn"} {
		b.Run(server, func(b *testing.B) {
			addr := serveForBench(b, server, gthread(4, 100, 75))
			req := []byte("GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nConnection: close\r\n\r\n")
			b.ReportAllocs()
			for b.Loop() {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := conn.Write(req); err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, conn); err != nil {
					b.Fatal(err)
				}
				conn.Close()
			}
		})
	}
}
