package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTimeoutsApply(t *testing.T) {
	to := Timeouts{Header: 10 * time.Second, Body: 20 * time.Second, Write: 30 * time.Second, Idle: 75 * time.Second}
	srv := &http.Server{ReadTimeout: time.Second, WriteTimeout: time.Second}
	to.Apply(srv)
	if srv.ReadHeaderTimeout != 10*time.Second || srv.IdleTimeout != 75*time.Second || srv.ReadTimeout != 0 || srv.WriteTimeout != 0 {
		t.Errorf("Apply: header %s idle %s read %s write %s", srv.ReadHeaderTimeout, srv.IdleTimeout, srv.ReadTimeout, srv.WriteTimeout)
	}
	to.Idle = 0 // keep-alive off: idle HTTP/2 connections still end
	to.Apply(srv)
	if srv.IdleTimeout != 10*time.Second {
		t.Errorf("Apply without keepalive: idle %s, want the header timeout", srv.IdleTimeout)
	}
	if c := (Timeouts{}).Conn(nil); c != nil {
		t.Error("Conn wraps with write_timeout 0")
	}
}

// tcpPair is a loopback TCP connection with small socket buffers, so a
// peer that does not read blocks the writer quickly.
func tcpPair(t *testing.T) (server, client *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := (<-accepted).(*net.TCPConn)
	client = c.(*net.TCPConn)
	s.SetWriteBuffer(16 << 10)
	client.SetReadBuffer(16 << 10)
	t.Cleanup(func() { s.Close(); client.Close() })
	return s, client
}

// stallWrite writes until the write fails or 64 MiB are out, and returns
// the error and how long the write that failed waited.
func stallWrite(c net.Conn) (time.Duration, error) {
	buf := make([]byte, 1<<20)
	for range 64 {
		start := time.Now()
		if _, err := c.Write(buf); err != nil {
			return time.Since(start), err
		}
	}
	return 0, nil
}

func TestDeadlineConnDropsAReaderThatStops(t *testing.T) {
	s, _ := tcpPair(t)
	c := Timeouts{Write: 200 * time.Millisecond}.Conn(s)
	start := time.Now()
	waited, err := stallWrite(c)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("writing to a client that reads nothing: %v", err)
	}
	if waited > 2*time.Second {
		t.Errorf("the failing write waited %s, want about 200ms", waited)
	}
	t.Logf("dropped after %s", time.Since(start))
}

func TestDeadlineConnKeepsAReaderThatReadsSlowly(t *testing.T) {
	s, client := tcpPair(t)
	c := Timeouts{Write: 300 * time.Millisecond}.Conn(s)
	const total = 1 << 20
	go func() { // 32 KiB every 25 ms: the whole takes about 0.8 s
		buf := make([]byte, 32<<10)
		for {
			if _, err := io.ReadFull(client, buf); err != nil {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
	}()
	start := time.Now()
	if _, err := c.Write(make([]byte, total)); err != nil {
		t.Fatalf("a slow but steady reader was dropped after %s: %v", time.Since(start), err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("the write took %s, under the timeout: the test proves nothing", d)
	}
}

func TestDeadlineConnOwnDeadlineReplacesIdle(t *testing.T) {
	s, _ := tcpPair(t)
	c := Timeouts{Write: 50 * time.Millisecond}.Conn(s)
	c.SetWriteDeadline(time.Now().Add(600 * time.Millisecond))
	start := time.Now()
	if _, err := stallWrite(c); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("dropped after %s: the idle timeout overrode the connection's own deadline", d)
	}

	// Cleared (as net/http does after each request): the idle timeout is back.
	s2, _ := tcpPair(t)
	c = Timeouts{Write: 50 * time.Millisecond}.Conn(s2)
	c.SetDeadline(time.Now().Add(time.Hour))
	c.SetWriteDeadline(time.Time{})
	if waited, err := stallWrite(c); !errors.Is(err, os.ErrDeadlineExceeded) || waited > time.Second {
		t.Errorf("after clearing: %v after %s", err, waited)
	}
}

func TestDeadlineConnReadFrom(t *testing.T) {
	s, client := tcpPair(t)
	// The client reads all along, but with 16 KiB buffers on both ends
	// TCP itself may pause a few hundred milliseconds (zero-window
	// probes start at the 200 ms minimum RTO): the per-piece timeout
	// must stay above that, or the test measures TCP, not deadlineConn.
	c := Timeouts{Write: 2 * time.Second}.Conn(s)
	data := bytes.Repeat([]byte("0123456789abcdef"), 40000) // 640000 bytes: several pieces and a short one
	f := filepath.Join(t.TempDir(), "f")
	os.WriteFile(f, data, 0o600)
	file, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(client)
		got <- b
	}()
	n, err := c.(io.ReaderFrom).ReadFrom(file)
	if err != nil || n != int64(len(data)) {
		t.Fatalf("ReadFrom = %d, %v; want %d", n, err, len(data))
	}
	c.(interface{ CloseWrite() error }).CloseWrite()
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("the client got %d bytes, want the file's %d", len(b), len(data))
	}

	// A client that stops reading fails a ReadFrom too.
	s2, _ := tcpPair(t)
	c = Timeouts{Write: 200 * time.Millisecond}.Conn(s2)
	big := filepath.Join(t.TempDir(), "big")
	os.WriteFile(big, make([]byte, 64<<20), 0o600)
	bf, _ := os.Open(big)
	defer bf.Close()
	start := time.Now()
	if _, err := c.(io.ReaderFrom).ReadFrom(bf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadFrom to a client that reads nothing: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("ReadFrom dropped the client after %s", d)
	}
}

