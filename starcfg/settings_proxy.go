package starcfg

import (
	"fmt"
	"maps"
	"net/textproto"
	"net/url"
	"slices"
	"strings"

	"go.starlark.net/starlark"
)

// proxySettings are the table entries of trusted proxies and the PROXY protocol.
var proxySettings = []*setting{
	{
		name: "forwarded_allow_ips", flags: []string{"forwarded-allow-ips"}, metavar: "STRING",
		typ: typeList, def: []string{"127.0.0.1", "::1"}, check: checkAllowList,
		envDefault: "FORWARDED_ALLOW_IPS",
		defDoc:     `["127.0.0.1", "::1"], or $FORWARDED_ALLOW_IPS (comma-separated) when set`,
		section:    secMechanics, reloadable: true,
		help: "The proxies in front of gocorn whose X-Forwarded-For and secure_scheme_headers " +
			"are believed: IP addresses and CIDR prefixes (10.0.0.0/8), comma-separated or " +
			"with the flag repeated, or * for every peer. For a request from one of them, " +
			"X-Forwarded-For gives the client address (r.RemoteAddr, the echo app, the access " +
			"log's %(h)s) and the secure scheme headers the scheme (proxy.Scheme); from any " +
			"other peer those headers change nothing, so clients cannot spoof them. " +
			"X-Forwarded-For is read from the right, since each proxy appends the address it " +
			"received from: the last entry that is not on this list is the client, with port " +
			"0 unless the entry gave one. With * every peer's headers count but no entry is " +
			"taken for a proxy, so the client is the address the peer added itself; list your " +
			"proxies instead when there are several. Peers on unix sockets are always trusted, " +
			"as in gunicorn. After a PROXY protocol header, the peer checked is the client the " +
			"header names, not the balancer that sent it. A prefix with host " +
			"bits set (10.0.0.1/8) is an error. gunicorn uses the list for the scheme only and " +
			"never changes the client address.",
		field: func(c *Config) any { return &c.ForwardedAllowIPs },
	},
	{
		name: "secure_scheme_headers",
		typ:  typeDict, def: map[string]string{
			"X-FORWARDED-PROTOCOL": "ssl",
			"X-FORWARDED-PROTO":    "https",
			"X-FORWARDED-SSL":      "on",
		},
		check: checkSchemeHeaders, section: secMechanics, reloadable: true,
		help: "Headers by which a proxy in forwarded_allow_ips tells that the client used " +
			"HTTPS, each with the value that means so. A request carrying one of them is https " +
			"when its value matches exactly and http otherwise, even on a TLS socket; handlers " +
			"read the result with proxy.Scheme(r), and requests from other peers keep the " +
			"socket's own scheme. Names match in any case. Headers that disagree " +
			"(X-Forwarded-Proto: https with X-Forwarded-Ssl: off) get 400 Contradictory scheme " +
			"headers, as in gunicorn. Keep only the header your proxy sets, such as " +
			"{\"X-Forwarded-Proto\": \"https\"} behind nginx, so that a header the proxy passes " +
			"through unchanged from the client cannot decide the scheme; {} ignores them all.",
		field: func(c *Config) any { return &c.SecureSchemeHeaders },
	},
	{
		name: "proxy_protocol", flags: []string{"proxy-protocol"}, metavar: "MODE",
		typ: typeProxyProtocol, def: "off", section: secMechanics, reloadable: true,
		help: "Read a PROXY protocol header, as sent by HAProxy, AWS Network Load Balancers, " +
			"nginx's stream module and other TCP balancers, at the start of each connection: v1 (text), " +
			"v2 (binary) or auto (either); off reads none. True means auto and False off, and " +
			"gunicorn's spellings true, 1, false, 0 and none are accepted. The header is " +
			"optional, so health checks and clients that bypass the balancer still connect; " +
			"only peers in proxy_allow_ips may send one (others get 403), and a malformed one " +
			"gets 400. The client it names becomes the address of the connection for all its " +
			"requests (gunicorn: the first only), and it must arrive within the header timeout. " +
			"A bare --proxy-protocol means auto, as in gunicorn, and an APP argument after " +
			"it stays the APP argument (gunicorn takes it for the mode).",
		field: func(c *Config) any { return &c.ProxyProtocol },
	},
	{
		name: "proxy_allow_ips", flags: []string{"proxy-allow-from"}, metavar: "STRING",
		typ: typeList, def: []string{"127.0.0.1", "::1"}, check: checkAllowList,
		section: secMechanics, reloadable: true,
		help: "The peers allowed to send a PROXY protocol header: IP addresses and CIDR " +
			"prefixes, comma-separated or with the flag repeated, or * for every peer. A header " +
			"from any other peer is answered with 403 Request forbidden, so a client that " +
			"reaches gocorn around the balancer cannot pose as another address. Peers on unix " +
			"sockets are always allowed. Used only when proxy_protocol is on.",
		field: func(c *Config) any { return &c.ProxyAllowIPs },
	},
	{
		name: "root_path", flags: []string{"root-path"}, metavar: "STRING",
		typ: typeString, def: "", check: checkRootPath, section: secMechanics, reloadable: true,
		help: "The path prefix the application is mounted at, when a proxy serves it under a " +
			"path (example.com/app/... to gocorn). A request under it reaches the handler with " +
			"the prefix taken off r.URL.Path (/app/items as /items, /app itself as /), as " +
			"behind http.StripPrefix, and so do the access log's %(U)s and the environ's " +
			"PATH_INFO; the handler reads the prefix with server.ScriptName(r) to build its " +
			"links (SCRIPT_NAME in the access log and the hooks' environ). A request outside " +
			"it reaches the handler unchanged, for a proxy that strips the prefix itself. " +
			"Write it as clients send it, percent-escapes and all (/caf%C3%A9); a trailing " +
			"slash is ignored. A SCRIPT_NAME header from a trusted proxy (forwarder_headers) " +
			"overrides it for its request; without either, the SCRIPT_NAME environment " +
			"variable is the prefix, as in gunicorn, and there a path outside it gets 500. " +
			"gunicorn hands root_path to ASGI applications only (their scope's root_path), " +
			"whose frameworks take it off the path the same way.",
		field: func(c *Config) any { return &c.RootPath },
	},
}

