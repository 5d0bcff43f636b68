package starcfg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"go.starlark.net/starlark"
)

// setting declares one setting, once. The flags, the config-file
// validation, --print-config, -h and docs/settings.md all come from here.
//
// To add a setting: add a field to Config, then an entry to the table
// below with at least name, typ, def, help, section and field. The table
// test checks that the two agree.
type setting struct {
	name     string   // as in gocorn.conf.star, --print-config and Origins
	gunicorn string   // gunicorn's name when gocorn spells it differently
	flags    []string // long flags without "--"; the first is the main one
	short    rune     // one-letter flag, 0 for none
	metavar  string   // placeholder in -h and the docs ("INT")
	typ      valueType
	def      any // default, already in the stored Go type

	// envDefault, when set, names an environment variable that replaces
	// def when present; envValue turns its text into a Starlark value that
	// then goes through the ordinary conversion.
	envDefault string
	envValue   func(string) starlark.Value
	defDoc     string // how the docs and -h describe the default, if not def

	// check validates (and may normalise) a converted value.
	check checkFunc

	help       string
	section    string
	reloadable bool // a HUP applies a change without restarting gocorn
	cliOnly    bool // may not be set inside a config file

	// noneKeepsDefault makes None in the config file leave the setting at
	// its default, for a gunicorn setting whose own default is None
	// (sendfile: None means "ask $SENDFILE, else on").
	noneKeepsDefault bool

	// ignored, for a gunicorn setting that means nothing in Go, says why
	// gocorn accepts it and does nothing with it (settings_compat.go).
	ignored string
	// refused, for a gunicorn setting gocorn cannot honour, says why and
	// what to use instead; any value but the default is an error.
	refused string
	// negatable adds --no-FLAG, which sets a bool setting to False.
	negatable bool

	field func(*Config) any // pointer to the Config field
}

// Sections, in the order -h and the docs show them (gunicorn's names).
const (
	secConfig    = "Config File"
	secSocket    = "Server Socket"
	secWorkers   = "Worker Processes"
	secSecurity  = "Security"
	secMechanics = "Server Mechanics"
	secLogging   = "Logging"
	secNaming    = "Process Naming"
	secDebugging = "Debugging"
)

var sectionOrder = []string{
	secConfig, secSocket, secWorkers, secSecurity,
	secMechanics, secLogging, secNaming, secDebugging,
}

// defaultAccessLogFormat is gunicorn's access log line.
const defaultAccessLogFormat = `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`

// The worker classes gocorn implements: gunicorn's names. Package proc
// maps each onto the server's concurrency model.
const (
	ClassSync    = "sync"
	ClassGthread = "gthread"
)

// workerClasses are the worker classes gocorn implements.
var workerClasses = []string{ClassSync, ClassGthread}

// reloadEngines are the ways reload can watch files.
var reloadEngines = []string{"auto", "inotify", "poll"}

// logLevels are gunicorn's log levels, most verbose first.
var logLevels = []string{"debug", "info", "warning", "error", "critical"}

// settings is the one table: the core settings here, and those of the
// HTTP edge (request parsing, proxies, TLS) in their own files. Keep each
// part grouped by section.
var settings = slices.Concat(coreSettings, loggingSettings, httpSettings, proxySettings, tlsSettings,
	controlSettings, metricsSettings, bootSettings, oomSettings, adoptedSettings, compatSettings, refusedSettings)

