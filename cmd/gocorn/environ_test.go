package main

import (
	"bufio"
	"regexp"
	"testing"

	"github.com/gocorn/gocorn/proc/proctest"
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
