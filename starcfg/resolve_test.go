package starcfg

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/starcfg/golden"
	"go.starlark.net/starlark"
)

// writeFiles creates files (path -> content) under a new temp dir.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// resolveIn resolves args and environ in dir with fake CPUs.
func resolveIn(t *testing.T, dir string, environ []string, args ...string) (*Resolved, error) {
	t.Helper()
	inv := Invocation{Args: args, Environ: environ, Dir: dir, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Version: "1.2.3"}
	return resolveWith(inv, evalOptions{limits: defaultLimits, cpus: fakeCPUs(t, "max 100000", 4)})
}

const layeredConf = `
workers = 2
bind = ["10.0.0.1:1", "10.0.0.2:2"]
timeout = 10
keepalive = 5
max_requests = 7
raw_env = ["FROM=file"]
app = "from-file"
`

func TestPrecedence(t *testing.T) {
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": layeredConf})
	env := []string{"GOCORN_CMD_ARGS=--workers 3 --bind 127.0.0.1:3 --timeout 11 from-env-ignored", "PORT=9999"}
	r, err := resolveIn(t, dir, env, "-b", "127.0.0.1:4", "-b", "127.0.0.1:5", "--timeout", "12", "hello")
	if err != nil {
		t.Fatal(err)
	}
	c := r.Config
	checks := []struct {
		name   string
		got    any
		want   any
		origin string
	}{
		{"backlog", c.Backlog, 2048, "default"},
		{"keepalive", c.Keepalive, 5, "gocorn.conf.star:5"},
		{"max_requests", c.MaxRequests, 7, "gocorn.conf.star:6"},
		{"raw_env", c.RawEnv, []string{"FROM=file"}, "gocorn.conf.star:7"},
		{"workers", c.Workers, 3, "GOCORN_CMD_ARGS"},
		{"bind", c.Bind, []string{"127.0.0.1:4", "127.0.0.1:5"}, "command line"},
		{"timeout", c.Timeout, 12, "command line"},
		{"app", c.App, "hello", "command line"},
		{"config", c.Config, "gocorn.conf.star", "default"},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
		if o := r.Origins[ch.name]; o != ch.origin {
			t.Errorf("origin of %s = %q, want %q", ch.name, o, ch.origin)
		}
	}
	if len(r.Origins) != len(settings) {
		t.Errorf("Origins has %d entries, want one per setting (%d)", len(r.Origins), len(settings))
	}
}

func TestListFromCommandLineReplacesFileList(t *testing.T) {
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": layeredConf})
	r, err := resolveIn(t, dir, nil, "-e", "ONLY=cli")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ONLY=cli"}; !reflect.DeepEqual(r.Config.RawEnv, want) {
		t.Errorf("raw_env = %q, want %q", r.Config.RawEnv, want)
	}
	if want := []string{"10.0.0.1:1", "10.0.0.2:2"}; !reflect.DeepEqual(r.Config.Bind, want) {
		t.Errorf("bind = %q, want the file's %q", r.Config.Bind, want)
	}
}

func TestConfigFileChoice(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"gocorn.conf.star": "workers = 2\n",
		"conf/a.star":      "workers = 3\n",
		"conf/b.star":      "workers = 4\n",
	})
	tests := []struct {
		name        string
		env         []string
		args        []string
		wantWorkers int
		wantConfig  string
		wantOrigin  string
	}{
		{"auto", nil, nil, 2, "gocorn.conf.star", "default"},
		{"-c", nil, []string{"-c", "conf/a.star"}, 3, "conf/a.star", "command line"},
		{"file: prefix", nil, []string{"--config", "file:conf/a.star"}, 3, "conf/a.star", "command line"},
		{"absolute", nil, []string{"-c", filepath.Join(dir, "conf/b.star")}, 4, filepath.Join(dir, "conf/b.star"), "command line"},
		{"GOCORN_CMD_ARGS", []string{"GOCORN_CMD_ARGS=-c conf/b.star"}, nil, 4, "conf/b.star", "GOCORN_CMD_ARGS"},
		{"CLI beats GOCORN_CMD_ARGS", []string{"GOCORN_CMD_ARGS=-c conf/b.star"}, []string{"-c", "conf/a.star"}, 3, "conf/a.star", "command line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := resolveIn(t, dir, tt.env, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if r.Config.Workers != tt.wantWorkers || r.Config.Config != tt.wantConfig || r.Origins["config"] != tt.wantOrigin {
				t.Errorf("workers=%d config=%q origin=%q, want %d %q %q", r.Config.Workers,
					r.Config.Config, r.Origins["config"], tt.wantWorkers, tt.wantConfig, tt.wantOrigin)
			}
			if len(r.Sources) != 1 || !filepath.IsAbs(r.Sources[0].Path) {
				t.Errorf("Sources = %+v, want the one file, absolute", r.Sources)
			}
		})
	}
}

