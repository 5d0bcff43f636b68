package proxy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testWait bounds every wait in these tests.
const testWait = 5 * time.Second

// connPair is a client and the server side of one loopback connection,
// accepted through p's listener.
func connPair(t *testing.T, p *Protocol) (client net.Conn, server net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return dialAccept(t, p.Listener(l), "tcp", l.Addr().String())
}

func dialAccept(t *testing.T, l net.Listener, network, addr string) (client net.Conn, server net.Conn) {
	t.Helper()
	client, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	server, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	client.SetDeadline(time.Now().Add(testWait))
	return client, server
}

// readAll reads the server side until an error, in the background.
func readAll(c net.Conn) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		var b bytes.Buffer
		buf := make([]byte, 7) // small reads: pending bytes come back in pieces
		for {
			n, err := c.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				ch <- readResult{b.Bytes(), err}
				return
			}
		}
	}()
	return ch
}

type readResult struct {
	data []byte
	err  error
}

func wait(t *testing.T, ch <-chan readResult) readResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(testWait):
		t.Fatal("the server side did not finish reading")
		return readResult{}
	}
}

var loopback = trust("127.0.0.1", "::1")

func TestListenerOffIsTheListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := (&Protocol{Mode: Off}).Listener(l); got != l {
		t.Error("mode off wrapped the listener")
	}
	var nilProto *Protocol
	if got := nilProto.Listener(l); got != l {
		t.Error("a nil Protocol wrapped the listener")
	}
	wrapped := (&Protocol{Mode: Auto}).Listener(l)
	d, ok := wrapped.(interface{ SetDeadline(time.Time) error })
	if !ok {
		t.Fatal("the wrapped listener has no SetDeadline")
	}
	d.SetDeadline(time.Now().Add(10 * time.Millisecond))
	if _, err := wrapped.Accept(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Accept after SetDeadline: %v, want a deadline error", err)
	}
}

// v2Header builds a binary header.
func v2Header(verCmd, famProto byte, addrs []byte) []byte {
	b := append([]byte{}, sigV2...)
	b = append(b, verCmd, famProto, 0, 0)
	binary.BigEndian.PutUint16(b[14:], uint16(len(addrs)))
	return append(b, addrs...)
}

func inet4(src, dst string, sport, dport uint16) []byte {
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	b := append(s[:], d[:]...)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, sport), dport)
}

func inet6(src, dst string, sport, dport uint16) []byte {
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	b := append(s[:], d[:]...)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, sport), dport)
}

// tlv is a type-length-value entry of a v2 header.
func tlv(typ byte, value []byte) []byte {
	return append(binary.BigEndian.AppendUint16([]byte{typ}, uint16(len(value))), value...)
}

