// Package accesslog formats gunicorn's access log line.
//
// Operators keep their gunicorn --access-logformat strings and the parsers
// that read the result, so gocorn accepts the same Python %-style
// mini-language: "%(h)s" names an atom, "%%" is a percent sign, everything
// else is copied. The format is compiled once and each request appends one
// line to a caller-owned buffer without fmt and, for the default format,
// without allocating.
//
// Atoms (gunicorn's, see the table on Entry's fields):
//
//	h  client address (host part of RemoteAddr; a RemoteAddr that is not
//	   host:port, such as a unix socket's "@", as is; "" prints "-")
//	l  "-"
//	u  user name from "Authorization: Basic", else "-"
//	t  [24/Nov/2026:09:20:25 +0000], from Entry.Time
//	r  request line: METHOD RAW_URI HTTP/x.y
//	s  status          m  method          U  path (decoded)
//	q  query string    H  protocol
//	b  body bytes ("0" for none, "-" if unknown)    B  the same
//	f  Referer or "-"  a  User-Agent or "-"
//	T  seconds  M  milliseconds  D  microseconds (whole numbers)
//	L  seconds with 6 decimals, such as 0.001418
//	p  <PID>
//	{name}i  request header    {name}o  response header
//	{name}e  the request's environment variable name (see CompileWith)
//
// The format "json" is not a %-format but the JSON line of json.go.
//
// Header names are case-insensitive; a missing header prints "-". When a
// header appears several times, {name}i and {name}o print the last value and
// f and a print all values joined by "," (as gunicorn does). An unknown atom
// prints "-" (Check finds them: gocorn's config refuses them). A conversion
// other than s (%(s)d, %(L)5s) prints the same text: flags, width and
// precision are ignored. A "%" that does not start
// "%%" or a complete "%(name)" is kept as literal text, where gunicorn would
// fail to log the line at all.
//
// Escaping differs from gunicorn on purpose. gunicorn only turns `"` into
// `\"`, so a client can write a newline or a terminal escape sequence into
// the log through a header and forge or hide lines. gocorn escapes every
// value that comes from the request, the response or the environment: `"`
// as `\"`, `\` as `\\` (otherwise a value ending in a backslash would swallow
// the closing quote), and control characters and all bytes >= 0x7f as
// `\xNN` (lower-case hex), as Apache's mod_log_config does. Non-ASCII UTF-8
// therefore appears as its escaped bytes. Literal text from the format is
// never escaped.
package accesslog

import (
	"net"
	"net/http"
	"strings"
	"time"
)

// DefaultFormat is gunicorn's default access_log_format (Apache's "combined"
// minus the virtual host), used when the operator sets none.
const DefaultFormat = `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`

// Entry is what one access log line is made from: the finished request and
// what the server knows about the response. The caller fills it after the
// body has been written.
type Entry struct {
	// Request supplies the method, RequestURI (the raw target, for r),
	// URL.Path (U), URL.RawQuery (q), Proto (H), the headers and
	// RemoteAddr (h). nil prints "-" for all of those, for error responses
	// sent before a request could be parsed.
	Request *http.Request
	// Status is the response status code (s).
	Status int
	// BodyBytes is the number of body bytes written to the client (b, B);
	// negative means unknown and prints "-".
	BodyBytes int64
	// ResponseHeader holds the headers sent ({name}o).
	ResponseHeader http.Header
	// Time is when the response finished (t), printed in its own location:
	// pass time.Now() for local time as gunicorn does. Zero means now.
	Time time.Time
	// Duration is how long the request took (T, M, D, L).
	Duration time.Duration
	// PID is the worker's process id (p).
	PID int

	// RequestID is the request's id as a trusted proxy sent it, for the
	// JSON format's request_id; empty lets the format make one up.
	RequestID string
	// Peer is the socket's peer, for the JSON format's peer: the proxy
	// when one is in front, whatever it said about the client. nil
	// prints null.
	Peer net.Addr
	// Scheme is the request's scheme as trusted proxies' headers leave it
	// ("https" or "http"), for the JSON format's scheme; empty prints
	// null.
	Scheme string
}

// EnvironFunc reads the value of one {name}e atom from a request; false
// means the request has no such variable, which prints "-". An empty
// value prints nothing, as gunicorn prints an empty QUERY_STRING.
type EnvironFunc func(r *http.Request) (value string, ok bool)

// Format is a compiled access log format. It is immutable and safe for
// concurrent use, so one Format serves every request of a worker.
type Format struct {
	segs    []segment
	json    *requestIDs // the JSON line (access_log_format "json") and its ids; nil for a %-format
	unknown []string    // keys that name no atom, in order, for Check
}

type opcode uint8

const (
	opLiteral opcode = iota
	opRemoteHost
	opUser
	opTime
	opRequestLine
	opStatus
	opMethod
	opPath
	opQuery
	opProto
	opBytes
	opReferer
	opUserAgent
	opSeconds
	opMillis
	opMicros
	opSecondsFrac
	opPID
	opRequestHeader
	opResponseHeader
	opEnviron
)

