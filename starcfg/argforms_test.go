package starcfg

import (
	"slices"
	"strings"
	"testing"
)

// gunicorn's argument forms reach kong in the form kong reads the same way.
func TestGunicornForms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"-w -1 app", "--workers=-1 app"},
		{"--workers -2.5", "--workers=-2.5"},
		{"--proxy-protocol app", "--proxy-protocol=auto app"},
		{"app --proxy-protocol", "app --proxy-protocol=auto"},
		{"--proxy-protocol --preload app", "--proxy-protocol=auto --preload app"},
		{"--proxy-protocol V2 app", "--proxy-protocol V2 app"},
		{"--proxy-protocol=v1 app", "--proxy-protocol=v1 app"},
		{"-n --proxy-protocol app", "-n --proxy-protocol app"}, // a value is never a flag
		{"--preload -1", "--preload -1"},                       // a switch takes no value
		{"-- --proxy-protocol", "-- --proxy-protocol"},
		{"--thr 4 --prel app", "--threads 4 --preload app"},             // argparse's prefixes
		{"--grace=-1 --no-send", "--graceful-timeout=-1 --no-sendfile"}, // with a value, and --no-X
		{"--max-requests 5 --max 2", "--max-requests 5 --max 2"},        // ambiguous: kong says so
		{"--log-file x --reload", "--log-file x --reload"},              // whole names stay whole
		{"--proxy-proto app", "--proxy-protocol=auto app"},              // the bare form after expansion
	}
	for _, tt := range tests {
		if got := strings.Join(gunicornForms(strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// An integer below its range reads the same from a flag, the file and
// the environment, and names the setting's own minimum.
func TestIntegerRangeMessages(t *testing.T) {
	dir := writeFiles(t, map[string]string{"neg.star": "workers = -1\n", "zero.star": "workers = 0\n"})
	tests := []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"-w", "-1"}, "gocorn: error: --workers: got -1, want 1 or more"},
		{nil, []string{"--workers", "0"}, "gocorn: error: --workers: got 0, want 1 or more"},
		{nil, []string{"-c", "neg.star"}, "config: neg.star:1: workers: got -1, want 1 or more"},
		{nil, []string{"-c", "zero.star"}, "config: zero.star:1: workers: got 0, want 1 or more"},
		{nil, []string{"--timeout", "-1"}, "gocorn: error: --timeout: got -1, want 0 or more"},
		{[]string{"GUNICORN_CMD_ARGS=-w -1"}, nil, "gocorn: error: GUNICORN_CMD_ARGS: --workers: got -1, want 1 or more"},
	}
	for _, tt := range tests {
		if _, err := resolveIn(t, dir, tt.env, tt.args...); err == nil || err.Error() != tt.want {
			t.Errorf("%q %q: error = %v\nwant %s", tt.env, tt.args, err, tt.want)
		}
	}
}

// GUNICORN_CMD_ARGS stands in for GOCORN_CMD_ARGS when that is unset, and
// a notice says which was read.
func TestGunicornCmdArgs(t *testing.T) {
	tests := []struct {
		env     []string
		workers int
		origin  string
		notice  string
	}{
		{[]string{"GUNICORN_CMD_ARGS=-w 3 --preload"}, 3, "GUNICORN_CMD_ARGS", "reading flags from GUNICORN_CMD_ARGS, since GOCORN_CMD_ARGS is unset"},
		{[]string{"GUNICORN_CMD_ARGS=-w 3", "GOCORN_CMD_ARGS=-w 4"}, 4, "GOCORN_CMD_ARGS", "GUNICORN_CMD_ARGS is ignored: GOCORN_CMD_ARGS is set and wins"},
		{[]string{"GUNICORN_CMD_ARGS=-w 3", "GOCORN_CMD_ARGS="}, 1, "default", "GUNICORN_CMD_ARGS is ignored: GOCORN_CMD_ARGS is set and wins"},
		{[]string{"GOCORN_CMD_ARGS=-w 4"}, 4, "GOCORN_CMD_ARGS", ""},
	}
	for _, tt := range tests {
		r, err := resolveIn(t, t.TempDir(), tt.env, "app")
		if err != nil {
			t.Fatalf("%q: %v", tt.env, err)
		}
		var notice string
		if len(r.Notices) > 0 {
			notice = r.Notices[0]
		}
		if r.Config.Workers != tt.workers || r.Origins["workers"] != tt.origin || notice != tt.notice || len(r.Notices) > 1 {
			t.Errorf("%q: workers %d from %q, notices %q; want %d from %q, %q",
				tt.env, r.Config.Workers, r.Origins["workers"], r.Notices, tt.workers, tt.origin, tt.notice)
		}
	}
}

// wsgi_app is gunicorn's name for app, and works as one in the file.
func TestWsgiAppAlias(t *testing.T) {
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": "workers = 2\nwsgi_app = \"shop\"\n"})
	r, err := resolveIn(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Config.App != "shop" || r.Origins["app"] != "gocorn.conf.star:2" {
		t.Errorf("app = %q from %q, want \"shop\" from gocorn.conf.star:2", r.Config.App, r.Origins["app"])
	}
	if slices.Contains(settingNames(), "wsgi_app") {
		t.Error("wsgi_app must stay an alias, not a second setting")
	}
}
