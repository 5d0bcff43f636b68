package starcfg

import (
	"fmt"
	"slices"
	"strings"

	"go.starlark.net/starlark"
)

// Every gunicorn setting has an answer in gocorn: implemented (most of
// the table), accepted and ignored with one warning at start (secCompat),
// or refused with a message naming the gocorn way (secRefused), where
// accepting would leave a deployment silently doing something else.
// testdata/gunicorn-settings.txt walks all of them (TestGunicornSettings).

// secCompat is the section of gunicorn settings gocorn accepts and ignores.
const secCompat = "Accepted from gunicorn and ignored"

// secRefused is the section of gunicorn settings gocorn refuses unless
// they keep their default.
const secRefused = "Refused from gunicorn"

// init shows the sections last in -h and the docs.
func init() { sectionOrder = append(sectionOrder, secCompat, secRefused) }

// httpParsers are gunicorn's http_parser values.
var httpParsers = []string{"auto", "fast", "python"}

// loggingWay is what replaces gunicorn's Python logging configuration.
const loggingWay = "gocorn's logs are not Python logging; use errorlog, loglevel, " +
	"syslog, access_log_format and accesslog instead (docs/coming-from-gunicorn.md)"

// noDirty is why the dirty arbiter settings mean nothing.
const noDirty = "gocorn has no dirty arbiters (pools of Python app classes); " +
	"do slow work in the handler's goroutines or a separate gocorn app"

