// Package starcfg turns gocorn's inputs into one resolved configuration.
//
// Every setting is declared once, in the settings table (settings.go): its
// name, flags, type, default, validation, help and whether a HUP can change
// it. From that table come the command-line flags, the validation of
// gocorn.conf.star, --print-config, -h and docs/settings.md.
//
// Precedence, lowest first: defaults, the config file, GOCORN_CMD_ARGS, the
// command line. A list given on the command line replaces the file's list.
//
// A program that embeds gocorn adds its own settings to the table with
// AddProgramSettings, and reads any setting with Get.
package starcfg

// Config is the resolved configuration: one typed field per setting.
// It is plain data so the master can hand it to workers as JSON.
//
// Each field is declared once more in the settings table (settings.go),
// which its JSON name must match. Optional string settings (config, app,
// proc_name, pidfile, chdir, accesslog) hold "" for None. Lists are never
// shared with the config program that produced them.
type Config struct {
	// Config file and app.
	Config string `json:"config"` // path of gocorn.conf.star, "" when none
	App    string `json:"app"`    // name of the registered handler to serve

	// Sockets and worker processes.
	Bind              []string `json:"bind"`
	Backlog           int      `json:"backlog"`
	Workers           int      `json:"workers"`
	WorkerClass       string   `json:"worker_class"`
	Threads           int      `json:"threads"`
	GOMAXPROCS        int      `json:"gomaxprocs"` // per worker; 0 = the CPUs shared among the workers
	WorkerConnections int      `json:"worker_connections"`
	MaxRequests       int      `json:"max_requests"`
	MaxRequestsJitter int      `json:"max_requests_jitter"`
	Timeout           int      `json:"timeout"`          // seconds
	RequestTimeout    float64  `json:"request_timeout"`  // seconds; 0 = no deadline
	GracefulTimeout   int      `json:"graceful_timeout"` // seconds
	Keepalive         int      `json:"keepalive"`        // seconds

	// Recycling beyond max_requests, and stopping.
	MaxWorkerLifetime       int `json:"max_worker_lifetime"`        // seconds; 0 = no limit
	MaxWorkerLifetimeJitter int `json:"max_worker_lifetime_jitter"` // seconds
	MaxWorkerMemory         int `json:"max_worker_memory"`          // MiB of RSS; 0 = no limit
	MaxWorkerMemoryJitter   int `json:"max_worker_memory_jitter"`   // MiB
	ShutdownDelay           int `json:"shutdown_delay"`             // seconds TERM waits before workers stop accepting

	ExitOnWorkerOOM bool `json:"exit_on_worker_oom"` // stop with exitOOM after an OOM kill (settings_oom.go)

	// Request limits.
	LimitRequestLine      int `json:"limit_request_line"`
	LimitRequestFields    int `json:"limit_request_fields"`
	LimitRequestFieldSize int `json:"limit_request_field_size"`

	// Process.
	ProcName string   `json:"proc_name"`
	RawEnv   []string `json:"raw_env"`
	Pidfile  string   `json:"pidfile"`
	Chdir    string   `json:"chdir"` // absolute, checked to exist

	// Process identity, for workers (the master keeps its own).
	Daemon       bool   `json:"daemon"`
	User         string `json:"user"`  // name or number; "" keeps the master's
	Group        string `json:"group"` // name or number; "" keeps the master's
	Umask        int    `json:"umask"`
	Initgroups   bool   `json:"initgroups"`
	WorkerTmpDir string `json:"worker_tmp_dir"` // workers' TMPDIR; "" keeps the system's

	// Logging.
	Accesslog       string `json:"accesslog"`
	AccessLogFormat string `json:"access_log_format"`
	Errorlog        string `json:"errorlog"`
	Loglevel        string `json:"loglevel"` // lower-case
	LoggingConfig          // the rest of the logging settings (config_logging.go)

	// Reloading on file changes.
	Reload           bool     `json:"reload"`
	ReloadEngine     string   `json:"reload_engine"`      // auto, inotify or poll
	ReloadExtraFiles []string `json:"reload_extra_files"` // paths and globs as given; relative to Invocation.Dir

	// The HTTP edge, each part declared in its own file.
	HTTPConfig  // request parsing, limits and timeouts (config_http.go)
	ProxyConfig // trusted proxies and the PROXY protocol (config_proxy.go)
	TLSConfig   // TLS and HTTP/2 (config_tls.go)

	ControlConfig // the control socket (config_control.go)
	MetricsConfig // statsd and the metrics listener (config_metrics.go)
	BootConfig    // boot_timeout and max_concurrent_boots (settings_boots.go)

	CompatConfig // gunicorn settings accepted and ignored (config_compat.go)

	// Modes.
	CheckConfig bool `json:"check_config"` // also set by print_config
	PrintConfig bool `json:"print_config"`
	CheckJSON   bool `json:"check_config_json"` // --json: --check-config's findings as JSON

	// program holds the values of the settings a program embedding gocorn
	// declared (AddProgramSettings), by name, each behind a pointer of its
	// type; MarshalJSON writes them beside the built-in ones.
	program map[string]any
}
