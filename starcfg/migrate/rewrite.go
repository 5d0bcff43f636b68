package migrate

import (
	"slices"
	"strings"
)

// rewriter translates the tokens of one Python line into Starlark.
type rewriter struct {
	aliases map[string]string // imported name -> what it names: "mp" -> "multiprocessing", "getenv" -> "os.getenv"
	roles   map[string]string // in a hook: parameter name -> "server", "worker", ...
	notes   []string          // remarks on the line being rewritten, for its reader
}

// chainRules map Python names (after aliases) onto gocorn's builtins.
var chainRules = []struct{ python, star string }{
	{"multiprocessing.cpu_count", "cpu_count"},
	{"os.cpu_count", "cpu_count"},
	{"os.environ.get", "env"},
	{"os.getenv", "env"},
	{"json.dumps", "json.encode"},
	{"json.loads", "json.decode"},
}

// rewrite returns toks translated, or why they cannot be.
func (r *rewriter) rewrite(toks []token) ([]token, error) {
	if err := r.environWrite(toks); err != nil {
		return nil, err
	}
	toks, err := r.strings(toks)
	if err != nil {
		return nil, err
	}
	toks = printArgs(generators(r.chains(pythonisms(toks))))
	if err := r.checkAttrs(toks); err != nil {
		return nil, err
	}
	return toks, checkPercent(toks)
}

// text joins tokens back into source text.
func text(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.pre + t.text)
	}
	return b.String()
}

// chains rewrites dotted names: imported aliases, os.environ and
// multiprocessing onto env() and cpu_count(), log.fatal onto gocorn's
// log.critical.
func (r *rewriter) chains(in []token) []token {
	var out []token
	closers := map[int][]string{} // what a closing bracket becomes: os.environ[...] is env(...)
	for i := 0; i < len(in); i++ {
		t := in[i]
		if c, ok := closers[i]; ok {
			out = append(out, ops(t.pre, c...)...)
			continue
		}
		if t.kind != kIdent || i > 0 && in[i-1].text == "." || isKeyword(t.text) {
			out = append(out, t)
			continue
		}
		names := []string{t.text}
		j := i
		for j+2 < len(in) && in[j+1].text == "." && in[j+2].kind == kIdent {
			names = append(names, in[j+2].text)
			j += 2
		}
		next := ""
		if j+1 < len(in) {
			next = in[j+1].text
		}
		chain := r.canonical(names)
		switch {
		case chain == "os.environ" && next == "[":
			chain, closers[matching(in, j+1)] = "env", []string{")"}
			in[j+1].text = "("
		case chain == "os.path.join" && next == "(":
			chain, closers[matching(in, j+1)] = `"/".join`, []string{"]", ")"}
			out = append(out, token{kind: kIdent, pre: t.pre, text: chain}, token{kind: kOp, text: "("})
			in[j+1], chain = token{kind: kOp, text: "["}, ""
			r.notes = append(r.notes, `os.path.join became "/".join, the same unless a later part starts with /`)
		case chain == "os.environ" && endsIn(out):
			out, chain = environTest(out), ""
		}
		if chain != "" {
			out = append(out, token{kind: kIdent, pre: t.pre, text: chain})
		}
		i = j
	}
	return out
}

// endsIn reports whether out ends with `"NAME" in` or `"NAME" not in`.
func endsIn(out []token) bool {
	n := len(out)
	if n >= 2 && out[n-1].text == "in" && out[n-2].kind == kString {
		return true
	}
	return n >= 3 && out[n-1].text == "in" && out[n-2].text == "not" && out[n-3].kind == kString
}

// environTest turns `"X" in os.environ` into `env("X") != None`.
func environTest(out []token) []token {
	n := len(out)
	op := " != None"
	if out[n-2].text == "not" {
		op = " == None"
		out = out[:n-1]
		n--
	}
	name := out[n-2]
	out = out[:n-2]
	return append(out, token{kind: kIdent, pre: name.pre, text: "env(" + name.text + ")" + op})
}

// canonical expands an imported alias and applies chainRules and
// logAliases to a dotted name.
func (r *rewriter) canonical(names []string) string {
	full := strings.Join(names, ".")
	if a, ok := r.aliases[names[0]]; ok {
		full = strings.Join(append([]string{a}, names[1:]...), ".")
	}
	for _, rule := range chainRules {
		if full == rule.python || strings.HasPrefix(full, rule.python+".") {
			full = rule.star + full[len(rule.python):]
		}
	}
	if len(names) >= 2 && r.roles[names[0]] == "resp" && names[1] == "status_code" {
		full = strings.Replace(full, "status_code", "status", 1) // gocorn's status is the code
	}
	if n := len(names); n >= 2 && names[n-2] == "log" && logAliases[names[n-1]] != "" {
		full = strings.TrimSuffix(full, names[n-1]) + logAliases[names[n-1]]
	}
	return full
}

