package migrate

import (
	"fmt"
	"strings"
)

// This file translates string literals: f-strings, u"", adjacent literals.

// strings turns f-strings into .format calls, drops the u prefix, and
// joins adjacent literals, which Starlark does not concatenate, with +.
func (r *rewriter) strings(toks []token) ([]token, error) {
	var out []token
	for i := 0; i < len(toks); i++ {
		if toks[i].kind != kString {
			out = append(out, toks[i])
			continue
		}
		j := i
		for j+1 < len(toks) && toks[j+1].kind == kString {
			j++
		}
		parened := i > 0 && toks[i-1].text == "(" && j+1 < len(toks) && toks[j+1].text == ")"
		run, err := r.literals(toks[i:j+1], parened)
		if err != nil {
			return nil, err
		}
		out = append(out, run...)
		i = j
	}
	return out, nil
}

// literals translates a run of adjacent literals: "a" "b" is ("a" + "b"),
// without the parentheses when the run has its own (parened).
func (r *rewriter) literals(run []token, parened bool) ([]token, error) {
	var out []token
	for k, t := range run {
		s, err := r.literal(t.text)
		if err != nil {
			return nil, err
		}
		t.text = s
		if k > 0 {
			out = append(out, token{kind: kOp, pre: t.pre, text: "+"})
			t.pre = " "
		}
		out = append(out, t)
	}
	if len(run) == 1 || parened {
		return out, nil
	}
	open := token{kind: kOp, pre: out[0].pre, text: "("}
	out[0].pre = ""
	return append(append([]token{open}, out...), token{kind: kOp, text: ")"}), nil
}

// literal translates one string literal.
func (r *rewriter) literal(s string) (string, error) {
	prefix, quoted := stringPrefix(s)
	p := strings.NewReplacer("u", "", "U", "").Replace(prefix)
	if !strings.ContainsAny(p, "fF") {
		return p + quoted, nil
	}
	return r.fstring(strings.NewReplacer("f", "", "F", "").Replace(p), quoted)
}

// fstring turns f"a{x}b{y!r}" into "a{}b{!r}".format(x, y).
func (r *rewriter) fstring(prefix, quoted string) (string, error) {
	q := quoted[:1]
	if strings.HasPrefix(quoted, q+q+q) {
		q = q + q + q
	}
	body := quoted[len(q) : len(quoted)-len(q)]
	var lit strings.Builder
	var args []string
	for i := 0; i < len(body); i++ {
		c := body[i]
		if (c == '{' || c == '}') && i+1 < len(body) && body[i+1] == c {
			lit.WriteString(body[i : i+2])
			i++
			continue
		}
		if c != '{' {
			lit.WriteByte(c)
			continue
		}
		end := fieldEnd(body, i+1)
		if end < 0 {
			return "", fmt.Errorf("cannot read the f-string %s", quoted)
		}
		expr, conv, err := splitField(body[i+1 : end])
		if err != nil {
			return "", err
		}
		arg, err := r.expr(expr)
		if err != nil {
			return "", err
		}
		args = append(args, arg)
		lit.WriteString("{" + conv + "}")
		i = end
	}
	if len(args) == 0 {
		return prefix + q + lit.String() + q, nil
	}
	return prefix + q + lit.String() + q + ".format(" + strings.Join(args, ", ") + ")", nil
}

// fieldEnd finds the "}" closing an f-string field that starts at i.
func fieldEnd(body string, i int) int {
	depth := 0
	for ; i < len(body); i++ {
		switch body[i] {
		case '[', '(', '{':
			depth++
		case ']', ')':
			depth--
		case '}':
			if depth == 0 {
				return i
			}
			depth--
		case '\'', '"':
			n, err := stringLen(body[i:])
			if err != nil {
				return -1
			}
			i += n - 1
		}
	}
	return -1
}

// splitField splits "expr!r" into the expression and "!r"; a format
// spec ("x:>5") or "x=" has no Starlark form.
func splitField(f string) (expr, conv string, err error) {
	depth := 0
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case '[', '(', '{':
			depth++
		case ']', ')', '}':
			depth--
		case ':':
			if depth == 0 {
				return "", "", fmt.Errorf("the f-string field {%s} has a format spec, which Starlark's format lacks; "+
					"format the value first (str(), a %%s)", f)
			}
		case '!':
			if depth == 0 && i+1 < len(f) && f[i+1] != '=' {
				return f[:i], f[i:], nil
			}
		}
	}
	if strings.HasSuffix(strings.TrimSpace(f), "=") {
		return "", "", fmt.Errorf("the f-string field {%s} uses =, which Starlark's format lacks", f)
	}
	return f, "", nil
}

// expr translates an expression given as text.
func (r *rewriter) expr(src string) (string, error) {
	lines, err := scan(strings.TrimSpace(src))
	if err != nil || len(lines) != 1 {
		return "", fmt.Errorf("cannot read the expression %q", src)
	}
	toks, err := r.rewrite(lines[0].toks)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(text(toks)), nil
}
