package starcfg

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

const gunicornDocPath = "../docs/coming-from-gunicorn.md"

// TestComingFromGunicornDoc fails when docs/coming-from-gunicorn.md no
// longer matches the settings table and testdata/gunicorn-settings.txt.
// Regenerate it with: go test ./starcfg -run TestComingFromGunicornDoc -update
func TestComingFromGunicornDoc(t *testing.T) {
	var buf bytes.Buffer
	if err := writeGunicornDoc(&buf, readGunicornSettings(t)); err != nil {
		t.Fatal(err)
	}
	matchDoc(t, gunicornDocPath, buf.Bytes(), "TestComingFromGunicornDoc")
}

// writeGunicornDoc writes the whole mapping from gunicorn to gocorn: the
// hand-written intro, then one row per gunicorn setting and hook, the
// environment variables, and the settings gocorn adds.
func writeGunicornDoc(w io.Writer, all []gunicornSetting) error {
	bw := bufio.NewWriter(w)
	fmt.Fprint(bw, gunicornDocIntro)
	fmt.Fprint(bw, "\n## Settings and hooks\n\n"+
		"Every setting and hook of gunicorn 26.1.0, in the order of its settings reference. "+
		"*same* means the same name, flags and meaning; the link gives gocorn's full text, "+
		"including where its default or behaviour knowingly differs.\n\n"+
		"| gunicorn | flags | gocorn |\n|---|---|---|\n")
	for _, g := range all {
		fmt.Fprintf(bw, "| `%s` | %s | %s |\n", g.name, gunicornDocFlags(g.flags), gunicornAnswer(g))
	}
	writeEnvDoc(bw)
	fmt.Fprint(bw, gunicornDocSignals)
	writeGocornOnlyDoc(bw, all)
	return bw.Flush()
}

// gunicornDocFlags lists flags in code style.
func gunicornDocFlags(flags string) string {
	if flags == "-" {
		return "config file only"
	}
	return "`" + strings.ReplaceAll(flags, ",", "`, `") + "`"
}

// gunicornAnswer is gocorn's answer to one gunicorn name, from the tables.
func gunicornAnswer(g gunicornSetting) string {
	if h, ok := hooksByName[g.name]; ok {
		return fmt.Sprintf("same hook `%s%s`: %s", h.name, h.signature(), h.process)
	}
	if why, ok := refusedHooks[g.name]; ok {
		return "**refused**: " + why
	}
	s, ok := settingsByName[g.name]
	switch {
	case !ok && gunicornSpelling(g.name) != nil:
		s = gunicornSpelling(g.name)
		return fmt.Sprintf("%s, which also accepts `%s`", settingLink(s), g.name)
	case !ok:
		return "**missing**" // TestGunicornSettings fails too
	case s.refused != "":
		return "**refused** unless left at its default: " + s.refused
	case s.ignored != "":
		return "accepted, with one warning at start when set: " + s.ignored
	}
	return "same: " + settingLink(s)
}

// settingLink links a setting's entry in docs/settings.md.
func settingLink(s *setting) string {
	return fmt.Sprintf("[`%s`](settings.md#%s)", s.name, s.name)
}

// writeEnvDoc lists the environment variables gunicorn reads and what
// gocorn does with each; the defaults come from the table.
func writeEnvDoc(w io.Writer) {
	fmt.Fprint(w, "\n## Environment variables\n\n| variable | gocorn |\n|---|---|\n")
	for _, s := range settings {
		if s.envDefault != "" {
			fmt.Fprintf(w, "| `%s` | the default of %s: %s |\n", s.envDefault, settingLink(s), strings.ReplaceAll(s.defaultText(), "|", `\|`))
		}
	}
	fmt.Fprintf(w, "| `%s` | flags, split like a shell command line, read when `%s` is unset; the log says so at start |\n",
		sourceGunicornArgs, sourceEnvArgs)
	fmt.Fprintf(w, "| `%s` | gocorn's own: flags between the config file and the command line |\n", sourceEnvArgs)
}

