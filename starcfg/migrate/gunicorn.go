package migrate

import "slices"

// absent is a gunicorn setting or hook that gocorn's settings table does
// not (yet) know: why it cannot be kept, its gunicorn flag, and whether
// leaving it out loses anything. Settings gocorn accepts, even only to
// ignore them, are found through starcfg.LookupSetting instead, so this
// table shrinks as gocorn learns gunicorn's settings.
type absent struct {
	flag     string // gunicorn's long flag, "" for a file-only setting or hook
	short    string // gunicorn's short flag, if any
	bool     bool   // the flag takes no value
	harmless bool   // means nothing in Go: commenting it out loses nothing
	why      string
}

const (
	whyDirty      = "dirty arbiters run pools of Python apps; gocorn has no equivalent"
	gocornLogging = "gocorn's logging is errorlog, loglevel, accesslog, access_log_format and the syslog settings"
	whyLogconf    = "Python logging configuration has no Go meaning; " + gocornLogging
	whyPaste      = "PasteDeploy is Python's; a Go binary registers its handlers " +
		"(examples/embed)"
	whyASGI = "ASGI is Python's; a Go handler sees its request's context cancelled " +
		"when the client goes"
	whyUwsgi = "gocorn speaks HTTP only, not the uwsgi protocol (use proxy_pass, not uwsgi_pass, in nginx)"
)

// absentSettings are gunicorn's settings and hooks missing from gocorn's
// settings table, by gunicorn's name.
var absentSettings = map[string]absent{
	"spew":                         {flag: "--spew", bool: true, harmless: true, why: "it traces Python lines; a Go binary has nothing to trace that way"},
	"preload_app":                  {flag: "--preload", bool: true, harmless: true, why: "workers start from the compiled binary, so there is no app to preload"},
	"sendfile":                     {flag: "--no-sendfile", bool: true, harmless: true, why: "Go's net/http uses sendfile(2) by itself where it can; gocorn has no switch for it"},
	"reuse_port":                   {flag: "--reuse-port", bool: true, why: "gocorn's master binds the sockets and hands them to the workers; SO_REUSEPORT is not supported"},
	"pythonpath":                   {flag: "--pythonpath", harmless: true, why: "Go has no module search path; the handlers are compiled into the binary"},
	"paste":                        {flag: "--paste", why: whyPaste},
	"raw_paste_global_conf":        {flag: "--paste-global", why: whyPaste},
	"protocol":                     {flag: "--protocol", why: whyUwsgi},
	"uwsgi_allow_ips":              {flag: "--uwsgi-allow-from", harmless: true, why: whyUwsgi},
	"logger_class":                 {flag: "--logger-class", why: "Python logger classes cannot be loaded; " + gocornLogging},
	"logconfig":                    {flag: "--log-config", why: whyLogconf},
	"logconfig_dict":               {why: whyLogconf},
	"logconfig_json":               {flag: "--log-config-json", why: whyLogconf},
	"enable_stdio_inheritance":     {flag: "--enable-stdio-inheritance", short: "-R", bool: true, why: "gocorn has no setting to keep stdout and stderr in daemon mode"},
	"default_proc_name":            {harmless: true, why: "it is gunicorn's internal fallback; proc_name names gocorn's processes"},
	"asgi_loop":                    {flag: "--asgi-loop", harmless: true, why: whyASGI},
	"asgi_lifespan":                {flag: "--asgi-lifespan", harmless: true, why: whyASGI},
	"asgi_disconnect_grace_period": {flag: "--asgi-disconnect-grace-period", harmless: true, why: whyASGI},
	"dirty_apps":                   {flag: "--dirty-app", why: whyDirty},
	"dirty_workers":                {flag: "--dirty-workers", why: whyDirty},
	"dirty_timeout":                {flag: "--dirty-timeout", why: whyDirty},
	"dirty_threads":                {flag: "--dirty-threads", why: whyDirty},
	"dirty_graceful_timeout":       {flag: "--dirty-graceful-timeout", why: whyDirty},
	"ssl_context":                  {why: "a Python SSLContext hook has no Starlark form; gocorn's TLS is certfile, keyfile, ca_certs, cert_reqs, ciphers and tls_min_version"},
	"on_dirty_starting":            {why: whyDirty},
	"dirty_post_fork":              {why: whyDirty},
	"dirty_worker_init":            {why: whyDirty},
	"dirty_worker_exit":            {why: whyDirty},
}

// absentFlag finds an absent setting by one of gunicorn's flags; callers
// look the flag up in starcfg first.
func absentFlag(flag string) (string, absent, bool) {
	for name, a := range absentSettings {
		if a.flag != "" && a.flag == flag || a.short != "" && a.short == flag {
			return name, a, true
		}
	}
	return "", absent{}, false
}

// gocornClasses are the worker classes gocorn has. gunicorn's others
// (gevent, eventlet, tornado, asgi, uvicorn's, a class path) become
// gthread: a Go worker serves on goroutines, so what the async classes
// buy in Python, gthread with enough threads gives.
var gocornClasses = []string{"sync", "gthread"}

// workerClassNote is the note on a worker class gocorn replaces.
func workerClassNote(class string) string {
	return "worker_class " + class + " is Python's; gocorn's gthread serves `threads` " +
		"requests at once on goroutines (raise threads for an async class's concurrency)"
}

func isGocornClass(class string) bool { return slices.Contains(gocornClasses, class) }

// The attributes of the objects hooks receive (package hookrun), for
// telling a hook that calls something gocorn lacks (worker.alive,
// server.kill_worker) before it fails at run time.
var (
	objectAttrs = map[string][]string{
		"server": {"cfg", "log", "num_workers", "pid", "set_workers"},
		"worker": {"age", "booted", "cfg", "id", "log", "pid"},
		"req":    {"headers", "method", "path", "proto", "query", "remote_addr", "remote_port", "scheme", "uri"},
		"resp":   {"bytes_sent", "duration", "headers", "status", "status_code"},
	}
	logMethods = []string{"critical", "debug", "error", "info", "warning"}
	// logAliases are Python logging's other spellings.
	logAliases = map[string]string{"exception": "error", "warn": "warning", "fatal": "critical"}
)