// compatSettings are gunicorn settings that mean nothing in Go: gocorn
// accepts them, so that a gunicorn command line or a systemd unit keeps
// working as it is moved over, and warns once when one is set to anything
// but its default (see Config.IgnoredSettings). Those that would mislead
// if ignored are refused instead (refusedSettings).
var compatSettings = []*setting{
	{
		name: "ssl_version", flags: []string{"ssl-version"}, metavar: "STRING",
		typ: typeString, def: "TLS", section: secCompat, reloadable: true,
		ignored: "gunicorn deprecated it and ignores it too; the oldest TLS version accepted is tls_min_version",
		help: "gunicorn's deprecated choice of an SSL protocol version (PROTOCOL_TLS). Ignored: " +
			"use tls_min_version.",
		field: func(c *Config) any { return &c.SSLVersion },
	},
	{
		name: "do_handshake_on_connect", flags: []string{"do-handshake-on-connect"},
		typ: typeBool, def: false, section: secCompat, reloadable: true,
		ignored: "workers always finish the TLS handshake before reading a request",
		help: "Python's ssl option to handshake at accept time. Ignored: gocorn always " +
			"completes the handshake (within header_timeout) before it reads the request, " +
			"without holding up other connections.",
		field: func(c *Config) any { return &c.DoHandshakeOnConnect },
	},
	{
		name: "suppress_ragged_eofs", flags: []string{"suppress-ragged-eofs"},
		typ: typeBool, def: true, section: secCompat, reloadable: true,
		ignored: "a client that closes without a TLS close_notify is treated as gone, as with it",
		help: "Python's ssl option to treat a connection closed without close_notify as an " +
			"end of file. Ignored: that is what gocorn does.",
		field: func(c *Config) any { return &c.SuppressRaggedEOFs },
	},
	{
		name: "http_parser", flags: []string{"http-parser"}, metavar: "STRING",
		typ: typeString, def: "auto", check: checkHTTPParser, section: secCompat, reloadable: true,
		ignored: "gocorn has one HTTP/1 parser (server/h1), which follows gunicorn's rules",
		help: "gunicorn's choice between its C and Python HTTP/1 parsers (auto, fast, python). " +
			"Ignored: gocorn has one parser, with gunicorn's rules (docs/http-parsing.md).",
		field: func(c *Config) any { return &c.HTTPParser },
	},
	{
		name: "tmp_upload_dir", flags: []string{"tmp-upload-dir"}, metavar: "DIR",
		typ: typeOptString, def: "", section: secCompat, reloadable: true,
		ignored: "gunicorn documents it but never uses it; request bodies reach the handler as a stream",
		help: "Documented by gunicorn but unused by its code. Ignored likewise: a handler reads " +
			"r.Body as a stream and decides itself where an upload goes.",
		field: func(c *Config) any { return &c.TmpUploadDir },
	},
	{
		name: "preload_app", flags: []string{"preload"},
		typ: typeBool, def: false, section: secCompat, reloadable: true,
		ignored: "workers start from the compiled binary, so there is no application to load in the master first",
		help: "gunicorn's option to import the app in the master before forking. Ignored: the " +
			"handlers are compiled into the binary every worker runs; work a preloaded app did " +
			"once belongs in the when_ready hook or in the app's own start-up.",
		field: func(c *Config) any { return &c.PreloadApp },
	},
	{
		name: "pythonpath", flags: []string{"pythonpath"}, metavar: "STRING",
		typ: typeOptString, def: "", section: secCompat, reloadable: true,
		ignored: "there is no Python import path: the handlers are compiled into the binary",
		help:    "Directories gunicorn adds to sys.path. Ignored: gocorn imports no Python.",
		field:   func(c *Config) any { return &c.Pythonpath },
	},
	{
		name: "paste", flags: []string{"paste", "paster"}, metavar: "STRING",
		typ: typeOptString, def: "", section: secCompat, reloadable: true,
		ignored: "PasteDeploy ini files configure Python apps; name the gocorn app with APP or app",
		help: "A PasteDeploy ini file that gunicorn loads the app and its logging from. " +
			"Ignored: name the app with the APP argument or the app setting.",
		field: func(c *Config) any { return &c.Paste },
	},
	{
		name: "raw_paste_global_conf", flags: []string{"paste-global"}, metavar: "CONF",
		typ: typeList, def: []string{}, section: secCompat, reloadable: true,
		ignored: "PasteDeploy is not used, so its global variables go nowhere",
		help:    "Global variables for a PasteDeploy ini file (KEY=VALUE). Ignored with paste.",
		field:   func(c *Config) any { return &c.RawPasteGlobalConf },
	},
	{
		name: "spew", flags: []string{"spew"},
		typ: typeBool, def: false, section: secCompat, reloadable: true,
		ignored: "it traces Python lines; a Go worker has no such hook (use loglevel = \"debug\" or a profiler)",
		help: "gunicorn's trace of every Python line executed. Ignored: Go has no line trace; " +
			"loglevel debug, the access log and Go's profilers tell what a worker does.",
		field: func(c *Config) any { return &c.Spew },
	},
	{
		name: "logger_class", flags: []string{"logger-class"}, metavar: "STRING",
		typ: typeString, def: defaultLoggerClass, check: checkLoggerClass, section: secCompat, reloadable: true,
		ignored: "gocorn's logger is built in; errorlog, loglevel, syslog and statsd_host configure it",
		help: "The Python class gunicorn logs with. gunicorn's own loggers (simple, " +
			"gunicorn.glogging.Logger, gunicorn.instrument.statsd.Statsd) are what gocorn does " +
			"anyway; any other class is ignored with a warning.",
		field: func(c *Config) any { return &c.LoggerClass },
	},
	{
		name: "asgi_loop", flags: []string{"asgi-loop"}, metavar: "STRING",
		typ: typeString, def: "auto", section: secCompat, reloadable: true,
		ignored: "Go's scheduler runs the handlers; there is no asyncio event loop to choose",
		help:    "gunicorn's asyncio loop for ASGI apps (auto, asyncio, uvloop). Ignored.",
		field:   func(c *Config) any { return &c.ASGILoop },
	},
	{
		name: "asgi_lifespan", flags: []string{"asgi-lifespan"}, metavar: "STRING",
		typ: typeString, def: "auto", section: secCompat, reloadable: true,
		ignored: "there is no ASGI lifespan protocol; start-up work goes in the app or the post_worker_init hook",
		help:    "Whether gunicorn runs the ASGI lifespan protocol (auto, on, off). Ignored.",
		field:   func(c *Config) any { return &c.ASGILifespan },
	},
	{
		name: "asgi_disconnect_grace_period", flags: []string{"asgi-disconnect-grace-period"}, metavar: "INT",
		typ: typeInt, def: 3, section: secCompat, reloadable: true,
		ignored: "a Go handler learns of a client disconnect at once, as r.Context() is cancelled",
		help: "Seconds gunicorn lets an ASGI task run after its client went away. Ignored: " +
			"the request's context is cancelled when the client goes.",
		field: func(c *Config) any { return &c.ASGIDisconnectGracePeriod },
	},
	{
		name: "uwsgi_allow_ips", flags: []string{"uwsgi-allow-from"}, metavar: "STRING",
		typ: typeList, def: []string{"127.0.0.1", "::1"}, section: secCompat, reloadable: true,
		ignored: "gocorn does not speak the uwsgi protocol (see protocol)",
		help:    "The peers allowed to speak uwsgi to gunicorn. Ignored: gocorn speaks HTTP only.",
		field:   func(c *Config) any { return &c.UWSGIAllowIPs },
	},
	dirtyIgnored("dirty_timeout", 300, "Seconds a dirty task may run.", func(c *Config) any { return &c.DirtyTimeout }),
	dirtyIgnored("dirty_threads", 1, "Threads per dirty worker.", func(c *Config) any { return &c.DirtyThreads }),
	dirtyIgnored("dirty_graceful_timeout", 30, "Seconds dirty workers get to stop.", func(c *Config) any { return &c.DirtyGracefulTimeout }),
}