// checkRootPath requires a path as a URL carries it, or "" for none: a
// leading slash, then characters a path holds as they are and %XX
// escapes, since it is compared with the path as clients send it. The
// trailing slash is dropped: /app/ mounts at /app, and / at the root.
func checkRootPath(v any, _ *checkContext) (any, error) {
	s := v.(string)
	if s == "" {
		return s, nil
	}
	if s[0] != '/' {
		return nil, fmt.Errorf("%q is not a path: it must start with /", s)
	}
	if !isEscapedPath(s) {
		return nil, fmt.Errorf("%q is not a path as clients send it: write %q", s, (&url.URL{Path: s}).EscapedPath())
	}
	return strings.TrimRight(s, "/"), nil
}

// isEscapedPath tells whether s holds only what RFC 3986 lets a path
// hold: unreserved characters, sub-delimiters, ':', '@', '/' and %XX
// escapes.
func isEscapedPath(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0:
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// checkAllowList splits comma-separated entries (the form of the flags and
// of FORWARDED_ALLOW_IPS) into one address or prefix per entry and parses
// them as the worker will, so a typo fails at load.
func checkAllowList(v any, _ *checkContext) (any, error) {
	out := []string{}
	for _, entry := range v.([]string) {
		for item := range strings.SplitSeq(entry, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	if _, err := ParseAllowList(out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkSchemeHeaders requires header names, no two of them the same
// header.
func checkSchemeHeaders(v any, _ *checkContext) (any, error) {
	seen := make(map[string]string)
	for _, name := range slices.Sorted(maps.Keys(v.(map[string]string))) {
		if !IsHeaderName(name) {
			return nil, fmt.Errorf("%q is not a header name", name)
		}
		canon := textproto.CanonicalMIMEHeaderKey(name)
		if other, dup := seen[canon]; dup {
			return nil, fmt.Errorf("%q and %q name the same header", other, name)
		}
		seen[canon] = name
	}
	return v, nil
}

// typeProxyProtocol is proxy_protocol's type: a mode as a string, or a
// bool (True is auto) as gunicorn allows. It is stored as the mode's name.
var typeProxyProtocol valueType = proxyProtocolType{}

type proxyProtocolType struct{}

func (proxyProtocolType) name() string { return "string or bool" }

func (proxyProtocolType) convert(v starlark.Value) (any, error) {
	var text string
	switch v := v.(type) {
	case starlark.Bool:
		if v {
			return proxyModes["auto"], nil
		}
		return proxyModes["off"], nil
	case starlark.NoneType:
		return proxyModes["off"], nil
	case starlark.Int:
		text = v.String()
	case starlark.String:
		text = string(v)
	default:
		return nil, wrongType(v, "string or bool")
	}
	return parseProxyMode(text)
}

func (proxyProtocolType) format(v any) string { return starlark.String(v.(string)).String() }
