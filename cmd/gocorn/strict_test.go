package main

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
	"github.com/gocorn/gocorn/server"
)

// Process tests of strict HTTP/1 parsing (server/h1) in the real binary:
// a few raw requests of each outcome against the echo app. The full
// corpus runs in-process in server/h1 (testdata/requests).

// sendRaw writes raw to a fresh connection, shuts the write side and
// returns everything the server sends until it closes.
func sendRaw(t *testing.T, in *proctest.Instance, raw string) string {
	t.Helper()
	return sendRawOn(t, in.Dial(), raw)
}

// sendRawOn is sendRaw on a connection of the caller's (TLS).
func sendRawOn(t *testing.T, conn net.Conn, raw string) string {
	t.Helper()
	io.WriteString(conn, raw)
	conn.(interface{ CloseWrite() error }).CloseWrite()
	got, err := io.ReadAll(conn)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("reading the answer to %q: %v", raw, err)
	}
	return string(got)
}

// pageRE matches gunicorn's error page: HTTP/1.1, exactly three headers,
// and the HTML document.
var pageRE = regexp.MustCompile(`^HTTP/1\.1 (\d{3}) ([A-Za-z ]+)\r\nConnection: close\r\nContent-Type: text/html\r\n` +
	`Content-Length: (\d+)\r\n\r\n<html>\n  <head>\n    <title>([A-Za-z ]+)</title>\n  </head>\n  <body>\n` +
	`    <h1><p>([A-Za-z ]+)</p></h1>\n    ([^\n]*)\n  </body>\n</html>\n$`)

// checkPage checks that got is exactly the page for status and reason,
// with message (HTML-escaped as gunicorn does) in it.
func checkPage(t *testing.T, got string, status int, why, message string) {
	t.Helper()
	m := pageRE.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("not gunicorn's error page: %q", got)
	}
	_, body, _ := strings.Cut(got, "\r\n\r\n")
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;").Replace(message)
	if m[1] != fmt.Sprint(status) || m[2] != why || m[4] != why || m[5] != why ||
		m[3] != fmt.Sprint(len(body)) || !strings.Contains(m[6], esc) {
		t.Errorf("page %q: want %d %s with %q", got, status, why, esc)
	}
}

func TestStrictRefusals(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-k", "gthread", "--threads", "2",
		"--limit-request-fields", "5", "echo")
	strictRefusals(t, in, in.Dial)
}

// TestStrictRefusalsOverTLS: HTTP/1 over TLS goes through the same strict
// layer, above TLS.
func TestStrictRefusalsOverTLS(t *testing.T) {
	p := newPKI(t)
	in, _ := startTLS(t, p, "-k", "gthread", "--threads", "2", "--limit-request-fields", "5", "echo")
	strictRefusals(t, in, func() net.Conn { return dialTLS(t, in, p) })
}

// dialTLS opens a TLS connection to in, offering HTTP/1.1 only.
func dialTLS(t *testing.T, in *proctest.Instance, p *pki) net.Conn {
	t.Helper()
	cc := p.ClientConfig()
	cc.NextProtos, cc.ServerName = []string{"http/1.1"}, "localhost"
	conn := tls.Client(in.Dial(), cc)
	if err := conn.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	return conn
}

// strictRefusals sends requests of each refusal outcome, each on a
// connection from dial, and checks the page and the log line.
func strictRefusals(t *testing.T, in *proctest.Instance, dial func() net.Conn) {
	t.Helper()
	for _, tt := range []struct {
		raw     string
		status  int
		why     string
		logged  string // the error after "Invalid request from ip=127.0.0.1: "
		message string // in the page
	}{
		{"get / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Bad Request",
			"Invalid HTTP method: 'get'", "Invalid Method 'Invalid HTTP method: 'get''"},
		{"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Bad Request",
			"Invalid HTTP request line: 'GET * HTTP/1.1'", "Invalid Request Line 'Invalid HTTP request line: 'GET * HTTP/1.1''"},
		{"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 400, "Bad Request",
			"Invalid HTTP Version: (2, 0)", "Invalid HTTP Version 'Invalid HTTP Version: (2, 0)'"},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "Bad Request",
			"Invalid HTTP Header: 'CONTENT-LENGTH'", "Invalid HTTP Header: 'CONTENT-LENGTH'"},
		{"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n b\r\n\r\n", 400, "Bad Request",
			"Obsolete line folding is unacceptable: 'X-A'", "Obsolete line folding is unacceptable: 'X-A'"},
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Bad Request",
			"Invalid HTTP Header: 'HOST'", "Invalid HTTP Header: 'HOST'"},
		{"GET /" + strings.Repeat("a", 5000) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "URI Too Long",
			"Request Line is too large (", "Request Line is too large ("},
		{"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", 431, "Request Header Fields Too Large",
			"limit request headers fields", "Error parsing headers: 'limit request headers fields'"},
		{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo\r\n\r\n", 501, "Not Implemented",
			"Unsupported transfer coding: 'foo'", "Unsupported transfer coding: 'foo'"},
		{"GET / HTTP/1.1\r\nHost: a\r\nExpect: foo\r\n\r\n", 417, "Expectation Failed",
			"Unable to comply with expectation: 'foo'", "Unable to comply with expectation: 'foo'"},
	} {
		checkPage(t, sendRawOn(t, dial(), tt.raw), tt.status, tt.why, tt.message)
		in.WaitLog(`\[WARNING\] Invalid request from ip=127\.0\.0\.1: ` + regexp.QuoteMeta(tt.logged))
	}
}

