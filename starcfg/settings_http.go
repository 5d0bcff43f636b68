package starcfg

import (
	"fmt"
	"slices"
	"strings"
)

// headerMaps are the header_map values, gunicorn's names.
var headerMaps = []string{"drop", "refuse", "dangerous"}

// httpSettings are the table entries of request parsing, limits and timeouts.
var httpSettings = []*setting{
	// Security: slow and silent clients.
	{
		name: "header_timeout", flags: []string{"header-timeout"}, metavar: "INT",
		typ: typeInt, def: 10, section: secSecurity, reloadable: true,
		help: "Seconds a client has to send a whole request head (the request line and " +
			"headers), counted from when the worker accepts the connection (or, on a " +
			"kept-alive connection, from the first byte of the next request); the TLS " +
			"handshake counts too. A client that is slower gets 408 Request Timeout and is " +
			"disconnected; one that sent nothing is disconnected without a response. This is what stops slowloris clients, which trickle " +
			"their headers to hold connections open: gunicorn has no such timeout and " +
			"needs a buffering proxy in front. A request head is a few hundred bytes that " +
			"a real client sends at once, so 10 seconds only ever cuts off clients that " +
			"are broken or hostile, even on slow mobile networks. 0 turns the timeout off. " +
			"A gocorn setting.",
		field: func(c *Config) any { return &c.HeaderTimeout },
	},
	{
		name: "body_timeout", flags: []string{"body-timeout"}, metavar: "INT",
		typ: typeInt, def: 20, section: secSecurity, reloadable: true,
		help: "Seconds the handler waits for each read of the request body before the read " +
			"fails and the connection is closed. It bounds a stalled upload, not a long one: " +
			"every read that receives data starts the count again, so a large upload at any " +
			"steady speed passes. The default leaves TCP time to recover from several lost " +
			"packets (its retransmissions back off 1, 2, 4, 8 seconds) and stays below the " +
			"default timeout of 30, so a stalled client is dropped before the master takes the " +
			"worker for hung. A client that trickles its body slowly but steadily is not " +
			"stopped: a sync worker then stays busy for it, as in gunicorn. 0 turns the " +
			"timeout off. A gocorn setting.",
		field: func(c *Config) any { return &c.BodyTimeout },
	},
	{
		name: "write_timeout", flags: []string{"write-timeout"}, metavar: "INT",
		typ: typeInt, def: 20, section: secSecurity, reloadable: true,
		help: "Seconds a write of the response may wait for the client to read, before the " +
			"connection is closed and the handler's write fails. Writes are made in pieces of " +
			"at most 64 KiB, each with its own deadline, so a long download or an endless " +
			"stream runs as long as the client keeps reading, while a client that stops " +
			"reading is dropped. Default as body_timeout, for the same reasons. A handler " +
			"that sets its own write deadline (http.ResponseController.SetWriteDeadline) " +
			"replaces this one until its request ends. HTTP/2 connections use it as their " +
			"write byte timeout. 0 turns the timeout off. A gocorn setting.",
		field: func(c *Config) any { return &c.WriteTimeout },
	},

	// Security: how strictly request heads are read (server/h1).
	{
		name: "permit_obsolete_folding", flags: []string{"permit-obsolete-folding"},
		typ: typeBool, def: false, section: secSecurity, reloadable: true,
		help: "Accept a header value continued on the next line (obs-fold: a line that starts " +
			"with a space or a tab), joining the parts with a space. Off by default, as in " +
			"gunicorn, and such a request gets 400: RFC 9112 made folding obsolete, no current " +
			"client sends it, and a proxy and a server that read it differently see different " +
			"headers, which is how requests are smuggled past proxies.",
		field: func(c *Config) any { return &c.PermitObsoleteFolding },
	},
	{
		name: "strip_header_spaces", flags: []string{"strip-header-spaces"},
		typ: typeBool, def: false, section: secSecurity, reloadable: true,
		help: "Accept spaces or tabs between a header name and its colon (\"Name : value\"), " +
			"removing them. Off by default, as in gunicorn, which deprecates it, and such a " +
			"request gets 400: RFC 9112 forbids that whitespace because a proxy that keeps " +
			"the name with its space and a server that strips it disagree on which header " +
			"was sent.",
		field: func(c *Config) any { return &c.StripHeaderSpaces },
	},
	{
		name: "permit_unconventional_http_method", flags: []string{"permit-unconventional-http-method"},
		typ: typeBool, def: false, section: secSecurity, reloadable: true,
		help: "Accept any token (RFC 9110) as the request method. By default, as in gunicorn, " +
			"a method must also be upper case, without '#', and 3 to 20 bytes long, as every " +
			"registered method is: anything else comes from a broken client or a probe far " +
			"more often than from a real extension method, and gets 400.",
		field: func(c *Config) any { return &c.PermitUnconventionalHTTPMethod },
	},
	{
		name: "permit_unconventional_http_version", flags: []string{"permit-unconventional-http-version"},
		typ: typeBool, def: false, section: secSecurity, reloadable: true,
		help: "Accept an HTTP version outside 1.0 to 1.9 in the request line (HTTP/0.9, " +
			"HTTP/2.0, ...). Off by default, as in gunicorn, and such a request gets 400. When " +
			"on, the handler sees HTTP/1.0 for versions below 1.0 and HTTP/1.1 for 2.0 and " +
			"above, since this is an HTTP/1 connection whatever its request line says.",
		field: func(c *Config) any { return &c.PermitUnconventionalHTTPVersion },
	},
	{
		name: "casefold_http_method", flags: []string{"casefold-http-method"},
		typ: typeBool, def: false, section: secSecurity, reloadable: true,
		help: "Upper-case the request method before the handler sees it (get becomes GET). " +
			"Off by default, as in gunicorn, which deprecates it: methods are case-sensitive " +
			"(RFC 9110), and a server that folds them treats differently from its proxy a " +
			"request the proxy let through. Lower-case methods also need " +
			"permit_unconventional_http_method.",
		field: func(c *Config) any { return &c.CasefoldHTTPMethod },
	},
	{
		name: "header_map", flags: []string{"header-map"}, metavar: "STRING",
		typ: typeString, def: "drop", check: checkHeaderMap, section: secSecurity, reloadable: true,
		help: "What becomes of a header whose name contains an underscore: drop discards it " +
			"silently (its bytes still count against the limits), refuse answers 400, " +
			"dangerous keeps it. Under gunicorn's WSGI, X_Forwarded_For and X-Forwarded-For " +
			"both become HTTP_X_FORWARDED_FOR, so a client could send again, underscored, a " +
			"header its proxy removed; gocorn keeps gunicorn's default so that applications " +
			"and middleware that fold names the same way stay safe. Names in " +
			"forwarder_headers sent by a trusted peer are kept whatever this says.",
		field: func(c *Config) any { return &c.HeaderMap },
	},
	{
		name: "forwarder_headers", flags: []string{"forwarder-headers"}, metavar: "STRING",
		typ: typeString, def: "SCRIPT_NAME,PATH_INFO", check: checkForwarderHeaders,
		section: secSecurity, reloadable: true,
		help: "Header names with underscores that a trusted peer (see forwarded_allow_ips; " +
			"a unix socket peer is trusted) may send whatever header_map says: a " +
			"comma-separated list, any case, * for any name. SCRIPT_NAME mounts the " +
			"application under the path prefix it gives, for its request, as in gunicorn: " +
			"the handler sees r.URL.Path below the prefix and reads the prefix with " +
			"server.ScriptName(r) (see root_path, which it overrides), and a path outside " +
			"it gets 500 Configuration problem. Only a trusted peer's SCRIPT_NAME counts, " +
			"even when header_map keeps everyone's. Other names, PATH_INFO included, only " +
			"reach the handler as headers (r.Header[\"Path_info\"]), as they reach a " +
			"gunicorn application as HTTP_* variables.",
		field: func(c *Config) any { return &c.ForwarderHeaders },
	},
}

// checkHeaderMap accepts the header_map values.
func checkHeaderMap(v any, _ *checkContext) (any, error) {
	s := v.(string)
	if slices.Contains(headerMaps, s) {
		return s, nil
	}
	return nil, fmt.Errorf("%q is not a header map (want %s)%s", s, orList(headerMaps), didYouMean(s, headerMaps))
}

// checkForwarderHeaders requires a comma list of header names (or *) and
// stores it upper-cased, without spaces, as gunicorn compares names.
func checkForwarderHeaders(v any, _ *checkContext) (any, error) {
	var names []string
	for n := range strings.SplitSeq(v.(string), ",") {
		n = strings.ToUpper(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		if n != "*" && !isHeaderToken(n) {
			return nil, fmt.Errorf("%q is not a header name", n)
		}
		names = append(names, n)
	}
	return strings.Join(names, ","), nil
}

// isHeaderToken tells whether s is an RFC 9110 token, as header names are.
func isHeaderToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
