package h1

import (
	"bytes"
	"net/url"
)

// isTchar marks the bytes of an RFC 9110 token (§5.6.2).
var isTchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~") {
		t[c] = true
	}
	return t
}()

// isHostByte marks the bytes net/http accepts in a Host header: those of
// a uri-host and port (RFC 3986 unreserved, sub-delims, ':', '[', ']',
// '%'). A Host header with any other byte is refused with 400 here, in
// gunicorn's format, instead of by net/http in its own.
var isHostByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range []byte("!$%&'()*+,-.:;=[]_~") {
		t[c] = true
	}
	return t
}()

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isTchar[c] {
			return false
		}
	}
	return true
}

// isCTL marks the control characters other than HTAB, which field
// values may not hold (RFC 9110 §5.5).
var isCTL = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\t'
	}
	t[0x7f] = true
	return t
}()

func hasCTL(b []byte) bool {
	for _, c := range b {
		if isCTL[c] {
			return true
		}
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isOWS tells whether c is optional whitespace (SP or HTAB).
func isOWS(c byte) bool { return c == ' ' || c == '\t' }

func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func trimRightOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// upper returns b in ASCII upper case, in a new slice (for messages).
func upper(b []byte) []byte {
	u := make([]byte, len(b))
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		u[i] = c
	}
	return u
}

// appendUpper appends b in ASCII upper case.
func appendUpper(dst, b []byte) []byte {
	for _, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// validPathEscapes tells whether every '%' in the path part of a target
// (before any '?') starts a %XX escape, which net/url requires.
func validPathEscapes(target []byte) bool {
	if i := bytes.IndexByte(target, '?'); i >= 0 {
		target = target[:i]
	}
	for i := 0; i < len(target); i++ {
		if target[i] == '%' {
			if i+2 >= len(target) || !isHex(target[i+1]) || !isHex(target[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

// checkTarget tells whether target is a request-target method may use
// (RFC 9112 §3.2, and gunicorn 26.1's rules): "*" only with OPTIONS; the
// authority-form (host:port) only with CONNECT; otherwise an origin-form
// path or an absolute-form URI (scheme "://" authority). It must hold no
// control characters, and must parse as net/http parses it, so that
// net/http never refuses in its own words a target h1 let through.
func checkTarget(method, target []byte) bool {
	if len(target) == 0 {
		return false
	}
	for _, c := range target {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	connect := string(method) == "CONNECT"
	switch {
	case len(target) == 1 && target[0] == '*':
		return string(method) == "OPTIONS"
	case target[0] == '/':
		// origin-form. CONNECT takes one too, as net/http does (net/rpc
		// dials with CONNECT /_goRPC_).
		return validPathEscapes(withoutFragment(target))
	case isAbsoluteForm(target):
		if connect {
			return false
		}
		u, err := url.ParseRequestURI(string(withoutFragment(target)))
		return err == nil && u.Opaque == ""
	case connect:
		return isAuthorityForm(target)
	}
	return false
}

// withoutFragment cuts the fragment ("#" and what follows) off a
// request-target. No client should send one (RFC 9112 §3.2 has none in
// the grammar), but gunicorn takes it as urlsplit does: out of PATH_INFO
// and QUERY_STRING. net/http would leave it in the path or the query, so
// h1 hands net/http the target without it.
func withoutFragment(target []byte) []byte {
	if i := bytes.IndexByte(target, '#'); i >= 0 {
		return target[:i]
	}
	return target
}

// isAbsoluteForm tells whether target starts with a scheme followed by
// "://" (RFC 3986 §3.1).
func isAbsoluteForm(t []byte) bool {
	if len(t) == 0 || !('a' <= t[0]|0x20 && t[0]|0x20 <= 'z') {
		return false
	}
	for i := 1; i < len(t); i++ {
		c := t[i]
		switch {
		case 'a' <= c|0x20 && c|0x20 <= 'z', '0' <= c && c <= '9', c == '+', c == '-', c == '.':
		case c == ':':
			return bytes.HasPrefix(t[i+1:], []byte("//"))
		default:
			return false
		}
	}
	return false
}

// isAuthorityForm tells whether target is uri-host ":" port (RFC 9112
// §3.2.3), with a port, and parses as net/http reads a CONNECT target.
func isAuthorityForm(t []byte) bool {
	colon := bytes.LastIndexByte(t, ':')
	if colon <= 0 || colon == len(t)-1 || bytes.IndexByte(t, '@') >= 0 || bytes.IndexByte(t, '/') >= 0 ||
		bytes.IndexByte(t, '?') >= 0 || bytes.IndexByte(t, '#') >= 0 {
		return false
	}
	for _, c := range t[colon+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	_, err := url.ParseRequestURI("http://" + string(t))
	return err == nil
}
