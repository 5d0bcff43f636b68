package server

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gocorn/gocorn/server/h1"
	"github.com/gocorn/gocorn/server/tlstest"
)

// testPKI is the shared test CA (package tlstest).
type testPKI = tlstest.PKI

func newTestPKI(t *testing.T) *testPKI { return tlstest.New(t) }

// tlsOf reads p's certificate and key as the master does and returns
// what a worker serves TLS with, TLS 1.2 and up, then edit.
func tlsOf(t testing.TB, p *testPKI, edit func(*TLS)) *TLS {
	t.Helper()
	s, err := ReadTLSSecrets(TLSFiles{Cert: p.Cert, Key: p.Key})
	if err != nil {
		t.Fatal(err)
	}
	tt := &TLS{Secrets: s, MinVersion: tls.VersionTLS12}
	if edit != nil {
		edit(tt)
	}
	return tt
}

// tlsConfigOf builds the configuration of t, serving HTTP/1.1.
func tlsConfigOf(t *TLS) (*tls.Config, error) { return t.config(alpn(nil)) }

// handshake runs a TLS handshake between server config sc and client
// config cc over loopback TCP, then one byte each way, and returns the
// client's state, or the first error of either side. (The byte exchange
// matters: a TLS 1.3 client finishes its handshake before the server has
// checked its certificate.)
func handshake(t *testing.T, sc, cc *tls.Config) (tls.ConnectionState, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srvErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			srvErr <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		s := tls.Server(c, sc)
		if _, err = s.Read(make([]byte, 1)); err == nil {
			_, err = s.Write([]byte("y"))
		}
		srvErr <- err
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	cl := tls.Client(c, cc)
	if _, err = cl.Write([]byte("x")); err == nil {
		_, err = cl.Read(make([]byte, 1))
	}
	if serr := <-srvErr; err == nil && serr != nil {
		err = serr
	}
	return cl.ConnectionState(), err
}

func TestTLSConfigOff(t *testing.T) {
	tc, err := tlsConfigOf(nil)
	if tc != nil || err != nil {
		t.Fatalf("TLS off: got %v, %v; want nil, nil", tc, err)
	}
}