// coreSettings are the settings of the process model, config and logs.
var coreSettings = []*setting{
	// Config File.
	{
		name: "config", flags: []string{"config"}, short: 'c', metavar: "CONFIG",
		typ: typeOptString, def: "", check: checkConfigPath, cliOnly: true, section: secConfig,
		defDoc: "./gocorn.conf.star, if that file exists",
		help: "The Starlark config file to run: PATH or file:PATH. Only the command line " +
			"and GOCORN_CMD_ARGS can name it; without it gocorn runs ./gocorn.conf.star " +
			"when that file exists.",
		field: func(c *Config) any { return &c.Config },
	},
	{
		name: "app", gunicorn: "wsgi_app", metavar: "APP",
		typ: typeOptString, def: "", section: secConfig, reloadable: true,
		help: "The name of the handler to serve, among those compiled into the binary. " +
			"The APP argument on the command line wins over this setting; with one app " +
			"registered it may be left out. gunicorn calls this setting wsgi_app.",
		field: func(c *Config) any { return &c.App },
	},

	// Server Socket.
	{
		name: "bind", flags: []string{"bind"}, short: 'b', metavar: "ADDRESS",
		typ: typeList, def: []string{"127.0.0.1:8000"}, check: checkBind,
		envDefault: "PORT", envValue: func(port string) starlark.Value {
			return starlark.NewList([]starlark.Value{starlark.String("0.0.0.0:" + port)})
		},
		defDoc:  `["127.0.0.1:8000"], or ["0.0.0.0:$PORT"] when PORT is set`,
		section: secSocket, reloadable: true,
		help: "The sockets to listen on: HOST, HOST:PORT, [IPV6]:PORT, tcp://HOST:PORT, " +
			"unix:PATH or fd://N. Repeat the flag to listen on several; a --bind on the " +
			"command line replaces the config file's list.",
		field: func(c *Config) any { return &c.Bind },
	},
	{
		name: "backlog", flags: []string{"backlog"}, metavar: "INT",
		typ: typeInt, def: 2048, section: secSocket,
		help: "The number of pending connections the kernel queues on each socket " +
			"(capped by net.core.somaxconn).",
		field: func(c *Config) any { return &c.Backlog },
	},

	// Worker Processes.
	{
		name: "workers", flags: []string{"workers"}, short: 'w', metavar: "INT",
		typ: typeCount, def: 1,
		envDefault: "WEB_CONCURRENCY", defDoc: "1, or $WEB_CONCURRENCY when set",
		section: secWorkers, reloadable: true,
		help: "The number of worker processes. A common start is 2 to 4 per CPU core; " +
			"cpu_count() in the config file honours container CPU limits.",
		field: func(c *Config) any { return &c.Workers },
	},
	{
		name: "worker_class", flags: []string{"worker-class"}, short: 'k', metavar: "STRING",
		typ: typeString, def: "sync", check: checkWorkerClass,
		section: secWorkers, reloadable: true,
		help: "How a worker serves: sync serves one request at a time without keep-alive; " +
			"gthread serves up to threads requests at a time with keep-alive. As in " +
			"gunicorn, sync with threads above 1 becomes gthread.",
		field: func(c *Config) any { return &c.WorkerClass },
	},
	{
		name: "threads", flags: []string{"threads"}, metavar: "INT",
		typ: typeCount, def: 1, section: secWorkers, reloadable: true,
		help:  "The number of requests a gthread worker serves at once.",
		field: func(c *Config) any { return &c.Threads },
	},
	{
		name: "gomaxprocs", flags: []string{"gomaxprocs"}, metavar: "INT",
		typ: typeInt, def: 0, section: secWorkers, reloadable: true,
		help: "How many CPUs each worker's Go runtime runs Go code on at once (GOMAXPROCS). " +
			"0 shares the CPUs the server may use (as the cgroup limit says) among the workers: " +
			"CPUs / workers, at least 1. Go's own default gives every worker all of them, so N " +
			"workers would run N times as many scheduler threads as there are CPUs, and spend " +
			"CPU on that (measured in docs/performance.md). Handlers waiting on I/O do not hold " +
			"a CPU, so a low value costs them nothing. Set cpu_count() for Go's default. " +
			"A gocorn setting.",
		field: func(c *Config) any { return &c.GOMAXPROCS },
	},
	{
		name: "worker_connections", flags: []string{"worker-connections"}, metavar: "INT",
		typ: typeCount, def: 1000, section: secWorkers, reloadable: true,
		help:  "The most connections one worker holds open at once.",
		field: func(c *Config) any { return &c.WorkerConnections },
	},
	{
		name: "max_requests", flags: []string{"max-requests"}, metavar: "INT",
		typ: typeInt, def: 0, section: secWorkers, reloadable: true,
		help: "Restart a worker after it has served this many requests, to contain slow " +
			"leaks. 0 never restarts.",
		field: func(c *Config) any { return &c.MaxRequests },
	},
	{
		name: "max_requests_jitter", flags: []string{"max-requests-jitter"}, metavar: "INT",
		typ: typeInt, def: 0, section: secWorkers, reloadable: true,
		help: "Add a random 0 to this many requests to each worker's max_requests, so " +
			"workers do not all restart at once.",
		field: func(c *Config) any { return &c.MaxRequestsJitter },
	},
	{
		name: "timeout", flags: []string{"timeout"}, short: 't', metavar: "INT",
		typ: typeInt, def: 30, section: secWorkers, reloadable: true,
		help: "Seconds a worker may go silent (no heartbeat to the master) before the master " +
			"aborts it. 0 turns the check off.",
		field: func(c *Config) any { return &c.Timeout },
	},
	{
		name: "request_timeout", flags: []string{"request-timeout"}, metavar: "SECONDS",
		typ: typeSeconds, def: 0.0, section: secWorkers, reloadable: true,
		help: "A deadline for each request, in seconds (fractions allowed); 0 turns it off. " +
			"At the deadline the request's context is cancelled (r.Context().Done()); a client " +
			"whose response has not started gets 504 Gateway Timeout, and one whose response " +
			"has started is cut off. A handler that ignores its context and is still running " +
			"request_timeout later holds a goroutine and a thread slot for nothing: the master " +
			"starts a replacement, the stuck worker finishes what else it serves, logs the stuck " +
			"requests with their goroutine stacks, and exits, so only the stuck request fails. " +
			"Unlike timeout, which is gunicorn's worker heartbeat, this bounds one request " +
			"whatever the worker class. gocorn only; gunicorn has no request deadline.",
		field: func(c *Config) any { return &c.RequestTimeout },
	},
	{
		name: "graceful_timeout", flags: []string{"graceful-timeout"}, metavar: "INT",
		typ: typeInt, def: 30, section: secWorkers, reloadable: true,
		help: "Seconds a worker gets to finish its requests after being told to stop; " +
			"then it is killed.",
		field: func(c *Config) any { return &c.GracefulTimeout },
	},
	{
		name: "keepalive", flags: []string{"keep-alive"}, metavar: "INT",
		typ: typeInt, def: 75, section: secWorkers, reloadable: true,
		help: "Seconds an idle keep-alive connection waits for its next request; 0 turns " +
			"keep-alive off. The default is 75 rather than gunicorn's 2: longer than the " +
			"idle timeout of common load balancers (nginx and AWS ALB use 60), so a " +
			"balancer never sends a request on a connection gocorn is closing.",
		field: func(c *Config) any { return &c.Keepalive },
	},
	{
		name: "max_worker_lifetime", flags: []string{"max-worker-lifetime"}, metavar: "INT",
		typ: typeInt, def: 0, section: secWorkers, reloadable: true,
		help: "Replace a worker once it has run this many seconds, to bound what builds up " +
			"in a long-lived process (slow leaks, fragmented heaps, connection pools stuck " +
			"to one backend). The replacement starts first and the old worker stops only " +
			"when it is ready, finishing its requests; one worker is replaced at a time, so " +
			"capacity never dips. 0 never replaces a worker for its age.",
		field: func(c *Config) any { return &c.MaxWorkerLifetime },
	},
	{
		name: "max_worker_lifetime_jitter", flags: []string{"max-worker-lifetime-jitter"}, metavar: "INT",
		typ: typeInt, def: 0, section: secWorkers, reloadable: true,
		help: "Add a random 0 to this many seconds to each worker's max_worker_lifetime, so " +
			"workers started together (at boot, after a HUP) do not all come due together. " +
			"Ignored while max_worker_lifetime is 0.",
		field: func(c *Config) any { return &c.MaxWorkerLifetimeJitter },
	},
	{
		name: "max_worker_memory", flags: []string{"max-worker-memory"}, metavar: "INT",
		typ: typeInt, def: 0, section: secWorkers, reloadable: true,
		help: "A soft limit on each worker's resident memory (RSS), in MiB: a worker found " +
			"above it is replaced gracefully, replacement first and one worker at a time, " +
			"like max_worker_lifetime. Set it to contain a leak before a container memory " +
			"limit or the kernel's OOM killer ends workers in the middle of requests, and " +
			"keep it well under that limit, since a worker goes on growing until its " +
			"replacement is ready. 0 turns it off. RSS is read from /proc (Linux).",
		field: func(c *Config) any { return &c.MaxWorkerMemory },
	},
	{
		name: "max_worker_memory_jitter", flags: []string{"max-worker-memory-jitter"}, metavar: "INT",
		typ: typeInt, def: 0, section: secWorkers, reloadable: true,
		help: "Add a random 0 to this many MiB to each worker's max_worker_memory, so " +
			"workers that grow at the same pace are not replaced together. Ignored while " +
			"max_worker_memory is 0.",
		field: func(c *Config) any { return &c.MaxWorkerMemoryJitter },
	},
	{
		name: "shutdown_delay", flags: []string{"shutdown-delay"}, metavar: "INT",
		typ: typeInt, def: 0, section: secWorkers, reloadable: true,
		help: "Seconds workers go on accepting and serving after TERM before they stop " +
			"accepting and drain. A load balancer learns of a stop late (Kubernetes removes " +
			"a terminating pod from its Service endpoints while it sends TERM), so without " +
			"a delay the connections it still sends are refused; this is a built-in preStop " +
			"sleep. Keep the pod's terminationGracePeriodSeconds above shutdown_delay + " +
			"graceful_timeout, or the kubelet kills gocorn while it drains. A second TERM " +
			"ends the delay; INT and QUIT do not wait.",
		field: func(c *Config) any { return &c.ShutdownDelay },
	},

	// Security.
	{
		name: "limit_request_line", flags: []string{"limit-request-line"}, metavar: "INT",
		typ: typeInt, def: 4094, section: secSecurity, reloadable: true,
		help: "The longest request line accepted, in bytes; longer ones get 414. " +
			"0 means no limit; values above 8190 count as 8190.",
		field: func(c *Config) any { return &c.LimitRequestLine },
	},
	{
		name: "limit_request_fields", flags: []string{"limit-request-fields"}, metavar: "INT",
		typ: typeInt, def: 100, section: secSecurity, reloadable: true,
		help: "The most header fields a request may carry; more get 431. " +
			"0 or values above 32768 mean 32768.",
		field: func(c *Config) any { return &c.LimitRequestFields },
	},
	{
		name: "limit_request_field_size", flags: []string{"limit-request-field_size"}, metavar: "INT",
		typ: typeInt, def: 8190, section: secSecurity, reloadable: true,
		help: "The longest header line accepted, in bytes; 0 means 8190. The flag keeps " +
			"gunicorn's underscore.",
		field: func(c *Config) any { return &c.LimitRequestFieldSize },
	},

	// Server Mechanics.
	{
		name: "chdir", flags: []string{"chdir"}, metavar: "DIR",
		typ: typeOptString, def: "", check: checkChdir, section: secMechanics,
		help: "Change to this directory before serving. It must exist; a relative path " +
			"is taken from where gocorn was started.",
		field: func(c *Config) any { return &c.Chdir },
	},
	{
		name: "raw_env", flags: []string{"env"}, short: 'e', metavar: "ENV",
		typ: typeList, def: []string{}, check: checkRawEnv, section: secMechanics,
		reloadable: true,
		help: "Environment variables for the workers, as KEY=VALUE. Repeat the flag for " +
			"several.",
		field: func(c *Config) any { return &c.RawEnv },
	},
	{
		name: "pidfile", flags: []string{"pid"}, short: 'p', metavar: "FILE",
		typ: typeOptString, def: "", section: secMechanics,
		help:  "Write the master's PID to this file.",
		field: func(c *Config) any { return &c.Pidfile },
	},
	{
		name: "daemon", flags: []string{"daemon"}, short: 'D',
		typ: typeBool, def: false, section: secMechanics,
		help: "Detach from the terminal and run in the background, for init systems that " +
			"expect it (systemd's Type=forking) and hand-started servers. gocorn waits until " +
			"its sockets are bound and a worker is ready, then exits 0; if starting fails it " +
			"prints why and exits as the server would have in the foreground (1 for a bad " +
			"bind), so a failure is not lost in the background. The background server " +
			"has its standard input, output and error on /dev/null (log to files with " +
			"errorlog and accesslog), a session of its own and umask 022. Under systemd " +
			"(Type=simple or notify), supervisord or a container, leave it off.",
		field: func(c *Config) any { return &c.Daemon },
	},
	{
		name: "user", flags: []string{"user"}, short: 'u', metavar: "USER",
		typ: typeID, def: "", check: checkUser, section: secMechanics, reloadable: true,
		defDoc: "None (the master's user)",
		help: "Run the workers as this user, by name or uid, so the code that parses " +
			"requests holds no root privileges while the master keeps them (to bind ports " +
			"below 1024 on a HUP, or to reopen root-owned logs). A name must exist when " +
			"the config is loaded; a uid need not. Switching needs root (or CAP_SETUID). " +
			"A HUP applies a change to the workers it starts.",
		field: func(c *Config) any { return &c.User },
	},
	{
		name: "group", flags: []string{"group"}, short: 'g', metavar: "GROUP",
		typ: typeID, def: "", check: checkGroup, section: secMechanics, reloadable: true,
		defDoc: "None (the master's group)",
		help: "Run the workers with this primary group, by name or gid; set it along with " +
			"user, since as in gunicorn the workers otherwise keep the master's group. A " +
			"name must exist when the config is loaded; a gid need not. A HUP applies a " +
			"change to the workers it starts.",
		field: func(c *Config) any { return &c.Group },
	},
	{
		name: "umask", flags: []string{"umask"}, short: 'm', metavar: "INT",
		typ: typeInt, def: 0, check: checkPermissionBits, section: secMechanics, reloadable: true,
		help: "The file mode mask applied while gocorn creates unix sockets, and only then: " +
			"0o007 makes a socket usable by its owner and group alone, so a proxy reaches " +
			"it through group membership. Write it 0o22 in the file (Starlark has no 022), " +
			"or as in gunicorn as a string or on the command line: \"022\" (a leading 0 " +
			"means octal), \"0o22\", \"0x12\" or \"18\". --print-config shows it in " +
			"decimal, as gunicorn does. A HUP applies it to sockets it binds.",
		field: func(c *Config) any { return &c.Umask },
	},
	{
		name: "initgroups", flags: []string{"initgroups"},
		typ: typeBool, def: false, section: secMechanics, reloadable: true,
		help: "Give the workers the supplementary groups of user (from the group " +
			"database), as login does, so they can read files shared with those groups. " +
			"Applies only when group is set, as in gunicorn. Without it, workers that a " +
			"root master switches to another user keep no supplementary groups (gunicorn " +
			"leaves them root's).",
		field: func(c *Config) any { return &c.Initgroups },
	},
	{
		name: "worker_tmp_dir", flags: []string{"worker-tmp-dir"}, metavar: "DIR",
		typ: typeOptString, def: "", check: checkChdir, section: secMechanics,
		reloadable: true, defDoc: "None (the system's temporary directory)",
		help: "The workers' temporary directory: gocorn sets TMPDIR to it, which os.TempDir " +
			"and os.CreateTemp follow. gunicorn keeps its heartbeat files there and " +
			"operators point it at a tmpfs such as /dev/shm; gocorn's heartbeats travel over " +
			"a pipe and need no file, so set it only to choose where your handlers' " +
			"temporary files go (for example off a read-only root file system). It must " +
			"be an existing directory; a relative path is taken from where gocorn was " +
			"started.",
		field: func(c *Config) any { return &c.WorkerTmpDir },
	},

	// Logging.
	{
		name: "accesslog", flags: []string{"access-logfile"}, metavar: "FILE",
		typ: typeOptString, def: "", section: secLogging, reloadable: true,
		help: "Write an access log line per request to this file; - means standard " +
			"output. None writes no access log.",
		field: func(c *Config) any { return &c.Accesslog },
	},
	{
		name: "access_log_format", flags: []string{"access-logformat"}, metavar: "STRING",
		typ: typeString, def: defaultAccessLogFormat, check: checkAccessLogFormat,
		section: secLogging, reloadable: true,
		help: "The access log line, in gunicorn's %(atom)s format: h client, t time, " +
			"r request line as sent, s status, b body bytes, U path below any mount prefix " +
			"(PATH_INFO; see root_path), q query, D microseconds, {Name}i and {Name}o " +
			"request and response headers, and the others of gunicorn's table. {name}e is " +
			"a variable of the request's WSGI environ, in any case as gunicorn matches it " +
			"(remote_port, SCRIPT_NAME, wsgi.url_scheme, HTTP_X_REQUEST_ID), else an " +
			"environment variable of the worker (HOSTNAME), as written or in upper case; " +
			"a missing one prints -; an unknown atom is an error. Values from the request " +
			"are escaped, so that a client cannot forge lines. The value json writes one JSON object per line instead " +
			"(keys in docs/logging.md).",
		field: func(c *Config) any { return &c.AccessLogFormat },
	},
	{
		name: "errorlog", flags: []string{"error-logfile", "log-file"}, metavar: "FILE",
		typ: typeString, def: "-", section: secLogging, reloadable: true,
		help:  "Write the error log to this file; - means standard error.",
		field: func(c *Config) any { return &c.Errorlog },
	},
	{
		name: "loglevel", flags: []string{"log-level"}, metavar: "LEVEL",
		typ: typeString, def: "info", check: checkLogLevel, section: secLogging,
		reloadable: true,
		help: "The least severe error log messages written: debug, info, warning, error " +
			"or critical.",
		field: func(c *Config) any { return &c.Loglevel },
	},

	// Process Naming.
	{
		name: "proc_name", flags: []string{"name"}, short: 'n', metavar: "STRING",
		typ: typeOptString, def: "", section: secNaming, reloadable: true,
		help: "A name for the processes, shown in ps and top as gocorn: master [NAME]. " +
			"None uses the app's name.",
		field: func(c *Config) any { return &c.ProcName },
	},

	// Debugging.
	{
		name: "reload", flags: []string{"reload"},
		typ: typeBool, def: false, section: secDebugging, reloadable: true,
		help: "Watch the config file and every file it load()s, the executable and " +
			"reload_extra_files, and reload as on HUP when one of them changes content " +
			"(a touch or a rewrite with the same bytes does not count). Meant for " +
			"development, and for configs mounted from a Kubernetes ConfigMap, whose " +
			"..data swaps it follows.",
		field: func(c *Config) any { return &c.Reload },
	},
	{
		name: "reload_engine", flags: []string{"reload-engine"}, metavar: "STRING",
		typ: typeString, def: "auto", check: checkReloadEngine, section: secDebugging,
		reloadable: true,
		help: "How reload watches: inotify waits for file system events (inotify on " +
			"Linux, kqueue on BSD and macOS); poll checks every second, for NFS, SMB " +
			"and FUSE mounts, which send no events; auto uses inotify and falls back " +
			"to poll, with a warning, when watches cannot be created (for example when " +
			"fs.inotify.max_user_watches is reached).",
		field: func(c *Config) any { return &c.ReloadEngine },
	},
	{
		name: "reload_extra_files", flags: []string{"reload-extra-file"}, metavar: "FILES",
		typ: typeList, def: []string{}, check: checkReloadExtraFiles, section: secDebugging,
		reloadable: true,
		help: "More files for reload to watch, as paths or glob patterns: * and ? match " +
			"within a name, [...] one of a set of characters, and ** any number of " +
			"directories (templates/**/*.html). Patterns are searched again on every " +
			"check, so a new matching file is a change; a pattern may match nothing " +
			"yet, but a path without wildcards must exist. As in gunicorn, wildcards " +
			"skip names starting with a dot. Relative paths are taken from the " +
			"directory gocorn started in; repeat the flag for several.",
		field: func(c *Config) any { return &c.ReloadExtraFiles },
	},
	{
		name: "check_config", flags: []string{"check-config"},
		typ: typeBool, def: false, section: secDebugging,
		help: "Do all a start does short of binding, then exit: check every setting, " +
			"resolve every bind and find pairs that cannot both be bound, build the app, " +
			"read the TLS files, and print every problem and every warning a start would " +
			"log. Exit 0 when a start would get past it all, 1 otherwise.",
		field: func(c *Config) any { return &c.CheckConfig },
	},
	{
		name: "print_config", flags: []string{"print-config"},
		typ: typeBool, def: false, section: secDebugging,
		help: "Print every setting as resolved, then check like --check-config: the " +
			"listing goes to standard output, the findings to standard error.",
		field: func(c *Config) any { return &c.PrintConfig },
	},
	{
		name: "check_config_json", flags: []string{"json"},
		typ: typeBool, def: false, cliOnly: true, section: secDebugging,
		help: "With --check-config, print the findings as one JSON document on standard " +
			"output, for CI annotations (schema in docs/operations.md).",
		field: func(c *Config) any { return &c.CheckJSON },
	},
}

