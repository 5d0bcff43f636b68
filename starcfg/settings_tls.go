package starcfg

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The sections of TLS and HTTP/2, gunicorn's names.
const (
	secSSL   = "SSL"
	secHTTP2 = "HTTP/2"
)

// init places the sections of this file after Security, so -h and the
// docs show them there without settings.go knowing of them.
func init() {
	at := slices.Index(sectionOrder, secSecurity) + 1
	sectionOrder = slices.Insert(sectionOrder, at, secSSL, secHTTP2)
}

// httpProtocols are the protocols http_protocols may list.
var httpProtocols = []string{"h1", "h2"}

// tlsSettings are the table entries of TLS and HTTP/2.
var tlsSettings = []*setting{
	// SSL.
	{
		name: "keyfile", flags: []string{"keyfile"}, metavar: "FILE",
		typ: typeOptString, def: "", check: checkPEMFile(pemKey), section: secSSL, reloadable: true,
		help: "The PEM file of the TLS private key. Setting keyfile or certfile turns TLS on " +
			"for every socket. A relative path is taken from where gocorn was started. The " +
			"master reads the file when it starts and on every HUP, and hands it to the workers, " +
			"so after renewing a certificate a HUP puts it in service, and the file may be " +
			"readable by root alone while workers run as another user (user). All workers share " +
			"TLS session ticket keys, which the master makes: a client resumes its session on " +
			"any worker, and after a HUP. A new key comes every day and each opens tickets for " +
			"a week, as crypto/tls does for a single server.",
		field: func(c *Config) any { return &c.Keyfile },
	},
	{
		name: "certfile", flags: []string{"certfile"}, metavar: "FILE",
		typ: typeOptString, def: "", check: checkPEMFile(pemCert), section: secSSL, reloadable: true,
		help: "The PEM file of the TLS certificate, followed by its intermediate certificates. " +
			"Without keyfile it must hold the private key too.",
		field: func(c *Config) any { return &c.Certfile },
	},
	{
		name: "ca_certs", flags: []string{"ca-certs"}, metavar: "FILE",
		typ: typeOptString, def: "", check: checkPEMFile(pemCert), section: secSSL, reloadable: true,
		help: "The PEM bundle of the certificate authorities that sign client certificates, " +
			"for cert_reqs.",
		field: func(c *Config) any { return &c.CACerts },
	},
	{
		name: "cert_reqs", flags: []string{"cert-reqs"}, metavar: "INT",
		typ: typeInt, def: 0, check: checkCertReqs, section: secSSL, reloadable: true,
		help: "Client certificates: 0 asks for none; 1 asks for one and verifies it against " +
			"ca_certs when the client sends one; 2 requires one that ca_certs verifies, and " +
			"ends the handshake of a client without. 1 and 2 need ca_certs.",
		field: func(c *Config) any { return &c.CertReqs },
	},
	{
		name: "ciphers", flags: []string{"ciphers"}, metavar: "STRING",
		typ: typeOptString, def: "", check: checkCiphers, section: secSSL, reloadable: true,
		defDoc: "None (Go's defaults)",
		help: "The TLS 1.2 cipher suites to offer, separated by colons: OpenSSL's names " +
			"(ECDHE-RSA-AES128-GCM-SHA256) or Go's (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256). " +
			"OpenSSL's keywords and rules (HIGH, !aNULL, ECDHE+AESGCM) are not understood and " +
			"are errors, as are suites Go counts as insecure (RSA key exchange, CBC with SHA-256, " +
			"3DES, RC4). Go picks the order itself, and " +
			"TLS 1.3 always uses its three suites, so naming them changes nothing. None keeps " +
			"Go's defaults, which are already limited to forward-secret AEAD and CBC suites.",
		field: func(c *Config) any { return &c.Ciphers },
	},
	{
		name: "tls_min_version", flags: []string{"tls-min-version"}, metavar: "STRING",
		typ: typeString, def: "1.2", check: checkTLSMinVersion, section: secSSL, reloadable: true,
		help: "The oldest TLS version accepted: \"1.2\" or \"1.3\". TLS 1.0 and 1.1 are " +
			"deprecated (RFC 8996) and not offered. A gocorn setting: gunicorn's ssl_version " +
			"is deprecated and ignored.",
		field: func(c *Config) any { return &c.TLSMinVersion },
	},

	// HTTP/2.
	{
		name: "http_protocols", flags: []string{"http-protocols"}, metavar: "STRING",
		typ: typeList, def: []string{"h1"}, check: checkHTTPProtocols, section: secHTTP2,
		reloadable: true,
		help: "The protocols to serve, most preferred first: h1 (HTTP/1.1) and h2 (HTTP/2), " +
			"as a list or a comma-separated string (\"h2,h1\"). Over TLS the order is the " +
			"ALPN preference. h2 needs TLS (or http2_cleartext) and the gthread worker class: " +
			"sync serves one request at a time, so with sync gocorn logs a warning and serves " +
			"HTTP/1.1, as gunicorn does. h3 is not supported.",
		field: func(c *Config) any { return &c.HTTPProtocols },
	},
	{
		name: "http2_max_concurrent_streams", flags: []string{"http2-max-concurrent-streams"}, metavar: "INT",
		typ: typeCount, def: 100, section: secHTTP2, reloadable: true,
		help: "The most requests (streams) one HTTP/2 connection may have open at once. " +
			"gthread's threads still bound how many handlers run at once.",
		field: func(c *Config) any { return &c.HTTP2MaxConcurrentStreams },
	},
	{
		name: "http2_initial_window_size", flags: []string{"http2-initial-window-size"}, metavar: "INT",
		typ: typeInt, def: 65535, check: between(1, math.MaxInt32), section: secHTTP2, reloadable: true,
		help: "The HTTP/2 flow-control window of each request body, in bytes: how much a client " +
			"may send before the handler reads. The default is the protocol's; larger windows " +
			"speed up uploads over slow links at the cost of memory per stream.",
		field: func(c *Config) any { return &c.HTTP2InitialWindowSize },
	},
	{
		name: "http2_max_frame_size", flags: []string{"http2-max-frame-size"}, metavar: "INT",
		typ: typeInt, def: 16384, check: between(16384, 16777215), section: secHTTP2, reloadable: true,
		help:  "The largest HTTP/2 frame payload gocorn accepts, 16384 to 16777215 bytes.",
		field: func(c *Config) any { return &c.HTTP2MaxFrameSize },
	},
	{
		name: "http2_max_header_list_size", flags: []string{"http2-max-header-list-size"}, metavar: "INT",
		typ: typeInt, def: 65536, section: secHTTP2, reloadable: true,
		help: "The largest decoded header list of an HTTP/2 request, in bytes counted as HTTP/2 " +
			"does (name and value plus 32 per field); larger requests get 431. 0 leaves only " +
			"net/http's own bound, which the limit_request_* settings size and which also caps " +
			"this setting.",
		field: func(c *Config) any { return &c.HTTP2MaxHeaderListSize },
	},
	{
		name: "http2_cleartext", flags: []string{"http2-cleartext"}, metavar: "STRING",
		typ: typeString, def: H2COff, check: checkHTTP2Cleartext, section: secHTTP2, reloadable: true,
		help: "HTTP/2 without TLS (h2c): off, or prior-knowledge, where a client that opens " +
			"the connection with HTTP/2's preface is served HTTP/2 and any other is served " +
			"HTTP/1.1 on the same socket. It needs h2 in http_protocols and the gthread class, " +
			"and is ignored with TLS. Meant for a proxy or mesh that speaks h2c to gocorn over " +
			"a private network. Unlike gunicorn, gocorn does not limit h2c to " +
			"forwarded_allow_ips, and refuses gunicorn's upgrade and both: net/http does not " +
			"implement the HTTP/1.1 Upgrade to h2c, which RFC 9113 deprecates. \"true\" means " +
			"prior-knowledge and \"false\" off.",
		field: func(c *Config) any { return &c.HTTP2Cleartext },
	},
}

