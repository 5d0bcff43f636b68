package h1

import (
	"strconv"
	"strings"
)

// Kind is the class of a parse error: it decides the status and the page.
type Kind uint8

// The kinds, after gunicorn's exceptions.
const (
	KindRequestLine Kind = iota + 1 // InvalidRequestLine: bad request line or target (400)
	KindMethod                      // InvalidRequestMethod (400)
	KindVersion                     // InvalidHTTPVersion (400)
	KindHeader                      // InvalidHeader: bad header line, value, framing, duplicates (400)
	KindHeaderName                  // InvalidHeaderName: bad name, header_map=refuse, forbidden trailer (400)
	KindFolding                     // ObsoleteFolding (400)
	KindLineTooLong                 // LimitRequestLine (414; gunicorn says 400)
	KindHeaderLimit                 // LimitRequestHeaders (431)
	KindCoding                      // UnsupportedTransferCoding (501)
	KindExpect                      // an Expect other than 100-continue (417)
	KindChunk                       // bad chunk size, extension or terminator: no page, the connection closes
	KindTimeout                     // the head did not arrive within the header timeout (408; gunicorn has none)
)

// Error is a request h1 refused. Its message is gunicorn's exception text,
// which the log line carries; the page wraps it as gunicorn does.
type Error struct {
	Kind Kind
	msg  string
}

func (e *Error) Error() string { return e.msg }

// Status is the response status, 0 for errors answered by closing.
func (e *Error) Status() int {
	switch e.Kind {
	case KindLineTooLong:
		return 414
	case KindHeaderLimit:
		return 431
	case KindCoding:
		return 501
	case KindExpect:
		return 417
	case KindTimeout:
		return 408
	case KindChunk:
		return 0
	}
	return 400
}

// reason is the reason phrase of a status. 501 says Not Implemented,
// not gunicorn's "Bad Request" left over from its 400 branch.
func reason(status int) string {
	switch status {
	case 408:
		return "Request Timeout"
	case 414:
		return "URI Too Long"
	case 417:
		return "Expectation Failed"
	case 431:
		return "Request Header Fields Too Large"
	case 501:
		return "Not Implemented"
	}
	return "Bad Request"
}

// pageMessage is the text of the page, as gunicorn's handle_error words
// it for each exception.
func (e *Error) pageMessage() string {
	switch e.Kind {
	case KindRequestLine:
		return "Invalid Request Line '" + e.msg + "'"
	case KindMethod:
		return "Invalid Method '" + e.msg + "'"
	case KindVersion:
		return "Invalid HTTP Version '" + e.msg + "'"
	case KindHeaderLimit:
		return "Error parsing headers: '" + e.msg + "'"
	}
	return e.msg
}

// Page is the response gunicorn writes for the error: HTTP/1.1 (always),
// exactly three headers, and a small HTML document with the message.
// Latin-1 text from the request goes out as Latin-1, as in gunicorn.
func (e *Error) Page() []byte {
	st := e.Status()
	if st == 0 {
		return nil
	}
	why := reason(st)
	body := "<html>\n  <head>\n    <title>" + why + "</title>\n  </head>\n  <body>\n" +
		"    <h1><p>" + why + "</p></h1>\n    " + pyHTMLEscape(e.pageMessage()) + "\n  </body>\n</html>\n"
	b := latin1(body)
	head := "HTTP/1.1 " + strconv.Itoa(st) + " " + why + "\r\nConnection: close\r\n" +
		"Content-Type: text/html\r\nContent-Length: " + strconv.Itoa(len(b)) + "\r\n\r\n"
	return append([]byte(head), b...)
}

func newError(k Kind, msg string) *Error { return &Error{Kind: k, msg: msg} }

// The errors, worded as gunicorn's exceptions print themselves; r is
// Python's repr of text read as Latin-1.
func errRequestLine(line []byte) *Error {
	return newError(KindRequestLine, "Invalid HTTP request line: "+pyRepr(line))
}
func errMethod(m []byte) *Error { return newError(KindMethod, "Invalid HTTP method: "+pyRepr(m)) }
func errVersion(v []byte) *Error {
	return newError(KindVersion, "Invalid HTTP Version: "+pyRepr(v))
}

// errVersionRange is a well-formed version outside 1.0..1.9: gunicorn
// passes the parsed tuple, so the message shows (2, 0).
func errVersionRange(major, minor int) *Error {
	return newError(KindVersion, "Invalid HTTP Version: ("+strconv.Itoa(major)+", "+strconv.Itoa(minor)+")")
}
func errHeader(hdr []byte) *Error { return newError(KindHeader, "Invalid HTTP Header: "+pyRepr(hdr)) }
func errHeaderName(name []byte) *Error {
	return newError(KindHeaderName, "Invalid HTTP header name: "+pyRepr(name))
}
func errFolding(name []byte) *Error {
	return newError(KindFolding, "Obsolete line folding is unacceptable: "+pyRepr(name))
}
func errLineTooLong(size, limit int) *Error {
	return newError(KindLineTooLong, "Request Line is too large ("+strconv.Itoa(size)+" > "+strconv.Itoa(limit)+")")
}
func errHeaderLimit(why string) *Error { return newError(KindHeaderLimit, why) }
func errCoding(v []byte) *Error {
	return newError(KindCoding, "Unsupported transfer coding: "+pyRepr(v))
}
func errExpect(v []byte) *Error {
	return newError(KindExpect, "Unable to comply with expectation: "+pyRepr(v))
}

// errHeadTimeout is a request head cut off by the header timeout.
var errHeadTimeout = newError(KindTimeout, "Request head incomplete when the header timeout passed")

func errChunk(what string, data []byte) *Error {
	return newError(KindChunk, what+": "+pyRepr(data))
}

// Header names as they appear in gunicorn's messages.
var (
	nameContentLength    = []byte("CONTENT-LENGTH")
	nameTransferEncoding = []byte("TRANSFER-ENCODING")
	nameHost             = []byte("HOST")
	nameContentType      = []byte("CONTENT-TYPE")
	nameTrailer          = []byte("TRAILER")
)

// pyRepr is Python's repr() of b decoded as Latin-1: single quotes unless
// the text holds a single quote and no double quote, backslash escapes
// for what Python does not print. The result is UTF-8.
func pyRepr(b []byte) string {
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

// pyHTMLEscape is Python's html.escape(s, quote=True).
func pyHTMLEscape(s string) string {
	return htmlEscaper.Replace(s)
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;")

// latin1 encodes UTF-8 text as Latin-1; the messages only hold runes
// below 256, since they come from bytes read as Latin-1.
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
