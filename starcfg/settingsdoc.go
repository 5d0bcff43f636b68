package starcfg

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteSettingsDoc writes docs/settings.md from the settings table, so the
// reference cannot drift from the code. TestSettingsDoc fails when the
// committed file is stale; `go test ./starcfg -run TestSettingsDoc
// -update` rewrites it.
func WriteSettingsDoc(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprint(bw, docIntro)
	for _, section := range sectionOrder {
		fmt.Fprintf(bw, "\n## %s\n", section)
		for _, s := range settings {
			if s.section == section {
				writeSettingDoc(bw, s)
			}
		}
	}
	writeHooksDoc(bw)
	return bw.Flush()
}

const docIntro = `<!-- Generated from starcfg/settings.go by ` + "`go test ./starcfg -run TestSettingsDoc -update`" + `. Do not edit. -->

# Settings

Every setting gocorn reads. Each one can come from four places; a later one wins:

1. its default (a few defaults come from the environment: ` + "`PORT`, `WEB_CONCURRENCY`, `FORWARDED_ALLOW_IPS`, `SENDFILE`" + `);
2. the config file, ` + "`gocorn.conf.star`" + `, as a top-level ` + "`name = value`" + `;
3. ` + "`GOCORN_CMD_ARGS`" + `, flags split like a shell command line (a positional APP there is ignored),
   or gunicorn's ` + "`GUNICORN_CMD_ARGS`" + ` when ` + "`GOCORN_CMD_ARGS`" + ` is unset;
4. the command line.

A list given as flags replaces the config file's list rather than extending it.
` + "`gocorn --print-config`" + ` prints every setting as resolved, in config-file syntax.

Values convert as in gunicorn: an int also accepts a string holding an integer (` + "`\"0x10\"`" + `)
and never a negative; a bool also accepts ` + "`\"true\"`" + ` or ` + "`\"false\"`" + ` in any case; a list
also accepts a single string; strings are stripped of surrounding blanks; None unsets an optional
string.

In the config file, names starting with ` + "`_`" + ` are private, functions named after a server hook
are that hook (see the end of this page), and any other name that is not a setting is an error.
The file may use ` + "`cpu_count()`" + ` (honours cgroup CPU limits), ` + "`env(name, default=None)`" + `,
` + "`struct(...)`" + `, ` + "`json`" + ` and ` + "`load()`" + ` of other ` + "`.star`" + ` files (paths relative to the
loading file). An evaluation may take at most 50 million Starlark steps and 10 seconds.

"HUP" says whether ` + "`kill -HUP`" + ` applies a change to the running server, or whether it needs a
restart.
`

// writeSettingDoc writes one setting's entry.
func writeSettingDoc(w io.Writer, s *setting) {
	fmt.Fprintf(w, "\n### `%s`\n\n", s.name)
	fmt.Fprintf(w, "| | |\n|---|---|\n")
	fmt.Fprintf(w, "| Command line | %s |\n", docFlags(s))
	fmt.Fprintf(w, "| Type | %s |\n", s.typ.name())
	fmt.Fprintf(w, "| Default | %s |\n", docDefault(s))
	fmt.Fprintf(w, "| HUP | %s |\n", docReload(s))
	if s.gunicorn != "" {
		fmt.Fprintf(w, "| gunicorn name | `%s` |\n", s.gunicorn)
	}
	fmt.Fprintf(w, "\n%s\n", s.help)
}

// docFlags lists a setting's flags as -h shows them.
func docFlags(s *setting) string {
	if s.name == "app" {
		return "the `APP` argument"
	}
	if len(s.flags) == 0 {
		return "none (config file only)"
	}
	value := ""
	if s.typ != typeBool {
		value = " " + s.metavar
	}
	var forms []string
	if s.short != 0 {
		forms = append(forms, fmt.Sprintf("`-%c%s`", s.short, value))
	}
	for _, f := range s.flags {
		forms = append(forms, fmt.Sprintf("`--%s%s`", f, value))
	}
	note := ""
	if s.cliOnly {
		note = " (command line and `GOCORN_CMD_ARGS` only)"
	}
	return strings.Join(forms, ", ") + note
}

// docDefault is the default, in code style when it is a value.
func docDefault(s *setting) string {
	if s.defDoc != "" {
		return strings.ReplaceAll(s.defDoc, "|", `\|`)
	}
	return "`" + strings.ReplaceAll(s.typ.format(s.def), "|", `\|`) + "`"
}

// docReload says what a HUP does with a change.
func docReload(s *setting) string {
	if s.reloadable {
		return "applied on HUP"
	}
	return "needs a restart"
}

// writeHooksDoc lists the server hooks.
func writeHooksDoc(w io.Writer) {
	fmt.Fprint(w, "\n## Server Hooks\n\n"+
		"A function in the config file named after a hook is called at that moment. gocorn "+
		"checks its number of parameters when it loads the file. A hook bound in a loaded "+
		"file counts only once the main file assigns it to the hook's name "+
		"(`post_fork = _post_fork`). A hook that fails is logged with its backtrace.\n\n"+
		"| hook | arguments | runs in |\n|---|---|---|\n")
	for _, h := range hooks {
		fmt.Fprintf(w, "| `%s` | `%s` | %s |\n", h.name, h.signature(), h.process)
	}
}
