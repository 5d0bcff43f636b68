package migrate

import (
	"fmt"
	"strings"
)

// render writes the statements as gocorn.conf.star, with the statement
// each output line came from (nil for lines migrate adds).
func (m *migrator) render() (string, []*stmt) {
	w := &writer{}
	m.renderBlock(w, m.stmts)
	return w.b.String(), w.owners
}

// writer collects output lines and their owners.
type writer struct {
	b      strings.Builder
	owners []*stmt
}

func (w *writer) lines(s *stmt, text string) {
	for _, l := range strings.Split(text, "\n") {
		w.b.WriteString(strings.TrimRight(l, " \t") + "\n")
		w.owners = append(w.owners, s)
	}
}

// renderBlock writes a block and reports whether it kept any statement.
func (m *migrator) renderBlock(w *writer, stmts []*stmt) bool {
	live := false
	for _, s := range stmts {
		switch {
		case s.omit:
		case s.ln.blank():
			w.lines(s, strings.Join(s.ln.raw, "\n"))
		case s.drop != "":
			w.lines(s, remark(s, s.drop))
			var b strings.Builder
			s.commented(&b, s.ln.indent)
			w.lines(s, strings.TrimSuffix(b.String(), "\n"))
		default:
			if s.note != "" {
				w.lines(s, remark(s, s.note))
			}
			w.lines(s, s.ln.indent+m.out[s])
			live = true
			if len(s.body) > 0 && !m.renderBlock(w, s.body) {
				w.lines(s, bodyIndent(s)+"pass")
			}
		}
	}
	return live
}

// remark is migrate's comment above a statement.
func remark(s *stmt, why string) string {
	return fmt.Sprintf("%s# gocorn migrate: line %d: %s", s.ln.indent, s.ln.line, why)
}

// bodyIndent is the indentation of a statement's block.
func bodyIndent(s *stmt) string {
	for _, b := range s.body {
		if !b.ln.blank() {
			return b.ln.indent
		}
	}
	return s.ln.indent + "    "
}
