package migrate

import (
	"fmt"
	"strings"
	"unicode"
)

// kind is a token's class; the scanner knows only what the rewrite
// rules need to tell apart.
type kind int

const (
	kIdent kind = iota
	kNumber
	kString
	kOp
	kComment
)

// token is one Python token with the whitespace before it, so that
// joining pre+text of every token gives back the source exactly.
type token struct {
	kind kind
	pre  string // spaces, tabs, continuation lines before the token
	text string
}

// logical is one logical line of Python: a statement's header or a
// simple statement, which may span several physical lines inside
// brackets or strings.
type logical struct {
	line   int    // first physical line, 1-based
	indent string // leading whitespace
	toks   []token
	raw    []string // the physical lines, for commenting out
}

// blank reports a line holding nothing but a comment or nothing at all.
func (l *logical) blank() bool {
	return len(l.toks) == 0 || (len(l.toks) == 1 && l.toks[0].kind == kComment)
}

// opensBlock reports a header line ending in ':' (def, if, for, try...).
func (l *logical) opensBlock() bool {
	t := l.code()
	return len(t) > 0 && t[len(t)-1].text == ":"
}

// code is the line's tokens without a trailing comment.
func (l *logical) code() []token {
	t := l.toks
	if len(t) > 0 && t[len(t)-1].kind == kComment {
		t = t[:len(t)-1]
	}
	return t
}

// scanner splits Python source into logical lines of tokens.
type scanner struct {
	src   string
	pos   int
	line  int
	depth int // open brackets
}

// scan splits src into logical lines.
func scan(src string) ([]*logical, error) {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	s := &scanner{src: src, line: 1}
	var out []*logical
	for s.pos < len(s.src) {
		l, err := s.logicalLine()
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

func (s *scanner) logicalLine() (*logical, error) {
	start, startLine := s.pos, s.line
	for s.pos < len(s.src) && (s.src[s.pos] == ' ' || s.src[s.pos] == '\t') {
		s.pos++
	}
	l := &logical{line: startLine, indent: s.src[start:s.pos]}
	var pre strings.Builder
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch {
		case c == '\n' && s.depth == 0:
			s.pos++
			s.line++
			l.raw = strings.Split(s.src[start:s.pos-1], "\n")
			return l, nil
		case c == '\n' || c == ' ' || c == '\t' || c == '\f':
			pre.WriteByte(c)
			s.advance(1)
		case c == '\\' && s.pos+1 < len(s.src) && s.src[s.pos+1] == '\n':
			pre.WriteString("\\\n")
			s.advance(2)
		default:
			t, err := s.token()
			if err != nil {
				return nil, err
			}
			t.pre = pre.String()
			pre.Reset()
			l.toks = append(l.toks, t)
		}
	}
	if s.depth > 0 {
		return nil, fmt.Errorf("line %d: a bracket opened here is not closed", startLine)
	}
	l.raw = strings.Split(s.src[start:], "\n")
	return l, nil
}

// advance moves n bytes on, counting lines.
func (s *scanner) advance(n int) {
	s.line += strings.Count(s.src[s.pos:s.pos+n], "\n")
	s.pos += n
}

// operators are Python's multi-character operators, longest first.
var operators = []string{"**=", "//=", ">>=", "<<=", "==", "!=", "<=", ">=", "**", "//",
	"->", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", ":=", "<<", ">>"}

func (s *scanner) token() (token, error) {
	rest := s.src[s.pos:]
	c := rest[0]
	switch {
	case c == '#':
		n := strings.IndexByte(rest, '\n')
		if n < 0 {
			n = len(rest)
		}
		return s.take(kComment, n), nil
	case isStringStart(rest):
		n, err := stringLen(rest)
		if err != nil {
			return token{}, fmt.Errorf("line %d: %v", s.line, err)
		}
		return s.take(kString, n), nil
	case c == '_' || unicode.IsLetter(rune(c)) || c >= 0x80:
		return s.take(kIdent, runLen(rest, isIdentRune)), nil
	case c >= '0' && c <= '9' || c == '.' && len(rest) > 1 && rest[1] >= '0' && rest[1] <= '9':
		return s.take(kNumber, runLen(rest, isNumberRune)), nil
	}
	for _, op := range operators {
		if strings.HasPrefix(rest, op) {
			return s.take(kOp, len(op)), nil
		}
	}
	switch c {
	case '(', '[', '{':
		s.depth++
	case ')', ']', '}':
		if s.depth > 0 {
			s.depth--
		}
	}
	return s.take(kOp, 1), nil
}

func (s *scanner) take(k kind, n int) token {
	t := token{kind: k, text: s.src[s.pos : s.pos+n]}
	s.advance(n)
	return t
}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
func isNumberRune(r rune) bool {
	return r == '.' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// runLen is the length in bytes of the prefix of s whose runes satisfy ok.
func runLen(s string, ok func(rune) bool) int {
	for i, r := range s {
		if !ok(r) {
			return i
		}
	}
	return len(s)
}

// stringPrefix splits a string literal's prefix (f, r, b, rb, fr...) from
// its quoted part.
func stringPrefix(s string) (prefix, quoted string) {
	i := 0
	for i < len(s) && i < 3 && strings.ContainsRune("rRbBfFuU", rune(s[i])) {
		i++
	}
	return s[:i], s[i:]
}

func isStringStart(s string) bool {
	p, q := stringPrefix(s)
	return len(p) <= 2 && q != "" && (q[0] == '"' || q[0] == '\'')
}

// stringLen is the length of the string literal at the start of s.
func stringLen(s string) (int, error) {
	p, q := stringPrefix(s)
	quote := q[:1]
	if strings.HasPrefix(q, strings.Repeat(quote, 3)) {
		quote = strings.Repeat(quote, 3)
	}
	for i := len(quote); i < len(q); i++ {
		switch {
		case q[i] == '\\':
			i++
		case q[i] == '\n' && len(quote) == 1:
			return 0, fmt.Errorf("string literal not terminated")
		case strings.HasPrefix(q[i:], quote):
			return len(p) + i + len(quote), nil
		}
	}
	return 0, fmt.Errorf("string literal not terminated")
}
