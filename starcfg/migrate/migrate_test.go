package migrate

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/starcfg"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testEnviron is the environment the translated configs are checked in.
var testEnviron = []string{"PORT=9000", "WEB_CONCURRENCY=3", "APP_ENV=production", "HOME=/nonexistent"}

// TestGolden translates every config in testdata, compares the result
// with its golden .star file, and checks that gocorn accepts it.
func TestGolden(t *testing.T) {
	wantLeft := map[string]int{
		"custom_worker": 2, "env_workers": 0, "example_style": 2, "hooks_logging": 2,
		"json_access_log": 0, "logconfig_dict": 1, "stackdump": 5, "statsd": 2,
	}
	files, _ := filepath.Glob("testdata/*.py")
	if len(files) != len(wantLeft) {
		t.Fatalf("testdata has %d configs, the test knows %d", len(files), len(wantLeft))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".py")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Config(filepath.Base(f), src)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(f, ".py") + ".star"
			if *update {
				if err := os.WriteFile(golden, res.Star, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, _ := os.ReadFile(golden)
			if !bytes.Equal(res.Star, want) {
				t.Errorf("%s differs from the translation (go test -update):\n%s", golden, res.Star)
			}
			if res.Left != wantLeft[name] {
				t.Errorf("left %d statements, want %d", res.Left, wantLeft[name])
			}
			if err := Check(res.Star, testEnviron); err != nil {
				t.Errorf("the translation fails --check-config: %v", err)
			}
		})
	}
}