// bracketDelta is +1 for an opening bracket, -1 for a closing one.
func bracketDelta(t token) int {
	if t.kind != kOp {
		return 0
	}
	switch t.text {
	case "(", "[", "{":
		return 1
	case ")", "]", "}":
		return -1
	}
	return 0
}

// matching is the index of the bracket closing the one at i, or -1.
func matching(toks []token, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		depth += bracketDelta(toks[j])
		if depth == 0 {
			return j
		}
	}
	return -1
}

// isKeyword reports Python keywords, which are never names to rewrite.
func isKeyword(s string) bool {
	return slices.Contains([]string{"and", "or", "not", "in", "is", "if", "else", "elif", "for",
		"def", "return", "lambda", "None", "True", "False", "pass", "import", "from", "as"}, s)
}

// splitArgs splits a call's argument tokens at its top-level commas,
// dropping a trailing comma.
func splitArgs(toks []token) [][]token {
	var args [][]token
	depth, start := 0, 0
	for i, t := range toks {
		depth += bracketDelta(t)
		if depth == 0 && t.text == "," {
			args = append(args, toks[start:i])
			start = i + 1
		}
	}
	if start < len(toks) {
		args = append(args, toks[start:])
	}
	return args
}

// generators turns a call's generator argument, f(x for x in y), into
// the list comprehension Starlark has: f([x for x in y]).
func generators(toks []token) []token {
	for i := 1; i < len(toks); i++ {
		if toks[i].text != "(" || toks[i-1].kind != kIdent && toks[i-1].text != ")" {
			continue
		}
		end := matching(toks, i)
		if end < 0 || !topLevelFor(toks[i+1:end]) {
			continue
		}
		inner := append([]token{{kind: kOp, text: "["}}, toks[i+1:end]...)
		inner = append(inner, token{kind: kOp, text: "]"})
		toks = append(toks[:i+1], append(inner, toks[end:]...)...)
	}
	return toks
}

// topLevelFor reports a "for" outside any bracket of toks.
func topLevelFor(toks []token) bool {
	depth := 0
	for _, t := range toks {
		depth += bracketDelta(t)
		if depth == 0 && t.kind == kIdent && t.text == "for" {
			return true
		}
	}
	return false
}

// printArgs drops print's file= and flush= arguments: gocorn's print
// writes to the error log, whatever stream Python's was given.
func printArgs(toks []token) []token {
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].text != "print" || toks[i].kind != kIdent || toks[i+1].text != "(" || i > 0 && toks[i-1].text == "." {
			continue
		}
		end := matching(toks, i+1)
		if end < 0 {
			continue
		}
		var kept []token
		for _, a := range splitArgs(toks[i+2 : end]) {
			if len(a) > 1 && a[1].text == "=" && (a[0].text == "file" || a[0].text == "flush") {
				continue
			}
			if len(kept) > 0 {
				kept = append(kept, token{kind: kOp, text: ","})
			}
			kept = append(kept, a...)
		}
		toks = append(toks[:i+2], append(kept, toks[end:]...)...)
	}
	return toks
}

// ops are operator tokens, the first with the whitespace pre.
func ops(pre string, texts ...string) []token {
	out := make([]token, len(texts))
	for i, s := range texts {
		out[i] = token{kind: kOp, text: s}
	}
	out[0].pre = pre
	return out
}

// pythonisms rewrites Python's spellings Starlark lacks: `is` and
// `is not` become == and !=, 1_000 becomes 1000.
func pythonisms(in []token) []token {
	var out []token
	for i := 0; i < len(in); i++ {
		t := in[i]
		switch {
		case t.kind == kIdent && t.text == "is" && i+1 < len(in) && in[i+1].text == "not":
			t.kind, t.text = kOp, "!="
			i++
		case t.kind == kIdent && t.text == "is":
			t.kind, t.text = kOp, "=="
		case t.kind == kNumber:
			t.text = strings.ReplaceAll(t.text, "_", "")
		}
		out = append(out, t)
	}
	return out
}