// wantStalledRead checks that the handler's read of what (readBody)
// failed with a deadline error within 3 s.
func wantStalledRead(t *testing.T, results <-chan error, what string) {
	t.Helper()
	select {
	case err := <-results:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%s read gave %v, want a deadline error", what, err)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("the handler still waits for %s", what)
	}
}

// bodyServer serves h behind the body timeout d, over HTTP/1.
func bodyServer(t *testing.T, d time.Duration, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(Timeouts{Body: d}.Handler(h))
	t.Cleanup(srv.Close)
	return srv
}

// readBody is a handler that reports what reading the whole body gave.
func readBody(results chan<- error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		results <- err
		if err != nil {
			return
		}
		io.WriteString(w, "ok")
	}
}

func TestBodyTimeoutStalledUpload(t *testing.T) {
	results := make(chan error, 1)
	srv := bodyServer(t, 200*time.Millisecond, readBody(results))
	conn := mustDial(t, srv.Listener.Addr().String())
	fmt.Fprint(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	wantStalledRead(t, results, "a stalled body")
}

func TestBodyTimeoutSlowSteadyUpload(t *testing.T) {
	results := make(chan error, 1)
	srv := bodyServer(t, 200*time.Millisecond, readBody(results))
	conn := mustDial(t, srv.Listener.Addr().String())
	fmt.Fprint(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n")
	for range 8 { // 8 bytes, 100 ms apart: 0.8 s in all, well over the timeout
		time.Sleep(100 * time.Millisecond)
		conn.Write([]byte("z"))
	}
	if err := <-results; err != nil {
		t.Fatalf("a slow but steady upload failed: %v", err)
	}
}

// TestBodyTimeoutEndsWithTheBody checks that no deadline outlives the
// body: net/http reads the connection in the background once the body is
// done, and a deadline firing there would cancel the request's context;
// and the kept-alive connection must serve a later request.
func TestBodyTimeoutEndsWithTheBody(t *testing.T) {
	ctxErr := make(chan error, 2)
	srv := bodyServer(t, 100*time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		time.Sleep(300 * time.Millisecond) // long after the body's deadline
		ctxErr <- r.Context().Err()
		io.WriteString(w, "done")
	})
	conn := mustDial(t, srv.Listener.Addr().String())
	br := bufio.NewReader(conn)
	for i := range 2 {
		if i == 1 {
			time.Sleep(300 * time.Millisecond) // idle on the kept-alive connection
		}
		fmt.Fprint(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "done" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
		if err := <-ctxErr; err != nil {
			t.Errorf("request %d: the context was cancelled after the body was read: %v", i, err)
		}
	}
}

func TestBodyTimeoutHTTP2(t *testing.T) {
	results := make(chan error, 1)
	srv := httptest.NewUnstartedServer(Timeouts{Body: 200 * time.Millisecond}.Handler(readBody(results)))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("abc")) // then nothing more
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL, pr)
	go func() {
		if resp, err := srv.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	wantStalledRead(t, results, "a stalled HTTP/2 body")
}

func TestBodyTimeoutLeavesNoBodyAlone(t *testing.T) {
	var body io.ReadCloser
	h := Timeouts{Body: time.Second}.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { body = r.Body }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if body != http.NoBody {
		t.Errorf("a request without a body got %T", body)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader("x")))
	if _, ok := body.(*bodyReader); !ok {
		t.Errorf("a request body is %T, want it wrapped", body)
	}
	if b, _ := io.ReadAll(body); string(b) != "x" { // a recorder takes no deadlines: reads still work
		t.Errorf("read %q through a writer without deadlines", b)
	}
	next := http.NotFoundHandler()
	if got := (Timeouts{}).Handler(next); fmt.Sprint(got) != fmt.Sprint(next) {
		t.Error("body_timeout 0 still wraps the handler")
	}
}
