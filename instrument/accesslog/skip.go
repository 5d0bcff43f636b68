package accesslog

import (
	"net/http"
	"strings"
)

// Skip is a list of paths whose successful requests are left out of the
// access log (access_log_skip_paths), so that load balancer and
// Kubernetes probes, often several a second per worker, do not drown the
// lines people read. An entry is an exact path ("/healthz") or, ending in
// "*", a prefix ("/health/*" matches "/health/live" and "/health/"). The
// path is the one the client sent, as the log's request line shows it
// (before any mount prefix is taken off, still percent-encoded, without
// the query), so an entry is written as the probe's URL says it.
//
// A response of 400 or more is always logged: a probe that starts failing
// is news.
//
// The zero Skip and a nil *Skip skip nothing.
type Skip struct {
	exact    map[string]bool
	prefixes []string
}

// NewSkip compiles entries, which starcfg has checked: each starts with
// "/", and "*" appears only at the end. Nil when there are none, so that
// a server without skip paths pays one nil check per request.
func NewSkip(entries []string) *Skip {
	if len(entries) == 0 {
		return nil
	}
	s := &Skip{exact: make(map[string]bool)}
	for _, e := range entries {
		if prefix, ok := strings.CutSuffix(e, "*"); ok {
			s.prefixes = append(s.prefixes, prefix)
		} else {
			s.exact[e] = true
		}
	}
	return s
}

// Skips tells whether the line of req, answered with status, is left out.
func (s *Skip) Skips(req *http.Request, status int) bool {
	if s == nil || req == nil || status >= 400 {
		return false
	}
	path := sentPath(req)
	if s.exact[path] {
		return true
	}
	for _, p := range s.prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// sentPath is the path of the request target as sent: origin-form up to
// the query, or for any other form (absolute URI, "*") the URL's path.
func sentPath(req *http.Request) string {
	target := req.RequestURI
	if !strings.HasPrefix(target, "/") {
		return req.URL.EscapedPath()
	}
	if i := strings.IndexByte(target, '?'); i >= 0 {
		return target[:i]
	}
	return target
}
