package h1

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeConn serves fixed input in pieces of at most step bytes and
// collects what is written.
type fakeConn struct {
	in   []byte
	step int
	out  bytes.Buffer
}

var fakeAddr = &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 4711}

func (f *fakeConn) Read(b []byte) (int, error) {
	if len(f.in) == 0 {
		return 0, io.EOF
	}
	n := len(b)
	if f.step > 0 && n > f.step {
		n = f.step
	}
	n = copy(b[:n], f.in)
	f.in = f.in[n:]
	return n, nil
}
func (f *fakeConn) Write(b []byte) (int, error)      { return f.out.Write(b) }
func (f *fakeConn) Close() error                     { return nil }
func (f *fakeConn) LocalAddr() net.Addr              { return fakeAddr }
func (f *fakeConn) RemoteAddr() net.Addr             { return fakeAddr }
func (f *fakeConn) SetDeadline(time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(time.Time) error { return nil }

func TestLimits(t *testing.T) {
	for _, tt := range []struct {
		in   Options
		want Limits
	}{
		{Options{}, Limits{Line: 0, Fields: 32768, FieldSize: 8190, Block: 32768*8192 + 4}},
		{Options{LimitRequestLine: 4094, LimitRequestFields: 100, LimitRequestFieldSize: 8190}, Limits{4094, 100, 8190, 100*8192 + 4}},
		{Options{LimitRequestLine: 9000, LimitRequestFields: 40000, LimitRequestFieldSize: 20000}, Limits{8190, 32768, 20000, 32768*20002 + 4}},
	} {
		if got := tt.in.Limits(); got != tt.want {
			t.Errorf("%+v: limits %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// TestOneRequestPerRead checks that a read never runs from one request
// into the next, so net/http finishes each request before it sees the
// next one's bytes.
func TestOneRequestPerRead(t *testing.T) {
	in := "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: a\r\n\r\n"
	c := Wrap(&fakeConn{in: []byte(in)}, nil, nil)
	var reads []string
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			reads = append(reads, string(buf[:n]))
		}
		if err != nil {
			break
		}
	}
	want := []string{"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n", "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n"}
	if strings.Join(reads, "|") != strings.Join(want, "|") {
		t.Errorf("reads %q, want %q", reads, want)
	}
}

// serve runs handler behind h1 on loopback and returns its address.
func serve(t *testing.T, o *Options, handler http.Handler, configure func(*http.Server)) (string, *logLines) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &logLines{}
	srv := &http.Server{
		Handler:  handler,
		ErrorLog: log.New(io.Discard, "", 0),
		ConnState: func(c net.Conn, st http.ConnState) {
			if st == http.StateHijacked {
				As(c).Hijacked()
			}
		},
	}
	if configure != nil {
		configure(srv)
	}
	go srv.Serve(&Listener{Listener: ln, Options: o, Log: logs.add})
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), logs
}

// dialServer connects to a server of serve, with a deadline on the
// connection; it is closed when the test ends.
func dialServer(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	return conn
}

// TestRefusalKeepsEarlierContext checks that a bad request pipelined
// behind a slow one neither cancels the slow one's context (net/http's
// background read must not see an end) nor overtakes its response.
func TestRefusalKeepsEarlierContext(t *testing.T) {
	sent := make(chan struct{})
	var ctxErr error
	addr, logs := serve(t, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-sent
		time.Sleep(100 * time.Millisecond)
		ctxErr = r.Context().Err()
		io.WriteString(w, "slow done")
	}), nil)
	conn := dialServer(t, addr)
	io.WriteString(conn, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\n\r\n")
	close(sent)
	all, _ := io.ReadAll(conn)
	if ctxErr != nil {
		t.Errorf("the slow request's context ended: %v", ctxErr)
	}
	first, page, ok := strings.Cut(string(all), "slow done")
	if !ok || !strings.HasPrefix(first, "HTTP/1.1 200 OK\r\n") || !strings.HasPrefix(page, "HTTP/1.1 400 Bad Request\r\n") {
		t.Errorf("got %q", all)
	}
	if l := logs.get(); len(l) != 1 || l[0] != "Invalid request from ip=127.0.0.1: Invalid HTTP Header: 'HOST'" {
		t.Errorf("logged %q", l)
	}
}

// TestHijackPassesBytes checks that once a handler takes a connection
// over, its client's bytes reach it untouched, even ones that are no
// HTTP and were sent along with the upgrade request.
func TestHijackPassesBytes(t *testing.T) {
	addr, logs := serve(t, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		got := make([]byte, 19)
		if _, err := io.ReadFull(brw, got); err != nil {
			t.Error(err)
			return
		}
		conn.Write(got)
	}), nil)
	conn := dialServer(t, addr)
	frames := "\x81\x05hello\x00\r\nGET \x01\r\n\r\n" // bytes no HTTP parser would take
	io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n"+frames)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	echoed := make([]byte, len(frames))
	if _, err := io.ReadFull(br, echoed); err != nil || string(echoed) != frames {
		t.Errorf("echoed %q (%v), want %q", echoed, err, frames)
	}
	if l := logs.get(); len(l) != 0 {
		t.Errorf("logged %q", l)
	}
}

