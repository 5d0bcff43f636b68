package server

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/server/h1"
	"github.com/gocorn/gocorn/server/proxy"
)

// loopbackProxy trusts 127.0.0.1 as a proxy, as forwarded_allow_ips does
// by default.
var loopbackProxy = proxy.Config{Forwarded: proxy.NewTrust(false, netip.MustParsePrefix("127.0.0.1/32"))}

// A trusted proxy's SCRIPT_NAME header mounts the application: the
// handler sees the path without it, and the access log's %(U)s too, while
// %(r)s keeps the request line. A request outside it is refused, and
// logged and hooked like any other.
func TestScriptNameFromTrustedProxy(t *testing.T) {
	paths := make(chan string, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { paths <- r.URL.Path })
	log := &lines{}
	posted := make(chan int, 2)
	c := config("sync")
	c.AccessLogFormat = `%(U)s "%(r)s" %(s)s %({script_name}e)s`
	r := start(t, with(c, Options{Handler: h, AccessLog: log, Proxy: loopbackProxy,
		PostRequest: func(_ *http.Request, d Done) { posted <- d.Status }}), 1)
	resp, _, err := mustDial(t, r.addr()).roundTrip("GET /app/x?q=1 HTTP/1.1\r\nHost: test\r\nSCRIPT_NAME: /app\r\n\r\n")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	if got := <-paths; got != "/x" {
		t.Errorf("the handler saw %q, want /x", got)
	}
	if got := log.waitN(t, 1); got[0] != "/x \"GET /app/x?q=1 HTTP/1.1\" 200 /app\n" {
		t.Errorf("access log %q", got)
	}

	cl := mustDial(t, r.addr())
	resp, body, err := cl.roundTrip("GET /other HTTP/1.1\r\nHost: test\r\nSCRIPT_NAME: /app\r\n\r\n")
	if err != nil || resp.StatusCode != 500 || !strings.Contains(body, "Configuration problem: Request path &#x27;/other&#x27; does not start with SCRIPT_NAME &#x27;/app&#x27;") {
		t.Fatalf("outside the prefix: %v %q %v", resp, body, err)
	}
	if err := cl.closedByServer(); err != nil {
		t.Error(err)
	}
	if got := log.waitN(t, 2); got[1] != "/other \"GET /other HTTP/1.1\" 500 \n" {
		t.Errorf("access log %q", got)
	}
	if a, b := <-posted, <-posted; a != 200 || b != 500 {
		t.Errorf("post_request saw %d and %d", a, b)
	}
}

// seen is what a handler under a mount prefix saw of a request.
type seen struct {
	path, rawPath, scriptName, uri, pathInfo string
}

// serveMounted sends one request through a mount with the options' prefixes, behind
// proxy handling that trusts 127.0.0.1, and returns the response and what
// the handler saw.
func serveMounted(o Options, remote, target string, header http.Header) (*httptest.ResponseRecorder, seen) {
	var got seen
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pathInfo, _ := EnvironValue(r, "PATH_INFO")
		got = seen{r.URL.Path, r.URL.RawPath, ScriptName(r), r.RequestURI, pathInfo}
	})
	m := newMount(o)
	h := proxy.New(loopbackProxy).Handler(m.handler(next, http.HandlerFunc(m.refuse)))
	method := "GET"
	if target == "*" {
		method = "OPTIONS"
	}
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = remote
	maps.Copy(r.Header, header)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, got
}