// echoOf reads one response of the echo app.
func echoOf(t *testing.T, br *bufio.Reader) server.EchoReply {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e server.EchoReply
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != 200 {
		t.Fatalf("echo: %d %v", resp.StatusCode, err)
	}
	return e
}

// TestStrictPipeline sends good requests and a bad one on one kept-alive
// connection: the good ones are answered, then the page, then the close.
func TestStrictPipeline(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-k", "gthread", "--threads", "2", "echo")
	strictPipeline(t, in.Dial)
}

func TestStrictPipelineOverTLS(t *testing.T) {
	p := newPKI(t)
	in, _ := startTLS(t, p, "-k", "gthread", "--threads", "2", "echo")
	strictPipeline(t, func() net.Conn { return dialTLS(t, in, p) })
}

func strictPipeline(t *testing.T, dial func() net.Conn) {
	t.Helper()
	conn := dial()
	io.WriteString(conn, "GET /1 HTTP/1.1\r\nHost: a\r\nX_Forwarded_For: 10.0.0.1\r\n\r\n"+
		"POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n"+
		"POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
	br := bufio.NewReader(conn)
	if e := echoOf(t, br); e.URI != "/1" || e.Headers["X_forwarded_for"] != nil {
		t.Errorf("first request: %+v", e)
	}
	if e := echoOf(t, br); e.URI != "/2" || e.BodyBase64 != "YWJj" || fmt.Sprint(e.Trailers["X-Sum"]) != "[1]" {
		t.Errorf("second request: %+v", e)
	}
	// gzip before chunked: 501, since the handler would be told chunked alone.
	rest, _ := io.ReadAll(br)
	checkPage(t, string(rest), 501, "Not Implemented", "Unsupported transfer coding: 'gzip, chunked'")

	conn = dial()
	io.WriteString(conn, "GET /4 HTTP/1.1\r\nHost: a\r\n\r\nGET /5 HTTP/1.1\r\nHost: a\r\nX-Bad: a\x01b\r\n\r\n")
	br = bufio.NewReader(conn)
	if e := echoOf(t, br); e.URI != "/4" {
		t.Errorf("fourth request: %+v", e)
	}
	rest, _ = io.ReadAll(br)
	checkPage(t, string(rest), 400, "Bad Request", "Invalid HTTP Header: 'X-BAD'")
}

// TestStrictOptions checks that the parsing settings reach the workers.
func TestStrictOptions(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "--permit-obsolete-folding", "--header-map", "refuse",
		"--permit-unconventional-http-method", "--casefold-http-method", "--limit-request-line", "0", "echo")
	conn := in.Dial()
	io.WriteString(conn, "get /"+strings.Repeat("a", 9000)+" HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\t2\r\n\r\n")
	e := echoOf(t, bufio.NewReader(conn))
	if e.Method != "GET" || len(e.URI) != 9001 || fmt.Sprint(e.Headers["X-A"]) != "[1 2]" {
		t.Errorf("echo: %s %d bytes %v", e.Method, len(e.URI), e.Headers)
	}
	checkPage(t, sendRaw(t, in, "GET / HTTP/1.1\r\nHost: a\r\nX_A: 1\r\n\r\n"), 400, "Bad Request",
		"Invalid HTTP header name: 'X_A'")
}

// TestStrictChunkError checks that a bad chunk closes the connection
// without any answer, as gunicorn does.
func TestStrictChunkError(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "echo")
	got := sendRaw(t, in, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n")
	if got != "" {
		t.Errorf("a bad chunk got %q", got)
	}
	in.WaitLog(`Invalid request from ip=127\.0\.0\.1: Invalid chunk size: '5x'`)
}