// segment is one piece of a compiled format: literal text, or an atom.
// For header atoms name is the header's canonical name and raw the name as
// written; environ atoms have the function that reads their variable.
type segment struct {
	op      opcode
	text    string // literal text for opLiteral
	name    string
	raw     string
	environ EnvironFunc
}

var simpleAtoms = map[string]opcode{
	"h": opRemoteHost,
	"u": opUser,
	"t": opTime,
	"r": opRequestLine,
	"s": opStatus,
	"m": opMethod,
	"U": opPath,
	"q": opQuery,
	"H": opProto,
	"b": opBytes,
	"B": opBytes,
	"f": opReferer,
	"a": opUserAgent,
	"T": opSeconds,
	"M": opMillis,
	"D": opMicros,
	"L": opSecondsFrac,
	"p": opPID,
}

// Compile is CompileWith without an environment: every {name}e atom
// prints "-".
func Compile(format string) *Format { return CompileWith(format, nil) }

// CompileWith parses format once, so that each request only walks a
// slice. It never fails: text it cannot read as an atom is kept literally
// and an unknown atom prints "-", so a typo in the format shows in the log
// instead of stopping the server.
//
// environ resolves the name of each {name}e atom, as written in the
// format, to the function that reads its value from each request; it runs
// here, once per atom, so that a request pays for a lookup, not for a
// search. gunicorn matches these names in any case (it lower-cases them),
// so environ should too. A nil environ, or a nil result, prints "-".
func CompileWith(format string, environ func(name string) EnvironFunc) *Format {
	if strings.EqualFold(format, JSON) {
		return &Format{json: newRequestIDs()}
	}
	f := &Format{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			f.segs = append(f.segs, segment{op: opLiteral, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			lit.WriteByte(c)
			i++
			continue
		}
		switch format[i+1] {
		case '%':
			lit.WriteByte('%')
			i += 2
			continue
		case '(':
			key, next, ok := parseKey(format, i+2)
			if !ok {
				break
			}
			seg, known := atom(key, environ)
			if !known {
				f.unknown = append(f.unknown, key)
			}
			if seg.op == opLiteral {
				lit.WriteString(seg.text)
			} else {
				flush()
				f.segs = append(f.segs, seg)
			}
			i = next
			continue
		}
		lit.WriteByte('%')
		i++
	}
	flush()
	return f
}

// resolve is environ(name), or nil without environ.
func resolve(environ func(string) EnvironFunc, name string) EnvironFunc {
	if environ == nil {
		return nil
	}
	return environ(name)
}

// parseKey reads a Python mapping key starting just after "%(" and the
// conversion spec after it. It returns the key and the index after the spec.
// Like Python it counts nested parentheses in the key.
func parseKey(s string, start int) (key string, next int, ok bool) {
	depth := 1
	i := start
	for ; i < len(s); i++ {
		if s[i] == '(' {
			depth++
		} else if s[i] == ')' {
			depth--
			if depth == 0 {
				break
			}
		}
	}
	if i == len(s) {
		return "", 0, false
	}
	key = s[start:i]
	i++ // past ')'
	// flags, width, precision, length modifier, then the conversion.
	j := i
	for j < len(s) && strings.IndexByte("-+ #0", s[j]) >= 0 {
		j++
	}
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '*') {
		j++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '*') {
			j++
		}
	}
	for j < len(s) && strings.IndexByte("hlL", s[j]) >= 0 {
		j++
	}
	if j < len(s) && strings.IndexByte("diouxXeEfFgGcrsa", s[j]) >= 0 {
		return key, j + 1, true
	}
	// No conversion: take the key alone and keep what follows as text.
	return key, i, true
}

// atom compiles one key; known is false for a key that names no atom,
// which becomes the literal "-". A {name}e atom whose variable environ
// cannot read is known: it prints "-" by design.
func atom(key string, environ func(string) EnvironFunc) (seg segment, known bool) {
	if op, ok := simpleAtoms[key]; ok {
		return segment{op: op}, true
	}
	if key == "l" {
		return segment{op: opLiteral, text: "-"}, true
	}
	// gunicorn lower-cases "{...}x" keys, so the suffix is
	// case-insensitive too.
	if n := len(key); n >= 3 && key[0] == '{' && key[n-2] == '}' {
		name := key[1 : n-2]
		switch key[n-1] {
		case 'i', 'I':
			return segment{op: opRequestHeader, name: http.CanonicalHeaderKey(name), raw: name}, true
		case 'o', 'O':
			return segment{op: opResponseHeader, name: http.CanonicalHeaderKey(name), raw: name}, true
		case 'e', 'E':
			if get := resolve(environ, name); get != nil {
				return segment{op: opEnviron, raw: name, environ: get}, true
			}
			return segment{op: opLiteral, text: "-"}, true
		}
	}
	return segment{op: opLiteral, text: "-"}, false
}