// writeGocornOnlyDoc lists the settings gocorn has and gunicorn lacks.
func writeGocornOnlyDoc(w io.Writer, all []gunicornSetting) {
	known := map[string]bool{}
	for _, g := range all {
		known[g.name] = true
		if s := gunicornSpelling(g.name); s != nil {
			known[s.name] = true
		}
	}
	var extra []*setting
	for _, s := range settings {
		if !known[s.name] {
			extra = append(extra, s)
		}
	}
	slices.SortFunc(extra, func(a, b *setting) int { return strings.Compare(a.name, b.name) })
	links := make([]string, len(extra))
	for i, s := range extra {
		links[i] = settingLink(s)
	}
	fmt.Fprintf(w, "\n## Settings gocorn adds\n\ngunicorn has none of these; docs/settings.md gives each one's "+
		"default and why it is there.\n\n%s\n", strings.Join(links, ", "))
}

const gunicornDocIntro = `<!-- Generated from starcfg's settings table and starcfg/testdata/gunicorn-settings.txt by ` +
	"`go test ./starcfg -run TestComingFromGunicornDoc -update`" + `. Do not edit. -->

# Coming from gunicorn

gocorn runs a Go ` + "`http.Handler`" + ` the way gunicorn runs a WSGI app: a master, N workers,
gunicorn's flags, settings, hooks, signals, log lines and statsd metrics. What moves over:

- **The command line moves over as it is.** Every one of gunicorn's flags is accepted with
  gunicorn's spelling and value forms: long flags cut to an unambiguous prefix (` + "`--thr 4`" + `), a
  bare ` + "`--proxy-protocol`" + ` (auto; an APP after it stays the APP), ` + "`--no-sendfile`" + `, ` + "`-R`" + `,
  ` + "`-w -1`" + ` (which gets gocorn's own message). The APP argument names a handler compiled into the
  binary rather than a Python module.
- **The environment moves over:** ` + "`GUNICORN_CMD_ARGS`" + ` is read when ` + "`GOCORN_CMD_ARGS`" + ` is unset,
  and ` + "`PORT`" + `, ` + "`WEB_CONCURRENCY`" + `, ` + "`FORWARDED_ALLOW_IPS`" + ` and ` + "`SENDFILE`" + ` set the same defaults.
- **The config file is rewritten:** gocorn reads Starlark (` + "`gocorn.conf.star`" + `), a Python
  dialect without imports; ` + "`env()`" + ` and ` + "`cpu_count()`" + ` replace ` + "`os.environ`" + ` and
  ` + "`multiprocessing`" + `. Settings keep their names and hooks their names and arguments.

Each gunicorn setting has one of three answers:

1. **same**: implemented under the same name (most of them);
2. **accepted with a warning**: it means nothing for a Go server (` + "`--preload`" + `: workers start from
   the compiled binary, so there is nothing to preload), so gocorn starts and logs one warning
   saying why;
3. **refused**: ignoring it would leave the server doing something other than what the
   configuration says (a Python logging config, the uwsgi protocol, dirty arbiters), so gocorn
   stops with a message naming the gocorn way. Left at their defaults these are accepted.

No gunicorn name gets a "did you mean" toward another setting.
`

const gunicornDocSignals = `
## Signals

The master handles gunicorn's signals the same way: ` + "`HUP`" + ` reloads the configuration and replaces
the workers, ` + "`TERM`" + ` stops gracefully, ` + "`INT`" + ` and ` + "`QUIT`" + ` stop quickly, ` + "`TTIN`" + ` and ` + "`TTOU`" + ` add
and remove a worker, ` + "`USR1`" + ` reopens the log files, ` + "`USR2`" + ` starts a new master from the binary
(upgrade), and ` + "`WINCH`" + ` stops every worker when daemonized. See docs/operations.md.
`
