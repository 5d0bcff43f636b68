package migrate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// This file refuses what would fail only when a hook runs: attributes
// gocorn's hook objects lack, formatting Starlark cannot do.

// checkAttrs refuses an attribute of a hook's server or worker that
// gocorn's objects lack.
func (r *rewriter) checkAttrs(toks []token) error {
	for _, t := range toks {
		names := strings.Split(t.text, ".")
		role := r.roles[names[0]]
		if t.kind != kIdent || len(names) < 2 || objectAttrs[role] == nil {
			continue
		}
		if !slices.Contains(objectAttrs[role], names[1]) {
			return fmt.Errorf("gocorn's %s object has no .%s (it has %s)", role, names[1],
				strings.Join(objectAttrs[role], ", "))
		}
		if role == "resp" && names[1] == "status" && len(names) > 2 {
			return fmt.Errorf("gocorn's resp.status is the status code, an int (gunicorn's is the text \"200 OK\")")
		}
		if names[1] == "log" && len(names) > 2 && !slices.Contains(logMethods, names[2]) {
			return fmt.Errorf("gocorn's log has no .%s (it has %s)", names[2], strings.Join(logMethods, ", "))
		}
	}
	return nil
}

// percentVerb is one %-conversion of a format string.
var percentVerb = regexp.MustCompile(`%(\([^)]*\))?([-+ #0]*)(\d+|\*)?(\.\d+)?(.)`)

// checkPercent refuses formatting Starlark's own operators cannot do: %
// with flags, width or precision ("%5d" % n, "%.2f" % x), and .format
// with a spec ("{:>5}"). A log call's format and arguments,
// log.info("%5d", n), are no such expression and pass: gocorn's log
// methods format them with Python's rules, widths included.
func checkPercent(toks []token) error {
	for i, t := range toks {
		formats := strings.Contains(t.text, ".format(") || i+2 < len(toks) && toks[i+1].text == "." && toks[i+2].text == "format"
		if t.kind == kString && formats {
			if m := formatSpec.FindString(t.text); m != "" {
				return fmt.Errorf("Starlark's format has no format specs (%s); format the value first", m)
			}
		}
		if t.kind != kString || i+1 >= len(toks) || toks[i+1].text != "%" {
			continue
		}
		for _, m := range percentVerb.FindAllStringSubmatch(t.text, -1) {
			if m[2] != "" || m[3] != "" || m[4] != "" {
				return fmt.Errorf("Starlark's %% formatting has no flags, width or precision (%s); "+
					"format the value first", m[0])
			}
		}
	}
	return nil
}

// formatSpec finds a replacement field with a format spec: "{:>5}", "{0:d}".
var formatSpec = regexp.MustCompile(`\{[A-Za-z0-9_]*(![rs])?:[^{}]+\}`)

// environWrite refuses a statement that changes the environment
// (os.environ["X"] = v, os.environ.setdefault, os.putenv), with the
// gocorn way: raw_env, which sets it for the master and the workers.
func (r *rewriter) environWrite(toks []token) error {
	var names []string
	for i := 0; i < len(toks) && (toks[i].kind == kIdent || toks[i].text == "."); i++ {
		if toks[i].kind == kIdent {
			names = append(names, toks[i].text)
		}
	}
	if len(names) == 0 {
		return nil
	}
	chain := r.canonical(names)
	assigns := chain == "os.environ" && slices.ContainsFunc(toks, func(t token) bool { return t.text == "=" })
	if assigns || slices.Contains([]string{"os.environ.setdefault", "os.environ.update", "os.putenv"}, chain) {
		return fmt.Errorf(`a config cannot change the environment; raw_env = ["NAME=value"] sets it for the master and the workers`)
	}
	return nil
}
