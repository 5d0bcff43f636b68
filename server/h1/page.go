package h1

import (
	"net/http"
	"strconv"
	"strings"
)

// ErrorPage is gunicorn's error response (its util.write_error), which
// every refusal of a gocorn worker answers with, whether h1 or the PROXY
// protocol refuses: "HTTP/1.1" whatever the request's version, exactly
// the headers Connection: close, Content-Type: text/html and
// Content-Length, and a small HTML document with the reason phrase and
// msg, escaped as Python's html.escape escapes it. The connection is to
// be closed after it.
//
// The page is sent in Latin-1, as gunicorn encodes it, so request bytes
// that msg quotes with Repr go back as the bytes they came as. The reason
// phrase is the standard one for status: gunicorn's 500 and 501 pages say
// "Bad Request", left over from its 400 branch, which gocorn does not
// copy.
func ErrorPage(status int, msg string) []byte {
	body := ErrorBody(status, msg)
	head := "HTTP/1.1 " + strconv.Itoa(status) + " " + reason(status) + "\r\nConnection: close\r\n" +
		"Content-Type: text/html\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	return append([]byte(head), body...)
}

// ErrorBody is the HTML document of ErrorPage, in Latin-1, for a page
// sent through an http.ResponseWriter, which writes the status line and
// the headers itself.
func ErrorBody(status int, msg string) []byte {
	why := reason(status)
	return latin1("<html>\n  <head>\n    <title>" + why + "</title>\n  </head>\n  <body>\n" +
		"    <h1><p>" + why + "</p></h1>\n    " + htmlEscaper.Replace(msg) + "\n  </body>\n</html>\n")
}

// ServeErrorPage answers with ErrorPage's response through an
// http.ResponseWriter, for the refusals made once net/http has read the
// request (contradictory scheme headers, a path outside the mount
// prefix): exactly ErrorPage's three headers, whatever was set on w
// before, and its body. net/http closes the connection after it.
func ServeErrorPage(w http.ResponseWriter, status int, msg string) {
	body := ErrorBody(status, msg)
	h := w.Header()
	clear(h)
	h["Connection"] = []string{"close"}
	h["Content-Type"] = []string{"text/html"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	h["Date"] = nil // net/http adds none when the key is present
	w.WriteHeader(status)
	w.Write(body)
}

// reason is the reason phrase of status: gunicorn's "URI Too Long" for
// 414 (RFC 9110's; net/http still says "Request URI Too Long"), else
// net/http's standard phrase, "Bad Request" for a code that has none.
func reason(status int) string {
	if status == http.StatusRequestURITooLong {
		return "URI Too Long"
	}
	if text := http.StatusText(status); text != "" {
		return text
	}
	return "Bad Request"
}

// htmlEscaper escapes as Python's html.escape(s, quote=True).
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;")

// latin1 encodes text as Latin-1, as gunicorn encodes its pages. The
// messages hold no rune above 0xFF, since their request bytes were read
// as Latin-1; any other would go out as '?'.
func latin1(s string) []byte {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 256 {
			b = append(b, byte(r))
		} else {
			b = append(b, '?')
		}
	}
	return b
}

// Repr quotes request bytes as gunicorn's messages quote them: gunicorn
// reads request bytes as Latin-1 text and formats them with %r, so this
// is Python's repr() of b decoded as Latin-1. Single quotes, unless b
// holds a single quote and no double quote; backslash, the quote, \t, \n
// and \r escaped; \xNN for the characters Python's str.isprintable
// refuses (the controls 0x00-0x1F, 0x7F and 0x80-0x9F, the no-break space
// 0xA0 and the soft hyphen 0xAD); every other byte as its Latin-1
// character. The result is UTF-8, for logs; ErrorPage turns it back into
// Latin-1.
func Repr(b []byte) string {
	q := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		q = '"'
	}
	var s strings.Builder
	s.Grow(len(b) + 2)
	s.WriteByte(q)
	const hex = "0123456789abcdef"
	for _, c := range b {
		switch {
		case c == q || c == '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
		case c == '\t':
			s.WriteString(`\t`)
		case c == '\n':
			s.WriteString(`\n`)
		case c == '\r':
			s.WriteString(`\r`)
		case c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0xa0) || c == 0xad:
			s.WriteString(`\x`)
			s.WriteByte(hex[c>>4])
			s.WriteByte(hex[c&15])
		case c < 0x80:
			s.WriteByte(c)
		default:
			s.WriteRune(rune(c)) // printable Latin-1
		}
	}
	s.WriteByte(q)
	return s.String()
}