// TestRules checks the translation rules one Python snippet at a time.
func TestRules(t *testing.T) {
	tests := []struct{ py, star string }{
		{"import os\nworkers = int(os.environ.get('W', 2))", "workers = int(env('W', 2))"},
		{"from os import environ\nbind = environ['BIND']", "bind = env('BIND')"},
		{"from os import getenv as ge\nbind = ge('B', ':80')", "bind = env('B', ':80')"},
		{"import multiprocessing as mp\nworkers = mp.cpu_count() * 2", "workers = cpu_count() * 2"},
		{"import os\nworkers = os.cpu_count()", "workers = cpu_count()"},
		{"import os\nif 'X' not in os.environ:\n    workers = 3", "if env('X') == None:\n    workers = 3"},
		{`proc_name = f"web-{1 + 2}"`, `proc_name = "web-{}".format(1 + 2)`},
		{`proc_name = f"{'a'!r}x"`, `proc_name = "{!r}x".format('a')`},
		{`proc_name = f"{{literal}}"`, `proc_name = "{{literal}}"`},
		{`proc_name = u"web"`, `proc_name = "web"`},
		{`proc_name = "a" "b"`, `proc_name = ("a" + "b")`},
		{`proc_name = "w%s" % 2`, `proc_name = "w%s" % 2`},
		{"port = 80\nbind = ':%d' % port", "_port = 80\nbind = ':%d' % _port"},
		{"wsgi_app = 'a:b'", "# gocorn migrate: line 1: a Go binary registers its handlers by name (examples/embed); " +
			"set app = \"NAME\" to one of them, or name it on the command line\n# wsgi_app = 'a:b'"},
		{"def post_fork(server, worker):\n    server.log.info('pid %s', worker.pid)",
			"def post_fork(server, worker):\n    server.log.info('pid %s', worker.pid)"},
		{"def worker_exit(s, w):\n    s.log.exception('x')\n    s.log.warn('y')", "def worker_exit(s, w):\n    s.log.exception('x')\n    s.log.warn('y')"},
		{"def worker_exit(s, w):\n    s.log.fatal('x')", "def worker_exit(s, w):\n    s.log.critical('x')"},
		{"def worker_exit(s, w):\n    s.log.log(20, '%-8s|%5.1f', 'up', 2.5)", "def worker_exit(s, w):\n    s.log.log(20, '%-8s|%5.1f', 'up', 2.5)"},
		{"def worker_exit(s, w):\n    s.log.error('%s', 'x', exc_info=True, stacklevel=2)", "def worker_exit(s, w):\n    s.log.error('%s', 'x', exc_info=True, stacklevel=2)"},
		{"def worker_exit(s, w):\n    s.log.info('%5d' % w.pid)", "def worker_exit(s, w):\n    # gocorn migrate: line 2: Starlark's % formatting has no flags, width or precision (%5d); " +
			"format the value first\n    # s.log.info('%5d' % w.pid)\n    pass"},
		{"def post_request(w, req, env, resp):\n    w.log.info('%d' % resp.status_code)",
			"def post_request(w, req, env, resp):\n    w.log.info('%d' % resp.status)"},
		{"def on_exit(server):\n    if server.pid is not None:\n        pass", "def on_exit(server):\n    if server.pid != None:\n        pass"},
		{"def on_exit(server):\n    server.kill_workers(9)",
			"def on_exit(server):\n    # gocorn migrate: line 2: gocorn's server object has no .kill_workers (it has cfg, log, num_workers, pid, set_workers)\n" +
				"    # server.kill_workers(9)\n    pass"},
		{`proc_name = "%5d" % 3`, "# gocorn migrate: line 1: Starlark's % formatting has no flags, width or precision (%5d); " +
			"format the value first\n# proc_name = \"%5d\" % 3"},
		{`proc_name = f"{3:>5}"`, "# gocorn migrate: line 1: the f-string field {3:>5} has a format spec, which Starlark's " +
			"format lacks; format the value first (str(), a %s)\n# proc_name = f\"{3:>5}\""},
		{"workers = 1_000", "workers = 1000"},
		{"import os\nerrorlog = os.path.join(os.environ.get('LOGS', '/tmp'), 'e.log')", "# gocorn migrate: line 2: os.path.join became \"/\".join, the same unless a later part starts with /\nerrorlog = \"/\".join([env('LOGS', '/tmp'), 'e.log'])"},
		{"def _f(n: int = 2, g=lambda: 1, *rest: str):\n    return n\nworkers = _f()", "def _f(n = 2, g=lambda: 1, *rest):\n    return n\nworkers = _f()"},
		{"import sys\nprint('booting', 2, file=sys.stderr, flush=True)", "# gocorn migrate: line 1: Starlark has no Python modules; uses of this import are marked below\n# import sys\nprint('booting', 2)"},
		{"import os\nos.environ['TZ'] = 'UTC'", "# gocorn migrate: line 2: a config cannot change the environment; raw_env = [\"NAME=value\"] sets it for the master and the workers\n# os.environ['TZ'] = 'UTC'"},
		{"def on_exit(server):\n    server.log.info('%(n)s', {'n': 1})", "def on_exit(server):\n    server.log.info('%(n)s', {'n': 1})"},
		{"workers: int = 2\ndef post_fork(server: 'Arbiter', worker: Worker = None) -> None:  # typed\n    pass", "workers = 2\ndef post_fork(server, worker = None):  # typed\n    pass"},
		{"if __name__ == '__main__':\n    print(1)", "# gocorn migrate: line 1: a config file is never run as a script, under gunicorn either\n# if __name__ == '__main__':\n#     print(1)"},
		{"workers = sum([1, 2])", "# gocorn migrate: line 1: sum is Python's; Starlark has no sum(); add up in a for loop\n# workers = sum([1, 2])"},
		{"host, port = 'h', 80\nfor p in [port]:\n    bind = '%s:%d' % (host, p)", "_host, _port = 'h', 80\nfor _p in [_port]:\n    bind = '%s:%d' % (_host, _p)"},
		{"port = 1\ndef _f(port=2):\n    return port\nworkers = _f(port=3)", "_port = 1\ndef _f(port=2):\n    return port\nworkers = _f(port=3)"},
		{"workers = max(n * 2 for n in [1, 2])", "workers = max([n * 2 for n in [1, 2]])"},
		{`proc_name = "{:>5}".format(3)`, "# gocorn migrate: line 1: Starlark's format has no format specs ({:>5}); format the value first\n# proc_name = \"{:>5}\".format(3)"},
		{"import os\nreload = os.path.exists('a')", "# gocorn migrate: line 2: os is a Python module; Starlark has none (gocorn.conf.star has cpu_count(), env(), json and load())\n# reload = os.path.exists('a')"},
		{"preload_app = True", "# gocorn migrate: line 1: workers start from the compiled binary, so there is no application to load in the master first\n# preload_app = True"},
		{"sendfile = False\nreuse_port = True\nenable_stdio_inheritance = True\ndefault_proc_name = 'web'",
			"sendfile = False\nreuse_port = True\nenable_stdio_inheritance = True\ndefault_proc_name = 'web'"},
	}
	for _, tt := range tests {
		res, err := Config("t.py", []byte(tt.py+"\n"))
		if err != nil {
			t.Errorf("%q: %v", tt.py, err)
			continue
		}
		got := strings.TrimSpace(strings.TrimPrefix(string(res.Star), header("t.py")))
		if got != tt.star {
			t.Errorf("%q:\n got %q\nwant %q", tt.py, got, tt.star)
		}
	}
}

