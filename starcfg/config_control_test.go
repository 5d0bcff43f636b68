package starcfg

import (
	"path/filepath"
	"testing"
)

// The control socket's path follows gunicorn's rule, renamed: the runtime
// directory when it exists, else the home directory; relative paths are
// taken from chdir, else from where gocorn was started.
func TestControlSocketPath(t *testing.T) {
	dir := writeFiles(t, map[string]string{"srv/keep": "", "run/keep": ""})
	run, srv := filepath.Join(dir, "run"), filepath.Join(dir, "srv")
	tests := []struct {
		name    string
		environ []string
		args    []string
		want    string
	}{
		{"runtime dir", []string{"XDG_RUNTIME_DIR=" + run, "HOME=/home/u"}, nil, filepath.Join(run, "gocorn.ctl")},
		{"runtime dir missing", []string{"XDG_RUNTIME_DIR=" + filepath.Join(dir, "nowhere"), "HOME=/home/u"}, nil, "/home/u/.gocorn/gocorn.ctl"},
		{"runtime dir empty", []string{"XDG_RUNTIME_DIR=", "HOME=/home/u"}, nil, "/home/u/.gocorn/gocorn.ctl"},
		{"home only", []string{"HOME=/home/u"}, nil, "/home/u/.gocorn/gocorn.ctl"},
		{"neither", nil, nil, ""},
		{"absolute", []string{"HOME=/home/u"}, []string{"--control-socket", "/run/app.ctl"}, "/run/app.ctl"},
		{"relative", nil, []string{"--control-socket", "app.ctl"}, filepath.Join(dir, "app.ctl")},
		{"relative to chdir", nil, []string{"--control-socket", "app.ctl", "--chdir", "srv"}, filepath.Join(srv, "app.ctl")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := resolveIn(t, dir, tt.environ, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Config.ControlSocket; got != tt.want {
				t.Errorf("control_socket = %q, want %q", got, tt.want)
			}
		})
	}
}

// control_socket_mode reads octal as umask does, and --no-control-socket
// is gunicorn's flag for control_socket_disable.
func TestControlSocketModeAndDisable(t *testing.T) {
	dir := writeFiles(t, map[string]string{"gocorn.conf.star": "control_socket_mode = 0o660\n"})
	for _, tt := range []struct {
		args []string
		mode int
	}{
		{nil, 0o660},
		{[]string{"--control-socket-mode", "0640"}, 0o640},
		{[]string{"--control-socket-mode", "0o604"}, 0o604},
		{[]string{"--control-socket-mode", "384"}, 0o600},
	} {
		r, err := resolveIn(t, dir, nil, tt.args...)
		if err != nil {
			t.Fatal(err)
		}
		if r.Config.ControlSocketMode != tt.mode || r.Config.ControlSocketDisable {
			t.Errorf("%v: mode 0o%o disable %v, want 0o%o and false", tt.args, r.Config.ControlSocketMode, r.Config.ControlSocketDisable, tt.mode)
		}
	}
	if _, err := resolveIn(t, dir, nil, "--control-socket-mode", "0o1777"); err == nil {
		t.Error("a mode beyond the permission bits was accepted")
	}
	r, err := resolveIn(t, dir, nil, "--no-control-socket")
	if err != nil || !r.Config.ControlSocketDisable {
		t.Errorf("--no-control-socket: disable %v, err %v", r != nil && r.Config.ControlSocketDisable, err)
	}
}