// dirtyIgnored is one of the dirty arbiter's tuning settings: harmless
// without dirty_workers, so accepted and ignored.
func dirtyIgnored(name string, def int, help string, field func(*Config) any) *setting {
	return &setting{
		name: name, flags: []string{strings.ReplaceAll(name, "_", "-")}, metavar: "INT",
		typ: typeInt, def: def, section: secCompat, reloadable: true,
		ignored: noDirty, help: "gunicorn's dirty arbiter: " + help + " Ignored: " + noDirty + ".",
		field: field,
	}
}

// refusedSettings are gunicorn settings whose meaning gocorn cannot give:
// set to anything but the default they are an error that names the gocorn
// way, since a server that started without them would not do what the
// configuration says.
var refusedSettings = []*setting{
	{
		name: "protocol", flags: []string{"protocol"}, metavar: "STRING",
		typ: typeString, def: "http", check: checkProtocol, section: secRefused, reloadable: true,
		refused: "gocorn speaks HTTP only; point nginx at it with proxy_pass instead of uwsgi_pass",
		help:    "gunicorn's wire protocol: http, or uwsgi from nginx's uwsgi_pass. Only http.",
		field:   func(c *Config) any { return &c.Protocol },
	},
	{
		name: "logconfig", flags: []string{"log-config"}, metavar: "FILE",
		typ: typeOptString, def: "", section: secRefused, reloadable: true,
		refused: loggingWay,
		help:    "A Python logging.fileConfig ini file. Refused: " + loggingWay + ".",
		field:   func(c *Config) any { return &c.Logconfig },
	},
	{
		name: "logconfig_dict",
		typ:  typeAnyDict, def: map[string]string{}, section: secRefused, reloadable: true,
		refused: loggingWay,
		help:    "A Python logging.dictConfig dict. Refused unless empty: " + loggingWay + ".",
		field:   func(c *Config) any { return &c.LogconfigDict },
	},
	{
		name: "logconfig_json", flags: []string{"log-config-json"}, metavar: "FILE",
		typ: typeOptString, def: "", section: secRefused, reloadable: true,
		refused: loggingWay,
		help:    "A Python logging.dictConfig dict as a JSON file. Refused: " + loggingWay + ".",
		field:   func(c *Config) any { return &c.LogconfigJSON },
	},
	{
		name: "dirty_apps", flags: []string{"dirty-app"}, metavar: "STRING",
		typ: typeList, def: []string{}, section: secRefused, reloadable: true,
		refused: noDirty,
		help:    "Python classes for gunicorn's dirty arbiter. Refused unless empty: " + noDirty + ".",
		field:   func(c *Config) any { return &c.DirtyApps },
	},
	{
		name: "dirty_workers", flags: []string{"dirty-workers"}, metavar: "INT",
		typ: typeInt, def: 0, section: secRefused, reloadable: true,
		refused: noDirty,
		help:    "The number of dirty arbiter workers. Refused unless 0: " + noDirty + ".",
		field:   func(c *Config) any { return &c.DirtyWorkers },
	},
}

