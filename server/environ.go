package server

import (
	"net"
	"net/http"
	"strings"

	"github.com/gocorn/gocorn/server/proxy"
)

// Environ is the request as gunicorn's WSGI environ names it, which is
// what a gunicorn user's post_request hook and access-log format ask for:
// the CGI variables (REQUEST_METHOD, PATH_INFO, REMOTE_ADDR, ...),
// RAW_URI, wsgi.url_scheme, and every header as HTTP_* (upper case, "-"
// as "_"; repeated headers joined with ","), except Content-Type and
// Content-Length, which are CONTENT_TYPE and CONTENT_LENGTH.
func Environ(r *http.Request) map[string]string {
	env := make(map[string]string, 16+len(r.Header))
	scheme := proxy.Scheme(r)
	remoteHost, remotePort, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		remoteHost, remotePort = "", "" // a unix socket's peer has neither
	}
	serverName, serverPort := splitHost(r.Host, scheme)
	env["REQUEST_METHOD"] = r.Method
	env["SCRIPT_NAME"] = ""
	env["PATH_INFO"] = r.URL.Path
	env["QUERY_STRING"] = r.URL.RawQuery
	env["RAW_URI"] = rawURI(r)
	env["SERVER_PROTOCOL"] = r.Proto
	env["SERVER_NAME"] = serverName
	env["SERVER_PORT"] = serverPort
	env["REMOTE_ADDR"] = remoteHost
	env["REMOTE_PORT"] = remotePort
	env["wsgi.url_scheme"] = scheme
	if r.Host != "" {
		env["HTTP_HOST"] = r.Host
	}
	for name, values := range r.Header {
		value := strings.Join(values, ",")
		switch key := environKey(name); key {
		case "HTTP_CONTENT_TYPE":
			env["CONTENT_TYPE"] = value
		case "HTTP_CONTENT_LENGTH":
			env["CONTENT_LENGTH"] = value
		case "HTTP_HOST":
			if r.Host == "" {
				env[key] = value
			}
		default:
			env[key] = value
		}
	}
	return env
}

// rawURI is the request target as the client sent it.
func rawURI(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// environKey is "HTTP_" + the header name in upper case with "-" as "_".
func environKey(name string) string {
	b := make([]byte, 0, 5+len(name))
	b = append(b, "HTTP_"...)
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-':
			c = '_'
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// splitHost splits a Host header into SERVER_NAME and SERVER_PORT, with
// the scheme's default port when it names none.
func splitHost(hostport, scheme string) (string, string) {
	if host, port, err := net.SplitHostPort(hostport); err == nil {
		return host, port
	}
	if scheme == "https" {
		return hostport, "443"
	}
	return hostport, "80"
}
