package migrate

import (
	"strings"
)

// knownModules are the Python modules whose uses migrate translates;
// importing them is dropped without a word.
var knownModules = map[string]bool{"os": true, "multiprocessing": true, "json": true}

// importStmt records what an import binds. Modules migrate translates
// vanish; others are commented out, and their uses with them.
func (m *migrator) importStmt(s *stmt) {
	t := s.ln.code()
	known := true
	for _, b := range importBindings(t) {
		m.r.aliases[b.local] = b.target
		module := strings.Split(b.target, ".")[0]
		m.modules[b.local], m.modules[module] = true, true
		if !knownModules[module] {
			known = false
		}
	}
	if known {
		s.omit = true
		return
	}
	s.drop, s.kept = "Starlark has no Python modules; uses of this import are marked below", true
}

// binding is one name an import binds.
type binding struct{ local, target string }

// importBindings reads "import a.b as c, d" and "from a import b as c".
func importBindings(t []token) []binding {
	words := make([]string, 0, len(t))
	for _, x := range t {
		if x.text != "(" && x.text != ")" {
			words = append(words, x.text)
		}
	}
	from := ""
	if words[0] == "from" {
		i := indexOf(words, "import")
		from = strings.Join(words[1:i], "") + "."
		words = words[i:]
	}
	var out []binding
	for _, item := range strings.Split(strings.Join(words[1:], " "), ",") {
		f := strings.Fields(strings.ReplaceAll(item, " . ", "."))
		if len(f) == 0 {
			continue
		}
		target := strings.ReplaceAll(strings.Join(f[:1], ""), " ", "")
		local := strings.Split(target, ".")[0]
		if from != "" {
			local = target
		}
		if len(f) == 3 && f[1] == "as" {
			local = f[2]
		}
		out = append(out, binding{local: local, target: from + target})
	}
	return out
}

func indexOf(words []string, w string) int {
	for i, x := range words {
		if x == w {
			return i
		}
	}
	return len(words)
}
