package starcfg

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

// helpWidth is the width gocorn help wraps its prose to.
const helpWidth = 80

// Help writes what gocorn help shows for topics: with none, the settings
// by section; for each topic, a setting's full text (name, flags, type,
// default, HUP, section, help) or a hook's, or the list of hooks for
// "hooks". A topic may be a setting's name, one of its flags with or
// without dashes (--max-requests, max-requests, -w), or gunicorn's name
// for it. An unknown topic is an error with a did-you-mean, written
// nothing for; the caller exits 2.
func Help(w io.Writer, topics []string) error { return ProgramHelp(w, "gocorn", topics) }

// ProgramHelp is Help for a program that embeds gocorn: the index and
// the errors name `program help`.
func ProgramHelp(w io.Writer, program string, topics []string) error {
	index := func(w io.Writer) { writeHelpIndex(w, program) }
	var entries []func(io.Writer)
	for _, topic := range topics {
		entry, err := helpEntry(topic, program, index)
		if err != nil {
			return err
		}
		entries = append(entries, entry)
	}
	if len(entries) == 0 {
		entries = append(entries, index)
	}
	bw := bufio.NewWriter(w)
	for i, entry := range entries {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		entry(bw)
	}
	return bw.Flush()
}

// helpEntry finds what to write for one topic.
func helpEntry(topic, program string, index func(io.Writer)) (func(io.Writer), error) {
	switch {
	case topic == "-h" || topic == "--help":
		return index, nil
	case topic == "hooks":
		return writeHooksHelp, nil
	}
	if s := lookupSetting(topic); s != nil {
		return func(w io.Writer) { writeSettingHelp(w, s) }, nil
	}
	if h, ok := hooksByName[topic]; ok {
		return func(w io.Writer) { writeHookHelp(w, h) }, nil
	}
	return nil, fmt.Errorf("%q is neither a setting nor a hook%s; %s help lists them",
		topic, didYouMean(topic, slices.Concat(settingNames(), hookNames())), program)
}

// lookupSetting finds the setting a topic names: its name, gunicorn's
// name, a long flag, or a short one. Case, dashes and underscores do not
// matter ("--max-requests", "max-requests", "MAX_REQUESTS"); nil when
// none matches.
func lookupSetting(topic string) *setting {
	bare := strings.TrimLeft(topic, "-")
	key := spellKey(bare)
	for _, s := range settings {
		if len(bare) == 1 && s.short != 0 && string(s.short) == bare {
			return s
		}
		if spellKey(s.name) == key || (s.gunicorn != "" && spellKey(s.gunicorn) == key) {
			return s
		}
		for _, f := range s.flags {
			if spellKey(f) == key {
				return s
			}
		}
	}
	return nil
}

// writeSettingHelp writes one setting's full text.
func writeSettingHelp(w io.Writer, s *setting) {
	fmt.Fprintf(w, "%s\n\n", s.name)
	field := func(label, value string) { fmt.Fprintf(w, "  %-10s %s\n", label+":", value) }
	field("Flags", strings.ReplaceAll(docFlags(s), "`", ""))
	field("Type", s.typ.name())
	field("Default", s.defaultText())
	if s.envDefault != "" {
		field("From env", "$"+s.envDefault+" replaces the default when it is set")
	}
	field("HUP", docReload(s))
	field("Section", s.section)
	if s.gunicorn != "" {
		field("gunicorn", s.gunicorn)
	}
	if s.ignored != "" {
		field("Ignored", s.ignored)
	}
	fmt.Fprintf(w, "\n%s\n", wrapText(s.help, helpWidth, "  "))
}

// writeHelpIndex writes every setting's name under its section.
func writeHelpIndex(w io.Writer, program string) {
	fmt.Fprintf(w, "Usage: %[1]s help SETTING...   a setting's name, flag or gunicorn name\n"+
		"       %[1]s help hooks        the server hooks a config file may define\n", program)
	for _, section := range sectionOrder {
		var names []string
		for _, s := range settings {
			if s.section == section {
				names = append(names, s.name)
			}
		}
		if len(names) > 0 {
			fmt.Fprintf(w, "\n%s:\n%s\n", section, wrapText(strings.Join(names, " "), usageWidth, "  "))
		}
	}
}

// writeHooksHelp lists the server hooks.
func writeHooksHelp(w io.Writer) {
	fmt.Fprint(w, "Server hooks: a function in the config file named after a hook is called at that moment.\n\n")
	for i := range hooks {
		writeHookHelp(w, &hooks[i])
	}
}

// writeHookHelp writes a hook's signature and when it runs.
func writeHookHelp(w io.Writer, h *hookSpec) {
	fmt.Fprintf(w, "  %s%s\n%s\n", h.name, h.signature(), wrapText("runs in the "+h.process+".", helpWidth, "      "))
}
