package starcfg

import (
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// TLSConfig holds the settings of TLS and HTTP/2; it is embedded in Config.
type TLSConfig struct {
	// TLS. Paths are absolute once checked; "" is None.
	Keyfile       string `json:"keyfile"`
	Certfile      string `json:"certfile"`
	CACerts       string `json:"ca_certs"`
	CertReqs      int    `json:"cert_reqs"`       // 0 none, 1 optional, 2 required
	Ciphers       string `json:"ciphers"`         // as given; ParseCiphers reads it
	TLSMinVersion string `json:"tls_min_version"` // "1.2" or "1.3"

	// HTTP/2.
	HTTPProtocols             []string `json:"http_protocols"` // "h1", "h2", in ALPN preference order
	HTTP2MaxConcurrentStreams int      `json:"http2_max_concurrent_streams"`
	HTTP2InitialWindowSize    int      `json:"http2_initial_window_size"`
	HTTP2MaxFrameSize         int      `json:"http2_max_frame_size"`
	HTTP2MaxHeaderListSize    int      `json:"http2_max_header_list_size"` // 0 = net/http's own bound
	HTTP2Cleartext            string   `json:"http2_cleartext"`            // "off" or "prior-knowledge"
}

// TLSEnabled tells whether the workers serve TLS: certfile or keyfile is
// set, as in gunicorn.
func (c *TLSConfig) TLSEnabled() bool { return c.Certfile != "" || c.Keyfile != "" }

// The values of http2_cleartext gocorn accepts. gunicorn's "upgrade" and
// "both" are refused: see checkHTTP2Cleartext.
const (
	H2COff            = "off"
	H2CPriorKnowledge = "prior-knowledge"
)

// CheckTLS checks what no single setting can: the rules that join the TLS
// settings. The master runs it, after all layers are in, before it reads
// the TLS files: at start, on HUP and for --check-config.
func (c *TLSConfig) CheckTLS() error {
	switch {
	case c.Keyfile != "" && c.Certfile == "":
		return errors.New("keyfile is set but certfile is not: give the certificate too")
	case c.CertReqs > 0 && c.CACerts == "":
		return fmt.Errorf("cert_reqs = %d verifies client certificates but ca_certs is not set: "+
			"name the CA bundle that signs them", c.CertReqs)
	case c.CertReqs > 0 && !c.TLSEnabled():
		return fmt.Errorf("cert_reqs = %d needs TLS: set certfile and keyfile", c.CertReqs)
	}
	return nil
}

// tlsVersions are the minimum versions tls_min_version accepts. TLS 1.0
// and 1.1 are not offered: they are deprecated (RFC 8996).
var tlsVersions = map[string]uint16{"1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}

// TLSVersion is tls_min_version as a crypto/tls constant.
func (c *TLSConfig) TLSVersion() uint16 {
	if v, ok := tlsVersions[c.TLSMinVersion]; ok {
		return v
	}
	return tls.VersionTLS12
}

// opensslNames maps OpenSSL's names of the TLS 1.2 suites Go implements
// to Go's suites. Whether a suite is offered is Go's call (offered): Go
// 1.26 counts the RSA key-exchange suites (AES128-SHA and the like) as
// insecure, along with 3DES, RC4 and the CBC-SHA256 suites.
var opensslNames = map[string]uint16{
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-CHACHA20-POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-CHACHA20-POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-ECDSA-AES128-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	"ECDHE-RSA-AES128-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	"ECDHE-ECDSA-AES256-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"ECDHE-RSA-AES256-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	"ECDHE-ECDSA-AES128-SHA256":     tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
	"ECDHE-RSA-AES128-SHA256":       tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
	"AES128-GCM-SHA256":             tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	"AES256-GCM-SHA384":             tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	"AES128-SHA256":                 tls.TLS_RSA_WITH_AES_128_CBC_SHA256,
	"AES128-SHA":                    tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	"AES256-SHA":                    tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	"DES-CBC3-SHA":                  tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
	"ECDHE-RSA-DES-CBC3-SHA":        tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA,
	"RC4-SHA":                       tls.TLS_RSA_WITH_RC4_128_SHA,
	"ECDHE-RSA-RC4-SHA":             tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA,
	"ECDHE-ECDSA-RC4-SHA":           tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA,
}

// tls13Names are the TLS 1.3 suites. Go always enables all three (as
// OpenSSL configures them apart from the cipher list), so naming them is
// allowed and changes nothing.
var tls13Names = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}

// offered tells whether Go counts suite id as secure and can use it with
// TLS 1.2.
func offered(id uint16) bool {
	for _, cs := range tls.CipherSuites() {
		if cs.ID == id {
			return slices.Contains(cs.SupportedVersions, tls.VersionTLS12)
		}
	}
	return false
}

// goSuite finds a TLS 1.2 suite by Go's name, secure or not.
func goSuite(name string) (uint16, bool) {
	for _, cs := range slices.Concat(tls.CipherSuites(), tls.InsecureCipherSuites()) {
		if cs.Name == name && slices.Contains(cs.SupportedVersions, tls.VersionTLS12) {
			return cs.ID, true
		}
	}
	return 0, false
}

// ParseCiphers reads a ciphers value: suite names separated by colons (as
// OpenSSL writes them), commas or spaces, in OpenSSL's spelling
// (ECDHE-RSA-AES128-GCM-SHA256) or Go's (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
// in any case. It returns the TLS 1.2 suites, or nil for "" or a list of
// TLS 1.3 suites only (Go's defaults). OpenSSL's keywords and operators
// (HIGH, !aNULL, ECDHE+AESGCM), unknown names and suites Go counts as
// insecure are errors; the message lists the names gocorn offers.
func ParseCiphers(s string) ([]uint16, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ',' || r == ' ' })
	var ids []uint16
	for _, f := range fields {
		name := strings.ToUpper(f)
		if slices.Contains(tls13Names, name) {
			continue
		}
		id, ok := opensslNames[name]
		if !ok {
			id, ok = goSuite(name)
		}
		switch {
		case ok && offered(id):
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		case ok:
			return nil, fmt.Errorf("%q is a suite Go counts as insecure; gocorn does not offer it (want %s)",
				f, offeredList())
		case strings.ContainsAny(f, "!+@") || !strings.Contains(name, "-") && !strings.HasPrefix(name, "TLS_"):
			return nil, fmt.Errorf("%q is an OpenSSL cipher keyword or rule, which gocorn does not "+
				"understand: list suites by name (%s)", f, offeredList())
		default:
			return nil, fmt.Errorf("%q is not a TLS 1.2 cipher suite gocorn knows (want %s)%s",
				f, offeredList(), didYouMean(name, offeredNames()))
		}
	}
	return ids, nil
}

// offeredNames are OpenSSL's names of the suites gocorn offers, sorted.
func offeredNames() []string {
	var names []string
	for name, id := range opensslNames {
		if offered(id) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func offeredList() string { return strings.Join(offeredNames(), ", ") }

// ServedProtocols are the protocols the workers serve, in the order of
// http_protocols: "h1", and "h2" when the worker class can serve it and
// TLS is on or http2_cleartext is prior-knowledge. HTTP/1.1 is served
// when nothing else can be. Warnings says why a listed protocol is not
// served.
func (c *Config) ServedProtocols() []string {
	var out []string
	for _, p := range c.HTTPProtocols {
		if p == "h1" || p == "h2" && c.servesHTTP2() {
			out = append(out, p)
		}
	}
	if !slices.Contains(out, "h1") && !slices.Contains(out, "h2") {
		out = append(out, "h1")
	}
	return out
}

// servesHTTP2 tells whether HTTP/2 can be served: over TLS or with prior
// knowledge, by a class whose requests run concurrently (a sync worker,
// one request at a time, cannot serve streams).
func (c *Config) servesHTTP2() bool {
	return c.WorkerClass != ClassSync && (c.TLSEnabled() || c.HTTP2Cleartext == H2CPriorKnowledge)
}
