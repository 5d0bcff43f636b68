package proxy

import (
	"strconv"
	"strings"
)

// errorPage is gunicorn's error response: HTTP/1.1 whatever the request,
// exactly three headers, and a small HTML document with the reason and
// the escaped message. The connection is closed after it.
func errorPage(code int, reason, msg string) []byte {
	body := errorBody(reason, msg)
	var b strings.Builder
	b.Grow(len(body) + 96)
	b.WriteString("HTTP/1.1 ")
	b.WriteString(strconv.Itoa(code))
	b.WriteString(" ")
	b.WriteString(reason)
	b.WriteString("\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: ")
	b.WriteString(strconv.Itoa(len(body)))
	b.WriteString("\r\n\r\n")
	b.WriteString(body)
	return []byte(b.String())
}

// errorBody is the HTML document of an error page.
func errorBody(reason, msg string) string {
	return "<html>\n  <head>\n    <title>" + reason + "</title>\n  </head>\n  <body>\n" +
		"    <h1><p>" + reason + "</p></h1>\n    " + htmlEscaper.Replace(msg) + "\n  </body>\n</html>\n"
}

// htmlEscaper escapes as Python's html.escape, so pages match gunicorn's
// byte for byte.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;")

// pyRepr quotes b as Python's repr quotes a string, which is how gunicorn
// shows the offending line in its messages: single quotes unless b holds a
// single quote and no double quote; \t, \n, \r, the quote and backslash
// escaped; other control and non-ASCII bytes as \xNN.
func pyRepr(b []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	const hex = "0123456789abcdef"
	out := make([]byte, 0, len(b)+2)
	out = append(out, quote)
	for _, c := range b {
		switch {
		case c == quote || c == '\\':
			out = append(out, '\\', c)
		case c == '\t':
			out = append(out, `\t`...)
		case c == '\n':
			out = append(out, `\n`...)
		case c == '\r':
			out = append(out, `\r`...)
		case c < 0x20 || c >= 0x7f:
			out = append(out, '\\', 'x', hex[c>>4], hex[c&0xf])
		default:
			out = append(out, c)
		}
	}
	return string(append(out, quote))
}
