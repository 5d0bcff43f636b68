package starcfg

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// pemFiles returns a self-signed certificate and its key as PEM text.
func pemFiles(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

func TestTLSSettings(t *testing.T) {
	cert, key := pemFiles(t)
	dir := writeFiles(t, map[string]string{
		"tls/cert.pem": cert, "tls/key.pem": key, "tls/both.pem": cert + key, "notes.txt": "hello",
		"gocorn.conf.star": `
certfile = "tls/cert.pem"
keyfile = "tls/key.pem"
ca_certs = "tls/cert.pem"
cert_reqs = 2
ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ecdhe-rsa-aes256-gcm-sha384"
tls_min_version = "TLSv1.3"
http_protocols = " H2 , h1 "
http2_cleartext = "true"
header_timeout = 5
`,
	})
	r, err := resolveIn(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Config
	abs := func(p string) string { return filepath.Join(dir, p) }
	if c.Certfile != abs("tls/cert.pem") || c.Keyfile != abs("tls/key.pem") || c.CACerts != abs("tls/cert.pem") {
		t.Errorf("paths not made absolute: %q %q %q", c.Certfile, c.Keyfile, c.CACerts)
	}
	if c.CertReqs != 2 || c.TLSMinVersion != "1.3" || c.TLSVersion() != tls.VersionTLS13 ||
		!reflect.DeepEqual(c.HTTPProtocols, []string{"h2", "h1"}) || c.HTTP2Cleartext != H2CPriorKnowledge ||
		c.HeaderTimeout != 5 || c.BodyTimeout != 20 || c.WriteTimeout != 20 {
		t.Errorf("got %+v", c.TLSConfig)
	}
	if !c.TLSEnabled() || c.CheckTLS() != nil {
		t.Errorf("TLSEnabled %v, CheckTLS %v", c.TLSEnabled(), c.CheckTLS())
	}

	// Defaults: TLS off, gunicorn's HTTP/2 values.
	r, err = resolveIn(t, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c = r.Config
	if c.TLSEnabled() || !reflect.DeepEqual(c.HTTPProtocols, []string{"h1"}) || c.HTTP2MaxConcurrentStreams != 100 ||
		c.HTTP2InitialWindowSize != 65535 || c.HTTP2MaxFrameSize != 16384 || c.HTTP2MaxHeaderListSize != 65536 ||
		c.HTTP2Cleartext != H2COff || c.TLSVersion() != tls.VersionTLS12 || c.HeaderTimeout != 10 {
		t.Errorf("defaults: %+v", c.TLSConfig)
	}

	// Flags: a comma list, and the cert with its key in one file.
	r, err = resolveIn(t, dir, nil, "--http-protocols", "h1,h2", "--certfile", "tls/both.pem", "--cert-reqs", "0",
		"--http2-cleartext", "off", "--write-timeout", "0")
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Config; !reflect.DeepEqual(c.HTTPProtocols, []string{"h1", "h2"}) || c.Certfile != abs("tls/both.pem") ||
		c.HTTP2Cleartext != H2COff || c.WriteTimeout != 0 {
		t.Errorf("flags: %+v", c.TLSConfig)
	}

	errs := []struct {
		args []string
		want string
	}{
		{[]string{"--certfile", "missing.pem"}, `gocorn: error: --certfile: file "missing.pem" does not exist`},
		{[]string{"--keyfile", "tls/cert.pem"}, `gocorn: error: --keyfile: "tls/cert.pem" holds no private key (-----BEGIN PRIVATE KEY-----)`},
		{[]string{"--certfile", "notes.txt"}, `gocorn: error: --certfile: "notes.txt" is not a PEM file: want a certificate (-----BEGIN CERTIFICATE-----)`},
		{[]string{"--ca-certs", "tls"}, `gocorn: error: --ca-certs: cannot read "tls": read ` + abs("tls") + `: is a directory`},
		{[]string{"--cert-reqs", "3"}, `gocorn: error: --cert-reqs: got 3, want 0 (none), 1 (optional) or 2 (required)`},
		{[]string{"--tls-min-version", "1.1"}, `gocorn: error: --tls-min-version: "1.1" is not a minimum TLS version gocorn accepts (want "1.2" or "1.3")`},
		{[]string{"--http-protocols", "h2,h3"}, `gocorn: error: --http-protocols: h3 (HTTP/3) is not supported (want h1 or h2)`},
		{[]string{"--http-protocols", "h2c"}, `gocorn: error: --http-protocols: "h2c" is not a protocol (want h1 or h2) (did you mean "h2"?)`},
		{[]string{"--http2-cleartext", "upgrade"}, `gocorn: error: --http2-cleartext: "upgrade" is not supported: Go's net/http serves cleartext HTTP/2 only with prior knowledge, not through the HTTP/1.1 Upgrade header (which RFC 9113 deprecates); use "prior-knowledge"`},
		{[]string{"--http2-cleartext", "prior"}, `gocorn: error: --http2-cleartext: "prior" is not an http2_cleartext mode (want off or prior-knowledge) (did you mean "prior-knowledge"?)`},
		{[]string{"--http2-max-frame-size", "16383"}, `gocorn: error: --http2-max-frame-size: got 16383, want 16384 to 16777215`},
		{[]string{"--http2-initial-window-size", "2147483648"}, `gocorn: error: --http2-initial-window-size: got 2147483648, want 1 to 2147483647`},
		{[]string{"--http2-max-concurrent-streams", "0"}, `gocorn: error: --http2-max-concurrent-streams: got 0, want 1 or more`},
	}
	for _, tt := range errs {
		if _, err := resolveIn(t, dir, nil, tt.args...); err == nil || err.Error() != tt.want {
			t.Errorf("%q: error = %v\nwant %s", tt.args, err, tt.want)
		}
	}

	// In the file, the error names the setting and the line.
	bad := writeFiles(t, map[string]string{"gocorn.conf.star": "\nkeyfile = 'nope.key'\n"})
	if _, err := resolveIn(t, bad, nil); err == nil || err.Error() != `config: gocorn.conf.star:2: keyfile: file "nope.key" does not exist` {
		t.Errorf("file error = %v", err)
	}
}

func TestCheckTLS(t *testing.T) {
	tests := []struct {
		c    TLSConfig
		want string
	}{
		{TLSConfig{}, ""},
		{TLSConfig{Certfile: "c"}, ""},
		{TLSConfig{Keyfile: "k"}, "keyfile is set but certfile is not"},
		{TLSConfig{Certfile: "c", CertReqs: 1}, "cert_reqs = 1 verifies client certificates but ca_certs is not set"},
		{TLSConfig{CertReqs: 2, CACerts: "ca"}, "cert_reqs = 2 needs TLS"},
		{TLSConfig{Certfile: "c", CertReqs: 2, CACerts: "ca"}, ""},
	}
	for _, tt := range tests {
		err := tt.c.CheckTLS()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v: CheckTLS = %v, want %q", tt.c, err, tt.want)
		}
	}
}

func TestParseCiphers(t *testing.T) {
	tests := []struct {
		in   string
		want []uint16
		err  string
	}{
		{"", nil, ""},
		{"ECDHE-RSA-AES128-GCM-SHA256", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, ""},
		{"ECDHE-ECDSA-CHACHA20-POLY1305, tls_ecdhe_rsa_with_aes_128_cbc_sha ECDHE-ECDSA-CHACHA20-POLY1305",
			[]uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}, ""},
		{"TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256", nil, ""}, // TLS 1.3 only: Go's defaults
		{"TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES256-SHA", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}, ""},
		{"HIGH:!aNULL", nil, `"HIGH" is an OpenSSL cipher keyword or rule`},
		{"ECDHE+AESGCM", nil, `"ECDHE+AESGCM" is an OpenSSL cipher keyword or rule`},
		{"DES-CBC3-SHA", nil, `"DES-CBC3-SHA" is a suite Go counts as insecure`},
		{"AES128-SHA", nil, `"AES128-SHA" is a suite Go counts as insecure`},
		{"TLS_RSA_WITH_RC4_128_SHA", nil, `"TLS_RSA_WITH_RC4_128_SHA" is a suite Go counts as insecure`},
		{"ECDHE-RSA-AES128-GCM-SHA265", nil, `is not a TLS 1.2 cipher suite gocorn knows (want ECDHE-ECDSA-AES128-GCM-SHA256, ` +
			`ECDHE-ECDSA-AES128-SHA, ECDHE-ECDSA-AES256-GCM-SHA384`},
		{"ECDHE-RSA-AES128-GCM-SHA265", nil, `(did you mean "ECDHE-RSA-AES128-GCM-SHA256"?)`},
	}
	for _, tt := range tests {
		got, err := ParseCiphers(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseCiphers(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCiphers(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	// Every OpenSSL name maps to the suite Go names the same way.
	for name, id := range opensslNames {
		if got := opensslName(tls.CipherSuiteName(id)); got != name {
			t.Errorf("%s maps to %s, which OpenSSL calls %s", name, tls.CipherSuiteName(id), got)
		}
	}
}

// opensslName spells a Go (IANA) TLS 1.2 suite name as OpenSSL does.
func opensslName(goName string) string {
	kx, rest, _ := strings.Cut(strings.TrimPrefix(goName, "TLS_"), "_WITH_")
	kx = map[string]string{"ECDHE_ECDSA": "ECDHE-ECDSA-", "ECDHE_RSA": "ECDHE-RSA-", "RSA": ""}[kx]
	for _, c := range []struct{ iana, openssl string }{
		{"CHACHA20_POLY1305_SHA256", "CHACHA20-POLY1305"}, // OpenSSL leaves out the hash
		{"AES_128_GCM_", "AES128-GCM-"}, {"AES_256_GCM_", "AES256-GCM-"},
		{"AES_128_CBC_", "AES128-"}, {"AES_256_CBC_", "AES256-"},
		{"3DES_EDE_CBC_", "DES-CBC3-"}, {"RC4_128_", "RC4-"},
	} {
		if strings.HasPrefix(rest, c.iana) {
			return kx + c.openssl + strings.TrimPrefix(rest, c.iana)
		}
	}
	return "?" + goName
}
