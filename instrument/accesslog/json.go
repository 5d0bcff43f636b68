package accesslog

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"
)

// JSON is the access_log_format that writes one JSON object per line
// instead of a %-format, for log pipelines that parse JSON: a printf
// format that looks like JSON is broken by the first quote a client puts
// in a header. Every line has the same keys, in this order; a value the
// request does not have is null:
//
//	time         RFC 3339 with milliseconds, in Entry.Time's location    (t)
//	request_id   a trusted proxy's id (Entry.RequestID), else generated  ({x-request-id}i)
//	remote_addr  the client's address, without port                      (h)
//	peer         the socket's peer, with port (a proxy, when one is in front)
//	user         the user of a Basic Authorization header                (u)
//	method       the request method                                      (m)
//	scheme       "https" or "http", as trusted proxies leave it           ({wsgi.url_scheme}e)
//	host         the Host header                                         ({http_host}e)
//	uri          the request target as sent, query included              ({raw_uri}e, inside r)
//	path         the path below any mount prefix, decoded                (U)
//	query        the query string                                        (q)
//	protocol     HTTP/1.1, HTTP/2.0 ...                                  (H)
//	status       the status code, a number                               (s)
//	bytes        body bytes sent, a number                               (B)
//	duration_ms  milliseconds with 3 decimals (microseconds)             (D / 1000)
//	referer      the Referer header, repeated ones joined by ","         (f)
//	user_agent   the User-Agent header, likewise                         (a)
//	pid          the worker's process id, a number                       (p without <>)
//
// A generated request_id is 32 hex digits (the shape of a W3C trace id):
// 16 random ones per worker process, then a counter of that process's
// lines, so ids are unique across workers and restarts without a lock.
// It names the line; the handler never sees it.
//
// Strings are escaped so that no byte sequence from a client can end the
// string, the object or the line: `"` and `\` are backslash-escaped,
// control characters (C0, DEL and C1) and U+2028 and U+2029 are written
// as \n, \r, \t or \u00XX, and a byte that is not part of valid UTF-8 is
// written as the four characters \xNN (a JSON "\\xNN"), which keeps its
// value where U+FFFD would lose it. Other UTF-8 is copied as it is.
const JSON = "json"

// jsonTimeLayout is RFC 3339 with milliseconds.
const jsonTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// appendLine appends e's JSON line, followed by "\n", to dst.
func (ids *requestIDs) appendLine(dst []byte, e *Entry) []byte {
	req := e.Request
	dst = append(dst, `{"time":"`...)
	dst = e.time().AppendFormat(dst, jsonTimeLayout)
	dst = append(dst, `","request_id":"`...)
	if e.RequestID != "" {
		dst = appendJSONEscaped(dst, e.RequestID)
	} else {
		dst = ids.append(dst)
	}
	dst = append(dst, `","remote_addr":`...)
	if req != nil {
		dst = appendJSONOrNull(dst, remoteHost(req.RemoteAddr))
	} else {
		dst = appendNull(dst)
	}
	dst = append(dst, `,"peer":`...)
	dst = appendJSONAddr(dst, e.Peer)
	dst = append(dst, `,"user":`...)
	var buf [userBuf]byte
	if name, ok := basicUser(req, &buf); ok {
		dst = appendJSONString(dst, unsafe.String(unsafe.SliceData(name), len(name)))
	} else {
		dst = appendNull(dst)
	}
	dst = appendJSONRequest(dst, e)
	dst = append(dst, `,"status":`...)
	dst = strconv.AppendInt(dst, int64(e.Status), 10)
	dst = append(dst, `,"bytes":`...)
	if e.BodyBytes < 0 {
		dst = appendNull(dst)
	} else {
		dst = strconv.AppendInt(dst, e.BodyBytes, 10)
	}
	d := nonNegative(e.Duration)
	dst = append(dst, `,"duration_ms":`...)
	dst = appendFrac(dst, int64(d/time.Millisecond), int64(d%time.Millisecond/time.Microsecond), 3)
	dst = append(dst, `,"referer":`...)
	dst = appendJSONJoined(dst, req, "Referer")
	dst = append(dst, `,"user_agent":`...)
	dst = appendJSONJoined(dst, req, "User-Agent")
	dst = append(dst, `,"pid":`...)
	dst = strconv.AppendInt(dst, int64(e.PID), 10)
	return append(dst, "}\n"...)
}

// appendJSONRequest appends the keys that describe the request itself,
// from method to protocol, each null without a request.
func appendJSONRequest(dst []byte, e *Entry) []byte {
	req := e.Request
	dst = append(dst, `,"method":`...)
	if req == nil {
		dst = appendNull(dst)
	} else {
		dst = appendJSONString(dst, req.Method)
	}
	dst = append(dst, `,"scheme":`...)
	dst = appendJSONOrNull(dst, e.Scheme)
	if req == nil {
		return append(dst, `,"host":null,"uri":null,"path":null,"query":null,"protocol":null`...)
	}
	dst = append(dst, `,"host":`...)
	dst = appendJSONOrNull(dst, req.Host)
	dst = append(dst, `,"uri":`...)
	dst = appendJSONString(dst, requestTarget(req))
	dst = append(dst, `,"path":`...)
	dst = appendJSONString(dst, req.URL.Path)
	dst = append(dst, `,"query":`...)
	dst = appendJSONString(dst, req.URL.RawQuery)
	dst = append(dst, `,"protocol":`...)
	return appendJSONString(dst, req.Proto)
}

func appendNull(dst []byte) []byte { return append(dst, "null"...) }

// appendJSONOrNull appends s as a JSON string, or null when it is empty.
func appendJSONOrNull(dst []byte, s string) []byte {
	if s == "" {
		return appendNull(dst)
	}
	return appendJSONString(dst, s)
}

// appendJSONAddr appends a peer address as a string ("10.0.0.1:4242",
// "[::1]:4242", a unix socket's name), or null.
func appendJSONAddr(dst []byte, a net.Addr) []byte {
	switch a := a.(type) {
	case nil:
		return appendNull(dst)
	case *net.TCPAddr:
		// An IPv4 peer of a dual-stack socket shows as itself, as in
		// TCPAddr.String.
		ap := a.AddrPort()
		dst = append(dst, '"')
		dst = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).AppendTo(dst)
		return append(dst, '"')
	case *net.UnixAddr:
		return appendJSONString(dst, a.Name)
	}
	return appendJSONString(dst, a.String())
}

// appendJSONJoined appends every value of a request header joined by ","
// as one string, or null when the request has none.
func appendJSONJoined(dst []byte, req *http.Request, canon string) []byte {
	if req == nil || len(req.Header[canon]) == 0 {
		return appendNull(dst)
	}
	dst = append(dst, '"')
	for i, v := range req.Header[canon] {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONEscaped(dst, v)
	}
	return append(dst, '"')
}

// appendJSONString appends s as a JSON string, quotes included.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSONEscaped(dst, s)
	return append(dst, '"')
}

// jsonPlain marks the ASCII bytes copied into a JSON string as they are.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONEscaped appends s escaped for the inside of a JSON string
// (see JSON for the rules).
func appendJSONEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendJSONControl(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		case r <= 0x9f || r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = appendUnicodeEscape(dst, r)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

// appendJSONControl escapes an ASCII byte that is not copied as it is.
func appendJSONControl(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return appendUnicodeEscape(dst, rune(c))
}

// appendUnicodeEscape appends \uXXXX for r, which is in the BMP.
func appendUnicodeEscape(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
