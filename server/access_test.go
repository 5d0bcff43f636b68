package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocorn/gocorn/instrument/accesslog"
	"github.com/gocorn/gocorn/server/proxy"
)

// lines is an access log destination that keeps every write.
type lines struct {
	mu     sync.Mutex
	writes []string
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes = append(l.writes, string(p))
	return len(p), nil
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.writes...)
}

func (l *lines) waitN(t *testing.T, n int) []string {
	t.Helper()
	waitFor(t, "access log lines", func() bool { return len(l.all()) >= n })
	return l.all()
}

// accessMux serves the responses the access log tests look at.
func accessMux(t *testing.T) http.Handler {
	file := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(file, bytes.Repeat([]byte("0123456789"), 10000), 0o600); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/hello", Hello())
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		io.WriteString(w, "abc")
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush through the access log: %v", err)
		}
		io.WriteString(w, "defg")
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush through the access log: %v", err)
		}
	})
	mux.HandleFunc("/file", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(io.ReaderFrom); !ok {
			t.Errorf("the response writer %T is not an io.ReaderFrom", w)
		}
		f, err := os.Open(file)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		if n, err := io.Copy(w, f); n != 100000 || err != nil {
			t.Errorf("io.Copy from a file = %d, %v", n, err)
		}
	})
	mux.HandleFunc("/created", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusCreated)
		w.WriteHeader(http.StatusInternalServerError) // superfluous, ignored
		io.WriteString(w, "x")
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/post", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(w, r.Body)
	})
	return mux
}

func TestAccessLog(t *testing.T) {
	for _, cfg := range []string{"sync", "gthread"} {
		t.Run(cfg, func(t *testing.T) {
			log := &lines{}
			c := config(cfg)
			if cfg == "gthread" {
				c.Class.Handlers = 2
			}
			c.AccessLogFormat = `%(r)s %(s)s %(b)s`
			r := start(t, with(c, Options{Handler: accessMux(t), AccessLog: log}), 1)
			tests := []struct {
				request string
				status  int
				body    int
				line    string
			}{
				{get("/hello"), 200, 14, "GET /hello HTTP/1.1 200 14\n"},
				{get("/nowhere?q=1"), 404, 19, "GET /nowhere?q=1 HTTP/1.1 404 19\n"},
				{get("/flush"), 200, 7, "GET /flush HTTP/1.1 200 7\n"},
				{get("/file"), 200, 100000, "GET /file HTTP/1.1 200 100000\n"},
				{get("/created"), 201, 1, "GET /created HTTP/1.1 201 1\n"},
				{get("/empty"), 200, 0, "GET /empty HTTP/1.1 200 0\n"},
				{"POST /post HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello", 200, 5, "POST /post HTTP/1.1 200 5\n"},
			}
			for i, tt := range tests {
				cl := mustDial(t, r.addr())
				resp, body, err := cl.roundTrip(tt.request)
				if err != nil {
					t.Fatalf("%q: %v", tt.request, err)
				}
				if resp.StatusCode != tt.status || len(body) != tt.body {
					t.Errorf("%q: status %d, %d body bytes; want %d, %d", tt.request, resp.StatusCode, len(body), tt.status, tt.body)
				}
				got := log.waitN(t, i+1)
				if len(got) != i+1 || got[i] != tt.line {
					t.Fatalf("after %q the access log has %q, want last %q", tt.request, got, tt.line)
				}
			}
		})
	}
}

func TestAccessLogDefaultFormat(t *testing.T) {
	log := &lines{}
	r := start(t, with(config("sync"), Options{Handler: Hello(), AccessLog: log}), 1)
	c := mustDial(t, r.addr())
	resp, _, err := c.roundTrip("GET /a%20b?x=\"1\" HTTP/1.1\r\nHost: test\r\nReferer: http://ref.test/\r\nUser-Agent: agent/1.0\r\n\r\n")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("request: %v", err)
	}
	got := log.waitN(t, 1)
	want := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /a%20b\?x=\\"1\\" HTTP/1\.1" 200 14 "http://ref\.test/" "agent/1\.0"\n$`)
	if len(got) != 1 || !want.MatchString(got[0]) {
		t.Errorf("access log %q, want one line matching %s", got, want)
	}
	if accesslog.DefaultFormat != config("sync").AccessLogFormat {
		t.Fatal("the test config does not use the default format")
	}
}

// Under concurrent requests every request still gets exactly one whole
// line, written in one Write.
func TestAccessLogConcurrent(t *testing.T) {
	log := &lines{}
	cfg := gthread(4, 20, 5)
	cfg.AccessLogFormat = `%(U)s %(s)s %(b)s`
	r := start(t, with(cfg, Options{Handler: Hello(), AccessLog: log}), 1)
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		c := mustDial(t, r.addr())
		go func() {
			_, _, err := c.roundTrip(get("/" + strings.Repeat("x", i)))
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got := log.waitN(t, n)
	seen := make(map[string]bool)
	for _, line := range got {
		seen[line] = true
	}
	for i := range n {
		want := "/" + strings.Repeat("x", i) + " 200 14\n"
		if !seen[want] {
			t.Errorf("no access log line %q in %q", want, got)
		}
	}
	if len(got) != n {
		t.Errorf("%d access log lines for %d requests", len(got), n)
	}
}

// Handlers reach the connection's own methods through the worker's
// response writer (http.ResponseController unwraps it).
func TestResponseControllerReachesTheConnection(t *testing.T) {
	errs := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errs <- http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute))
	})
	r := start(t, with(config("sync"), Options{Handler: h}), 1)
	mustDial(t, r.addr()).mustGet(t, "/")
	if err := <-errs; err != nil {
		t.Errorf("SetWriteDeadline through the response writer: %v", err)
	}
}

