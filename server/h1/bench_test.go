package h1

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// typicalGET is what a browser sends for a page.
const typicalGET = "GET /articles/42?ref=home HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=6f1e0c5b2a9d4e7f8a3b1c2d; theme=dark\r\n" +
	"Upgrade-Insecure-Requests: 1\r\n" +
	"Sec-Fetch-Dest: document\r\n" +
	"Sec-Fetch-Mode: navigate\r\n" +
	"\r\n"

var benchOptions = &Options{LimitRequestLine: 4094, LimitRequestFields: 100, LimitRequestFieldSize: 8190,
	ForwarderHeaders: []string{"SCRIPT_NAME", "PATH_INFO"}}

// benchWrap wraps a connection carrying input and reads it all through
// h1 with reads of 4 KiB, as net/http's bufio does.
func benchWrap(b *testing.B, input string) {
	b.Helper()
	fc := &fakeConn{}
	buf := make([]byte, 4096)
	in := []byte(input)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		fc.in = in
		c := Wrap(fc, benchOptions, nil)
		for {
			if _, err := c.Read(buf); err != nil {
				break
			}
		}
		c.Close()
	}
}

func BenchmarkWrapGET(b *testing.B) { benchWrap(b, typicalGET) }

func BenchmarkWrapPipelined(b *testing.B) {
	const n = 32
	benchWrap(b, strings.Repeat(typicalGET, n))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/request")
}

func BenchmarkWrapContentLength(b *testing.B) {
	body := strings.Repeat("x", 64<<10)
	benchWrap(b, "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
}

func BenchmarkWrapChunked(b *testing.B) {
	chunk := "2000\r\n" + strings.Repeat("x", 0x2000) + "\r\n"
	benchWrap(b, "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"+strings.Repeat(chunk, 8)+"0\r\n\r\n")
}

// BenchmarkServer serves typicalGET over loopback keep-alive, with and
// without h1, to show what h1 costs a whole request.
func BenchmarkServer(b *testing.B) {
	for _, strict := range []bool{false, true} {
		name := "bare"
		if strict {
			name = "h1"
		}
		b.Run(name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "Hello, World!\n")
			})}
			var l net.Listener = ln
			if strict {
				l = &Listener{Listener: ln, Options: benchOptions}
			}
			go srv.Serve(l)
			defer srv.Close()
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			req := []byte(typicalGET)
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
			}
		})
	}
}
