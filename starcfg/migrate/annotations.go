package migrate

// stripAnnotations removes type annotations, which Starlark lacks, from
// def headers (def f(server: Arbiter) -> None:) and from annotated
// assignments (workers: int = 4).
func stripAnnotations(lines []*logical) {
	for _, l := range lines {
		t := l.toks
		switch {
		case len(t) > 2 && t[0].text == "def":
			l.toks = stripDefAnnotations(t)
		case len(t) > 3 && t[0].kind == kIdent && t[1].text == ":" && !isKeyword(t[0].text):
			if eq := indexOfText(t, "="); eq > 0 {
				l.toks = append(t[:1:1], t[eq:]...)
			}
		}
	}
}

// stripDefAnnotations drops "-> T" and each parameter's ": T".
func stripDefAnnotations(t []token) []token {
	open := indexOfText(t, "(")
	closing := matching(t, open)
	if open < 0 || closing < 0 {
		return t
	}
	out := append([]token(nil), t[:open+1]...)
	depth, skipping, inDefault := 0, false, false
	for _, x := range t[open+1 : closing] {
		if depth == 0 && (x.text == "," || x.text == "=") {
			skipping, inDefault = false, x.text == "="
		}
		if depth == 0 && x.text == ":" && !inDefault {
			skipping = true // a lambda's colon in a default stays
		}
		depth += bracketDelta(x)
		if !skipping {
			out = append(out, x)
		}
	}
	out = append(out, t[closing])
	if arrow := indexOfText(t[closing:], "->"); arrow > 0 {
		return append(out, t[len(t)-1-trailingComment(t):]...)
	}
	return append(out, t[closing+1:]...)
}

// trailingComment is 1 when the line ends in a comment, else 0.
func trailingComment(t []token) int {
	if t[len(t)-1].kind == kComment {
		return 1
	}
	return 0
}
