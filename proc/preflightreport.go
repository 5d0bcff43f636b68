package proc

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/gocorn/gocorn/starcfg"
)

// This file is --check-config's findings: how they are recorded, placed
// (file, line, setting) and written, as text or as --json's document.

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
	fmt.Fprintf(w, "%s: check %s: %s, %s\n", theProgram.Name, verdict, plural(r.Errors, "error"), plural(r.Warnings, "warning"))
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
