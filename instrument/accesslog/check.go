package accesslog

import (
	"fmt"
	"strings"
)

// AtomList names every atom, as the messages of Check list them.
const AtomList = "h l u t r s m U q H b B f a T M D L p {Header}i {Header}o {name}e"

// Check reports the keys of format that name no atom, all of them in one
// error, each with a hint when a likely meaning is known. Compile prints
// "-" for such a key, which hides a typo until someone reads the log; the
// config refuses the format instead, at start, on HUP and in
// --check-config alike. The format "json" has no atoms and passes.
func Check(format string) error {
	unknown := Compile(format).unknown
	if len(unknown) == 0 {
		return nil
	}
	parts := make([]string, len(unknown))
	for i, key := range unknown {
		parts[i] = fmt.Sprintf("%%(%s)s", key)
		if hint := atomHint(key); hint != "" {
			parts[i] += fmt.Sprintf(" (did you mean %%(%s)s?)", hint)
		}
	}
	noun := "atom"
	if len(parts) > 1 {
		noun = "atoms"
	}
	return fmt.Errorf("unknown %s %s; the atoms are %s", noun, strings.Join(parts, ", "), AtomList)
}

// atomAliases are names people write for an atom, from other servers'
// log formats and from the atoms' descriptions.
var atomAliases = map[string]string{
	"host": "h", "ip": "h", "remote_addr": "h", "remote": "h", "client": "h",
	"user": "u", "time": "t", "request": "r", "status": "s", "code": "s",
	"method": "m", "path": "U", "uri": "U", "url": "U", "query": "q",
	"protocol": "H", "proto": "H", "bytes": "b", "size": "b", "length": "b",
	"referer": "f", "referrer": "f", "user_agent": "a", "useragent": "a", "agent": "a",
	"seconds": "T", "millis": "M", "ms": "M", "duration": "D", "micros": "D", "us": "D",
	"elapsed": "L", "pid": "p",
}

// atomHint is the atom key most likely meant: the same letter in the
// other case, a descriptive name, or a header name without its i suffix.
func atomHint(key string) string {
	for _, k := range []string{strings.ToLower(key), strings.ToUpper(key)} {
		if _, ok := simpleAtoms[k]; ok {
			return k
		}
	}
	if k, ok := atomAliases[strings.ToLower(strings.NewReplacer("-", "_", " ", "_").Replace(key))]; ok {
		return k
	}
	if len(key) > 2 && key[0] == '{' && key[len(key)-1] == '}' {
		return key + "i"
	}
	return ""
}
