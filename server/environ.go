package server

import (
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/gocorn/gocorn/server/proxy"
)

// Environ is the request as gunicorn's WSGI environ names it, which is
// what a gunicorn user's post_request hook and access-log format ask for:
// the CGI variables (REQUEST_METHOD, PATH_INFO, REMOTE_ADDR, ...),
// RAW_URI, wsgi.url_scheme, and every header as HTTP_* (upper case, "-"
// as "_"; repeated headers joined with ","), except Content-Type and
// Content-Length, which are CONTENT_TYPE and CONTENT_LENGTH.
//
// EnvironValue reads one variable without building the map; both come
// from the same definitions, so the hooks and the access log agree.
func Environ(r *http.Request) map[string]string {
	env := make(map[string]string, len(requestVars)+len(r.Header))
	for _, v := range requestVars {
		if s, ok := v.get(r); ok {
			env[v.key] = s
		}
	}
	for name := range r.Header {
		if !isHeaderVar(name) {
			continue
		}
		key := environKey(name)
		if _, done := env[key]; !done {
			env[key], _ = headerVar(r, key)
		}
	}
	return env
}

// EnvironValue is the variable name of Environ(r), read without building
// the map: what the access log's %({name}e)s prints. The name matches in
// any case, as gunicorn's access log matches it (it lower-cases both
// sides). ok is false when the request has no such variable: a header it
// did not send, CONTENT_TYPE without a body, or a name that is not one of
// the environ's.
func EnvironValue(r *http.Request, name string) (value string, ok bool) {
	get := environVar(name)
	if get == nil {
		return "", false
	}
	return get(r)
}

// environVar resolves a variable name, in any case, to the function that
// reads it from a request, so that a caller that asks for the same name
// on every request (the access log) resolves it once. It is nil for a
// name that is not one of the environ's.
func environVar(name string) func(*http.Request) (string, bool) {
	for _, v := range requestVars {
		if strings.EqualFold(v.key, name) {
			return v.get
		}
	}
	if len(name) > len("HTTP_") && strings.EqualFold(name[:len("HTTP_")], "HTTP_") {
		return func(r *http.Request) (string, bool) { return headerVar(r, name) }
	}
	return nil
}

// requestVar is an environ variable that is not an HTTP_* header: its
// key and how a request gives its value (false: the request has none).
type requestVar struct {
	key string
	get func(*http.Request) (string, bool)
}

// requestVars are the environ's variables other than the HTTP_* headers.
var requestVars = []requestVar{
	{"REQUEST_METHOD", always(func(r *http.Request) string { return r.Method })},
	{"SCRIPT_NAME", always(ScriptName)},
	{"PATH_INFO", always(func(r *http.Request) string { return r.URL.Path })},
	{"QUERY_STRING", always(func(r *http.Request) string { return r.URL.RawQuery })},
	{"RAW_URI", always(rawURI)},
	{"SERVER_PROTOCOL", always(func(r *http.Request) string { return r.Proto })},
	{"SERVER_NAME", always(func(r *http.Request) string { name, _ := serverHost(r); return name })},
	{"SERVER_PORT", always(func(r *http.Request) string { _, port := serverHost(r); return port })},
	{"REMOTE_ADDR", always(func(r *http.Request) string { host, _ := remote(r); return host })},
	{"REMOTE_PORT", always(func(r *http.Request) string { _, port := remote(r); return port })},
	{"wsgi.url_scheme", always(proxy.Scheme)},
	{"HTTP_HOST", host},
	{"CONTENT_TYPE", header("Content-Type")},
	{"CONTENT_LENGTH", header("Content-Length")},
}

// always adapts a value every request has.
func always(f func(*http.Request) string) func(*http.Request) (string, bool) {
	return func(r *http.Request) (string, bool) { return f(r), true }
}

// header is the variable of a header the environ names without HTTP_:
// its values joined with ",", if the request has it.
func header(canon string) func(*http.Request) (string, bool) {
	return func(r *http.Request) (string, bool) {
		vs, ok := r.Header[canon]
		return strings.Join(vs, ","), ok
	}
}

// host is HTTP_HOST: net/http moves the Host header into r.Host.
func host(r *http.Request) (string, bool) {
	if r.Host != "" {
		return r.Host, true
	}
	return header("Host")(r)
}

// rawURI is the request target as the client sent it.
func rawURI(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// remote splits r.RemoteAddr into REMOTE_ADDR and REMOTE_PORT; a unix
// socket's peer has neither.
func remote(r *http.Request) (host, port string) {
	host, port, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return "", ""
	}
	return host, port
}

// serverHost splits the Host header into SERVER_NAME and SERVER_PORT,
// with the scheme's default port when it names none.
func serverHost(r *http.Request) (name, port string) {
	if name, port, err := net.SplitHostPort(r.Host); err == nil {
		return name, port
	}
	if proxy.Scheme(r) == "https" {
		return r.Host, "443"
	}
	return r.Host, "80"
}

// isHeaderVar tells whether a header appears as an HTTP_* variable: Host,
// Content-Type and Content-Length have variables of their own.
func isHeaderVar(name string) bool {
	switch name {
	case "Host", "Content-Type", "Content-Length":
		return false
	}
	return true
}

// headerVar is the HTTP_* variable key (any case): the values of the
// headers whose names map to it, joined with ",", as gunicorn joins
// repeated headers. Names that differ only in "-" against "_" map to the
// same variable (a trusted proxy may send SCRIPT_NAME next to a
// Script-Name, see forwarder_headers); gunicorn joins them in the order
// they came, which net/http does not keep, so they are joined in the
// order of their names.
func headerVar(r *http.Request, key string) (string, bool) {
	var found string
	n := 0
	for name := range r.Header {
		if isHeaderVar(name) && keyOf(name, key) {
			found, n = name, n+1
		}
	}
	switch n {
	case 0:
		return "", false
	case 1:
		return strings.Join(r.Header[found], ","), true
	}
	var names, values []string
	for name := range r.Header {
		if isHeaderVar(name) && keyOf(name, key) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		values = append(values, r.Header[name]...)
	}
	return strings.Join(values, ","), true
}

// keyOf tells whether key, in any case, is environKey(name), without
// building it.
func keyOf(name, key string) bool {
	const prefix = "HTTP_"
	if len(key) != len(prefix)+len(name) || !strings.EqualFold(key[:len(prefix)], prefix) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if upperUnderscore(name[i]) != upperUnderscore(key[len(prefix)+i]) {
			return false
		}
	}
	return true
}

// environKey is "HTTP_" + the header name in upper case with "-" as "_".
func environKey(name string) string {
	b := make([]byte, 0, 5+len(name))
	b = append(b, "HTTP_"...)
	for i := 0; i < len(name); i++ {
		b = append(b, upperUnderscore(name[i]))
	}
	return string(b)
}

// upperUnderscore is c as an environ key spells it: upper case, "-" as
// "_".
func upperUnderscore(c byte) byte {
	switch {
	case c == '-':
		return '_'
	case 'a' <= c && c <= 'z':
		return c - ('a' - 'A')
	}
	return c
}
