package migrate

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gocorn/gocorn/starcfg"
	"go.starlark.net/starlark"
)

// Command is a translated command line.
type Command struct {
	Args  []string // gocorn's arguments, without "gocorn"
	Notes []string // one sentence per flag changed, dropped or left
	Left  int      // arguments that need the user's decision
}

// String is the command line as a shell reads it.
func (c *Command) String() string {
	words := []string{"gocorn"}
	for _, a := range c.Args {
		words = append(words, shellQuote(a))
	}
	return strings.Join(words, " ")
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// plainFlags are gunicorn's flags that set no setting, with gocorn's spelling.
var plainFlags = map[string]string{"-v": "--version", "--version": "--version", "-h": "-h", "--help": "--help"}

// proxyModes are the values gunicorn's optional --proxy-protocol takes.
var proxyModes = []string{"off", "v1", "v2", "auto", "true", "false", "1", "0", "none"}

// Cmdline translates a gunicorn command line ("gunicorn -w 4 app:wsgi")
// into gocorn's.
func Cmdline(line string) (*Command, error) {
	words, err := starcfg.ShellSplit(line)
	if err != nil {
		return nil, fmt.Errorf("cannot split the command line: %v", err)
	}
	c := &Command{}
	words = dropProgram(words)
	for i := 0; i < len(words); i++ {
		i += c.word(words[i], words[i+1:])
	}
	return c, nil
}

// dropProgram removes "gunicorn" or "python -m gunicorn" from the front.
func dropProgram(words []string) []string {
	for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
		words = words[1:] // VAR=value before the program
	}
	if len(words) > 0 && words[0] == "exec" {
		words = words[1:] // a container entrypoint's exec gunicorn
	}
	if len(words) > 2 && strings.HasPrefix(filepath.Base(words[0]), "python") && words[1] == "-m" {
		words = words[2:]
	}
	if len(words) > 0 && filepath.Base(words[0]) == "gunicorn" {
		words = words[1:]
	}
	return words
}

// word translates one argument; rest follows it. It returns how many of
// rest it consumed as a value.
func (c *Command) word(w string, rest []string) int {
	if !strings.HasPrefix(w, "-") || w == "-" {
		c.app(w)
		return 0
	}
	flag, value, hasValue := splitFlag(w)
	if same, ok := plainFlags[flag]; ok {
		c.Args = append(c.Args, same)
		return 0
	}
	info, ok := starcfg.LookupFlag(flag)
	switch {
	case !ok:
		c.note(true, "%s dropped: neither gunicorn 26 nor gocorn has this flag", w)
		return 0
	case info.Ignored != "":
		return c.drop(flag, info, info.Ignored, false, hasValue, rest)
	case info.Refused != "" && !flagAtAcceptedValue(info, value, hasValue, rest):
		return c.drop(flag, info, info.Refused, true, hasValue, rest)
	}
	return c.known(flag, info, value, hasValue, rest)
}

// flagAtAcceptedValue reports whether a refused setting's flag carries a
// value gocorn accepts, its default (--protocol http, --dirty-workers 0),
// kept like a config file's line at that value. A number is taken as an
// int, anything else as a string.
func flagAtAcceptedValue(info starcfg.SettingInfo, value string, hasValue bool, rest []string) bool {
	if info.Bool {
		return false
	}
	if !hasValue {
		if len(rest) == 0 {
			return false
		}
		value = rest[0]
	}
	var v starlark.Value = starlark.String(value)
	if n, err := strconv.Atoi(value); err == nil {
		v = starlark.MakeInt(n)
	}
	return starcfg.AcceptsValue(info.Name, v)
}

// drop leaves out a flag gocorn ignores (harmless: it would only draw a
// warning at start) or refuses (left for the user), with starcfg's
// reason, and consumes its value. It returns how many of rest it took.
func (c *Command) drop(flag string, info starcfg.SettingInfo, why string, left, hasValue bool, rest []string) int {
	c.note(left, "%s (%s) dropped: %s", flag, info.Name, why)
	if !info.Bool && !hasValue && len(rest) > 0 {
		return 1
	}
	return 0
}

// splitFlag splits "--bind=:80" and "-b:80" into flag and value.
func splitFlag(w string) (flag, value string, hasValue bool) {
	if strings.HasPrefix(w, "--") {
		return strings.Cut(w, "=")
	}
	if len(w) > 2 {
		return w[:2], w[2:], true
	}
	return w, "", false
}

// known keeps a flag gocorn has, with its value translated.
func (c *Command) known(flag string, info starcfg.SettingInfo, value string, hasValue bool, rest []string) int {
	used := 0
	if !info.Bool && !hasValue {
		switch {
		case info.Name == "proxy_protocol" && (len(rest) == 0 || !slices.Contains(proxyModes, strings.ToLower(rest[0]))):
			value = "auto" // gunicorn's bare --proxy-protocol
		case len(rest) == 0:
			c.note(true, "%s dropped: it needs a value", flag)
			return 0
		default:
			value, used = rest[0], 1
		}
	}
	switch info.Name {
	case "worker_class":
		if !isGocornClass(value) {
			c.note(false, "%s", workerClassNote(value))
			value = "gthread"
		}
	case "config":
		value = c.configFile(value)
	}
	if info.Bool {
		c.Args = append(c.Args, withValue(flag, value, hasValue))
	} else {
		c.Args = append(c.Args, flag, value)
	}
	return used
}

// withValue joins a flag with the value it was given with "=".
func withValue(flag, value string, hasValue bool) string {
	if hasValue {
		return flag + "=" + value
	}
	return flag
}

// configFile names the Starlark file a gunicorn config becomes.
func (c *Command) configFile(path string) string {
	path = strings.TrimPrefix(path, "file:")
	if strings.HasPrefix(path, "python:") {
		c.note(true, "-c %s names a Python module; translate its file with gocorn migrate", path)
		return "gocorn.conf.star"
	}
	star := strings.TrimSuffix(path, ".py") + ".star"
	if filepath.Base(path) == "gunicorn.conf.py" {
		star = filepath.Join(filepath.Dir(path), "gocorn.conf.star")
	}
	c.note(false, "-c %s: translate it with gocorn migrate -o %s %s", path, star, path)
	return star
}

// app replaces gunicorn's APP_MODULE by a placeholder.
func (c *Command) app(module string) {
	c.note(true, "APP_MODULE %s is a Python import path; put the name of a handler the Go binary "+
		"registers in place of APP (the stock gocorn has hello, echo and chaos; see examples/embed)", module)
	c.Args = append(c.Args, "APP")
}

// note records a sentence, counting it as left when it needs the user.
func (c *Command) note(left bool, format string, args ...any) {
	c.Notes = append(c.Notes, fmt.Sprintf(format, args...))
	if left {
		c.Left++
	}
}
