package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
	"github.com/gocorn/gocorn/server"
)

// readEcho reads one response from r and decodes the echo app's reply.
func readEcho(t *testing.T, r *bufio.Reader) (*http.Response, server.EchoReply) {
	t.Helper()
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading a response body: %v", err)
	}
	var reply server.EchoReply
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(body, &reply); err != nil {
			t.Fatalf("not echo's reply: %q", body)
		}
	}
	return resp, reply
}

// waitAccessLine waits until the access log at path has a line matching
// pattern.
func waitAccessLine(t *testing.T, path, pattern string) {
	t.Helper()
	re := regexp.MustCompile(pattern)
	var data []byte
	if !proctest.Poll(func() bool { data, _ = os.ReadFile(path); return re.Match(data) }) {
		t.Fatalf("no access log line matching %q; the log:\n%s", pattern, data)
	}
}

// proxyV2 is a binary PROXY header for a TCP connection from src to dst.
func proxyV2(src, dst string) []byte {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	b := []byte("\r\n\r\n\x00\r\nQUIT\n\x21")
	if s.Addr().Is4() {
		b = append(b, 0x11, 0, 12)
		b = append(b, s.Addr().AsSlice()...)
		b = append(b, d.Addr().AsSlice()...)
	} else {
		b = append(b, 0x21, 0, 36)
		b = append(b, s.Addr().AsSlice()...)
		b = append(b, d.Addr().AsSlice()...)
	}
	b = binary.BigEndian.AppendUint16(b, s.Port())
	return binary.BigEndian.AppendUint16(b, d.Port())
}