func TestNoConfigFile(t *testing.T) {
	r, err := resolveIn(t, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Config.Config != "" || len(r.Sources) != 0 || r.Hooks == nil || len(r.Hooks) != 0 {
		t.Errorf("config=%q sources=%d hooks=%v, want none", r.Config.Config, len(r.Sources), r.Hooks)
	}
	if r.Config.Workers != 1 || r.Config.Keepalive != 75 || r.Config.Bind[0] != "127.0.0.1:8000" {
		t.Errorf("defaults wrong: %+v", r.Config)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.star": "workers = 1\n", "sub/x": ""})
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"missing -c file", nil, []string{"-c", "nope.star"}, "config: nope.star: no such file"},
		{"missing via GOCORN_CMD_ARGS", []string{"GOCORN_CMD_ARGS=--config=gone.star"}, nil, "config: gone.star: no such file"},
		{"directory", nil, []string{"-c", "sub"}, "config: sub: cannot read: is a directory"},
		{"bad WEB_CONCURRENCY", []string{"WEB_CONCURRENCY=lots"}, nil, `config: $WEB_CONCURRENCY (the default of workers): "lots" is not an integer`},
		{"zero WEB_CONCURRENCY", []string{"WEB_CONCURRENCY=0"}, nil, `config: $WEB_CONCURRENCY (the default of workers): got 0, want 1 or more`},
		{"bad PORT", []string{"PORT=http"}, nil, `config: $PORT (the default of bind): address "0.0.0.0:http": "http" is not a port number (want 0 to 65535)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resolveIn(t, dir, tt.env, tt.args...)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error = %v\nwant    %s", err, tt.want)
			}
			var ue *UsageError
			if errors.As(err, &ue) {
				t.Errorf("got a UsageError, want a config error")
			}
		})
	}
}

func TestEnvironmentDefaults(t *testing.T) {
	tests := []struct {
		name        string
		env         []string
		file        string
		wantBind    []string
		wantWorkers int
	}{
		{"none", nil, "", []string{"127.0.0.1:8000"}, 1},
		{"PORT and WEB_CONCURRENCY", []string{"PORT=5000", "WEB_CONCURRENCY=6"}, "", []string{"0.0.0.0:5000"}, 6},
		{"the file wins", []string{"PORT=5000", "WEB_CONCURRENCY=6"}, "bind = ':7000'\nworkers = 2\n", []string{":7000"}, 2},
		{"later pair wins", []string{"PORT=1", "PORT=2"}, "", []string{"0.0.0.0:2"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.file != "" {
				dir = writeFiles(t, map[string]string{"gocorn.conf.star": tt.file})
			}
			r, err := resolveIn(t, dir, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Config.Bind, tt.wantBind) || r.Config.Workers != tt.wantWorkers {
				t.Errorf("bind=%q workers=%d, want %q %d", r.Config.Bind, r.Config.Workers, tt.wantBind, tt.wantWorkers)
			}
		})
	}
}

func TestChdir(t *testing.T) {
	dir := writeFiles(t, map[string]string{"srv/app/keep": "", "gocorn.conf.star": "chdir = 'srv/app'\n", "bad.star": "chdir = 'nowhere'\n"})
	r, err := resolveIn(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "srv/app"); r.Config.Chdir != want {
		t.Errorf("chdir = %q, want %q (absolute)", r.Config.Chdir, want)
	}
	_, err = resolveIn(t, dir, nil, "-c", "bad.star")
	if want := `config: bad.star:1: chdir: directory "nowhere" does not exist`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	_, err = resolveIn(t, dir, nil, "--chdir", "gocorn.conf.star")
	if want := `gocorn: error: --chdir: "gocorn.conf.star" is not a directory`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestPrintConfigGolden(t *testing.T) {
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": layeredConf + "proc_name = 'shop'\nloglevel = 'DEBUG'\n"})
	r, err := resolveIn(t, dir, []string{"GOCORN_CMD_ARGS=--threads 4"}, "--print-config", "--access-logfile", "-", "hello")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Config.CheckConfig {
		t.Errorf("--print-config did not imply check_config")
	}
	var out bytes.Buffer
	if err := r.Config.Print(&out); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/print-config.golden", out.String())
}

func TestPrintAligns(t *testing.T) {
	var out bytes.Buffer
	cfg, _, err := defaultConfig(nil, &checkContext{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Print(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != len(settings) {
		t.Fatalf("%d lines, want one per setting (%d)", len(lines), len(settings))
	}
	col := strings.Index(lines[0], " = ")
	for i, l := range lines {
		if strings.Index(l, " = ") != col {
			t.Errorf("line %q: '=' not in column %d", l, col)
		}
		if i > 0 && l < lines[i-1] {
			t.Errorf("line %q out of order", l)
		}
	}
}

func TestEvalSourcesReplaysRecordedBytes(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"gocorn.conf.star":  "load('lib/hooks.star', _pf = 'post_fork', _w = 'workers')\nworkers = _w\npost_fork = _pf\nproc_name = env('NAME', 'none')\n",
		"lib/hooks.star":    "load('../lib/more.star', 'n')\nworkers = n\ndef post_fork(server, worker):\n    pass\n",
		"lib/more.star":     "n = 5\n",
		"unrelated.star":    "",
		"lib/unloaded.star": "",
	})
	r, err := resolveIn(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, s := range r.Sources {
		paths = append(paths, strings.TrimPrefix(s.Path, dir+"/"))
	}
	if want := []string{"gocorn.conf.star", "lib/hooks.star", "lib/more.star"}; !reflect.DeepEqual(paths, want) {
		t.Fatalf("sources %q, want %q", paths, want)
	}

	// Edit every file on disk: the replay must not notice.
	for _, p := range []string{"gocorn.conf.star", "lib/hooks.star", "lib/more.star"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte("syntax error ("), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := EvalSources(r.Sources, []string{"NAME=worker"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Config.Workers != 5 || ev.Config.ProcName != "worker" || ev.Hooks["post_fork"] == nil {
		t.Errorf("replay gave workers=%d proc_name=%q hooks=%v", ev.Config.Workers, ev.Config.ProcName, ev.Hooks)
	}
	if len(ev.Sources) != 3 || ev.Config.Config != r.Sources[0].Path {
		t.Errorf("replay sources=%d config=%q", len(ev.Sources), ev.Config.Config)
	}

	// A load of a file the master did not record fails, without reading the disk.
	_, err = EvalSources(r.Sources[:2], nil, nil)
	if err == nil || !strings.Contains(err.Error(), "lib/more.star: not among the config files the master evaluated") {
		t.Errorf("error = %v, want a missing recorded source", err)
	}
	if _, err := EvalSources(nil, nil, nil); err == nil {
		t.Errorf("EvalSources(nil) did not fail")
	}
}

func TestEvalSourcesSkipsFileSystemChecks(t *testing.T) {
	src := []Source{{Path: "/nowhere/gocorn.conf.star", Data: []byte("chdir = 'relative/dir'\n")}}
	ev, err := EvalSources(src, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Config.Chdir != "relative/dir" {
		t.Errorf("chdir = %q", ev.Config.Chdir)
	}
}

func TestResolveIsRepeatable(t *testing.T) {
	// A HUP re-runs Resolve with the same Invocation: it must give the
	// same answer and share no state between runs.
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": "load('l.star', 'x')\nworkers = x\n", "l.star": "x = [3][0]\n"})
	for i := 0; i < 2; i++ {
		r, err := resolveIn(t, dir, nil)
		if err != nil || r.Config.Workers != 3 || len(r.Sources) != 2 {
			t.Fatalf("run %d: %v %+v", i, err, r)
		}
	}
}

func TestConfigJSONHasNoNullLists(t *testing.T) {
	r, err := resolveIn(t, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Config.RawEnv == nil || r.Config.Bind == nil {
		t.Errorf("raw_env=%#v bind=%#v: lists should be empty, not nil, so JSON says []", r.Config.RawEnv, r.Config.Bind)
	}
	r.Config.Bind[0] = "changed"
	if settingsByName["bind"].def.([]string)[0] != "127.0.0.1:8000" {
		t.Errorf("a resolved Config aliases the table's default")
	}
}

func TestHooksAreCallableAndFrozen(t *testing.T) {
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": `
_seen = []
def post_fork(server, worker):
    return "forked %s" % worker
def pre_request(worker, req):
    _seen.append(req)
`})
	r, err := resolveIn(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := starlark.Call(&starlark.Thread{Name: "post_fork"}, r.Hooks["post_fork"], starlark.Tuple{starlark.None, starlark.MakeInt(3)}, nil)
	if err != nil || v != starlark.String("forked 3") {
		t.Errorf("post_fork() = %v, %v", v, err)
	}
	_, err = starlark.Call(&starlark.Thread{Name: "pre_request"}, r.Hooks["pre_request"], starlark.Tuple{starlark.None, starlark.None}, nil)
	if err == nil || !strings.Contains(err.Error(), "frozen") {
		t.Errorf("a hook mutated config state: %v", err)
	}
}

// sendfile = None is gunicorn's default written out: it leaves gocorn's
// default, on unless $SENDFILE says otherwise.
func TestSendfileNoneKeepsTheDefault(t *testing.T) {
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": "sendfile = None\n"})
	for _, tt := range []struct {
		environ []string
		want    bool
	}{{nil, true}, {[]string{"SENDFILE=0"}, false}, {[]string{"SENDFILE=yes"}, true}} {
		r, err := resolveIn(t, dir, tt.environ)
		if err != nil {
			t.Fatal(err)
		}
		if r.Config.Sendfile != tt.want {
			t.Errorf("sendfile = None with %v: %v, want %v", tt.environ, r.Config.Sendfile, tt.want)
		}
	}
	dir = writeFiles(t, map[string]string{"gocorn.conf.star": "workers = None\n"})
	if _, err := resolveIn(t, dir, nil); err == nil {
		t.Error("workers = None was accepted: None keeps the default only where gunicorn's default is None")
	}
}