// %({name}e)s prints the request's environ variable of that name, in any
// case (gunicorn lower-cases the atom keys), else the worker's environment
// variable; a name neither knows prints "-", an empty variable nothing.
func TestAccessLogEnviron(t *testing.T) {
	t.Setenv("GOCORN_ENVIRON_TEST", `say "hi"`)
	log := &lines{}
	c := config("sync")
	c.AccessLogFormat = `%({remote_addr}e)s %({REQUEST_METHOD}e)s %({Path_Info}e)s [%({query_string}e)s] ` +
		`%({wsgi.url_scheme}e)s %({SERVER_PROTOCOL}e)s %({raw_uri}e)s %({http_x_token}e)s %({HTTP_ACCEPT}e)s ` +
		`%({content_type}e)s %({HTTP_MISSING}e)s %({GOCORN_ENVIRON_TEST}e)s %({gocorn_environ_test}e)s %({NO_SUCH_VARIABLE}e)s`
	r := start(t, with(c, Options{Handler: Hello(), AccessLog: log}), 1)
	_, _, err := mustDial(t, r.addr()).roundTrip("GET /a%20b HTTP/1.1\r\nHost: test\r\nX-Token: \"q\"\\\r\nAccept: a\r\nAccept: b\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	want := `127.0.0.1 GET /a b [] http HTTP/1.1 /a%20b \"q\"\\ a,b - - say \"hi\" say \"hi\" -` + "\n"
	if got := log.waitN(t, 1); got[0] != want {
		t.Errorf("access log\n%q\nwant\n%q", got[0], want)
	}
}

// Environ atoms cost no allocation per line: each name is resolved when
// the format is compiled.
func TestAccessLogEnvironAllocs(t *testing.T) {
	t.Setenv("GOCORN_ENVIRON_TEST", "x")
	a := newAccessLogger(Options{AccessLog: io.Discard,
		AccessLogFormat: `%({REMOTE_ADDR}e)s %({remote_port}e)s %({wsgi.url_scheme}e)s %({HTTP_ACCEPT}e)s %({GOCORN_ENVIRON_TEST}e)s %({nope}e)s`})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept", "*/*")
	buf := make([]byte, 0, 256)
	e := &accesslog.Entry{Request: r}
	if n := testing.AllocsPerRun(100, func() { buf = a.format.Append(buf[:0], e) }); n != 0 {
		t.Errorf("%.1f allocations per line, want 0", n)
	}
	if got := string(buf); got != "192.0.2.1 1234 http */* x -\n" {
		t.Errorf("line %q", got)
	}
}

// The JSON line takes its request id from a trusted proxy only, shows
// the socket's peer beside the client a trusted X-Forwarded-For names,
// and generates an id for everyone else.
func TestAccessLogJSON(t *testing.T) {
	untrusted := proxy.Config{Forwarded: proxy.NewTrust(false, netip.MustParsePrefix("192.0.2.0/24"))}
	request := "GET /a?b=1 HTTP/1.1\r\nHost: test\r\nX-Trace: t-1\r\nX-Forwarded-For: 198.51.100.4\r\n\r\n"
	tests := []struct {
		name     string
		proxy    proxy.Config
		idHeader string
		id       string // the request_id, or "" for a generated one
		client   string
	}{
		{"trusted", loopbackProxy, "x-trace", "t-1", "198.51.100.4"},
		{"untrusted", untrusted, "X-Trace", "", "127.0.0.1"},
		{"no header named", loopbackProxy, "", "", "198.51.100.4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			log := &lines{}
			o := with(config("sync"), Options{Handler: Hello(), AccessLog: log, AccessLogFormat: "json",
				Proxy: tc.proxy, RequestIDHeader: tc.idHeader})
			r := start(t, o, 1)
			if _, _, err := mustDial(t, r.addr()).roundTrip(request); err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(log.waitN(t, 1)[0]), &m); err != nil {
				t.Fatal(err)
			}
			id, _ := m["request_id"].(string)
			if tc.id != "" && id != tc.id || tc.id == "" && !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
				t.Errorf("request_id %q, want %q", id, tc.id)
			}
			peer, _ := m["peer"].(string)
			if m["remote_addr"] != tc.client || !strings.HasPrefix(peer, "127.0.0.1:") || m["scheme"] != "http" ||
				m["status"] != 200.0 || m["uri"] != "/a?b=1" || m["pid"] != float64(os.Getpid()) {
				t.Errorf("line %v", m)
			}
		})
	}
}

// access_log_skip_paths leaves out probes that succeed, not those that
// fail, nor other paths.
func TestAccessLogSkipPaths(t *testing.T) {
	log := &lines{}
	c := config("sync")
	c.AccessLogFormat = `%(r)s %(s)s`
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("fail") != "" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	mux.Handle("/", Hello())
	r := start(t, with(c, Options{Handler: mux, AccessLog: log, AccessLogSkip: []string{"/healthz", "/static/*"}}), 1)
	for _, path := range []string{"/healthz", "/static/app.js", "/healthz?fail=1", "/page"} {
		if _, _, err := mustDial(t, r.addr()).roundTrip(get(path)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"GET /healthz?fail=1 HTTP/1.1 503\n", "GET /page HTTP/1.1 200\n"}
	if got := log.waitN(t, 2); !slices.Equal(got, want) {
		t.Errorf("access log %q, want %q", got, want)
	}
}
