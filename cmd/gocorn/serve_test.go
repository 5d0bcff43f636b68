package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

func TestHelloServes(t *testing.T) {
	begin := time.Now()
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-w", "2", "hello")
	resp, err := proctest.Client.Get(in.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	t.Logf("start to first response: %s", time.Since(begin))
	if resp.StatusCode != 200 || string(body) != "Hello, World!\n" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("got %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// sync: every response closes its connection, as gunicorn.
	if !resp.Close {
		t.Errorf("sync worker response did not say Connection: close")
	}
}

func TestGthreadKeepsConnectionsAlive(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-k", "gthread", "--threads", "4", "hello")
	conn := in.Dial()
	r := bufio.NewReader(conn)
	for i := range 3 { // three requests on one connection
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("request %d on a kept-alive connection: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Close {
			t.Fatalf("gthread response %d closed the connection", i)
		}
	}
}

func TestEchoShowsTheRequest(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "echo")
	conn := in.Dial()
	fmt.Fprint(conn, "POST /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.test\r\nX-Multi: one\r\nX-Multi: two\r\n"+
		"Transfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 42\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	keys := []string{"method", "uri", "script_name", "path", "query", "proto", "headers", "trailers", "body_base64", "remote_addr", "scheme"}
	if len(got) != len(keys) {
		t.Errorf("echo keys: got %d keys, want exactly %v: %v", len(got), keys, got)
	}
	want := map[string]any{
		"method": "POST", "uri": "/a/b?x=1&y=2", "script_name": "", "path": "/a/b", "query": "x=1&y=2", "proto": "HTTP/1.1",
		"body_base64": base64.StdEncoding.EncodeToString([]byte("hello")), "scheme": "http",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %v, want %v", k, got[k], v)
		}
	}
	headers := got["headers"].(map[string]any)
	if fmt.Sprint(headers["X-Multi"]) != "[one two]" || fmt.Sprint(headers["Host"]) != "[example.test]" ||
		fmt.Sprint(headers["Transfer-Encoding"]) != "[chunked]" {
		t.Errorf("headers: %v", headers)
	}
	if fmt.Sprint(got["trailers"].(map[string]any)["X-Sum"]) != "[42]" {
		t.Errorf("trailers: %v", got["trailers"])
	}
	if !strings.HasPrefix(got["remote_addr"].(string), "127.0.0.1:") {
		t.Errorf("remote_addr: %v", got["remote_addr"])
	}
}

func TestBindForms(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "app.sock")
	in := start(t, dir, "-b", "127.0.0.1:0", "-b", "unix:"+sock, "-b", "[::1]:0", "-w", "2", "hello")
	names := in.WaitLog(`Listening at: (\S+) \(`)[1]
	if !strings.Contains(names, "unix:"+sock) || !strings.Contains(names, "http://[::1]:") {
		t.Fatalf("listeners: %s", names)
	}
	for _, l := range strings.Split(names, ",") {
		var c *http.Client
		var url string
		switch {
		case strings.HasPrefix(l, "unix:"):
			c = &http.Client{Timeout: proctest.WaitFor, Transport: &http.Transport{
				Dial: func(_, _ string) (net.Conn, error) { return net.Dial("unix", sock) },
			}}
			url = "http://unix/"
		default:
			c, url = proctest.Client, l+"/"
		}
		resp, err := c.Get(url)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", l, resp.StatusCode)
		}
	}
	in.Signal(syscall.SIGTERM)
	if code := in.Wait(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("unix socket %s left behind after exit: %v", sock, err)
	}
}

func TestBindInheritedFD(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := l.(*net.TCPListener).File()
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in := proctest.Start(t, proctest.Setup{Bin: gocornBin, Dir: t.TempDir(), Files: []*os.File{f}}, "-b", "fd://3", "hello")
	if code, body := in.Get("/"); code != 200 || body != "Hello, World!\n" {
		t.Fatalf("got %d %q", code, body)
	}
}