func TestScriptName(t *testing.T) {
	const trusted, untrusted = "127.0.0.1:4000", "192.0.2.1:4000"
	script := func(v string) http.Header { return http.Header{"Script_name": {v}} }
	env := Options{ScriptName: "/env"}
	root := Options{RootPath: "/mount/"}
	tests := []struct {
		name   string
		o      Options
		remote string
		target string
		header http.Header
		want   seen // uri and pathInfo are checked apart
	}{
		{"trusted header", Options{}, trusted, "/app/x?q=1", script("/app"), seen{path: "/x", scriptName: "/app"}},
		{"untrusted header", Options{}, untrusted, "/app/x", script("/app"), seen{path: "/app/x"}},
		{"untrusted header, env var", env, untrusted, "/env/x", script("/app"), seen{path: "/x", scriptName: "/env"}},
		{"env var", env, trusted, "/env/a/b", nil, seen{path: "/a/b", scriptName: "/env"}},
		{"header over env var", env, trusted, "/app/a", script("/app"), seen{path: "/a", scriptName: "/app"}},
		{"empty header over env var", env, trusted, "/env/a", script(""), seen{path: "/env/a"}},
		{"last header", Options{}, trusted, "/b/x", http.Header{"Script_name": {"/a", "/b"}}, seen{path: "/x", scriptName: "/b"}},
		{"root_path", root, trusted, "/mount/a", nil, seen{path: "/a", scriptName: "/mount"}},
		{"root_path, already stripped", root, trusted, "/a", nil, seen{path: "/a", scriptName: "/mount"}},
		{"root_path is not a segment of", root, trusted, "/mountain", nil, seen{path: "/mountain", scriptName: "/mount"}},
		{"root_path over env var", Options{RootPath: "/mount", ScriptName: "/env"}, trusted, "/mount/a", nil, seen{path: "/a", scriptName: "/mount"}},
		{"header over root_path", root, trusted, "/app/a", script("/app"), seen{path: "/a", scriptName: "/app"}},
		{"root_path /", Options{RootPath: "/"}, trusted, "/a", nil, seen{path: "/a"}},
		{"trailing slash", Options{}, trusted, "/app/x/", script("/app/"), seen{path: "/x/", scriptName: "/app"}},
		{"the prefix itself", Options{}, trusted, "/app", script("/app"), seen{path: "/", scriptName: "/app"}},
		{"the prefix and a slash", Options{}, trusted, "/app/", script("/app"), seen{path: "/", scriptName: "/app"}},
		{"escaped rest", Options{}, trusted, "/app/a%20b", script("/app"), seen{path: "/a b", scriptName: "/app"}},
		{"escaped slash kept", Options{}, trusted, "/app/a%2Fb", script("/app"), seen{path: "/a/b", rawPath: "/a%2Fb", scriptName: "/app"}},
		{"escaped prefix", Options{}, trusted, "/my%20app/a%20b", script("/my%20app"), seen{path: "/a b", scriptName: "/my%20app"}},
		{"not a path", Options{}, trusted, "*", script("/app"), seen{path: "*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, got := serveMounted(tt.o, tt.remote, tt.target, tt.header)
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if got.uri != tt.target || got.pathInfo != got.path {
				t.Errorf("RequestURI %q, PATH_INFO %q; want the target unchanged and the path", got.uri, got.pathInfo)
			}
			got.uri, got.pathInfo = "", ""
			if got != tt.want {
				t.Errorf("saw %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Outside a SCRIPT_NAME, from a proxy or the environment, the request is
// refused as gunicorn refuses it: 500, "Configuration problem".
func TestScriptNameOutside(t *testing.T) {
	tests := []struct {
		name   string
		o      Options
		target string
		header http.Header
		msg    string
	}{
		{"other path", Options{}, "/other", http.Header{"Script_name": {"/app"}}, "Request path '/other' does not start with SCRIPT_NAME '/app'"},
		{"not a segment", Options{}, "/application", http.Header{"Script_name": {"/app"}}, "Request path '/application' does not start with SCRIPT_NAME '/app'"},
		{"escaped slash", Options{}, "/app%2Fx", http.Header{"Script_name": {"/app"}}, "Request path '/app%2Fx' does not start with SCRIPT_NAME '/app'"},
		{"differently escaped", Options{}, "/%61pp/x", http.Header{"Script_name": {"/app"}}, "Request path '/%61pp/x' does not start with SCRIPT_NAME '/app'"},
		{"env var", Options{ScriptName: "/env/"}, "/x", nil, "Request path '/x' does not start with SCRIPT_NAME '/env'"},
		{"not a path prefix", Options{}, "/app/x", http.Header{"Script_name": {"app"}}, "Request path '/app/x' does not start with SCRIPT_NAME 'app'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, got := serveMounted(tt.o, "127.0.0.1:4000", tt.target, tt.header)
			if got != (seen{}) {
				t.Errorf("the handler ran: %+v", got)
			}
			want := string(h1.ErrorBody(500, "Configuration problem: "+tt.msg))
			if w.Code != 500 || w.Body.String() != want {
				t.Errorf("got %d %q, want 500 %q", w.Code, w.Body, want)
			}
			h := w.Header()
			maps.DeleteFunc(h, func(_ string, v []string) bool { return v == nil }) // Date: nil keeps net/http from adding one
			if len(h) != 3 || h.Get("Connection") != "close" || h.Get("Content-Type") != "text/html" {
				t.Errorf("headers %v, want gunicorn's three", h)
			}
		})
	}
}