func TestValidHeaders(t *testing.T) {
	const rest = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	bigTLV := tlv(0xEE, bytes.Repeat([]byte{'t'}, 1000)) // larger than the header buffer
	tests := []struct {
		name       string
		mode       Mode
		send       []string // written one after the other, with a pause
		wantRemote string   // "" means the real peer
		wantProto  string   // Header().Protocol, "" for no header
		wantDst    string
	}{
		{"v1 TCP4", Auto, []string{"PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n" + rest}, "203.0.113.7:5555", "TCP4", "127.0.0.1:80"},
		{"v1 TCP6", V1, []string{"PROXY TCP6 2001:db8::7 2001:db8::1 65535 0\r\n" + rest}, "[2001:db8::7]:65535", "TCP6", "[2001:db8::1]:0"},
		{"v1 TCP6 mapped", V1, []string{"PROXY TCP6 ::ffff:203.0.113.7 ::1 1 2\r\n" + rest}, "203.0.113.7:1", "TCP6", "[::1]:2"},
		{"v1 byte by byte", Auto, strings.Split("PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n", ""), "203.0.113.7:5555", "TCP4", "127.0.0.1:80"},
		{"v1 split at CRLF", V1, []string{"PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r", "\n" + rest}, "203.0.113.7:5555", "TCP4", "127.0.0.1:80"},
		{"v1 longest line", V1, []string{"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n" + rest},
			"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", "TCP6", "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"},
		{"v2 TCP4", Auto, []string{string(v2Header(0x21, 0x11, inet4("198.51.100.9", "10.0.0.1", 4242, 443))) + rest}, "198.51.100.9:4242", "TCP4", "10.0.0.1:443"},
		{"v2 TCP6", V2, []string{string(v2Header(0x21, 0x21, inet6("2001:db8::9", "2001:db8::1", 1, 2))) + rest}, "[2001:db8::9]:1", "TCP6", "[2001:db8::1]:2"},
		{"v2 TCP4 with TLVs", V2, []string{string(v2Header(0x21, 0x11, append(inet4("198.51.100.9", "10.0.0.1", 1, 2), tlv(0x01, []byte("h2"))...))) + rest}, "198.51.100.9:1", "TCP4", "10.0.0.1:2"},
		{"v2 TLVs beyond the buffer", V2, []string{string(v2Header(0x21, 0x11, append(inet4("198.51.100.9", "10.0.0.1", 1, 2), bigTLV...))), rest}, "198.51.100.9:1", "TCP4", "10.0.0.1:2"},
		{"v2 TLVs beyond the buffer, one write", V2, []string{string(v2Header(0x21, 0x11, append(inet4("198.51.100.9", "10.0.0.1", 1, 2), bigTLV...))) + rest}, "198.51.100.9:1", "TCP4", "10.0.0.1:2"},
		{"v2 byte by byte", Auto, strings.Split(string(v2Header(0x21, 0x11, inet4("198.51.100.9", "10.0.0.1", 1, 2))), ""), "198.51.100.9:1", "TCP4", "10.0.0.1:2"},
		{"v2 LOCAL", V2, []string{string(v2Header(0x20, 0x00, nil)) + rest}, "", "LOCAL", ""},
		{"v2 LOCAL ignores the family", V2, []string{string(v2Header(0x20, 0x31, []byte{1, 2, 3})) + rest}, "", "LOCAL", ""},
		{"v2 UNSPEC", V2, []string{string(v2Header(0x21, 0x00, []byte{9, 9})) + rest}, "", "UNSPEC", ""},
		{"plain", Auto, []string{rest}, "", "", ""},
		{"plain, one byte", Auto, []string{"G", "ET / HTTP/1.1\r\n\r\n"}, "", "", ""},
		{"plain PROPFIND", Auto, []string{"PRO", "PFIND / HTTP/1.1\r\n\r\n"}, "", "", ""},
		{"plain after CRLF", Auto, []string{"\r\n", "GET / HTTP/1.1\r\n\r\n"}, "", "", ""},
		{"plain TLS hello", Auto, []string{"\x16\x03\x01\x02\x00\x01"}, "", "", ""},
		{"v1 header in v2 mode is plain", V2, []string{"PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n" + rest}, "", "", ""},
		{"v2 header in v1 mode is plain", V1, []string{string(v2Header(0x21, 0x11, inet4("198.51.100.9", "10.0.0.1", 1, 2))) + rest}, "", "", ""},
		{"short plain then EOF", Auto, []string{"PRO"}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, server := connPair(t, &Protocol{Mode: tt.mode, Allow: loopback})
			done := readAll(server)
			for i, s := range tt.send {
				if i > 0 {
					time.Sleep(time.Millisecond)
				}
				client.Write([]byte(s))
			}
			client.(*net.TCPConn).CloseWrite()
			res := wait(t, done)
			sent := strings.Join(tt.send, "")
			wantData := rest
			switch {
			case tt.wantProto == "" && tt.name == "short plain then EOF":
				// Three bytes that might have been a header: the
				// connection ended inside it, so nothing is passed on.
				wantData = ""
			case tt.wantProto == "":
				wantData = sent
			case !strings.HasSuffix(sent, rest):
				wantData = ""
			}
			if string(res.data) != wantData || res.err != io.EOF {
				t.Errorf("read %q, %v; want %q, EOF", res.data, res.err, wantData)
			}
			want := tt.wantRemote
			if want == "" {
				want = client.LocalAddr().String()
			}
			if got := server.RemoteAddr().String(); got != want {
				t.Errorf("RemoteAddr = %s, want %s", got, want)
			}
			if _, ok := server.RemoteAddr().(*net.TCPAddr); !ok {
				t.Errorf("RemoteAddr is a %T, want *net.TCPAddr", server.RemoteAddr())
			}
			pc := server.(*Conn)
			if pc.Peer().String() != client.LocalAddr().String() {
				t.Errorf("Peer = %s, want %s", pc.Peer(), client.LocalAddr())
			}
			h := pc.Header()
			switch {
			case tt.wantProto == "" && h != nil:
				t.Errorf("Header = %+v, want none", h)
			case tt.wantProto != "" && (h == nil || h.Protocol != tt.wantProto):
				t.Errorf("Header = %+v, want protocol %s", h, tt.wantProto)
			case tt.wantDst != "" && h.Destination.String() != tt.wantDst:
				t.Errorf("Destination = %s, want %s", h.Destination, tt.wantDst)
			}
		})
	}
}