// settingsByName indexes the table by setting name.
var settingsByName = indexSettings()

func indexSettings() map[string]*setting {
	m := make(map[string]*setting, len(settings))
	for _, s := range settings {
		m[s.name] = s
	}
	return m
}

// settingNames returns the names of all settings, sorted.
func settingNames() []string {
	names := make([]string, 0, len(settings))
	for _, s := range settings {
		names = append(names, s.name)
	}
	sort.Strings(names)
	return names
}

// convert turns a Starlark value into s's stored value: the type's
// conversion, then the setting's own check.
func (s *setting) convert(v starlark.Value, c *checkContext) (any, error) {
	out, err := s.typ.convert(v)
	if err != nil {
		return nil, err
	}
	if s.check != nil {
		if out, err = s.check(out, c); err != nil {
			return nil, err
		}
	}
	if s.refused != "" && !reflect.DeepEqual(out, s.def) {
		return nil, s.refusal()
	}
	return out, nil
}

// defaultText is the default as -h and the docs describe it.
func (s *setting) defaultText() string {
	if s.defDoc != "" {
		return s.defDoc
	}
	return s.typ.format(s.def)
}

// mainFlag is the setting's main long flag with its dashes, or "".
func (s *setting) mainFlag() string {
	if len(s.flags) == 0 {
		return ""
	}
	return "--" + s.flags[0]
}