func TestTLSConfigServes(t *testing.T) {
	p := newTestPKI(t)
	tc, err := tlsConfigOf(tlsOf(t, p, nil))
	if err != nil {
		t.Fatal(err)
	}
	if tc.MinVersion != tls.VersionTLS12 || tc.ClientAuth != tls.NoClientCert || tc.CipherSuites != nil {
		t.Errorf("defaults: min %x, client auth %v, suites %v", tc.MinVersion, tc.ClientAuth, tc.CipherSuites)
	}
	st, err := handshake(t, tc, &tls.Config{RootCAs: p.Pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != tls.VersionTLS13 {
		t.Errorf("negotiated %x, want TLS 1.3", st.Version)
	}
}

func TestTLSConfigKeyInCertfile(t *testing.T) {
	p := newTestPKI(t)
	cert, _ := os.ReadFile(p.Cert)
	key, _ := os.ReadFile(p.Key)
	both := filepath.Join(p.Dir, "both.pem")
	os.WriteFile(both, append(cert, key...), 0o600)
	s, err := ReadTLSSecrets(TLSFiles{Cert: both})
	if err != nil {
		t.Fatal(err)
	}
	tc, err := tlsConfigOf(&TLS{Secrets: s})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(t, tc, &tls.Config{RootCAs: p.Pool, ServerName: "localhost"}); err != nil {
		t.Fatal(err)
	}
}

// ReadTLSSecrets names the setting whose file is at fault.
func TestReadTLSSecretsErrors(t *testing.T) {
	p := newTestPKI(t)
	tests := []struct {
		name  string
		files TLSFiles
		want  string
	}{
		{"missing cert", TLSFiles{Cert: filepath.Join(p.Dir, "nope.pem"), Key: p.Key}, "certfile: open"},
		{"missing key", TLSFiles{Cert: p.Cert, Key: filepath.Join(p.Dir, "nope.pem")}, "keyfile: open"},
		{"key of another cert", TLSFiles{Cert: p.Cert, Key: p.ClientKey}, "and keyfile"},
		{"cert without its key", TLSFiles{Cert: p.Cert}, "which must hold the key too"},
		{"ca_certs not PEM", TLSFiles{Cert: p.Cert, Key: p.Key, ClientCAs: p.Key}, "ca_certs: " + strconvQuote(p.Key) + " holds no PEM certificate"},
		{"missing ca_certs", TLSFiles{Cert: p.Cert, Key: p.Key, ClientCAs: filepath.Join(p.Dir, "nope.pem")}, "ca_certs: open"},
	}
	for _, tt := range tests {
		_, err := ReadTLSSecrets(tt.files)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

func TestTLSConfigClientAuth(t *testing.T) {
	p := newTestPKI(t)
	withCert := &tls.Config{RootCAs: p.Pool, ServerName: "localhost", Certificates: []tls.Certificate{p.Client}}
	without := &tls.Config{RootCAs: p.Pool, ServerName: "localhost"}
	other := newTestPKI(t) // a client certificate from a CA the server does not trust
	stranger := &tls.Config{RootCAs: p.Pool, ServerName: "localhost", Certificates: []tls.Certificate{other.Client}}
	tests := []struct {
		auth                         tls.ClientAuthType
		withOK, withoutOK, strangeOK bool
	}{
		{tls.NoClientCert, true, true, true},
		{tls.VerifyClientCertIfGiven, true, true, false},
		{tls.RequireAndVerifyClientCert, true, false, false},
	}
	secrets, err := ReadTLSSecrets(TLSFiles{Cert: p.Cert, Key: p.Key, ClientCAs: p.CA})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		tc, err := tlsConfigOf(&TLS{Secrets: secrets, ClientAuth: tt.auth})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			cc   *tls.Config
			ok   bool
		}{{"with a certificate", withCert, tt.withOK}, {"without", without, tt.withoutOK}, {"with an untrusted one", stranger, tt.strangeOK}} {
			_, err := handshake(t, tc, c.cc)
			if (err == nil) != c.ok {
				t.Errorf("%v, client %s: handshake error %v, want success %v", tt.auth, c.name, err, c.ok)
			}
		}
	}
}

func TestTLSConfigCiphersAndVersion(t *testing.T) {
	p := newTestPKI(t)
	want := []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
	tc, err := tlsConfigOf(tlsOf(t, p, func(c *TLS) { c.CipherSuites = want }))
	if err != nil {
		t.Fatal(err)
	}
	tls12 := func(suite uint16) *tls.Config {
		return &tls.Config{RootCAs: p.Pool, ServerName: "localhost", MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{suite}}
	}
	if st, err := handshake(t, tc, tls12(tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)); err != nil || st.CipherSuite != want[0] {
		t.Errorf("a listed suite: %v, suite %x", err, st.CipherSuite)
	}
	if _, err := handshake(t, tc, tls12(tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384)); err == nil {
		t.Error("a TLS 1.2 client offering only an unlisted suite was served")
	}

	tc, err = tlsConfigOf(tlsOf(t, p, func(c *TLS) { c.MinVersion = tls.VersionTLS13 }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(t, tc, tls12(tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)); err == nil {
		t.Error("tls_min_version 1.3 served a TLS 1.2 client")
	}
}

func TestReadTLSSecretsRereadsFiles(t *testing.T) {
	p := newTestPKI(t)
	first, err := tlsConfigOf(tlsOf(t, p, nil))
	if err != nil {
		t.Fatal(err)
	}
	q := newTestPKI(t) // a renewed certificate, written over the old files
	for from, to := range map[string]string{q.Cert: p.Cert, q.Key: p.Key} {
		data, _ := os.ReadFile(from)
		os.WriteFile(to, data, 0o600)
	}
	second, err := tlsConfigOf(tlsOf(t, p, nil))
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(first.Certificates[0].Certificate, second.Certificates[0].Certificate) {
		t.Error("TLSConfig did not read the renewed certificate")
	}
}

func TestProtocolsAndALPN(t *testing.T) {
	type protos struct{ h1, h2, h2c bool }
	tests := []struct {
		served []string
		tls    bool
		want   protos
		alpn   []string
	}{
		{nil, true, protos{h1: true}, []string{"http/1.1"}},
		{[]string{"h1"}, true, protos{h1: true}, []string{"http/1.1"}},
		{[]string{"h2", "h1"}, true, protos{h1: true, h2: true}, []string{"h2", "http/1.1"}},
		{[]string{"h1", "h2"}, true, protos{h1: true, h2: true}, []string{"http/1.1", "h2"}},
		{[]string{"h2"}, true, protos{h2: true}, []string{"h2"}},
		{[]string{"h2", "h1"}, false, protos{h1: true, h2c: true}, nil},
		{[]string{"h2"}, false, protos{h2c: true}, nil},
		{[]string{"h1"}, false, protos{h1: true}, nil},
	}
	for _, tt := range tests {
		pr := protocols(tt.served, tt.tls)
		if got := (protos{pr.HTTP1(), pr.HTTP2(), pr.UnencryptedHTTP2()}); got != tt.want {
			t.Errorf("%q (tls %v): protocols %+v, want %+v", tt.served, tt.tls, got, tt.want)
		}
		if got := alpn(tt.served); tt.tls && !reflect.DeepEqual(got, tt.alpn) {
			t.Errorf("%q: ALPN %q, want %q", tt.served, got, tt.alpn)
		}
	}
}

func TestHTTP2Config(t *testing.T) {
	got := HTTP2{MaxConcurrentStreams: 7, MaxFrameSize: 32768, InitialWindowSize: 1 << 20}.config(5 * time.Second)
	want := &http.HTTP2Config{MaxConcurrentStreams: 7, MaxReadFrameSize: 32768, MaxReceiveBufferPerStream: 1 << 20, WriteByteTimeout: 5 * time.Second}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("HTTP2 config = %+v, want %+v", got, want)
	}
}

func TestHTTP2HeaderLimit(t *testing.T) {
	served := []string{"h2", "h1"}
	h := HTTP2{MaxHeaderListSize: 1024}.headerLimit(served, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, tt := range []struct {
		major, size, want int
	}{
		{2, 100, 200}, {2, 1000, 431}, {1, 1000, 200},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.ProtoMajor = tt.major
		r.Header.Set("X-Big", strings.Repeat("a", tt.size))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.want {
			t.Errorf("HTTP/%d with a %d-byte header: %d, want %d", tt.major, tt.size, w.Code, tt.want)
		}
	}
	next := http.NotFoundHandler()
	if got := (HTTP2{}).headerLimit(served, next); reflect.ValueOf(got).Pointer() != reflect.ValueOf(next).Pointer() {
		t.Error("http2_max_header_list_size 0 still wraps the handler")
	}
	if got := (HTTP2{MaxHeaderListSize: 1024}).headerLimit([]string{"h1"}, next); reflect.ValueOf(got).Pointer() != reflect.ValueOf(next).Pointer() {
		t.Error("the HTTP/2 header limit wraps the handler of a server without HTTP/2")
	}
}

func TestBelowFindsWrappersInBothStacks(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	sc := &slotConn{Conn: a}
	plain := &slotConn{Conn: h1.Wrap(&deadlineConn{Conn: a}, nil, nil)}              // plaintext: slot above h1
	overTLS := h1.Wrap(tls.Server(&deadlineConn{Conn: sc}, &tls.Config{}), nil, nil) // TLS: h1 above the slot
	h2 := tls.Server(sc, &tls.Config{})                                              // HTTP/2: the *tls.Conn itself
	for _, tt := range []struct {
		name     string
		c        net.Conn
		slot, h1 bool
	}{
		{"plaintext", plain, true, true},
		{"HTTP/1 over TLS", overTLS, true, true},
		{"HTTP/2 over TLS", h2, true, false},
		{"a bare conn", a, false, false},
	} {
		if got := below[*slotConn](tt.c) != nil; got != tt.slot {
			t.Errorf("%s: slotConn found %v, want %v", tt.name, got, tt.slot)
		}
		if got := below[*h1.Conn](tt.c) != nil; got != tt.h1 {
			t.Errorf("%s: h1.Conn found %v, want %v", tt.name, got, tt.h1)
		}
	}
}