// pageOf is the error page a rejected header gets.
func pageOf(t *testing.T, data []byte) (int, string) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), nil)
	if err != nil {
		t.Fatalf("not an HTTP response: %q", data)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestInvalidHeaders(t *testing.T) {
	addrs4 := inet4("198.51.100.9", "10.0.0.1", 1, 2)
	tests := []struct {
		name, send string
		mode       Mode
		wantMsg    string // in the page's body, HTML-escaped
	}{
		{"UNKNOWN", "PROXY UNKNOWN\r\n", V1, "&#x27;Invalid PROXY line: &#x27;PROXY UNKNOWN&#x27;&#x27;"},
		{"UNKNOWN with addresses", "PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n", V1, "Invalid PROXY line"},
		{"lower-case protocol", "PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", V1, "Invalid PROXY line"},
		{"UDP4", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", V1, "Invalid PROXY line"},
		{"five fields", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", V1, "Invalid PROXY line"},
		{"seven fields", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", V1, "Invalid PROXY line"},
		{"double space", "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", Auto, "Invalid PROXY line"},
		{"trailing space", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", Auto, "Invalid PROXY line"},
		{"tab", "PROXY TCP4\t1.2.3.4 5.6.7.8 1 2\r\n", Auto, "Invalid PROXY line"},
		{"IPv6 in TCP4", "PROXY TCP4 ::1 ::1 1 2\r\n", Auto, "Invalid PROXY line"},
		{"IPv4 in TCP6", "PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n", Auto, "Invalid PROXY line"},
		{"mixed families", "PROXY TCP4 1.2.3.4 ::1 1 2\r\n", Auto, "Invalid PROXY line"},
		{"bad IPv4", "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", Auto, "Invalid PROXY line"},
		{"leading zero IPv4", "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", Auto, "Invalid PROXY line"},
		{"zone", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", Auto, "Invalid PROXY line"},
		{"host name", "PROXY TCP4 localhost 5.6.7.8 1 2\r\n", Auto, "Invalid PROXY line"},
		{"port too large", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", Auto, "Invalid PROXY line"},
		{"negative port", "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", Auto, "Invalid PROXY line"},
		{"plus port", "PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n", Auto, "Invalid PROXY line"},
		{"leading zero port", "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", Auto, "Invalid PROXY line"},
		{"hex port", "PROXY TCP4 1.2.3.4 5.6.7.8 0x1 2\r\n", Auto, "Invalid PROXY line"},
		{"empty port", "PROXY TCP4 1.2.3.4 5.6.7.8  2\r\n", Auto, "Invalid PROXY line"},
		{"bare LF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", Auto, "&#x27;Invalid PROXY line: &#x27;PROXY TCP4 1.2.3.4 5.6.7.8 1 2&#x27;&#x27;"},
		{"CR inside", "PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n", Auto, `PROXY TCP4 1.2.3.4\r5.6.7.8 1 2`},
		{"too long", "PROXY TCP4 " + strings.Repeat("1", 120) + "\r\n", Auto, "Invalid PROXY line"},
		{"v2 version 1", string(v2Header(0x11, 0x11, addrs4)), V2, "Invalid PROXY v2 header: version 1"},
		{"v2 command 2", string(v2Header(0x22, 0x11, addrs4)), V2, "Invalid PROXY v2 header: unknown command 0x2"},
		{"v2 AF_UNIX", string(v2Header(0x21, 0x31, make([]byte, 216))), V2, "unsupported address family 0x3"},
		{"v2 family 4", string(v2Header(0x21, 0x41, addrs4)), Auto, "unsupported address family 0x4"},
		{"v2 DGRAM", string(v2Header(0x21, 0x12, addrs4)), Auto, "unsupported transport protocol 0x2"},
		{"v2 UNSPEC protocol", string(v2Header(0x21, 0x10, addrs4)), Auto, "unsupported transport protocol 0x0"},
		{"v2 short INET", string(v2Header(0x21, 0x11, addrs4[:8])), Auto, "8 address bytes for TCP4, want 12"},
		{"v2 short INET6", string(v2Header(0x21, 0x21, addrs4)), Auto, "12 address bytes for TCP6, want 36"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, server := connPair(t, &Protocol{Mode: tt.mode, Allow: loopback})
			done := readAll(server)
			client.Write([]byte(tt.send + "GET / HTTP/1.1\r\n\r\n"))
			page, err := io.ReadAll(client) // the server closes its side after the page
			if err != nil {
				t.Fatalf("reading the answer: %v (got %q)", err, page)
			}
			client.Close()
			res := wait(t, done)
			if len(res.data) != 0 || res.err != io.EOF {
				t.Errorf("the server side read %q, %v; want nothing, EOF", res.data, res.err)
			}
			code, body := pageOf(t, page)
			if code != 400 || !strings.Contains(body, tt.wantMsg) {
				t.Errorf("got %d %q, want 400 with %q", code, body, tt.wantMsg)
			}
			if got, want := server.RemoteAddr().String(), client.LocalAddr().String(); got != want {
				t.Errorf("RemoteAddr after a rejected header = %s, want the peer %s", got, want)
			}
		})
	}
}

// The error page is gunicorn's, byte for byte: the line is read as
// Latin-1, shown as Python's repr shows it (printable Latin-1 as it is,
// the soft hyphen 0xAD escaped), and the page is sent in Latin-1.
func TestErrorPageBytes(t *testing.T) {
	for _, tt := range []struct{ line, shown string }{
		{"PROXY UNKNOWN", "PROXY UNKNOWN"},
		{"PROXY caf\xe9\xad\x85", "PROXY caf\xe9\\xad\\x85"},
	} {
		client, server := connPair(t, &Protocol{Mode: V1, Allow: loopback})
		done := readAll(server)
		client.Write([]byte(tt.line + "\r\n"))
		page, _ := io.ReadAll(client)
		client.Close()
		wait(t, done)
		body := "<html>\n  <head>\n    <title>Bad Request</title>\n  </head>\n  <body>\n" +
			"    <h1><p>Bad Request</p></h1>\n    &#x27;Invalid PROXY line: &#x27;" + tt.shown + "&#x27;&#x27;\n  </body>\n</html>\n"
		want := "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: " +
			strconv.Itoa(len(body)) + "\r\n\r\n" + body
		if string(page) != want {
			t.Errorf("%+q: page:\n%q\nwant:\n%q", tt.line, page, want)
		}
	}
}

func TestDisallowedPeer(t *testing.T) {
	only := trust("10.0.0.1")
	for _, send := range []string{
		"PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n",
		"PROXY garbage that is never read to the end",
		string(v2Header(0x21, 0x11, inet4("198.51.100.9", "10.0.0.1", 1, 2))),
	} {
		client, server := connPair(t, &Protocol{Mode: Auto, Allow: only})
		done := readAll(server)
		client.Write([]byte(send + "GET / HTTP/1.1\r\n\r\n"))
		page, _ := io.ReadAll(client)
		client.Close()
		res := wait(t, done)
		if code, body := pageOf(t, page); code != 403 || !strings.Contains(body, "<title>Forbidden</title>") || !strings.Contains(body, "Request forbidden") {
			t.Errorf("%q: got %d %q, want 403 Request forbidden", send, code, body)
		}
		if len(res.data) != 0 || res.err != io.EOF {
			t.Errorf("%q: the server side read %q, %v", send, res.data, res.err)
		}
		if got := server.RemoteAddr().String(); got != client.LocalAddr().String() {
			t.Errorf("%q: RemoteAddr = %s, want the peer", send, got)
		}
	}

	// A disallowed peer may still speak plain HTTP.
	client, server := connPair(t, &Protocol{Mode: Auto, Allow: only})
	done := readAll(server)
	client.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	client.(*net.TCPConn).CloseWrite()
	if res := wait(t, done); string(res.data) != "GET / HTTP/1.1\r\n\r\n" {
		t.Errorf("plain request from a disallowed peer: read %q, %v", res.data, res.err)
	}

	// Nobody is allowed by an empty list, but unix peers always are.
	none := trust()
	sock := filepath.Join(t.TempDir(), "s")
	ul, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()
	client, server = dialAccept(t, (&Protocol{Mode: Auto, Allow: none}).Listener(ul), "unix", sock)
	done = readAll(server)
	client.Write([]byte("PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nGET"))
	client.(*net.UnixConn).CloseWrite()
	if res := wait(t, done); string(res.data) != "GET" || server.RemoteAddr().String() != "203.0.113.7:5555" {
		t.Errorf("unix peer: read %q, %v, RemoteAddr %s", res.data, res.err, server.RemoteAddr())
	}
}

func TestLog(t *testing.T) {
	var log bytes.Buffer
	p := &Protocol{Mode: Auto, Allow: loopback, Log: slogTo(&log)}
	client, server := connPair(t, p)
	done := readAll(server)
	client.Write([]byte("PROXY TCP5 x\r\n"))
	io.ReadAll(client)
	client.Close()
	wait(t, done)
	if want := `Invalid request from ip=127.0.0.1: 'Invalid PROXY line: 'PROXY TCP5 x''`; !strings.Contains(log.String(), want) {
		t.Errorf("log %q lacks %q", log.String(), want)
	}
}

// A client that stops in the middle of a header, or never sends anything,
// is cut off at the timeout, without an answer.
func TestSlowHeader(t *testing.T) {
	for _, send := range []string{"", "PROXY TCP4 203.0", "\r\n\r\n\x00", string(v2Header(0x21, 0x11, inet4("198.51.100.9", "10.0.0.1", 1, 2))[:20])} {
		client, server := connPair(t, &Protocol{Mode: Auto, Allow: loopback, Timeout: 100 * time.Millisecond})
		client.Write([]byte(send))
		start := time.Now()
		done := readAll(server)
		res := wait(t, done)
		took := time.Since(start)
		if !errors.Is(res.err, os.ErrDeadlineExceeded) || len(res.data) != 0 {
			t.Errorf("%q: read %q, %v; want a deadline error", send, res.data, res.err)
		}
		if took < 90*time.Millisecond || took > 2*time.Second {
			t.Errorf("%q: gave up after %s, want about 100ms", send, took)
		}
		client.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if n, _ := client.Read(make([]byte, 1)); n != 0 {
			t.Errorf("%q: the server answered a timed-out header", send)
		}
	}
}

// The caller's own read deadline bounds the header too, and the header's
// deadline does not outlive the header.
func TestDeadlines(t *testing.T) {
	// An earlier deadline set before the first Read wins.
	client, server := connPair(t, &Protocol{Mode: Auto, Allow: loopback, Timeout: time.Minute})
	server.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	start := time.Now()
	res := wait(t, readAll(server))
	if !errors.Is(res.err, os.ErrDeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("user deadline: %v after %s", res.err, time.Since(start))
	}

	// After the header, reads wait as long as the caller says.
	client, server = connPair(t, &Protocol{Mode: Auto, Allow: loopback, Timeout: 50 * time.Millisecond})
	client.Write([]byte("PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n"))
	done := readAll(server)
	time.Sleep(150 * time.Millisecond)
	client.Write([]byte("late"))
	client.(*net.TCPConn).CloseWrite()
	if res := wait(t, done); string(res.data) != "late" || res.err != io.EOF {
		t.Errorf("a read after the header: %q, %v; want \"late\", EOF", res.data, res.err)
	}
	if server.RemoteAddr().String() != "203.0.113.7:5555" {
		t.Errorf("RemoteAddr = %s", server.RemoteAddr())
	}

	// A deadline set while the header is read takes effect, and so does
	// a later SetDeadline.
	client, server = connPair(t, &Protocol{Mode: Auto, Allow: loopback, Timeout: time.Minute})
	pc := server.(*Conn)
	go func() {
		time.Sleep(30 * time.Millisecond)
		pc.SetDeadline(time.Now().Add(20 * time.Millisecond))
	}()
	start = time.Now()
	res = wait(t, readAll(server))
	if !errors.Is(res.err, os.ErrDeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("deadline set during the header: %v after %s", res.err, time.Since(start))
	}
	_ = client
}

// RemoteAddr and Header never wait for the header: before the first Read
// they tell the real peer and no header.
func TestRemoteAddrDoesNotWait(t *testing.T) {
	client, server := connPair(t, &Protocol{Mode: Auto, Allow: loopback, Timeout: time.Minute})
	client.Write([]byte("PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nx"))
	time.Sleep(10 * time.Millisecond) // the header has arrived, but is not read
	start := time.Now()
	if got := server.RemoteAddr().String(); got != client.LocalAddr().String() {
		t.Errorf("RemoteAddr before the first Read = %s, want the peer %s", got, client.LocalAddr())
	}
	if h := server.(*Conn).Header(); h != nil {
		t.Errorf("Header before the first Read = %+v", h)
	}
	if time.Since(start) > 100*time.Millisecond {
		t.Errorf("RemoteAddr waited %s", time.Since(start))
	}
	if n, err := server.Read(make([]byte, 1)); n != 1 || err != nil {
		t.Fatalf("Read: %d, %v", n, err)
	}
	if got := server.RemoteAddr().String(); got != "203.0.113.7:5555" {
		t.Errorf("RemoteAddr after the header = %s", got)
	}
}

// An http.Server behind the listener sees the client of the header on every
// request of the connection.
func TestKeepAliveKeepsTheClient(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := New(Config{Protocol: Auto, ProtocolPeers: trust("127.0.0.1"), Forwarded: trust("10.0.0.1")})
	srv := &http.Server{
		ConnContext: px.ConnContext,
		Handler: px.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, r.RemoteAddr+" "+Peer(r).String()+" "+HeaderOf(r).Protocol)
		})),
	}
	go srv.Serve(px.Listener(l))
	defer srv.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(testWait))
	io.WriteString(c, "PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n")
	br := bufio.NewReader(c)
	for i := range 3 {
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if want := "203.0.113.7:5555 " + c.LocalAddr().String() + " TCP4"; string(body) != want {
			t.Errorf("request %d: %q, want %q", i, body, want)
		}
	}
}