// checkReloadEngine accepts the reload engines.
func checkReloadEngine(v any, _ *checkContext) (any, error) {
	s := v.(string)
	if slices.Contains(reloadEngines, s) {
		return s, nil
	}
	return nil, fmt.Errorf("%q is not a reload engine (want %s)%s",
		s, orList(reloadEngines), didYouMean(s, reloadEngines))
}

// checkReloadExtraFiles requires literal paths to exist, as gunicorn
// 26.1 does, and patterns (with *, ? or [) to be well formed; a pattern
// may match nothing yet. Entries are stored as given.
func checkReloadExtraFiles(v any, c *checkContext) (any, error) {
	for _, p := range v.([]string) {
		if p == "" {
			return nil, errors.New("an entry is empty")
		}
		if strings.ContainsAny(p, "*?[") {
			for _, seg := range strings.Split(filepath.ToSlash(p), "/") {
				if _, err := path.Match(seg, ""); err != nil {
					return nil, fmt.Errorf("pattern %q: %v", p, err)
				}
			}
			continue
		}
		if c == nil || c.dir == "" {
			continue // a worker replaying the sources: the master checked
		}
		abs := p
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(c.dir, abs)
		}
		if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%q does not exist (only a pattern, with *, ? or [, may match nothing)", p)
		}
	}
	return v, nil
}