// refusedHooks are gunicorn's hooks gocorn never calls, with what to do
// instead: a config that defines one is refused, since its code would
// silently never run.
var refusedHooks = map[string]string{
	"ssl_context": "gocorn builds the TLS configuration from certfile, keyfile, ca_certs, " +
		"cert_reqs, ciphers and tls_min_version; set those instead",
	"on_dirty_starting": noDirty,
	"dirty_post_fork":   noDirty,
	"dirty_worker_init": noDirty,
	"dirty_worker_exit": noDirty,
}

// refusedHook is the error for a refused gunicorn hook, or nil.
func refusedHook(name string) error {
	if why, ok := HookRefused(name); ok {
		return fmt.Errorf("%s is a gunicorn hook gocorn never calls: %s", name, why)
	}
	return nil
}

// gunicornSpelling is the setting gunicorn calls name when gocorn spells
// it differently (wsgi_app is app), or nil.
func gunicornSpelling(name string) *setting {
	for _, s := range settings {
		if s.gunicorn == name {
			return s
		}
	}
	return nil
}

// refusal is the error for a refused setting given something other than
// its default.
func (s *setting) refusal() error {
	return fmt.Errorf("gocorn cannot honour it: %s", s.refused)
}

// The logger classes that are what gocorn does anyway.
const defaultLoggerClass = "gunicorn.glogging.Logger"

var builtinLoggerClasses = []string{defaultLoggerClass, "simple", "gunicorn.instrument.statsd.Statsd"}

// checkLoggerClass stores gunicorn's own logger classes as the default, so
// only a custom class draws the warning.
func checkLoggerClass(v any, _ *checkContext) (any, error) {
	if slices.Contains(builtinLoggerClasses, v.(string)) {
		return defaultLoggerClass, nil
	}
	return v, nil
}

// protocols are gunicorn's protocol values.
var protocols = []string{"http", "uwsgi"}

func checkProtocol(v any, _ *checkContext) (any, error) {
	s := strings.ToLower(v.(string))
	if slices.Contains(protocols, s) {
		return s, nil
	}
	return nil, fmt.Errorf("%q is not a protocol (want %s)%s", v.(string), orList(protocols), didYouMean(s, protocols))
}

func checkHTTPParser(v any, _ *checkContext) (any, error) {
	s := v.(string)
	if slices.Contains(httpParsers, s) {
		return s, nil
	}
	return nil, fmt.Errorf("%q is not an HTTP parser (want %s)%s", s, orList(httpParsers), didYouMean(s, httpParsers))
}

// typeAnyDict is a dict of any values (logconfig_dict's nested dicts),
// kept as each key's value in Starlark syntax: gocorn only needs to know
// whether it is empty.
var typeAnyDict valueType = anyDictType{}

type anyDictType struct{ dictType }

func (anyDictType) name() string { return "dict" }

func (anyDictType) convert(v starlark.Value) (any, error) {
	d, ok := v.(*starlark.Dict)
	if !ok {
		return nil, wrongType(v, "dict")
	}
	out := make(map[string]string, d.Len())
	for _, kv := range d.Items() {
		out[kv[0].String()] = kv[1].String()
	}
	return out, nil
}
