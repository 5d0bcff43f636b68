package starcfg

import (
	"fmt"
	"reflect"
)

// CompatConfig holds the gunicorn settings gocorn accepts and ignores,
// those it refuses unless left at their default (settings_compat.go), and
// those it adopted (settings_adopted.go); it is embedded in Config.
type CompatConfig struct {
	SSLVersion           string `json:"ssl_version"`
	DoHandshakeOnConnect bool   `json:"do_handshake_on_connect"`
	SuppressRaggedEOFs   bool   `json:"suppress_ragged_eofs"`
	HTTPParser           string `json:"http_parser"`
	TmpUploadDir         string `json:"tmp_upload_dir"`

	PreloadApp                bool     `json:"preload_app"`
	Pythonpath                string   `json:"pythonpath"`
	Paste                     string   `json:"paste"`
	RawPasteGlobalConf        []string `json:"raw_paste_global_conf"`
	Spew                      bool     `json:"spew"`
	LoggerClass               string   `json:"logger_class"`
	ASGILoop                  string   `json:"asgi_loop"`
	ASGILifespan              string   `json:"asgi_lifespan"`
	ASGIDisconnectGracePeriod int      `json:"asgi_disconnect_grace_period"`
	UWSGIAllowIPs             []string `json:"uwsgi_allow_ips"`
	DirtyTimeout              int      `json:"dirty_timeout"`
	DirtyThreads              int      `json:"dirty_threads"`
	DirtyGracefulTimeout      int      `json:"dirty_graceful_timeout"`

	// Refused unless at their defaults.
	Protocol      string            `json:"protocol"`
	Logconfig     string            `json:"logconfig"`
	LogconfigDict map[string]string `json:"logconfig_dict"`
	LogconfigJSON string            `json:"logconfig_json"`
	DirtyApps     []string          `json:"dirty_apps"`
	DirtyWorkers  int               `json:"dirty_workers"`

	// Adopted: these work as in gunicorn.
	Sendfile               bool   `json:"sendfile"`                 // false: file responses are copied, not sent by the kernel
	ReusePort              bool   `json:"reuse_port"`               // SO_REUSEPORT on the master's TCP sockets
	EnableStdioInheritance bool   `json:"enable_stdio_inheritance"` // a daemon keeps non-terminal stdout and stderr
	DefaultProcName        string `json:"default_proc_name"`        // process title name after proc_name and app
}

// IgnoredSettings says, one sentence each, which settings are set to
// something other than their default but have no effect in gocorn, and
// why; the master logs them as warnings.
func (c *Config) IgnoredSettings() []string {
	var out []string
	for _, s := range settings {
		if s.ignored == "" {
			continue
		}
		v := reflect.ValueOf(s.field(c)).Elem().Interface()
		if !reflect.DeepEqual(v, s.def) {
			out = append(out, fmt.Sprintf("%s is set to %s but ignored: %s", s.name, s.typ.format(v), s.ignored))
		}
	}
	return out
}