// between accepts integers from lo to hi.
func between(lo, hi int) checkFunc {
	return func(v any, _ *checkContext) (any, error) {
		if n := v.(int); n < lo || n > hi {
			return nil, fmt.Errorf("got %d, want %d to %d", n, lo, hi)
		}
		return v, nil
	}
}

// What a PEM file must hold.
type pemKind int

const (
	pemCert pemKind = iota // one certificate or more
	pemKey                 // a private key
)

// checkPEMFile requires an existing, readable file holding PEM data of the
// kind asked for, and stores its path absolute, so a typo or a wrong file
// fails when the config is loaded, with the setting's name, rather than in
// every worker. Whether certificate and key match is checked when the
// master reads them together (server.ReadTLSSecrets).
func checkPEMFile(kind pemKind) checkFunc {
	return func(v any, c *checkContext) (any, error) {
		p := v.(string)
		if p == "" || c == nil || c.dir == "" {
			return v, nil // None, or a worker replaying the sources: the master checked
		}
		abs := p
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(c.dir, abs)
		}
		data, err := os.ReadFile(abs)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("file %q does not exist", p)
		case err != nil:
			return nil, fmt.Errorf("cannot read %q: %v", p, err)
		}
		if err := pemHolds(data, kind); err != nil {
			return nil, fmt.Errorf("%q %v", p, err)
		}
		return filepath.Clean(abs), nil
	}
}

