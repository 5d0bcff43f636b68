package server

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/gocorn/gocorn/starcfg"
)

// TLSSecrets is a worker's TLS material: the PEM bytes of certfile,
// keyfile and ca_certs, and the session ticket keys.
//
// The master reads the files, when it starts and on every HUP, and sends
// them to each worker it starts: workers that run as another user (user)
// never need to read a private key that only root may read, and every
// worker of a generation serves the same certificate. The master also
// makes the ticket keys, shared by all workers, so that a client resumes
// its TLS session on whichever worker accepts its next connection.
type TLSSecrets struct {
	Cert      []byte `json:"cert"`                 // certfile: the certificate chain (and the key, without keyfile)
	Key       []byte `json:"key"`                  // keyfile, or certfile again when keyfile is not set
	ClientCAs []byte `json:"client_cas,omitempty"` // ca_certs

	// TicketKeys encrypt session tickets: the first makes new ones, all
	// of them open tickets a client brings back. None lets crypto/tls
	// make and rotate keys of its own, for this process alone.
	TicketKeys [][32]byte `json:"ticket_keys,omitempty"`
}

// ReadTLSSecrets reads certfile, keyfile and ca_certs and checks that they
// make a TLS configuration, or returns nil when TLS is off. Errors name
// the settings at fault, so the master reports a bad file before any
// worker starts, and a HUP with a bad file keeps the old configuration.
func ReadTLSSecrets(cfg *starcfg.Config) (*TLSSecrets, error) {
	if !cfg.TLSEnabled() {
		return nil, nil
	}
	if err := cfg.CheckTLS(); err != nil {
		return nil, err
	}
	var s TLSSecrets
	var err error
	if s.Cert, err = os.ReadFile(cfg.Certfile); err != nil {
		return nil, fmt.Errorf("certfile: %v", err)
	}
	s.Key = s.Cert // the key follows the certificate in one file
	if cfg.Keyfile != "" {
		if s.Key, err = os.ReadFile(cfg.Keyfile); err != nil {
			return nil, fmt.Errorf("keyfile: %v", err)
		}
	}
	if cfg.CACerts != "" {
		if s.ClientCAs, err = os.ReadFile(cfg.CACerts); err != nil {
			return nil, fmt.Errorf("ca_certs: %v", err)
		}
	}
	if _, err := TLSConfig(cfg, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// TLSConfig builds the TLS configuration of a worker from s and the
// settings ciphers, tls_min_version, cert_reqs and http_protocols, or
// returns nil when TLS is off. Errors name the settings at fault.
func TLSConfig(cfg *starcfg.Config, s *TLSSecrets) (*tls.Config, error) {
	if !cfg.TLSEnabled() {
		return nil, nil
	}
	if s == nil {
		return nil, errors.New("TLS is on but no certificate was read (ReadTLSSecrets)")
	}
	cert, err := tls.X509KeyPair(s.Cert, s.Key)
	switch {
	case err != nil && cfg.Keyfile == "":
		return nil, fmt.Errorf("certfile %q (which must hold the key too, since keyfile is not set): %v", cfg.Certfile, err)
	case err != nil:
		return nil, fmt.Errorf("certfile %q and keyfile %q: %v", cfg.Certfile, cfg.Keyfile, err)
	}
	suites, err := starcfg.ParseCiphers(cfg.Ciphers)
	if err != nil {
		return nil, fmt.Errorf("ciphers: %v", err)
	}
	tc := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   cfg.TLSVersion(),
		CipherSuites: suites,
		NextProtos:   alpn(cfg),
	}
	if s.ClientCAs != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(s.ClientCAs) {
			return nil, fmt.Errorf("ca_certs: %q holds no PEM certificate", cfg.CACerts)
		}
		tc.ClientCAs = pool
	}
	tc.ClientAuth = clientAuth(cfg.CertReqs)
	if len(s.TicketKeys) > 0 {
		tc.SetSessionTicketKeys(s.TicketKeys)
	}
	return tc, nil
}

// NewTicketKey makes a random session ticket key (see TLSSecrets).
func NewTicketKey() [32]byte {
	var k [32]byte
	rand.Read(k[:]) // never fails (crypto/rand)
	return k
}

// clientAuth maps gunicorn's cert_reqs (Python's ssl.CERT_NONE,
// CERT_OPTIONAL, CERT_REQUIRED) onto crypto/tls. Python verifies a
// certificate whenever it asks for one, so both modes verify.
func clientAuth(certReqs int) tls.ClientAuthType {
	switch certReqs {
	case 1:
		return tls.VerifyClientCertIfGiven
	case 2:
		return tls.RequireAndVerifyClientCert
	}
	return tls.NoClientCert
}

// alpn lists the ALPN protocols of http_protocols in their order, keeping
// only those Protocols serves.
func alpn(cfg *starcfg.Config) []string {
	p := Protocols(cfg)
	var out []string
	for _, name := range cfg.HTTPProtocols {
		switch {
		case name == "h2" && p.HTTP2():
			out = append(out, "h2")
		case name == "h1" && p.HTTP1():
			out = append(out, "http/1.1")
		}
	}
	if p.HTTP1() && !slices.Contains(out, "http/1.1") {
		out = append(out, "http/1.1") // h2 refused (sync): HTTP/1.1 serves instead
	}
	return out
}

