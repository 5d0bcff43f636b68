// Package proc is gocorn's process model: the master, which owns the
// listening sockets and keeps the workers alive, and the plumbing of each
// worker process (its pipe to the master, its signals). The HTTP serving
// itself lives in package server.
//
// A program embeds gocorn by handing its apps to Main:
//
//	func main() {
//		os.Exit(proc.Main(server.Apps{"api": server.Handler(api.New())}))
//	}
//
// and gets the whole gocorn command line, config file and process model.
// Run does the same under the program's own name, with its own settings
// and Go hooks (see Program).
package proc

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gocorn/gocorn/instrument/errlog"
	"github.com/gocorn/gocorn/proc/ctl"
	"github.com/gocorn/gocorn/proc/sdnotify"
	"github.com/gocorn/gocorn/proc/workerpipe"
	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/starcfg"
	"github.com/gocorn/gocorn/starcfg/hookrun"
	"github.com/gocorn/gocorn/starcfg/migrate"
)

// Exit codes, as gunicorn's.
const (
	exitOK      = 0
	exitConfig  = 1 // bad configuration, or the master could not start
	exitUsage   = 2 // bad command line
	exitBoot    = 3 // a worker could not boot
	exitAppLoad = 4 // a worker could not load its app
	exitOOM     = 5 // the kernel's OOM killer killed a worker, and exit_on_worker_oom is set (gocorn's own)
)

// subcommand is a first argument that runs something other than a
// master: its line in -h, and what runs it with the arguments after it.
type subcommand struct {
	starcfg.Command
	run func(args []string) int
}

// subcommands are gocorn's subcommands, in the order -h lists them. This
// is the one list: a new subcommand is one line here.
var subcommands = []subcommand{
	{starcfg.Command{Name: "ctl", Args: "[COMMAND]", Summary: "Talk to a running master over its control socket."}, ctl.Main},
	{starcfg.Command{Name: "help", Args: "[SETTING...]", Summary: "Show a setting's full text, or list the settings by section."}, helpMain},
	{starcfg.Command{Name: "migrate", Args: "[-o FILE] gunicorn.conf.py",
		Summary: "Translate a gunicorn config (or, with --cmdline, a command line)."}, migrateMain},
}

// migrateMain is gocorn migrate (package starcfg/migrate) on the process's
// standard output and error.
func migrateMain(args []string) int { return migrate.Main(args, os.Stdout, os.Stderr) }

// commands are the subcommands as -h lists them.
func commands() []starcfg.Command {
	out := make([]starcfg.Command, len(subcommands))
	for i, c := range subcommands {
		out[i] = c.Command
	}
	return out
}

// Main runs gocorn with apps as the servable apps and returns the process's
// exit code. The same binary is both the master (when started by a user)
// and every worker (when started by the master), and, with a subcommand's
// name as its first argument, that subcommand (gocorn ctl, gocorn help).
// It is Run of a Program with only Apps: the binary calls itself gocorn.
func Main(apps server.Apps) int { return Run(Program{Apps: apps}) }

