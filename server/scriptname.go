package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gocorn/gocorn/server/h1"
	"github.com/gocorn/gocorn/server/proxy"
)

// This file is the mount prefix: gunicorn's SCRIPT_NAME, for an
// application served under a path such as /app of a site whose proxy
// passes /app/... to gocorn. A handler sees the path below the prefix, as
// behind http.StripPrefix, and reads the prefix with ScriptName to build
// its links.

// ScriptName is the path prefix the request's application is mounted at,
// gunicorn's SCRIPT_NAME: "" at the root. It comes, in this order, from
// the SCRIPT_NAME header of a trusted proxy (forwarded_allow_ips and
// forwarder_headers), from Options.RootPath (root_path), or from
// Options.ScriptName (the SCRIPT_NAME environment variable). It is
// written as in the URL, percent-escapes and all, without a trailing
// slash: prepend it to the escaped paths of the links a handler builds.
// Below it, r.URL.Path (and RawPath) hold the rest of the path, which is
// "/" for the prefix itself, so that ScriptName(r) + r.URL.EscapedPath()
// is the path the client asked for, but for that trailing slash; a path
// that reached a root_path without it (its proxy took it off) is left as
// it came, and ScriptName is still the prefix its links need.
func ScriptName(r *http.Request) string {
	name, _ := r.Context().Value(mountKey{}).(string)
	return name
}

// mountKey is the context key of a request's mount prefix.
type mountKey struct{}

// mount takes the mount prefix off each request's path (see ScriptName).
type mount struct {
	rootPath   string // Options.RootPath, without trailing slashes
	scriptName string // Options.ScriptName, likewise
	log        *slog.Logger
}

func newMount(o Options) *mount {
	return &mount{rootPath: trimSlashes(o.RootPath), scriptName: trimSlashes(o.ScriptName), log: o.ErrorLog}
}

// handler serves with next each request within its mount prefix, the
// prefix taken off its path. A request outside a SCRIPT_NAME prefix goes
// to refuse instead, which answers as gunicorn does; outside root_path it
// goes to next unchanged, as under gunicorn's ASGI worker, which hands
// root_path to the application without checking the path, for a proxy
// that strips the prefix itself. Requests whose target is not a path
// (OPTIONS *, CONNECT) are not under any prefix and pass unchanged.
func (m *mount) handler(next, refuse http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, strict := m.prefix(r)
		if name == "" || !strings.HasPrefix(r.URL.Path, "/") {
			next.ServeHTTP(w, r)
			return
		}
		u, ok := strip(r.URL, name)
		if !ok && strict {
			refuse.ServeHTTP(w, r)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), mountKey{}, name))
		if ok {
			r.URL = u
		}
		next.ServeHTTP(w, r)
	})
}

// prefix is the request's mount prefix and whether its path must be under
// it. A trusted proxy's SCRIPT_NAME header comes first, even empty (the
// proxy says the application is at the root), as in gunicorn; trust is
// checked here too, since header_map = "dangerous" lets anyone's underscore
// headers through and HTTP/2 has no header_map at all. Then root_path,
// then the SCRIPT_NAME environment variable, gunicorn's fallback.
func (m *mount) prefix(r *http.Request) (name string, strict bool) {
	if vs := r.Header["Script_name"]; len(vs) > 0 && proxy.Trusted(r) {
		return trimSlashes(vs[len(vs)-1]), true // the last one, as gunicorn takes it
	}
	if m.rootPath != "" {
		return m.rootPath, false
	}
	return m.scriptName, true
}

// refuse answers a request outside its SCRIPT_NAME as gunicorn does: a
// 500 page saying "Configuration problem", since the proxy and gocorn
// disagree on where the application is mounted, and a warning in the
// error log.
func (m *mount) refuse(w http.ResponseWriter, r *http.Request) {
	name, _ := m.prefix(r)
	msg := fmt.Sprintf("Configuration problem: Request path %s does not start with SCRIPT_NAME %s",
		h1.Repr([]byte(r.URL.EscapedPath())), h1.Repr([]byte(name)))
	if m.log != nil {
		host, _ := remote(r)
		m.log.Warn(fmt.Sprintf("Invalid request from ip=%s: %s", host, msg))
	}
	h1.ServeErrorPage(w, http.StatusInternalServerError, msg)
}

// strip takes prefix off u's path as the client sent it (the escaped
// path), where a path segment ends: /app covers /app and /app/x, not
// /application nor /app%2Fx. The rest keeps its escaping in RawPath when
// the path had one; the prefix itself leaves "/".
func strip(u *url.URL, prefix string) (*url.URL, bool) {
	rest, ok := strings.CutPrefix(u.EscapedPath(), prefix)
	if !ok || rest != "" && rest[0] != '/' {
		return nil, false
	}
	if rest == "" {
		rest = "/"
	}
	path, err := url.PathUnescape(rest)
	if err != nil {
		return nil, false // not from a path net/http parsed
	}
	v := *u
	v.Path, v.RawPath = path, ""
	if u.RawPath != "" {
		v.RawPath = rest
	}
	return &v, true
}

// trimSlashes drops a prefix's trailing slashes: /app/ mounts as /app,
// and / as the root.
func trimSlashes(prefix string) string { return strings.TrimRight(prefix, "/") }