func TestProxyProtocolV1(t *testing.T) {
	dir := t.TempDir()
	access := filepath.Join(dir, "access.log")
	in := start(t, dir, "-b", "127.0.0.1:0", "--proxy-protocol", "v1", "--access-logfile", access, "echo")
	conn := in.Dial()
	io.WriteString(conn, "PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nGET /v1 HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, reply := readEcho(t, bufio.NewReader(conn))
	if resp.StatusCode != 200 || reply.RemoteAddr != "203.0.113.7:5555" || reply.Scheme != "http" {
		t.Fatalf("got %d, remote_addr %q, scheme %q; want 200 from 203.0.113.7:5555 over http", resp.StatusCode, reply.RemoteAddr, reply.Scheme)
	}
	waitAccessLine(t, access, `(?m)^203\.0\.113\.7 - - \[[^]]+\] "GET /v1 HTTP/1\.1" 200 `)

	// The header is optional: a client that bypasses the balancer is served.
	if code, body := in.Get("/plain"); code != 200 || !strings.Contains(body, `"remote_addr":"127.0.0.1:`) {
		t.Errorf("a plain request: %d %s", code, body)
	}
	// A malformed header gets gunicorn's 400.
	conn = in.Dial()
	io.WriteString(conn, "PROXY UNKNOWN\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, _ := readEcho(t, bufio.NewReader(conn)); resp.StatusCode != 400 {
		t.Errorf("PROXY UNKNOWN: got %d, want 400", resp.StatusCode)
	}
}

// A v2 header on a keep-alive connection holds for every request on it.
func TestProxyProtocolV2(t *testing.T) {
	dir := t.TempDir()
	access := filepath.Join(dir, "access.log")
	in := start(t, dir, "-b", "127.0.0.1:0", "-k", "gthread", "--threads", "2", "--proxy-protocol", "auto",
		"--access-logfile", access, "echo")
	for _, tt := range []struct{ src, dst, remote, host string }{
		{"198.51.100.9:4242", "127.0.0.1:80", "198.51.100.9:4242", `198\.51\.100\.9`},
		{"[2001:db8::7]:4243", "[::1]:80", "[2001:db8::7]:4243", `2001:db8::7`},
	} {
		conn := in.Dial()
		conn.Write(proxyV2(tt.src, tt.dst))
		br := bufio.NewReader(conn)
		for i := range 2 {
			io.WriteString(conn, "GET /v2 HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, reply := readEcho(t, br)
			if resp.StatusCode != 200 || reply.RemoteAddr != tt.remote {
				t.Errorf("%s, request %d: got %d from %q, want 200 from %s", tt.src, i, resp.StatusCode, reply.RemoteAddr, tt.remote)
			}
		}
		waitAccessLine(t, access, `(?m)^`+tt.host+` - - \[[^]]+\] "GET /v2 HTTP/1\.1" 200 `)
	}
}

// Only peers in proxy_allow_ips may send a header.
func TestProxyProtocolDisallowedPeer(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "--proxy-protocol", "v1", "--proxy-allow-from", "10.0.0.1", "echo")
	conn := in.Dial()
	io.WriteString(conn, "PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || !strings.Contains(string(body), "Request forbidden") {
		t.Errorf("got %d %q, want 403 Request forbidden", resp.StatusCode, body)
	}
	in.WaitLog(`Invalid request from ip=127\.0\.0\.1`)
}

// forwardedRequest sends a request with proxy headers over a raw
// connection from 127.0.0.1.
func forwardedRequest(t *testing.T, in *proctest.Instance, headers string) (*http.Response, server.EchoReply) {
	t.Helper()
	conn := in.Dial()
	io.WriteString(conn, "GET /fwd HTTP/1.1\r\nHost: x\r\n"+headers+"\r\n")
	return readEcho(t, bufio.NewReader(conn))
}

// X-Forwarded-For and X-Forwarded-Proto from a trusted peer (loopback, by
// default) give the client and the scheme.
func TestForwardedHeadersTrusted(t *testing.T) {
	dir := t.TempDir()
	access := filepath.Join(dir, "access.log")
	in := start(t, dir, "-b", "127.0.0.1:0", "--access-logfile", access, "echo")
	resp, reply := forwardedRequest(t, in, "X-Forwarded-For: 198.51.100.1, 203.0.113.9\r\nX-Forwarded-Proto: https\r\n")
	if resp.StatusCode != 200 || reply.RemoteAddr != "203.0.113.9:0" || reply.Scheme != "https" {
		t.Fatalf("got %d, remote_addr %q, scheme %q; want 203.0.113.9:0 over https", resp.StatusCode, reply.RemoteAddr, reply.Scheme)
	}
	waitAccessLine(t, access, `(?m)^203\.0\.113\.9 - - \[[^]]+\] "GET /fwd HTTP/1\.1" 200 `)

	resp, _ = forwardedRequest(t, in, "X-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n")
	if resp.StatusCode != 400 {
		t.Errorf("contradictory scheme headers: got %d, want 400", resp.StatusCode)
	}
}

// From a peer not in forwarded_allow_ips the same headers change nothing.
func TestForwardedHeadersUntrusted(t *testing.T) {
	dir := t.TempDir()
	access := filepath.Join(dir, "access.log")
	in := start(t, dir, "-b", "127.0.0.1:0", "--forwarded-allow-ips", "10.0.0.1", "--access-logfile", access, "echo")
	resp, reply := forwardedRequest(t, in, "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n")
	if resp.StatusCode != 200 || !strings.HasPrefix(reply.RemoteAddr, "127.0.0.1:") || reply.RemoteAddr == "127.0.0.1:0" || reply.Scheme != "http" {
		t.Fatalf("got %d, remote_addr %q, scheme %q; want the real peer over http", resp.StatusCode, reply.RemoteAddr, reply.Scheme)
	}
	waitAccessLine(t, access, `(?m)^127\.0\.0\.1 - - \[[^]]+\] "GET /fwd HTTP/1\.1" 200 `)
}

// A bad allow list fails at load, naming the entry.
func TestProxySettingErrors(t *testing.T) {
	code, _, stderr := run(t, t.TempDir(), nil, "--forwarded-allow-ips", "10.0.0.1/8", "--check-config", "echo")
	if code != 2 || !strings.Contains(stderr, `"10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
