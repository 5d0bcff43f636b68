package migrate

import "strings"

// stmt is a statement: a logical line and, when it opens a block, the
// statements of the block. Blank and comment-only lines are statements
// too, so the output keeps them where they were.
type stmt struct {
	ln   *logical
	body []*stmt

	drop string // why the statement (with its block) is commented out; "" keeps it
	kept bool   // dropped but harmless: the reason is a note, not something left
	omit bool   // translated into nothing (an import of a module migrate translates)
	note string // a remark printed above a kept statement
}

// build turns logical lines into a tree of statements by indentation.
func build(lines []*logical) []*stmt {
	stmts, _ := block(lines, 0, -1)
	return stmts
}

// block collects the statements indented deeper than parent, from i on,
// and returns them with the index of the first line it did not take.
func block(lines []*logical, i, parent int) ([]*stmt, int) {
	var out []*stmt
	for i < len(lines) {
		l := lines[i]
		if !l.blank() && width(l.indent) <= parent {
			break
		}
		s := &stmt{ln: l}
		i++
		if !l.blank() && l.opensBlock() {
			s.body, i = block(lines, i, width(l.indent))
		}
		out = append(out, s)
	}
	// Trailing blank lines belong after the block, not inside it.
	for len(out) > 1 && out[len(out)-1].ln.blank() && parent >= 0 && i < len(lines) {
		out = out[:len(out)-1]
		i--
	}
	return out, i
}

// width is the column an indentation reaches, tabs to multiples of 8.
func width(indent string) int {
	w := 0
	for _, c := range indent {
		if c == '\t' {
			w = w/8*8 + 8
		} else {
			w++
		}
	}
	return w
}

// keyword is the statement's first word (def, if, import...), or "".
func (s *stmt) keyword() string {
	if t := s.ln.code(); len(t) > 0 && t[0].kind == kIdent {
		return t[0].text
	}
	if t := s.ln.code(); len(t) > 0 && t[0].text == "@" {
		return "@"
	}
	return ""
}

// walk calls f on s and every statement in its blocks, depth first.
func (s *stmt) walk(f func(*stmt)) {
	f(s)
	for _, b := range s.body {
		b.walk(f)
	}
}

// commented writes the statement's lines, and its block's, as comments.
func (s *stmt) commented(b *strings.Builder, indent string) {
	s.walk(func(x *stmt) {
		for _, raw := range x.ln.raw {
			rest, ok := strings.CutPrefix(raw, indent)
			if !ok {
				rest = strings.TrimLeft(raw, " \t")
			}
			b.WriteString(strings.TrimRight(indent+"# "+rest, " ") + "\n")
		}
	})
}
