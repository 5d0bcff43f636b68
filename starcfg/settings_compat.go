package starcfg

import (
	"fmt"
	"slices"
)

// secCompat is the section of gunicorn settings gocorn accepts and ignores.
const secCompat = "Accepted from gunicorn and ignored"

// init shows the section last in -h and the docs.
func init() { sectionOrder = append(sectionOrder, secCompat) }

// httpParsers are gunicorn's http_parser values.
var httpParsers = []string{"auto", "fast", "python"}

// compatSettings are gunicorn settings that mean nothing in Go: gocorn
// accepts them, so that a gunicorn command line or a systemd unit keeps
// working as it is moved over, and warns once when one is set to anything
// but its default (see Config.IgnoredSettings).
var compatSettings = []*setting{
	{
		name: "ssl_version", flags: []string{"ssl-version"}, metavar: "STRING",
		typ: typeString, def: "TLS", section: secCompat, reloadable: true,
		ignored: "gunicorn deprecated it and ignores it too; the oldest TLS version accepted is tls_min_version",
		help: "gunicorn's deprecated choice of an SSL protocol version (PROTOCOL_TLS). Ignored: " +
			"use tls_min_version.",
		field: func(c *Config) any { return &c.SSLVersion },
	},
	{
		name: "do_handshake_on_connect", flags: []string{"do-handshake-on-connect"},
		typ: typeBool, def: false, section: secCompat, reloadable: true,
		ignored: "workers always finish the TLS handshake before reading a request",
		help: "Python's ssl option to handshake at accept time. Ignored: gocorn always " +
			"completes the handshake (within header_timeout) before it reads the request, " +
			"without holding up other connections.",
		field: func(c *Config) any { return &c.DoHandshakeOnConnect },
	},
	{
		name: "suppress_ragged_eofs", flags: []string{"suppress-ragged-eofs"},
		typ: typeBool, def: true, section: secCompat, reloadable: true,
		ignored: "a client that closes without a TLS close_notify is treated as gone, as with it",
		help: "Python's ssl option to treat a connection closed without close_notify as an " +
			"end of file. Ignored: that is what gocorn does.",
		field: func(c *Config) any { return &c.SuppressRaggedEOFs },
	},
	{
		name: "http_parser", flags: []string{"http-parser"}, metavar: "STRING",
		typ: typeString, def: "auto", check: checkHTTPParser, section: secCompat, reloadable: true,
		ignored: "gocorn has one HTTP/1 parser (server/h1), which follows gunicorn's rules",
		help: "gunicorn's choice between its C and Python HTTP/1 parsers (auto, fast, python). " +
			"Ignored: gocorn has one parser, with gunicorn's rules (docs/http-parsing.md).",
		field: func(c *Config) any { return &c.HTTPParser },
	},
	{
		name: "tmp_upload_dir", flags: []string{"tmp-upload-dir"}, metavar: "DIR",
		typ: typeOptString, def: "", section: secCompat, reloadable: true,
		ignored: "gunicorn documents it but never uses it; request bodies reach the handler as a stream",
		help: "Documented by gunicorn but unused by its code. Ignored likewise: a handler reads " +
			"r.Body as a stream and decides itself where an upload goes.",
		field: func(c *Config) any { return &c.TmpUploadDir },
	},
}

func checkHTTPParser(v any, _ *checkContext) (any, error) {
	s := v.(string)
	if slices.Contains(httpParsers, s) {
		return s, nil
	}
	return nil, fmt.Errorf("%q is not an HTTP parser (want %s)%s", s, orList(httpParsers), didYouMean(s, httpParsers))
}
