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

// TLSFiles are the paths of certfile, keyfile and ca_certs; Key and
// ClientCAs may be "".
type TLSFiles struct {
	Cert, Key, ClientCAs string
}

// ReadTLSSecrets reads the files and checks that they make a TLS
// configuration. Errors name the settings at fault, so the master reports
// a bad file before any worker starts, and a HUP with a bad file keeps the
// old configuration.
func ReadTLSSecrets(f TLSFiles) (*TLSSecrets, error) {
	var s TLSSecrets
	var err error
	if s.Cert, err = os.ReadFile(f.Cert); err != nil {
		return nil, fmt.Errorf("certfile: %v", err)
	}
	s.Key = s.Cert // the key follows the certificate in one file
	if f.Key != "" {
		if s.Key, err = os.ReadFile(f.Key); err != nil {
			return nil, fmt.Errorf("keyfile: %v", err)
		}
	}
	if f.ClientCAs != "" {
		if s.ClientCAs, err = os.ReadFile(f.ClientCAs); err != nil {
			return nil, fmt.Errorf("ca_certs: %v", err)
		}
	}
	if _, err := tls.X509KeyPair(s.Cert, s.Key); err != nil {
		if f.Key == "" {
			return nil, fmt.Errorf("certfile %q (which must hold the key too, since keyfile is not set): %v", f.Cert, err)
		}
		return nil, fmt.Errorf("certfile %q and keyfile %q: %v", f.Cert, f.Key, err)
	}
	if s.ClientCAs != nil && !x509.NewCertPool().AppendCertsFromPEM(s.ClientCAs) {
		return nil, fmt.Errorf("ca_certs: %q holds no PEM certificate", f.ClientCAs)
	}
	return &s, nil
}

// TLS is what a worker's listeners serve TLS with: the master's secrets
// and the settings ciphers, tls_min_version and cert_reqs.
type TLS struct {
	Secrets      *TLSSecrets
	MinVersion   uint16             // a crypto/tls version
	CipherSuites []uint16           // the TLS 1.2 suites offered; nil: Go's defaults
	ClientAuth   tls.ClientAuthType // whether client certificates are asked for and verified
}

// config builds the TLS configuration, offering alpn; nil without TLS.
func (t *TLS) config(alpn []string) (*tls.Config, error) {
	if t == nil {
		return nil, nil
	}
	if t.Secrets == nil {
		return nil, errors.New("TLS is on but no certificate was read (ReadTLSSecrets)")
	}
	cert, err := tls.X509KeyPair(t.Secrets.Cert, t.Secrets.Key)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate: %v", err)
	}
	tc := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   t.MinVersion,
		CipherSuites: t.CipherSuites,
		NextProtos:   alpn,
		ClientAuth:   t.ClientAuth,
	}
	if t.Secrets.ClientCAs != nil {
		tc.ClientCAs = x509.NewCertPool()
		if !tc.ClientCAs.AppendCertsFromPEM(t.Secrets.ClientCAs) {
			return nil, errors.New("TLS client CAs: no PEM certificate")
		}
	}
	if len(t.Secrets.TicketKeys) > 0 {
		tc.SetSessionTicketKeys(t.Secrets.TicketKeys)
	}
	return tc, nil
}

// NewTicketKey makes a random session ticket key (see TLSSecrets).
func NewTicketKey() [32]byte {
	var k [32]byte
	rand.Read(k[:]) // never fails (crypto/rand)
	return k
}

// alpn lists the ALPN names of the protocols served, in their order.
func alpn(protocols []string) []string {
	var out []string
	for _, p := range protocols {
		switch p {
		case "h2":
			out = append(out, "h2")
		case "h1":
			out = append(out, "http/1.1")
		}
	}
	if len(out) == 0 {
		out = append(out, "http/1.1")
	}
	return out
}

// protocols is http.Server.Protocols for the protocols served: HTTP/2
// over TLS, or with prior knowledge without it (h2c).
func protocols(served []string, withTLS bool) *http.Protocols {
	var p http.Protocols
	h2 := slices.Contains(served, "h2")
	p.SetHTTP1(slices.Contains(served, "h1") || !h2)
	if withTLS {
		p.SetHTTP2(h2)
	} else {
		p.SetUnencryptedHTTP2(h2)
	}
	return &p
}

// config is the HTTP/2 part of http.Server, with write as the time a
// connection may go without writing a byte.
func (h HTTP2) config(write time.Duration) *http.HTTP2Config {
	return &http.HTTP2Config{
		MaxConcurrentStreams:      h.MaxConcurrentStreams,
		MaxReadFrameSize:          h.MaxFrameSize,
		MaxReceiveBufferPerStream: h.InitialWindowSize,
		WriteByteTimeout:          write,
	}
}

// headerLimit answers 431 to an HTTP/2 request whose header list is
// larger than MaxHeaderListSize, counted as HTTP/2 counts it: name, value
// and 32 bytes per field, pseudo-header fields included.
//
// net/http has no setting of its own for this: it advertises and enforces
// a bound derived from http.Server.MaxHeaderBytes, which gocorn sizes for
// HTTP/1 from the limit_request_* settings. That bound still caps the
// memory a header list takes; this one gives the configured answer. It
// returns next unchanged when the limit is 0 or HTTP/2 is not served.
func (h HTTP2) headerLimit(served []string, next http.Handler) http.Handler {
	limit := h.MaxHeaderListSize
	if limit <= 0 || !slices.Contains(served, "h2") {
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