// TestHTTP2Preface checks that PassHTTP2Preface hands an h2c
// prior-knowledge connection to net/http untouched.
func TestHTTP2Preface(t *testing.T) {
	addr, _ := serve(t, &Options{PassHTTP2Preface: true}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}), func(s *http.Server) {
		s.Protocols = new(http.Protocols)
		s.Protocols.SetHTTP1(true)
		s.Protocols.SetUnencryptedHTTP2(true)
	})
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "HTTP/2.0" {
		t.Errorf("served %q, want HTTP/2.0", body)
	}

	// HTTP/1 requests still pass the checks on such a listener.
	resp, err = http.Get("http://" + addr + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "HTTP/1.1" {
		t.Errorf("served %q, want HTTP/1.1", body)
	}
}

// TestBadTrailerAfterResponse checks that bad trailers found after the
// handler began its response close the connection without a page.
func TestBadTrailerAfterResponse(t *testing.T) {
	addr, logs := serve(t, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		rc.EnableFullDuplex() // else net/http reads the body before it answers
		io.WriteString(w, "early")
		rc.Flush()
		io.ReadAll(r.Body)
	}), nil)
	conn := dialServer(t, addr)
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "1\r\nx\r\n0\r\nHost: evil\r\n\r\n")
	rest, _ := io.ReadAll(br)
	if bytes.Contains(rest, []byte("HTTP/1.1 400")) || resp.StatusCode != 200 {
		t.Errorf("got %d then %q", resp.StatusCode, rest)
	}
	if l := logs.get(); len(l) != 1 || l[0] != "Invalid request from ip=127.0.0.1: Invalid HTTP header name: 'HOST'" {
		t.Errorf("logged %q", l)
	}
}

// stateConn is a connection that reports a TLS state.
type stateConn struct{ fakeConn }

func (*stateConn) ConnectionState() tls.ConnectionState {
	return tls.ConnectionState{Version: tls.VersionTLS13}
}

func TestTLSState(t *testing.T) {
	c := Wrap(&stateConn{}, nil, nil)
	cs, ok := c.(interface{ ConnectionState() tls.ConnectionState })
	if !ok || cs.ConnectionState().Version != tls.VersionTLS13 || As(c) == nil {
		t.Errorf("Wrap over a TLS connection: %T", c)
	}
	if _, ok := Wrap(&fakeConn{}, nil, nil).(interface{ ConnectionState() tls.ConnectionState }); ok {
		t.Error("Wrap over a plain connection reports a TLS state")
	}
	if As(&fakeConn{}) != nil {
		t.Error("As found a Conn in a plain connection")
	}
}

// TestIdleKeepAlive checks that a kept-alive connection waits quietly
// for its next request, and serves it.
func TestIdleKeepAlive(t *testing.T) {
	addr, _ := serve(t, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Path)
	}), nil)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	var conns sync.Map
	for i := range 3 {
		ctx := context.Background()
		req, _ := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("http://%s/%d", addr, i), strings.NewReader("body"))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != fmt.Sprintf("/%d", i) {
			t.Errorf("request %d: %q", i, body)
		}
		conns.Store(i, true)
		time.Sleep(20 * time.Millisecond)
	}
}

// TestExpectContinue checks that a client waiting for 100 Continue gets
// it and sends its body: h1 hands the head over without waiting for it.
func TestExpectContinue(t *testing.T) {
	addr, _ := serve(t, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	}), nil)
	tr := &http.Transport{ExpectContinueTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("PUT", "http://"+addr+"/", strings.NewReader("payload"))
	req.Header.Set("Expect", "100-continue")
	start := time.Now()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "payload" || time.Since(start) > 4*time.Second {
		t.Errorf("got %q after %s", body, time.Since(start))
	}
}

// TestHeaderTimeout checks that net/http's read deadlines still reach
// the socket through h1: a client that stops in the middle of its head
// gets a 408 and is disconnected; one that sent nothing is disconnected
// without a word.
func TestHeaderTimeout(t *testing.T) {
	addr, logs := serve(t, nil, http.NotFoundHandler(), func(s *http.Server) { s.ReadHeaderTimeout = 200 * time.Millisecond })
	for _, tt := range []struct {
		sent, want string
		logged     []string
	}{
		{"GET / HTTP/1.1\r\nHo", "HTTP/1.1 408 Request Timeout\r\n",
			[]string{"Request timeout from ip=127.0.0.1: Request head incomplete when the header timeout passed"}},
		{"", "", nil},
	} {
		before := len(logs.get())
		conn := dialServer(t, addr)
		io.WriteString(conn, tt.sent)
		start := time.Now()
		got, _ := io.ReadAll(conn)
		if !strings.HasPrefix(string(got), tt.want) || tt.want == "" && len(got) > 0 || time.Since(start) > 3*time.Second {
			t.Errorf("after %q: got %q after %s, want %q", tt.sent, got, time.Since(start), tt.want)
		}
		if l := logs.get()[before:]; !slices.Equal(l, tt.logged) {
			t.Errorf("after %q: logged %q, want %q", tt.sent, l, tt.logged)
		}
	}
}