// TestStarcfgDecides checks that what gocorn ignores, refuses or has
// comes from starcfg: the reason in the remark is starcfg's, and only
// what gocorn refuses is left for the user (a refused setting at the value
// gocorn accepts is kept).
func TestStarcfgDecides(t *testing.T) {
	hookWhy, _ := starcfg.HookRefused("ssl_context")
	tests := []struct {
		py, why string
		left    int
	}{
		{"preload_app = True", setting(t, "preload_app").Ignored, 0},
		{"asgi_loop = 'uvloop'", setting(t, "asgi_loop").Ignored, 0},
		{"logconfig = 'logging.ini'", setting(t, "logconfig").Refused, 1},
		{"dirty_workers = 2", setting(t, "dirty_workers").Refused, 1},
		// A refused setting at the value gocorn accepts, its default, stays.
		{"dirty_workers = 0\nprotocol = 'http'\nlogconfig_dict = {}", "", 0},
		{"protocol = 'uwsgi'", setting(t, "protocol").Refused, 1},
		{"def ssl_context(conf, factory):\n    return factory()", hookWhy, 1},
		{"sendfile = False\nreuse_port = True\nenable_stdio_inheritance = True\ndefault_proc_name = 'web'", "", 0},
	}
	for _, tt := range tests {
		res, err := Config("t.py", []byte(tt.py+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		got := strings.TrimPrefix(string(res.Star), header("t.py"))
		want := tt.py + "\n"
		if tt.why != "" {
			want = "# gocorn migrate: line 1: " + tt.why + "\n# " + strings.ReplaceAll(tt.py, "\n", "\n# ") + "\n"
		}
		if got != want || res.Left != tt.left {
			t.Errorf("%q:\n got %q (left %d)\nwant %q (left %d)", tt.py, got, res.Left, want, tt.left)
		}
	}
}

// setting is starcfg's word on a gunicorn setting.
func setting(t *testing.T, name string) starcfg.SettingInfo {
	info, ok := starcfg.LookupSetting(name)
	if !ok || info.Ignored == "" && info.Refused == "" {
		t.Fatalf("starcfg neither ignores nor refuses %s", name)
	}
	return info
}

// TestCmdline translates gunicorn command lines.
func TestCmdline(t *testing.T) {
	tests := []struct {
		line, want string
		left       int
	}{
		{"gunicorn -w 4 -b :8000 app:wsgi", "gocorn -w 4 -b :8000 APP", 1},
		{"python3 -m gunicorn --workers=3 --bind 0.0.0.0:80 --preload", "gocorn --workers 3 --bind 0.0.0.0:80", 0},
		{"gunicorn -k uvicorn.workers.UvicornWorker --proxy-protocol --reuse-port", "gocorn -k gthread --proxy-protocol auto --reuse-port", 0},
		{"gunicorn --no-sendfile -R --daemon", "gocorn --no-sendfile -R --daemon", 0},
		{"gunicorn --paste dev.ini --pythonpath /srv --spew -w 2", "gocorn -w 2", 0},
		{"gunicorn --dirty-workers 2 --protocol=uwsgi -w 2", "gocorn -w 2", 2},
		{"gunicorn --dirty-workers 0 --protocol=http -w 2", "gocorn --dirty-workers 0 --protocol http -w 2", 0}, // the defaults gocorn accepts
		{"gunicorn --proxy-protocol v2 -c gunicorn.conf.py", "gocorn --proxy-protocol v2 -c gocorn.conf.star", 0},
		{"gunicorn -w4 --access-logformat '%(h)s %(r)s' --daemon", "gocorn -w 4 --access-logformat '%(h)s %(r)s' --daemon", 0},
		{"gunicorn --log-config logging.ini --frobnicate", "gocorn", 2},
		{"exec gunicorn --version", "gocorn --version", 0},
	}
	for _, tt := range tests {
		c, err := Cmdline(tt.line)
		if err != nil {
			t.Errorf("%q: %v", tt.line, err)
			continue
		}
		if c.String() != tt.want || c.Left != tt.left {
			t.Errorf("%q:\n got %q (left %d)\nwant %q (left %d); notes: %q", tt.line, c, c.Left, tt.want, tt.left, c.Notes)
		}
	}
}

// TestMainExitCodes checks gocorn migrate's exit status and output file.
func TestMainExitCodes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "gocorn.conf.star")
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"-o", out, "testdata/env_workers.py"}, 0},
		{[]string{"testdata/statsd.py"}, 1},
		{[]string{"--cmdline", "gunicorn -w 2"}, 0},
		{[]string{"--cmdline", "gunicorn app:wsgi"}, 1},
		{[]string{"testdata/missing.py"}, 2},
		{[]string{}, 2},
		{[]string{"--bogus"}, 2},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if got := Main(tt.args, &stdout, &stderr); got != tt.want {
			t.Errorf("gocorn migrate %q: exit %d, want %d; stderr: %s", tt.args, got, tt.want, &stderr)
		}
	}
	if b, err := os.ReadFile(out); err != nil || !bytes.Contains(b, []byte("workers = int(env(")) {
		t.Errorf("-o wrote %q, %v", b, err)
	}
}
