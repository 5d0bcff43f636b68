package starcfg

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Command is one of gocorn's subcommands (a first argument that runs
// something other than a server), as -h lists it. Package proc owns the
// list and passes it in Invocation.Commands, so -h cannot forget one.
type Command struct {
	Name    string // the first argument: "ctl"
	Args    string // what may follow it, as usage shows it: "[COMMAND]"
	Summary string // one line
}

// Layout of -h: lines fit usageWidth columns, and summaries start at
// usageColumn unless the flags before them are longer.
const (
	usageWidth  = 100
	usageColumn = 38
	// usageDefaultMax is the longest default -h shows; longer ones (and
	// the whole help) are in gocorn help SETTING.
	usageDefaultMax = 24
)

// usageFooter points from the one-line summaries to the full text.
const usageFooter = `
A setting's full text (type, default, environment, HUP, help): gocorn help SETTING, where SETTING
is a name, a flag or gunicorn's name (gocorn help max_requests, gocorn help -w). gocorn help alone
lists the settings by section, config-file-only ones included; all are in docs/settings.md.
`

// writeUsage writes -h: the usage under the program's name, its
// description, the subcommands, then one line per flag grouped by
// section, and a pointer to the help subcommand.
func writeUsage(w io.Writer, inv Invocation) error {
	bw := bufio.NewWriter(w)
	name := inv.programName()
	fmt.Fprintf(bw, "Usage: %s [APP] [flags]\n       %s COMMAND [args]\n\n", name, name)
	if inv.Description != "" {
		fmt.Fprintf(bw, "%s\n\n", wrapText(inv.Description, 80, ""))
	}
	fmt.Fprintf(bw, "%s\n", wrapText(cliDescription, 80, ""))
	commands := inv.Commands
	fmt.Fprint(bw, "\nArguments:\n")
	writeUsageLine(bw, "APP", "The built-in app to serve; wins over the app setting.")
	if len(commands) > 0 {
		fmt.Fprint(bw, "\nCommands:\n")
		for _, c := range commands {
			writeUsageLine(bw, strings.TrimSpace(c.Name+" "+c.Args), c.Summary)
		}
	}
	fmt.Fprint(bw, "\nFlags:\n")
	writeUsageLine(bw, "-h, --help", "Show this list and exit.")
	writeUsageLine(bw, "-v, --version", "Print "+name+"'s version and exit.")
	for _, section := range sectionOrder {
		heading := "\n" + section + ":\n"
		for _, s := range settings {
			if s.section != section || len(s.flags) == 0 {
				continue
			}
			fmt.Fprint(bw, heading)
			heading = ""
			writeUsageLine(bw, flagSpellings(s), usageSummary(s))
		}
	}
	fmt.Fprint(bw, strings.ReplaceAll(usageFooter, "gocorn help", name+" help"))
	return bw.Flush()
}

// writeUsageLine writes one line of -h: what to type, then the summary,
// cut at a word to fit usageWidth.
func writeUsageLine(w io.Writer, left, summary string) {
	left = "  " + left
	pad := max(usageColumn-utf8.RuneCountInString(left), 2)
	left += strings.Repeat(" ", pad)
	fmt.Fprintf(w, "%s%s\n", left, cutToWidth(summary, usageWidth-utf8.RuneCountInString(left)))
}

// flagSpellings is every way to type a setting's flag, the value's
// placeholder once at the end: "-w, --workers INT".
func flagSpellings(s *setting) string {
	var forms []string
	if s.short != 0 {
		forms = append(forms, "-"+string(s.short))
	}
	for _, f := range s.flags {
		forms = append(forms, "--"+f)
	}
	if s.short == 0 {
		forms[0] = "    " + forms[0] // under the long flags of those with a short one
	}
	out := strings.Join(forms, ", ")
	if s.typ != typeBool && s.metavar != "" {
		out += " " + s.metavar
	}
	return out
}

// usageSummary is a setting's line in -h: the first sentence of its help,
// and its default when that is short and says something.
func usageSummary(s *setting) string {
	summary := firstSentence(s.help)
	def := s.defaultText()
	switch def {
	case "None", "False", "[]", "{}", `""`:
		return summary
	}
	if utf8.RuneCountInString(def) > usageDefaultMax {
		return summary
	}
	return summary + " (default: " + def + ")"
}

// firstSentence is text up to its first full stop followed by a blank,
// skipping the stops of "e.g." and "i.e.".
func firstSentence(text string) string {
	for i := 0; i < len(text); i++ {
		if text[i] != '.' || (i+1 < len(text) && text[i+1] != ' ') {
			continue
		}
		if strings.HasSuffix(text[:i], "e.g") || strings.HasSuffix(text[:i], "i.e") {
			continue
		}
		return text[:i+1]
	}
	return text
}

// cutToWidth shortens text to at most width runes, keeping a trailing
// "(default: ...)" whole: at the last clause break that keeps at least
// half the room (see lastClauseBreak), else at a blank, marking that cut
// with "...".
func cutToWidth(text string, width int) string {
	if utf8.RuneCountInString(text) <= width {
		return text
	}
	tail := ""
	if i := strings.LastIndex(text, " (default: "); i >= 0 {
		text, tail = text[:i], text[i:]
	}
	room := max(width-utf8.RuneCountInString(tail), 0)
	if room >= utf8.RuneCountInString(text) {
		return text + tail
	}
	if cut := lastClauseBreak(text, runeOffset(text, room)); cut >= runeOffset(text, room)/2 {
		return text[:cut] + tail
	}
	end := runeOffset(text, max(room-len("..."), 0))
	if cut := strings.LastIndexByte(text[:end+1], ' '); cut > 0 {
		end = cut
	}
	return strings.TrimRight(text[:end], " ,;:(") + "..." + tail
}

// runeOffset is the byte offset of the n-th rune of text (n < its length).
func runeOffset(text string, n int) int {
	return len(string([]rune(text)[:n]))
}

// lastClauseBreak is the byte offset at or before limit where a clause of
// text ends, before ": ", "; " or " (" outside parentheses, or -1. Commas
// are not breaks: they mostly separate the items of a list.
func lastClauseBreak(text string, limit int) int {
	for i := min(limit, len(text)-2); i > 0; i-- {
		switch text[i : i+2] {
		case ": ", "; ", " (":
			if strings.Count(text[:i], "(") == strings.Count(text[:i], ")") {
				return i
			}
		}
	}
	return -1
}

// wrapText breaks text into lines of at most width runes at blanks, each
// line starting with indent.
func wrapText(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}