// runProgram runs the Program Run has set: a worker, a subcommand or the
// master.
func runProgram(apps server.Apps) int {
	args := cloneArgs()
	if os.Getenv(workerpipe.EnvVar) != "" {
		return runWorker(apps)
	}
	for _, c := range subcommands {
		if len(args) > 1 && args[1] == c.Name {
			return c.run(args[2:])
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: cannot read the working directory: %v\n", theProgram.Name, err)
		return exitConfig
	}
	return runMaster(args, starcfg.Invocation{
		Args:     args[1:],
		Environ:  os.Environ(),
		Dir:      wd,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Version:  runningVersion(),
		Commands: commands(),

		Name:        theProgram.Name,
		Description: theProgram.Description,
	}, apps)
}

// helpMain is gocorn help: a setting's full text, or the list of settings
// (see starcfg.Help). An unknown name is a usage error.
func helpMain(args []string) int {
	if err := starcfg.ProgramHelp(os.Stdout, theProgram.Name, args); err != nil {
		fmt.Fprintf(os.Stderr, "%s help: %v\n", theProgram.Name, err)
		return exitUsage
	}
	return exitOK
}

// runMaster resolves the configuration and runs the master, or only checks
// or prints the configuration when asked to.
func runMaster(args []string, inv starcfg.Invocation, apps server.Apps) int {
	res, err := starcfg.Resolve(inv)
	if mode, check := checkFor(inv, res, err); check {
		return runCheck(inv, mode, res, err, apps)
	}
	if code, done := resolveFailure(err, inv.Stderr); done {
		if code != exitOK {
			openStartReport().Failed(err) // a new master's config error, in the old master's log
		}
		return code
	}
	events := make(chan event, 256)
	m := &master{
		sys:     osSystem{events: events},
		upgrade: upgradeState{argv: args},
		inv:     inv,
		cfg:     res.Config,
		sources: res.Sources,
		appSet:  apps,
		notify:  sdnotify.Default(),
		events:  events,
		signals: make(chan os.Signal, 32),
		control: newControlState(time.Now()),
	}
	secrets, err := m.prepareConfig(res.Config)
	if err != nil {
		fmt.Fprintf(inv.Stderr, "%s: %v\n", theProgram.Name, err)
		openStartReport().Failed(err)
		return exitConfig
	}
	m.setTLS(secrets)
	currentConfig.Store(m.cfg)
	if m.cfg.Daemon && os.Getenv(envUpgradeParent) == "" {
		if code, parent := daemonize(args, os.Environ(), m.cfg.EnableStdioInheritance); parent {
			return code
		}
	}
	makeRoomForTitle(args, m.title())
	followGoRun()
	m.report = openStartReport()
	if err := m.adoptSockets(); err != nil {
		return m.startFailed(err)
	}
	if err := m.prepare(res); err != nil {
		return m.startFailed(err)
	}
	defer m.logs.close()
	return m.run()
}

// startFailed reports a failure before the master runs, on stderr and to
// the launching process of a daemon (whose stderr is /dev/null).
func (m *master) startFailed(err error) int {
	fmt.Fprintf(m.inv.Stderr, "%s: %v\n", theProgram.Name, err)
	m.report.Failed(err)
	return exitConfig
}

// adoptSockets takes the sockets this master was given instead of binding
// them: systemd's (socket activation), or an old master's (USR2). It must
// run before the master opens files of its own.
func (m *master) adoptSockets() error {
	activated, err := activatedSockets(os.Getenv, os.Getpid())
	if err != nil {
		return err
	}
	for _, v := range activationVars {
		os.Unsetenv(v)
	}
	if m.upgrade.inherited, m.upgrade.parent, err = inheritedSockets(); err != nil {
		return err
	}
	if slices.ContainsFunc(m.upgrade.inherited, isActivated) {
		activated = m.upgrade.inherited // an old master's systemd sockets stay systemd's
	}
	m.activated = activated
	return nil
}

// resolveFailure turns a starcfg.Resolve error into an exit code.
func resolveFailure(err error, stderr io.Writer) (code int, done bool) {
	var usage *starcfg.UsageError
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, starcfg.ErrHelpShown):
		return exitOK, true
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, err)
		return exitUsage, true
	default:
		fmt.Fprintln(stderr, err)
		return exitConfig, true
	}
}

// prepareConfig makes sure the configured app is in this binary, naming it
// when the binary has only one, and reads the TLS files (see
// server.TLSSecrets).
func (m *master) prepareConfig(cfg *starcfg.Config) (*server.TLSSecrets, error) {
	_, name, err := m.appSet.Pick(cfg.App)
	if err != nil {
		return nil, err
	}
	cfg.App = name
	secrets, err := readTLSSecrets(cfg)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return secrets, nil
}

// prepare applies the process-wide settings (chdir, raw_env), opens the
// logs and loads the hooks, before anything is bound.
func (m *master) prepare(res *starcfg.Resolved) error {
	if m.cfg.Chdir != "" {
		if err := os.Chdir(m.cfg.Chdir); err != nil {
			return fmt.Errorf("chdir: %w", err)
		}
	}
	m.env = newEnvironment()
	m.env.apply(m.cfg.RawEnv)
	l, err := openLogs(m.cfg, false)
	if err != nil {
		return err
	}
	m.logs, m.log = l, countingLog(l.log, &m.metrics.statsd)
	slog.SetDefault(m.log) // what libraries log with log and slog, in the error log's lines
	for _, n := range res.Notices {
		m.log.Info(n)
	}
	if err := giveLogsToWorkers(m.cfg); err != nil {
		return err
	}
	m.hooks = hookrun.New(res.Hooks, m.log, hookrun.RequestView{}).WithGo(theProgram.Hooks)
	hookrun.LogPrints(m.log, res.Prints)
	return nil
}

// procName is the NAME in process titles: proc_name, else the app, else
// default_proc_name.
func procName(cfg *starcfg.Config) string {
	if cfg.ProcName != "" {
		return cfg.ProcName
	}
	if cfg.App != "" {
		return cfg.App
	}
	return cfg.DefaultProcName
}

// title is the master's process title; a master started by USR2 is
// "NAME.2" until the old one exits, as in gunicorn.
func (m *master) title() string {
	name := procName(m.cfg)
	if m.upgrade.parent != 0 {
		name += ".2"
	}
	return theProgram.title("master", name)
}

// levelOf is the configured log level; starcfg has validated it.
func levelOf(cfg *starcfg.Config) slog.Level {
	level, err := errlog.ParseLevel(cfg.Loglevel)
	if err != nil {
		return slog.LevelInfo
	}
	return level
}

func joinNames(names []string) string { return strings.Join(names, ",") }
