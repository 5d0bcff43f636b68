package proc

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/starcfg"
)

// preflight is one run of --check-config: everything a start would do up
// to the point of binding, and every warning a start logs.
type preflight struct {
	apps     server.Apps
	lookup   lookupFunc
	dir      string            // where gocorn runs
	origins  map[string]string // setting -> origin, as Resolved.Origins
	findings []finding
}

// checkFor tells whether the invocation asks for the pre-flight, and
// returns the configuration that says how (--json, --print-config): the
// resolved one, or when Resolve failed on the file, that of the command
// line and GOCORN_CMD_ARGS alone. Help, version and usage errors are not
// the check's to report.
func checkFor(inv starcfg.Invocation, res *starcfg.Resolved, err error) (*starcfg.Config, bool) {
	var usage *starcfg.UsageError
	switch {
	case err == nil:
		return res.Config, res.Config.CheckConfig
	case errors.Is(err, starcfg.ErrHelpShown), errors.As(err, &usage):
		return nil, false
	}
	cfg, flagErr := starcfg.FlagsOnly(inv)
	return cfg, flagErr == nil && cfg.CheckConfig
}

// runCheck runs --check-config (or --print-config) and returns the exit
// code: 0 when a start would get past everything it checks, 1 otherwise,
// 2 for --json with --print-config.
func runCheck(inv starcfg.Invocation, mode *starcfg.Config, res *starcfg.Resolved, resolveErr error, apps server.Apps) int {
	if mode.PrintConfig && mode.CheckJSON {
		fmt.Fprintln(inv.Stderr, theProgram.Name+": error: --json goes with --check-config, not --print-config (its listing is on standard output)")
		return exitUsage
	}
	p := &preflight{apps: apps, lookup: lookupIP, dir: inv.Dir}
	if resolveErr != nil {
		p.configErrors(resolveErr)
	} else {
		res.WritePrints(inv.Stderr)     // no error log is open: print() of the config goes to stderr
		currentConfig.Store(res.Config) // the app's factory may read its program's settings (Config)
		if _, name, err := apps.Pick(res.Config.App); err == nil {
			res.Config.App = name // the one app of the binary, named as a start names it
		}
		if mode.PrintConfig {
			if err := res.Config.Print(inv.Stdout); err != nil {
				fmt.Fprintf(inv.Stderr, "%s: %v\n", theProgram.Name, err)
				return exitConfig
			}
		}
		p.check(res)
	}
	r := p.report()
	if mode.CheckJSON {
		writeJSON(inv.Stdout, r)
	} else {
		writeText(inv.Stderr, r)
	}
	if !r.OK {
		return exitConfig
	}
	return exitOK
}

// check runs every check on a configuration that resolved.
func (p *preflight) check(res *starcfg.Resolved) {
	cfg := res.Config
	p.origins = res.Origins
	handler, err := loadApp(p.apps, cfg.App)
	if err != nil {
		p.add(severityError, "app", err.Error())
		handler = http.NotFoundHandler() // the server is still worth building
	}
	if err := buildServer(cfg, handler); err != nil {
		p.add(severityError, "", err.Error())
	}
	for _, err := range checkBinds(listenSpecs(cfg), workDir(cfg, p.dir), p.lookup) {
		p.add(severityError, "", err.Error()) // bind or metrics_bind, as the message starts
	}
	for _, w := range bootWarnings(cfg) {
		p.add(severityWarning, "", w)
	}
	if w := statsdWarning(cfg, p.lookup); w != "" {
		p.add(severityWarning, "statsd_host", w)
	}
}

// buildServer reads the TLS files as the master does and builds a
// worker's server around handler as the worker does, without listeners:
// what either would refuse, it returns.
func buildServer(cfg *starcfg.Config, handler http.Handler) error {
	secrets, err := readTLSSecrets(cfg)
	if err != nil {
		return err
	}
	opts, err := serverOptions(cfg, secrets)
	if err != nil {
		return err
	}
	opts.Handler = handler
	_, err = server.New(opts)
	return err
}

// workDir is the directory relative unix socket paths are taken from at
// start: chdir when set (starcfg made it absolute), else dir, where gocorn
// runs.
func workDir(cfg *starcfg.Config, dir string) string {
	if cfg.Chdir != "" {
		return cfg.Chdir
	}
	return dir
}

// bootWarnings are the warnings the master logs at start about cfg, in
// the same words.
func bootWarnings(cfg *starcfg.Config) []string {
	w := cfg.Warnings()
	if cfg.ControlSocket == "" && !cfg.ControlSocketDisable {
		w = append(w, warnNoControlPath)
	}
	return w
}

// statsdWarning says that statsd_host does not resolve, which a start
// logs soon after boot ("Metrics cannot reach statsd"): it serves on and
// drops the metrics until the name resolves. "" when it resolves, is an
// address, or statsd is off.
func statsdWarning(cfg *starcfg.Config, lookup lookupFunc) string {
	if cfg.StatsdHost == "" {
		return ""
	}
	a, err := starcfg.ParseStatsdAddress(cfg.StatsdHost)
	if err != nil || a.Network != "udp" {
		return "" // the setting's check has spoken; a unix socket needs no lookup
	}
	if _, err := hostIP(lookup, a.Host); err != nil {
		return fmt.Sprintf("statsd_host: %v; a start serves, and drops the metrics until the name resolves", err)
	}
	return ""
}
