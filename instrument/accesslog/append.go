package accesslog

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// timeLayout is gunicorn's "[%d/%b/%Y:%H:%M:%S %z]".
const timeLayout = "[02/Jan/2006:15:04:05 -0700]"

// Append appends the line for e, followed by "\n", to dst and returns the
// extended buffer. Reusing dst across requests keeps logging free of
// allocations; hand the result to the destination in one Write.
func (f *Format) Append(dst []byte, e *Entry) []byte {
	if f.json != nil {
		return f.json.appendLine(dst, e)
	}
	req := e.Request
	for i := range f.segs {
		s := &f.segs[i]
		switch s.op {
		case opLiteral:
			dst = append(dst, s.text...)
		case opRemoteHost:
			if req == nil {
				dst = append(dst, '-')
			} else {
				dst = appendOrDash(dst, remoteHost(req.RemoteAddr))
			}
		case opUser:
			dst = appendUser(dst, req)
		case opTime:
			dst = e.time().AppendFormat(dst, timeLayout)
		case opRequestLine:
			dst = appendRequestLine(dst, req)
		case opStatus:
			dst = strconv.AppendInt(dst, int64(e.Status), 10)
		case opMethod:
			dst = appendReqString(dst, req, func(r *http.Request) string { return r.Method })
		case opPath:
			dst = appendReqString(dst, req, func(r *http.Request) string { return r.URL.Path })
		case opQuery:
			dst = appendReqString(dst, req, func(r *http.Request) string { return r.URL.RawQuery })
		case opProto:
			dst = appendReqString(dst, req, func(r *http.Request) string { return r.Proto })
		case opBytes:
			if e.BodyBytes < 0 {
				dst = append(dst, '-')
			} else {
				dst = strconv.AppendInt(dst, e.BodyBytes, 10)
			}
		case opReferer:
			dst = appendJoinedHeader(dst, req, "Referer")
		case opUserAgent:
			dst = appendJoinedHeader(dst, req, "User-Agent")
		case opSeconds:
			dst = strconv.AppendInt(dst, int64(nonNegative(e.Duration)/time.Second), 10)
		case opMillis:
			dst = strconv.AppendInt(dst, int64(nonNegative(e.Duration)/time.Millisecond), 10)
		case opMicros:
			dst = strconv.AppendInt(dst, int64(nonNegative(e.Duration)/time.Microsecond), 10)
		case opSecondsFrac:
			dst = appendSecondsFrac(dst, nonNegative(e.Duration))
		case opPID:
			dst = append(dst, '<')
			dst = strconv.AppendInt(dst, int64(e.PID), 10)
			dst = append(dst, '>')
		case opRequestHeader:
			var h http.Header
			if req != nil {
				h = req.Header
			}
			dst = appendHeader(dst, h, s.name, s.raw)
		case opResponseHeader:
			dst = appendHeader(dst, e.ResponseHeader, s.name, s.raw)
		case opEnviron:
			dst = appendEnviron(dst, req, s.environ)
		}
	}
	return append(dst, '\n')
}

// time is when the response finished: Time, or now.
func (e *Entry) time() time.Time {
	if e.Time.IsZero() {
		return time.Now()
	}
	return e.Time
}

func nonNegative(d time.Duration) time.Duration {
	return max(d, 0)
}

// appendSecondsFrac appends d as seconds with six decimals ("%d.%06d").
func appendSecondsFrac(dst []byte, d time.Duration) []byte {
	return appendFrac(dst, int64(d/time.Second), int64(d%time.Second/time.Microsecond), 6)
}

// appendFrac appends whole, a point and frac as exactly digits digits.
func appendFrac(dst []byte, whole, frac int64, digits int) []byte {
	dst = strconv.AppendInt(dst, whole, 10)
	dst = append(dst, '.')
	div := int64(1)
	for range digits - 1 {
		div *= 10
	}
	for ; div > 0; div /= 10 {
		dst = append(dst, byte('0'+frac/div%10))
	}
	return dst
}

// appendReqString appends an escaped request field, or "-" without a
// request. The field is printed even when empty, as gunicorn prints an
// empty QUERY_STRING.
func appendReqString(dst []byte, req *http.Request, field func(*http.Request) string) []byte {
	if req == nil {
		return append(dst, '-')
	}
	return appendEscaped(dst, field(req))
}

func appendRequestLine(dst []byte, req *http.Request) []byte {
	if req == nil {
		return append(dst, '-')
	}
	dst = appendEscaped(dst, req.Method)
	dst = append(dst, ' ')
	dst = appendEscaped(dst, requestTarget(req))
	dst = append(dst, ' ')
	return appendEscaped(dst, req.Proto)
}

// requestTarget is the target of the request line as the client sent it
// (RAW_URI); a request built in code has none, and gets its URL's.
func requestTarget(req *http.Request) string {
	if req.RequestURI != "" {
		return req.RequestURI
	}
	if req.URL != nil {
		return req.URL.RequestURI()
	}
	return ""
}