// h2Capable tells whether the worker class can serve HTTP/2: its streams
// run concurrently, which a sync worker (one request at a time) cannot.
func h2Capable(cfg *starcfg.Config) bool { return cfg.WorkerClass != "sync" }

// Protocols is the set of protocols for http.Server.Protocols:
//
//   - HTTP/1 when http_protocols lists h1, or when nothing else can be
//     served (h2 alone with sync, or without TLS and h2c);
//   - HTTP/2 over TLS when h2 is listed, TLS is on and the class is not
//     sync;
//   - HTTP/2 without TLS (prior knowledge) when, in addition,
//     http2_cleartext is prior-knowledge and TLS is off.
//
// Warnings says why a listed protocol is not served.
func Protocols(cfg *starcfg.Config) *http.Protocols {
	h1 := slices.Contains(cfg.HTTPProtocols, "h1")
	h2 := slices.Contains(cfg.HTTPProtocols, "h2") && h2Capable(cfg)
	var p http.Protocols
	if cfg.TLSEnabled() {
		p.SetHTTP2(h2)
		p.SetHTTP1(h1 || !h2)
		return &p
	}
	h2c := h2 && cfg.HTTP2Cleartext == starcfg.H2CPriorKnowledge
	p.SetUnencryptedHTTP2(h2c)
	p.SetHTTP1(h1 || !h2c)
	return &p
}

// Warnings lists what the worker should log once when it starts: the
// protocols asked for that it will not serve, and timeouts that leave a
// sync worker at the mercy of a stalled client.
func Warnings(cfg *starcfg.Config) []string {
	var w []string
	wantH2 := slices.Contains(cfg.HTTPProtocols, "h2")
	switch {
	case wantH2 && !h2Capable(cfg):
		w = append(w, fmt.Sprintf("HTTP/2 is not supported by the %s worker class; serving HTTP/1.1 "+
			"(use worker_class = \"gthread\" for h2)", cfg.WorkerClass))
	case wantH2 && !cfg.TLSEnabled() && cfg.HTTP2Cleartext == starcfg.H2COff:
		w = append(w, "http_protocols lists h2, which needs TLS (certfile and keyfile) or "+
			"http2_cleartext; serving HTTP/1.1")
	}
	if cfg.HTTP2Cleartext != starcfg.H2COff {
		switch {
		case cfg.TLSEnabled():
			w = append(w, "http2_cleartext is ignored: the sockets serve TLS")
		case !wantH2:
			w = append(w, "http2_cleartext is ignored: http_protocols does not list h2")
		}
	}
	if cfg.WorkerClass == "sync" && cfg.Timeout > 0 {
		for _, t := range []struct {
			name string
			secs int
		}{{"body_timeout", cfg.BodyTimeout}, {"write_timeout", cfg.WriteTimeout}} {
			if t.secs == 0 || t.secs >= cfg.Timeout {
				w = append(w, fmt.Sprintf("%s (%d) is not below timeout (%d): a client that stalls "+
					"keeps a sync worker busy until the master aborts it", t.name, t.secs, cfg.Timeout))
			}
		}
	}
	return w
}

// HTTP2Config is the HTTP/2 part of http.Server: gunicorn's http2_*
// settings, and write_timeout as the time a connection may go without
// writing a byte.
func HTTP2Config(cfg *starcfg.Config) *http.HTTP2Config {
	return &http.HTTP2Config{
		MaxConcurrentStreams:      cfg.HTTP2MaxConcurrentStreams,
		MaxReadFrameSize:          cfg.HTTP2MaxFrameSize,
		MaxReceiveBufferPerStream: cfg.HTTP2InitialWindowSize,
		WriteByteTimeout:          time.Duration(cfg.WriteTimeout) * time.Second,
	}
}

// HTTP2HeaderLimit answers 431 to an HTTP/2 request whose header list is
// larger than http2_max_header_list_size, counted as HTTP/2 counts it:
// name, value and 32 bytes per field, pseudo-header fields included.
//
// net/http has no setting of its own for this: it advertises and enforces
// a bound derived from http.Server.MaxHeaderBytes, which gocorn sizes for
// HTTP/1 from the limit_request_* settings. That bound still caps the
// memory a header list takes; this one gives the configured answer. It
// returns next unchanged when the setting is 0 or HTTP/2 is off.
func HTTP2HeaderLimit(cfg *starcfg.Config, next http.Handler) http.Handler {
	limit := cfg.HTTP2MaxHeaderListSize
	p := Protocols(cfg)
	if limit <= 0 || !p.HTTP2() && !p.UnencryptedHTTP2() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 && headerListSize(r) > limit {
			http.Error(w, "Request Header Fields Too Large", http.StatusRequestHeaderFieldsTooLarge)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// headerListSize is the HTTP/2 size (RFC 9113 §6.5.2) of r's header list.
func headerListSize(r *http.Request) int {
	const perField = 32
	n := len(":method") + len(r.Method) + perField +
		len(":path") + len(r.RequestURI) + perField +
		len(":scheme") + len("https") + perField +
		len(":authority") + len(r.Host) + perField
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + len(v) + perField
		}
	}
	return n
}