// pemHolds checks that data has a PEM block of the kind asked for.
func pemHolds(data []byte, kind pemKind) error {
	sawPEM := false
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		sawPEM = true
		switch {
		case kind == pemCert && b.Type == "CERTIFICATE":
			if _, err := x509.ParseCertificate(b.Bytes); err != nil {
				return fmt.Errorf("holds a certificate that does not parse: %v", err)
			}
			return nil
		case kind == pemKey && strings.HasSuffix(b.Type, "PRIVATE KEY"):
			return nil
		}
	}
	want := "a certificate (-----BEGIN CERTIFICATE-----)"
	if kind == pemKey {
		want = "a private key (-----BEGIN PRIVATE KEY-----)"
	}
	if !sawPEM {
		return fmt.Errorf("is not a PEM file: want %s", want)
	}
	return fmt.Errorf("holds no %s", strings.TrimPrefix(want, "a "))
}

// checkCertReqs accepts gunicorn's values of cert_reqs (Python's
// ssl.CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED).
func checkCertReqs(v any, _ *checkContext) (any, error) {
	if n := v.(int); n > 2 {
		return nil, fmt.Errorf("got %d, want 0 (none), 1 (optional) or 2 (required)", n)
	}
	return v, nil
}

// checkCiphers parses the list, so an unknown name fails at load.
func checkCiphers(v any, _ *checkContext) (any, error) {
	if _, err := ParseCiphers(v.(string)); err != nil {
		return nil, err
	}
	return v, nil
}

// checkTLSMinVersion accepts "1.2" and "1.3", also written "TLSv1.2" or
// "TLS1.3" (as OpenSSL and Python name them), and stores the number.
func checkTLSMinVersion(v any, _ *checkContext) (any, error) {
	s := v.(string)
	n := strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(s), "tls"), "v")
	if _, ok := tlsVersions[n]; ok {
		return n, nil
	}
	return nil, fmt.Errorf("%q is not a minimum TLS version gocorn accepts (want \"1.2\" or \"1.3\")", s)
}

// checkHTTPProtocols splits comma-separated entries (gunicorn's setting is
// one string), lower-cases them and drops repeats; an empty list means h1,
// as in gunicorn.
func checkHTTPProtocols(v any, _ *checkContext) (any, error) {
	var out []string
	for _, entry := range v.([]string) {
		for p := range strings.SplitSeq(entry, ",") {
			p = strings.ToLower(strings.TrimSpace(p))
			switch {
			case p == "":
				continue
			case p == "h3":
				return nil, errors.New("h3 (HTTP/3) is not supported (want h1 or h2)")
			case !slices.Contains(httpProtocols, p):
				return nil, fmt.Errorf("%q is not a protocol (want h1 or h2)%s", p, didYouMean(p, httpProtocols))
			}
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		out = []string{"h1"}
	}
	return out, nil
}

// checkHTTP2Cleartext accepts off and prior-knowledge (and "true",
// "false" for them, as gunicorn takes booleans) and explains why upgrade
// and both are refused.
func checkHTTP2Cleartext(v any, _ *checkContext) (any, error) {
	s := strings.ToLower(v.(string))
	switch s {
	case H2COff, "false", "none", "":
		return H2COff, nil
	case H2CPriorKnowledge, "true":
		return H2CPriorKnowledge, nil
	case "upgrade", "both":
		return nil, fmt.Errorf("%q is not supported: Go's net/http serves cleartext HTTP/2 only "+
			"with prior knowledge, not through the HTTP/1.1 Upgrade header (which RFC 9113 "+
			"deprecates); use %q", s, H2CPriorKnowledge)
	}
	modes := []string{H2COff, H2CPriorKnowledge}
	return nil, fmt.Errorf("%q is not an http2_cleartext mode (want %s)%s", v.(string), orList(modes), didYouMean(s, modes))
}
