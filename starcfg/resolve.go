package starcfg

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"
)

// Invocation is everything Resolve reads from the outside world, so that
// a HUP can replay it and tests need no real process state.
type Invocation struct {
	Args    []string // command-line arguments without the program name
	Environ []string // "KEY=VALUE" pairs, as os.Environ
	Dir     string   // working directory: finds ./gocorn.conf.star and resolves relative paths; "" means the current one
	Stdout  io.Writer
	Stderr  io.Writer // also receives print() from a config file that fails (see Resolved.Prints)
	Version string    // shown by --version

	// Name is the program's name in -h and --version: "" for gocorn, or
	// the name of a program that embeds it.
	Name string
	// Description is what a program that embeds gocorn says about
	// itself, first in -h.
	Description string

	// Commands are the subcommands -h lists (package proc's table).
	Commands []Command
}

// Resolved is the configuration after all layers, with what the master
// needs besides settings.
type Resolved struct {
	Config  *Config
	Sources []Source                      // every .star file evaluated, main file first
	Hooks   map[string]*starlark.Function // hook name -> function, from the main file
	Origins map[string]string             // setting name -> "default", "gocorn.conf.star:12", "GOCORN_CMD_ARGS" (or "GUNICORN_CMD_ARGS") or "command line"
	Notices []string                      // what the master logs at start about how the configuration was read
	// Prints is what print() at the top level of the config files wrote,
	// one "FILE:LINE: text" per call, in order. Resolve does not write them
	// anywhere when it succeeds: the master logs them at INFO once its
	// error log is open (on every start and HUP), and --check-config
	// shows them on stderr. When it fails, they go to Invocation.Stderr,
	// before the error, since they may say why.
	Prints []string
}

// WritePrints writes Prints to w, one line each, for a caller without an
// error log: --check-config and --print-config.
func (r *Resolved) WritePrints(w io.Writer) { writeLines(w, r.Prints) }

// Resolve runs the whole pipeline: flags, GOCORN_CMD_ARGS, defaults, the
// config file. The master re-runs it as is on every HUP.
//
// Errors: ErrHelpShown (exit 0), *UsageError (exit 2), otherwise a config
// error whose text starts with "config: " (exit 1).
func Resolve(inv Invocation) (*Resolved, error) {
	res, err := resolveWith(inv, evalOptions{limits: defaultLimits, cpus: hostCPUs})
	var usage *UsageError
	if errors.As(err, &usage) {
		usage.Program = inv.Name
	}
	return res, err
}

func resolveWith(inv Invocation, o evalOptions) (*Resolved, error) {
	l, err := readFlagLayers(inv)
	if err != nil {
		return nil, err
	}
	o.stderr = inv.Stderr
	r := &Resolved{Config: l.cfg, Origins: l.origins, Hooks: map[string]*starlark.Function{}, Notices: envArgsNotices(l.env)}
	if err := r.runFile(configPath(l.cli, l.envArgs, l.dir), l.dir, l.env, l.check, o); err != nil {
		return nil, err
	}
	applyFlags(l.cfg, l.origins, l.cli, l.envArgs)
	resolveControlSocket(l.cfg, l.env, l.dir)
	return r, nil
}

// applyFlags lays GOCORN_CMD_ARGS, then the command line, over cfg.
func applyFlags(cfg *Config, origins map[string]string, cli, envArgs *args) {
	envArgs.apply(cfg, origins)
	cli.apply(cfg, origins)
	if cli.app != "" {
		cfg.App, origins["app"] = cli.app, sourceCLI
	}
	finish(cfg)
}

// envArgsText is the environment's flags and the variable they came
// from: GOCORN_CMD_ARGS, or gunicorn's GUNICORN_CMD_ARGS when that is
// unset, so that a unit file moved over as it is keeps its flags.
func envArgsText(env environ) (source, text string) {
	if text, ok := env.lookup(sourceEnvArgs); ok {
		return sourceEnvArgs, text
	}
	if text, ok := env.lookup(sourceGunicornArgs); ok {
		return sourceGunicornArgs, text
	}
	return sourceEnvArgs, ""
}

// envArgsNotices says which of the two variables was read when gunicorn's
// is set, since a user moving over may not expect either choice.
func envArgsNotices(env environ) []string {
	if _, ok := env.lookup(sourceGunicornArgs); !ok {
		return nil
	}
	if _, ok := env.lookup(sourceEnvArgs); ok {
		return []string{sourceGunicornArgs + " is ignored: " + sourceEnvArgs + " is set and wins"}
	}
	return []string{"reading flags from " + sourceGunicornArgs + ", since " + sourceEnvArgs + " is unset"}
}

// parseLayers parses and converts the command line and GOCORN_CMD_ARGS.
// Usage errors come before anything runs.
func parseLayers(inv Invocation, env environ, check *checkContext) (cli, envArgs *args, err error) {
	cli, err = parseArgs(inv.Args, sourceCLI, inv)
	if err != nil {
		return nil, nil, err
	}
	if err := cli.convert(check); err != nil {
		return nil, nil, err
	}
	source, text := envArgsText(env)
	envArgs = &args{source: source}
	if strings.TrimSpace(text) != "" {
		words, err := ShellSplit(text)
		if err != nil {
			return nil, nil, &UsageError{Source: source, Msg: err.Error()}
		}
		if envArgs, err = parseArgs(words, source, inv); err != nil {
			return nil, nil, err
		}
		if err := envArgs.convert(check); err != nil {
			return nil, nil, err
		}
	}
	return cli, envArgs, nil
}

