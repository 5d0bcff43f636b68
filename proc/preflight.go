package proc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/starcfg"
)

// Severities of a finding.
const (
	severityError   = "error"
	severityWarning = "warning"
)

// finding is one thing --check-config reports; its JSON form is the schema
// documented in docs/operations.md, for CI annotations.
type finding struct {
	Severity string `json:"severity"`          // "error" (the start would fail) or "warning" (logged at boot)
	File     string `json:"file,omitempty"`    // the config file that set it, when one did
	Line     int    `json:"line,omitempty"`    // its line there
	Setting  string `json:"setting,omitempty"` // the setting it is about, when there is one
	Message  string `json:"message"`
	origin   string // where, for the text form: "gocorn.conf.star:12", "command line", ...
	text     string // the text form, when it is the start's own (a config error)
}

// checkReport is --check-config --json's document.
type checkReport struct {
	OK       bool      `json:"ok"` // true exactly when the exit code is 0
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
	Findings []finding `json:"findings"`
}

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
		fmt.Fprintln(inv.Stderr, "gocorn: error: --json goes with --check-config, not --print-config (its listing is on standard output)")
		return exitUsage
	}
	p := &preflight{apps: apps, lookup: lookupIP, dir: inv.Dir}
	if resolveErr != nil {
		p.configErrors(resolveErr)
	} else {
		if _, name, err := apps.Pick(res.Config.App); err == nil {
			res.Config.App = name // the one app of the binary, named as a start names it
		}
		if mode.PrintConfig {
			if err := res.Config.Print(inv.Stdout); err != nil {
				fmt.Fprintf(inv.Stderr, "gocorn: %v\n", err)
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

// add records a finding. setting "" means: the setting the message starts
// with, if it names one ("http2_cleartext is ignored: ..."). The finding
// takes that setting's origin as its place.
func (p *preflight) add(severity, setting, msg string) {
	if setting == "" {
		setting = leadingSetting(msg, p.origins)
	}
	f := finding{Severity: severity, Setting: setting, Message: msg, origin: p.origins[setting]}
	f.File, f.Line = fileLine(f.origin)
	p.findings = append(p.findings, f)
}

// leadingSetting is the setting msg starts with, or "".
func leadingSetting(msg string, origins map[string]string) string {
	end := strings.IndexAny(msg, " :")
	if end < 0 {
		return ""
	}
	if _, ok := origins[msg[:end]]; ok {
		return msg[:end]
	}
	return ""
}

// fileLineRE splits an origin such as "gocorn.conf.star:12" or a config
// error's "gocorn.conf.star:12:5".
var fileLineRE = regexp.MustCompile(`^(.+?):(\d+)(?::\d+)?$`)

// fileLine is the file and line of an origin; "", 0 for the defaults, the
// command line and GOCORN_CMD_ARGS.
func fileLine(origin string) (string, int) {
	m := fileLineRE.FindStringSubmatch(origin)
	if m == nil {
		return "", 0
	}
	line, _ := strconv.Atoi(m[2])
	return m[1], line
}

// configErrorRE reads the place and the setting of a config error line:
// "config: FILE:LINE[:COL]: [SETTING: ]MESSAGE".
var configErrorRE = regexp.MustCompile(`^config: ([^\s:]+:\d+(?::\d+)?): (?:([a-z0-9_]+): )?`)

// configErrors records a Resolve error, one finding per "config: " line
// (errors.Join puts one per bad setting) with any backtrace lines after
// it. The text form stays the start's own words.
func (p *preflight) configErrors(err error) {
	names := starcfg.Defaults().StarlarkValues()
	for _, line := range strings.Split(err.Error(), "\n") {
		if n := len(p.findings); n > 0 && !strings.HasPrefix(line, "config: ") {
			p.findings[n-1].Message += "\n" + line
			p.findings[n-1].text += "\n" + line
			continue
		}
		f := finding{Severity: severityError, Message: strings.TrimPrefix(line, "config: "), text: line}
		if m := configErrorRE.FindStringSubmatch(line); m != nil {
			f.File, f.Line = fileLine(m[1])
			f.Message = line[len("config: "+m[1]+": "):]
			if _, ok := names[m[2]]; ok {
				f.Setting = m[2]
			}
		}
		p.findings = append(p.findings, f)
	}
}

// report counts the findings.
func (p *preflight) report() checkReport {
	r := checkReport{Findings: p.findings}
	if r.Findings == nil {
		r.Findings = []finding{}
	}
	for _, f := range p.findings {
		if f.Severity == severityError {
			r.Errors++
		} else {
			r.Warnings++
		}
	}
	r.OK = r.Errors == 0
	return r
}

// writeJSON writes the report as --json's one document.
func writeJSON(w io.Writer, r checkReport) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(r)
}

// writeText writes the findings for a person, one a line ("config: WHERE:
// MESSAGE" for an error, "warning: WHERE: MESSAGE"), then the verdict.
func writeText(w io.Writer, r checkReport) {
	for _, f := range r.Findings {
		fmt.Fprintln(w, f.String())
	}
	verdict := "passed"
	if !r.OK {
		verdict = "failed"
	}
	fmt.Fprintf(w, "gocorn: check %s: %s, %s\n", verdict, plural(r.Errors, "error"), plural(r.Warnings, "warning"))
}

// String is the finding's text form.
func (f finding) String() string {
	if f.text != "" {
		return f.text
	}
	prefix := "config: "
	if f.Severity == severityWarning {
		prefix = "warning: "
	}
	if f.origin != "" && f.origin != "default" {
		prefix += f.origin + ": "
	}
	return prefix + f.Message
}

// plural is "1 error", "2 errors".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
