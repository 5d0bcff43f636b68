package starcfg

import (
	"os"
	"path/filepath"
)

// ControlConfig holds the settings of the control socket (gunicorn 26's
// control interface, spoken by gocorn ctl and gunicornc); it is embedded
// in Config.
type ControlConfig struct {
	// ControlSocket is the socket's absolute path once resolved: the
	// default path rule's when the setting is None, "" only when that rule
	// finds no directory (neither XDG_RUNTIME_DIR nor HOME is set).
	ControlSocket        string `json:"control_socket"`
	ControlSocketMode    int    `json:"control_socket_mode"` // permission bits of the socket file
	ControlSocketDisable bool   `json:"control_socket_disable"`
}

// ControlSocketName is the file name of the default control socket:
// gunicorn's gunicorn.ctl, renamed.
const ControlSocketName = "gocorn.ctl"

// DefaultControlSocket is where the control socket lives when the
// setting is None, and where gocorn ctl looks without -s: gunicorn's rule
// renamed, $XDG_RUNTIME_DIR/gocorn.ctl if that directory exists, else
// $HOME/.gocorn/gocorn.ctl; "" when neither variable is set. getenv reads
// the environment (os.LookupEnv, or an Invocation's).
func DefaultControlSocket(getenv func(string) (string, bool)) string {
	if dir, ok := getenv("XDG_RUNTIME_DIR"); ok && dir != "" {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return filepath.Join(dir, ControlSocketName)
		}
	}
	if home, ok := getenv("HOME"); ok && home != "" {
		return filepath.Join(home, ".gocorn", ControlSocketName)
	}
	return ""
}

// resolveControlSocket gives control_socket its final, absolute path
// once all layers are in: the default rule for None, and a relative path
// taken from chdir if set, else from dir (where gocorn was started), as
// gunicorn takes it from its working directory after chdir.
func resolveControlSocket(cfg *Config, env environ, dir string) {
	switch p := cfg.ControlSocket; {
	case p == "":
		cfg.ControlSocket = DefaultControlSocket(env.lookup)
	case !filepath.IsAbs(p):
		if cfg.Chdir != "" {
			dir = cfg.Chdir
		}
		cfg.ControlSocket = filepath.Join(dir, p)
	}
}