// configFile is the config file to run and how it was chosen.
type configFile struct {
	path   string // as given, without "file:"; "" for none
	origin string
}

// configPath picks the config file: -c on the command line, else -c in
// GOCORN_CMD_ARGS, else ./gocorn.conf.star if it exists.
func configPath(cli, envArgs *args, dir string) configFile {
	for _, a := range []*args{cli, envArgs} {
		if v, ok := a.value("config"); ok && v.(string) != "" {
			return configFile{path: v.(string), origin: a.source}
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "gocorn.conf.star")); err == nil && !fi.IsDir() {
		return configFile{path: "gocorn.conf.star", origin: sourceDefault}
	}
	return configFile{}
}

// runFile evaluates the config file, if any, and applies its settings.
func (r *Resolved) runFile(f configFile, dir string, env environ, check *checkContext, o evalOptions) error {
	if f.path == "" {
		return nil
	}
	abs := f.path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(dir, abs)
	}
	ev, err := evaluate(f.path, filepath.Clean(abs), readDisk, env, o)
	if err != nil {
		return err
	}
	fc, err := readGlobals(ev)
	if err == nil {
		err = fc.apply(r.Config, r.Origins, check)
	}
	if err != nil {
		writeLines(o.stderr, ev.prints) // they may say why it failed
		return err
	}
	r.Config.Config, r.Origins["config"] = f.path, f.origin
	r.Sources, r.Hooks, r.Prints = ev.sources, fc.hooks, ev.prints
	return nil
}

// defaultConfig is every setting at its default, some taken from the
// environment (PORT, WEB_CONCURRENCY) as gunicorn does.
func defaultConfig(env environ, check *checkContext) (*Config, map[string]string, error) {
	cfg := &Config{}
	origins := make(map[string]string, len(settings))
	for _, s := range settings {
		storeValue(s.field(cfg), s.def)
		origins[s.name] = sourceDefault
		text, ok := env.lookup(s.envDefault)
		if s.envDefault == "" || !ok {
			continue
		}
		v, err := s.convert(envStarlark(s, text), check)
		if err != nil {
			return nil, nil, fmt.Errorf("config: $%s (the default of %s): %v", s.envDefault, s.name, err)
		}
		storeValue(s.field(cfg), v)
	}
	return cfg, origins, nil
}

// envStarlark is an environment default as a Starlark value.
func envStarlark(s *setting, text string) starlark.Value {
	if s.envValue != nil {
		return s.envValue(text)
	}
	return starlark.String(text)
}

// finish applies the rules that join settings once all layers are in.
func finish(cfg *Config) {
	if cfg.WorkerClass == "sync" && cfg.Threads > 1 {
		cfg.WorkerClass = ClassGthread // as gunicorn: threads only mean something to gthread
	}
	if cfg.PrintConfig {
		cfg.CheckConfig = true
	}
}

// Evaluated is a config program run from recorded sources: what a worker
// needs to run the same generation as its master.
type Evaluated struct {
	// Config holds the defaults and the file's settings only; the command
	// line and GOCORN_CMD_ARGS are not replayed. Workers should take the
	// master's resolved Config and may compare this one to spot drift.
	Config  *Config
	Hooks   map[string]*starlark.Function // hook name -> function
	Sources []Source                      // the sources, in load order
}

// EvalSources evaluates the recorded bytes of a config program, main file
// first, as Resolve recorded them in Resolved.Sources. It never reads the
// disk: a load() of a file not among sources fails. environ feeds env()
// and the environment defaults. print() goes to stderr only if the
// evaluation fails: the master has logged what it printed, and a worker
// evaluating the same files should not log it again. Checks that look
// at the file system (chdir exists) are skipped, since a worker may run
// in the directory the master changed to.
func EvalSources(sources []Source, environ []string, stderr io.Writer) (*Evaluated, error) {
	if len(sources) == 0 {
		return nil, errors.New("config: no config sources to evaluate")
	}
	return evalSources(sources, environ, evalOptions{limits: defaultLimits, cpus: hostCPUs, stderr: stderr})
}

func evalSources(sources []Source, environList []string, o evalOptions) (*Evaluated, error) {
	env := newEnviron(environList)
	main := sources[0].Path
	ev, err := evaluate(main, main, readRecorded(sources), env, o)
	if err != nil {
		return nil, err
	}
	fc, err := readGlobals(ev)
	if err != nil {
		return nil, err
	}
	check := &checkContext{}
	cfg, origins, err := defaultConfig(env, check)
	if err != nil {
		return nil, err
	}
	if err := fc.apply(cfg, origins, check); err != nil {
		return nil, err
	}
	cfg.Config = main
	finish(cfg)
	return &Evaluated{Config: cfg, Hooks: fc.hooks, Sources: ev.sources}, nil
}

// programName is the Invocation's program name, gocorn by default.
func (inv Invocation) programName() string { return cmpOr(inv.Name, "gocorn") }
