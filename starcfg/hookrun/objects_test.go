package hookrun

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// evalWith evaluates a Starlark expression with the hook objects bound as
// server, worker, req and resp.
func evalWith(t *testing.T, expr string, env starlark.StringDict) (starlark.Value, error) {
	t.Helper()
	thread := &starlark.Thread{Name: "test"}
	return starlark.EvalOptions(&syntax.FileOptions{}, thread, "expr", expr, env)
}

func testObjects(t *testing.T, r *http.Request) starlark.StringDict {
	h := New(nil, slog.New(&logRecorder{}), RequestView{})
	cfg := testConfig(t)
	return starlark.StringDict{
		"server": h.server(&Master{PID: 10, NumWorkers: 3, Config: cfg}),
		"worker": h.workerValue(&Worker{PID: 11, ID: 4, Config: cfg, Booted: time.Unix(5, 0)}),
		"req":    &requestValue{r: r, view: &RequestView{}},
		"resp": &respValue{resp: &Response{
			Status: 200, Bytes: 1 << 40, Duration: 250 * time.Millisecond,
			Header: http.Header{"Content-Type": {"text/plain"}, "x-raw": {"kept"}, "Set-Cookie": {"a=1", "b=2"}},
		}},
	}
}

func TestHookObjects(t *testing.T) {
	tests := []struct {
		expr, want string
	}{
		{"server.pid", "10"},
		{"server.num_workers", "3"},
		{"server.cfg.workers", "3"},
		{"server.cfg.bind", `["0.0.0.0:8000"]`},
		{"server.cfg.pidfile", "None"},
		{"server.cfg.keepalive", "75"},
		{"server.cfg.check_config", "False"},
		{"type(server.cfg.bind)", `"list"`},
		{"type(server.log.info)", `"builtin_function_or_method"`},
		{"server.log.info('hello')", "None"},
		{"worker.pid", "11"},
		{"worker.id", "4"},
		{"worker.age", "4"},
		{"worker.booted", "5.0"},
		{"worker.cfg == server.cfg", "True"},
		{"dir(worker)", `["age", "booted", "cfg", "id", "log", "pid"]`},
		{"dir(server)", `["cfg", "log", "num_workers", "pid", "set_workers"]`},
		{"req.method", `"GET"`},
		{"req.path", `"/a/b"`},
		{"req.query", `"x=1"`},
		{"req.uri", `"/a/b?x=1"`},
		{"req.proto", `"HTTP/1.1"`},
		{"req.remote_addr", `"192.0.2.10"`},
		{"req.remote_port", "4711"},
		{"req.scheme", `"http"`},
		{"req.headers['User-Agent']", `"curl/8.5"`},
		{"req.headers['user-agent']", `"curl/8.5"`},
		{"req.headers['Accept']", `"text/html, */*"`},
		{"req.headers['Host']", `"example.com"`},
		{"req.headers.get('X-None')", "None"},
		{"req.headers.get('x-none', 'dflt')", `"dflt"`},
		{"'accept' in req.headers", "True"},
		{"'X-None' in req.headers", "False"},
		{"1 in req.headers", "False"},
		{"len(req.headers)", "4"},
		{"list(req.headers)", `["Accept", "Content-Type", "Host", "User-Agent"]`},
		{"req.headers.keys()", `["Accept", "Content-Type", "Host", "User-Agent"]`},
		{"req.headers.items()[0]", `("Accept", "text/html, */*")`},
		{"dict(req.headers)['Host']", `"example.com"`},
		{"str(req.headers)", `"{\"Accept\": \"text/html, */*\", \"Content-Type\": \"text/plain\", \"Host\": \"example.com\", \"User-Agent\": \"curl/8.5\"}"`},
		{"[k for k in req.headers if k.startswith('C')]", `["Content-Type"]`},
		{"req.headers == req.headers", "True"},
		{"resp.status", "200"},
		{"resp.bytes_sent", "1099511627776"},
		{"resp.duration", "0.25"},
		{"resp.headers['content-type']", `"text/plain"`},
		{"resp.headers['X-Raw']", `"kept"`},
		{"resp.headers['set-cookie']", `"a=1, b=2"`},
		{"resp.headers.values()", `["text/plain", "a=1, b=2", "kept"]`},
		{"resp.headers.keys()", `["Content-Type", "Set-Cookie", "X-Raw"]`},
	}
	env := testObjects(t, testRequest())
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			v, err := evalWith(t, tt.expr, env)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.String(); got != tt.want {
				t.Errorf("= %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRequestPeers(t *testing.T) {
	tests := []struct {
		remote, addr, port string
	}{
		{"[2001:db8::1]:443", `"2001:db8::1"`, "443"},
		{"@", `""`, "0"},
		{"", `""`, "0"},
	}
	for _, tt := range tests {
		r := testRequest()
		r.RemoteAddr = tt.remote
		env := testObjects(t, r)
		for expr, want := range map[string]string{"req.remote_addr": tt.addr, "req.remote_port": tt.port} {
			if v, err := evalWith(t, expr, env); err != nil || v.String() != want {
				t.Errorf("RemoteAddr %q: %s = %v, %v; want %s", tt.remote, expr, v, err, want)
			}
		}
	}
	r := testRequest()
	r.TLS = &tls.ConnectionState{}
	if v, err := evalWith(t, "req.scheme", testObjects(t, r)); err != nil || v.String() != `"https"` {
		t.Errorf("req.scheme with TLS = %v, %v; want \"https\"", v, err)
	}
}

// Objects are read-only and a misspelt attribute gets a hint.
func TestHookObjectErrors(t *testing.T) {
	tests := []struct {
		expr, want string
	}{
		{"worker.pidd", "worker has no .pidd field or method (did you mean .pid?)"},
		{"server.num_worker", "server has no .num_worker field or method (did you mean .num_workers?)"},
		{"server.cfg.worker", "cfg has no .worker field or method (did you mean .workers?)"},
		{"server.cfg.keep_alive", "cfg has no .keep_alive field or method (did you mean .keepalive?)"},
		{"server.log.warnng('x')", "log has no .warnng field or method (did you mean .warning?)"},
		{"server.log.info()", "info: got 0 arguments, want at least 1"},
		{"req.heders", "req has no .heders field or method (did you mean .headers?)"},
		{"req.headers['X-None']", `key "X-None" not in headers`},
		{"req.headers.gett('a')", "headers has no .gett field or method (did you mean .get?)"},
		{"resp.staus", "resp has no .staus field or method (did you mean .status?)"},
		{"server.cfg.bind.append('x')", "append: cannot append to frozen list"},
		{"{req: 1}", "unhashable type: req"},
	}
	env := testObjects(t, testRequest())
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := evalWith(t, tt.expr, env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	for _, stmt := range []string{"req.path = '/'", "worker.pid = 1", "server.cfg.workers = 9"} {
		_, err := starlark.ExecFileOptions(&syntax.FileOptions{}, &starlark.Thread{}, "stmt", stmt, env)
		if err == nil || !strings.Contains(err.Error(), "can't assign to") {
			t.Errorf("%s: error %v, want can't assign", stmt, err)
		}
	}
}

// The cfg object is built once per Config and the worker object once per
// Worker.
func TestHookObjectsReused(t *testing.T) {
	h := New(nil, nil, RequestView{})
	c1, c2 := testConfig(t), testConfig(t)
	if h.cfgFor(c1) != h.cfgFor(c1) {
		t.Error("cfg built twice for one Config")
	}
	if h.cfgFor(c1) == h.cfgFor(c2) {
		t.Error("cfg shared by two Configs")
	}
	if h.cfgFor(nil) != starlark.None {
		t.Error("cfg of no Config is not None")
	}
	w := &Worker{}
	if h.workerValue(w) != h.workerValue(w) {
		t.Error("worker object built twice for one Worker")
	}
}

// post_request's environ is the view's, as a frozen dict.
func TestEnvironFromView(t *testing.T) {
	view := RequestView{Environ: func(r *http.Request) map[string]string {
		return map[string]string{"REQUEST_METHOD": r.Method, "wsgi.url_scheme": "https"}
	}}
	d := view.environ(testRequest())
	if got, want := d.String(), `{"REQUEST_METHOD": "GET", "wsgi.url_scheme": "https"}`; got != want {
		t.Errorf("environ = %s, want %s", got, want)
	}
	if err := d.SetKey(starlark.String("x"), starlark.None); err == nil {
		t.Error("environ is not frozen")
	}
	if got := (&RequestView{}).environ(testRequest()); got.Len() != 0 {
		t.Errorf("environ without a view = %s, want {}", got)
	}
}
