package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
	"github.com/gocorn/gocorn/server"
)

// The access log's %({name}e)s atoms print the request's environ (any
// case, as gunicorn users write them lower-cased) and the worker's own
// environment variables, through the built binary.
func TestAccessLogEnviron(t *testing.T) {
	format := `%({remote_addr}e)s %({SERVER_PROTOCOL}e)s %({wsgi.url_scheme}e)s %({path_info}e)s ` +
		`%({HTTP_X_TOKEN}e)s %({GOCORN_RELEASE}e)s %({gocorn_release}e)s %({GOCORN_UNSET}e)s`
	in := proctest.Start(t, proctest.Setup{Bin: gocornBin, Dir: t.TempDir(), Env: []string{"GOCORN_RELEASE=v1.2.3"}},
		"-b", "127.0.0.1:0", "--access-logfile", "-", "--access-logformat", format, "echo")
	conn := in.Dial()
	if _, err := conn.Write([]byte("GET /some/where HTTP/1.0\r\nX-Token: abc\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	if resp, _ := readEcho(t, bufio.NewReader(conn)); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	re := regexp.MustCompile(`(?m)^127\.0\.0\.1 HTTP/1\.0 http /some/where abc v1\.2\.3 v1\.2\.3 -$`)
	if !proctest.Poll(func() bool { return re.MatchString(in.Stdout.String()) }) {
		t.Fatalf("no access log line matching %s; stdout:\n%s", re, in.Stdout)
	}
}

// mountedRequest sends GET target with extra header lines to the echo app
// over a raw connection from 127.0.0.1, a trusted proxy by default.
func mountedRequest(t *testing.T, in *proctest.Instance, target, headers string) (*http.Response, server.EchoReply) {
	t.Helper()
	conn := in.Dial()
	io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: x\r\n"+headers+"\r\n")
	return readEcho(t, bufio.NewReader(conn))
}

// A trusted proxy's SCRIPT_NAME header, else the SCRIPT_NAME environment
// variable, mounts the app: echo sees the path below the prefix and the
// prefix itself, the access log's %(U)s is the path below it and %(r)s the
// request line as sent; a path outside the prefix gets gunicorn's 500.
func TestScriptNameMountsTheApp(t *testing.T) {
	dir := t.TempDir()
	access := filepath.Join(dir, "access.log")
	in := proctest.Start(t, proctest.Setup{Bin: gocornBin, Dir: dir, Env: []string{"SCRIPT_NAME=/env"}},
		"-b", "127.0.0.1:0", "--access-logfile", access, "--access-logformat", `%(U)s|%(r)s|%({script_name}e)s|%(s)s`, "echo")
	tests := []struct{ target, header, scriptName, path, query string }{
		{"/app/x%20y?q=1", "SCRIPT_NAME: /app\r\n", "/app", "/x y", "q=1"},
		{"/env/a", "", "/env", "/a", ""},
		{"/env", "", "/env", "/", ""},
	}
	for _, tt := range tests {
		resp, reply := mountedRequest(t, in, tt.target, tt.header)
		if resp.StatusCode != 200 || reply.ScriptName != tt.scriptName || reply.Path != tt.path || reply.Query != tt.query || reply.URI != tt.target {
			t.Errorf("%s: got %d %+v; want script_name %q, path %q", tt.target, resp.StatusCode, reply, tt.scriptName, tt.path)
		}
	}
	conn := in.Dial()
	io.WriteString(conn, "GET /other HTTP/1.1\r\nHost: x\r\nSCRIPT_NAME: /app\r\n\r\n")
	page, _ := io.ReadAll(conn) // the server closes the connection after the page
	want := "Configuration problem: Request path &#x27;/other&#x27; does not start with SCRIPT_NAME &#x27;/app&#x27;"
	if !strings.HasPrefix(string(page), "HTTP/1.1 500 Internal Server Error\r\n") || !strings.Contains(string(page), want) {
		t.Errorf("outside the prefix: got %q, want a 500 page saying %q", page, want)
	}
	in.WaitLog(`Invalid request from ip=127\.0\.0\.1: Configuration problem: Request path '/other' does not start with SCRIPT_NAME '/app'`)
	waitAccessLine(t, access, `(?m)^/x y\|GET /app/x%20y\?q=1 HTTP/1\.1\|/app\|200\n/a\|GET /env/a HTTP/1\.1\|/env\|200\n/\|GET /env HTTP/1\.1\|/env\|200\n/other\|GET /other HTTP/1\.1\|\|500$`)
}

// root_path mounts the app too, but a request outside it, which a
// stripping proxy already took the prefix off, reaches the app unchanged;
// a HUP applies a new root_path.
func TestScriptNameFromRootPath(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "gocorn.conf.star")
	write := func(root string) {
		os.WriteFile(conf, []byte("bind = ['127.0.0.1:0']\nroot_path = '"+root+"'\n"), 0o644)
	}
	write("/mount/")
	in := proctest.Launch(t, proctest.Setup{Bin: gocornBin, Dir: dir}, "echo")
	in.WaitListening()
	in.WaitWorkers(1)
	check := func(target, scriptName, path string) {
		t.Helper()
		if resp, reply := mountedRequest(t, in, target, ""); resp.StatusCode != 200 || reply.ScriptName != scriptName || reply.Path != path {
			t.Errorf("%s: got %d %+v; want script_name %q, path %q", target, resp.StatusCode, reply, scriptName, path)
		}
	}
	check("/mount/a", "/mount", "/a")
	check("/elsewhere", "/mount", "/elsewhere")
	write("/v2")
	in.Reload(2)
	check("/v2/b", "/v2", "/b")
	check("/mount/a", "/v2", "/mount/a")
}
