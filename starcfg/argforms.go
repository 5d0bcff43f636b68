package starcfg

import (
	"slices"
	"strconv"
	"strings"
	"sync"
)

// gunicornForms rewrites the argument forms that gunicorn's parser
// (argparse) reads one way and kong another, before kong parses argv:
//
//   - a value flag followed by a negative number ("-w -1") takes it as its
//     value, so the setting's own check explains what is wrong with it,
//     rather than kong taking "-1" for a flag;
//   - a bare --proxy-protocol, not followed by a mode, means auto, and
//     the APP argument after it stays the APP argument;
//   - a long flag may be cut to any prefix that only one flag starts with
//     ("--work 4", "--preload-app" excepted), as argparse allows.
//
// Words after "--" are left as they are.
func gunicornForms(argv []string) []string {
	values := valueFlags()
	out := make([]string, 0, len(argv))
	for i := 0; i < len(argv); i++ {
		a := expandPrefix(argv[i])
		next, hasNext := "", i+1 < len(argv)
		if hasNext {
			next = argv[i+1]
		}
		long, takesValue := values[a]
		switch {
		case a == "--":
			return append(out, argv[i:]...)
		case long == "proxy-protocol" && (!hasNext || !isProxyMode(next)):
			out = append(out, "--proxy-protocol=auto")
		case takesValue && hasNext && isNegativeNumber(next):
			out = append(out, "--"+long+"="+next)
			i++
		case takesValue && hasNext:
			out = append(out, a, next) // the value is never a flag or APP
			i++
		default:
			out = append(out, a)
		}
	}
	return out
}

// valueFlags maps every spelling of a flag that takes a value ("-w",
// "--workers") to the setting's main long flag.
var valueFlags = sync.OnceValue(indexValueFlags)

func indexValueFlags() map[string]string {
	m := map[string]string{}
	for _, s := range settings {
		if len(s.flags) == 0 || s.typ == typeBool {
			continue
		}
		for _, f := range s.flags {
			m["--"+f] = s.flags[0]
		}
		if s.short != 0 {
			m["-"+string(s.short)] = s.flags[0]
		}
	}
	return m
}

// expandPrefix is a long flag cut to a prefix ("--work", "--work=4")
// written out in full, when exactly one flag starts with it; anything
// else is returned as it is, for kong to accept or explain.
func expandPrefix(word string) string {
	name, value, hasValue := strings.Cut(strings.TrimPrefix(word, "--"), "=")
	if !strings.HasPrefix(word, "--") || name == "" || slices.Contains(longFlags(), name) {
		return word
	}
	var match string
	for _, f := range longFlags() {
		if strings.HasPrefix(f, name) {
			if match != "" {
				return word // ambiguous: kong names the flag as unknown
			}
			match = f
		}
	}
	if match == "" {
		return word
	}
	if hasValue {
		return "--" + match + "=" + value
	}
	return "--" + match
}

// longFlags are all long flags without "--", --no-X forms included.
var longFlags = sync.OnceValue(listLongFlags)

func listLongFlags() []string {
	out := []string{"help", "version"}
	for _, s := range settings {
		for _, f := range s.flags {
			out = append(out, f)
			if s.negatable {
				out = append(out, "no-"+f)
			}
		}
	}
	return out
}

// isProxyMode says whether a word is one of proxy_protocol's spellings.
func isProxyMode(word string) bool {
	_, ok := proxyModes[strings.ToLower(word)]
	return ok
}

// isNegativeNumber says whether a word is a number below zero ("-1",
// "-2.5"), which is a value and never a flag.
func isNegativeNumber(word string) bool {
	_, err := strconv.ParseFloat(word, 64)
	return err == nil && strings.HasPrefix(word, "-")
}