// remoteHost returns the host part of a "host:port" or "[v6]:port" address
// and anything else (a unix socket's "@", a bare IPv6 address) unchanged.
func remoteHost(addr string) string {
	if strings.HasPrefix(addr, "[") {
		if i := strings.LastIndex(addr, "]:"); i > 0 {
			return addr[1:i]
		}
		return addr
	}
	i := strings.LastIndexByte(addr, ':')
	if i < 0 || strings.IndexByte(addr[:i], ':') >= 0 {
		return addr
	}
	return addr[:i]
}

// appendUser appends the user name of a Basic Authorization header, or
// "-", as gunicorn does.
func appendUser(dst []byte, req *http.Request) []byte {
	var buf [userBuf]byte
	name, ok := basicUser(req, &buf)
	if !ok {
		return append(dst, '-')
	}
	return appendEscapedBytes(dst, name)
}

// userBuf is how many decoded bytes of credentials basicUser reads into
// its caller's buffer; longer ones are decoded on the heap.
const userBuf = 96

// basicUser is the user name of a Basic Authorization header: the
// decoded credentials up to the first ":". Like gunicorn it wants valid
// UTF-8, a ":" and a name before it; ok is false otherwise. Ordinary
// credentials are decoded into buf, so the name is a slice of it.
func basicUser(req *http.Request, buf *[userBuf]byte) (name []byte, ok bool) {
	if req == nil {
		return nil, false
	}
	vs := req.Header["Authorization"]
	if len(vs) == 0 {
		return nil, false
	}
	v := vs[0]
	if len(v) < 5 || !strings.EqualFold(v[:5], "basic") {
		return nil, false
	}
	sp := strings.IndexByte(v, ' ')
	if sp < 0 {
		return nil, false
	}
	enc := strings.TrimSpace(v[sp+1:])
	// Decode on the stack for ordinary credentials.
	var srcBuf [128]byte
	var src, out []byte
	if len(enc) <= len(srcBuf) {
		src = srcBuf[:copy(srcBuf[:], enc)]
		out = buf[:]
	} else {
		src = []byte(enc)
		out = make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
	}
	n, err := base64.StdEncoding.Decode(out, src)
	if err != nil {
		return nil, false
	}
	cred := out[:n]
	if !utf8.Valid(cred) {
		return nil, false
	}
	colon := bytes.IndexByte(cred, ':')
	if colon <= 0 { // no ":" or an empty user name
		return nil, false
	}
	return cred[:colon], true
}

// appendJoinedHeader appends every value of a request header joined by ","
// (gunicorn's WSGI environ folds repeated headers that way), or "-".
func appendJoinedHeader(dst []byte, req *http.Request, canon string) []byte {
	if req == nil {
		return append(dst, '-')
	}
	vs := req.Header[canon]
	if len(vs) == 0 {
		return append(dst, '-')
	}
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendEscaped(dst, v)
	}
	return dst
}

// appendHeader appends the last value of header canon, or "-".
func appendHeader(dst []byte, h http.Header, canon, raw string) []byte {
	v, ok := lastHeader(h, canon, raw)
	if !ok {
		return append(dst, '-')
	}
	return appendEscaped(dst, v)
}

// lastHeader is the last value of header canon (gunicorn builds a dict
// from the header list, so the last one wins). Handlers may store
// response headers under non-canonical keys by writing the map directly,
// so a miss falls back to a case-insensitive scan for raw.
func lastHeader(h http.Header, canon, raw string) (string, bool) {
	vs, ok := h[canon]
	if !ok {
		for k, v := range h {
			if strings.EqualFold(k, raw) {
				vs = v
				break
			}
		}
	}
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// appendEnviron appends an escaped {name}e value, which may be empty, or
// "-" when the request has no such variable.
func appendEnviron(dst []byte, req *http.Request, get EnvironFunc) []byte {
	if req == nil {
		return append(dst, '-')
	}
	v, ok := get(req)
	if !ok {
		return append(dst, '-')
	}
	return appendEscaped(dst, v)
}

func appendOrDash(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, '-')
	}
	return appendEscaped(dst, s)
}

const hexDigits = "0123456789abcdef"

// plain marks the bytes that are copied unescaped: printable ASCII except
// `"` and `\`.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendEscaped appends s with `"` and `\` backslash-escaped and control
// characters and bytes >= 0x7f written as \xNN, so that no value can end
// the line, end a quoted field or reach a terminal as an escape sequence.
func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		if plain[s[i]] {
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = appendEscapedByte(dst, s[i])
		start = i + 1
	}
	return append(dst, s[start:]...)
}

func appendEscapedBytes(dst, b []byte) []byte {
	for _, c := range b {
		if plain[c] {
			dst = append(dst, c)
		} else {
			dst = appendEscapedByte(dst, c)
		}
	}
	return dst
}

func appendEscapedByte(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	}
	return append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
}
