package server

import (
	"crypto/tls"
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
	"github.com/gocorn/gocorn/starcfg"
)

// testPKI is the shared test CA (package tlstest).
type testPKI = tlstest.PKI

func newTestPKI(t *testing.T) *testPKI { return tlstest.New(t) }

// tlsCfg is a Config with TLS settings at their defaults, then edit.
func tlsCfg(p *testPKI, edit func(*starcfg.Config)) *starcfg.Config {
	cfg := &starcfg.Config{WorkerClass: "gthread", Threads: 4, WorkerConnections: 100, Timeout: 30}
	cfg.Certfile, cfg.Keyfile = p.Cert, p.Key
	cfg.TLSMinVersion, cfg.HTTPProtocols, cfg.HTTP2Cleartext = "1.2", []string{"h1"}, starcfg.H2COff
	cfg.HTTP2MaxConcurrentStreams, cfg.HTTP2InitialWindowSize = 100, 65535
	cfg.HTTP2MaxFrameSize, cfg.HTTP2MaxHeaderListSize = 16384, 65536
	cfg.HeaderTimeout, cfg.BodyTimeout, cfg.WriteTimeout = 10, 20, 20
	if edit != nil {
		edit(cfg)
	}
	return cfg
}

// tlsConfigOf reads cfg's TLS files and builds the configuration, as a
// worker does with what the master read.
func tlsConfigOf(cfg *starcfg.Config) (*tls.Config, error) {
	s, err := ReadTLSSecrets(cfg)
	if err != nil {
		return nil, err
	}
	return TLSConfig(cfg, s)
}

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
	tc, err := tlsConfigOf(&starcfg.Config{})
	if tc != nil || err != nil {
		t.Fatalf("TLS off: got %v, %v; want nil, nil", tc, err)
	}
}

func TestTLSConfigServes(t *testing.T) {
	p := newTestPKI(t)
	tc, err := tlsConfigOf(tlsCfg(p, nil))
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
	tc, err := tlsConfigOf(tlsCfg(p, func(c *starcfg.Config) { c.Certfile, c.Keyfile = both, "" }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(t, tc, &tls.Config{RootCAs: p.Pool, ServerName: "localhost"}); err != nil {
		t.Fatal(err)
	}
}

func TestTLSConfigErrors(t *testing.T) {
	p := newTestPKI(t)
	tests := []struct {
		name string
		edit func(*starcfg.Config)
		want string
	}{
		{"missing cert", func(c *starcfg.Config) { c.Certfile = filepath.Join(p.Dir, "nope.pem") }, "certfile"},
		{"key of another cert", func(c *starcfg.Config) { c.Keyfile = p.ClientKey }, "private key does not match public key"},
		{"key only", func(c *starcfg.Config) { c.Certfile = "" }, "keyfile is set but certfile is not"},
		{"cert without its key", func(c *starcfg.Config) { c.Keyfile = "" }, "certfile"},
		{"cert_reqs without ca_certs", func(c *starcfg.Config) { c.CertReqs = 2 }, "ca_certs is not set"},
		{"ca_certs not PEM", func(c *starcfg.Config) { c.CertReqs, c.CACerts = 1, p.Key }, "ca_certs"},
		{"bad ciphers", func(c *starcfg.Config) { c.Ciphers = "HIGH:!aNULL" }, "ciphers: \"HIGH\" is an OpenSSL cipher keyword"},
	}
	for _, tt := range tests {
		_, err := tlsConfigOf(tlsCfg(p, tt.edit))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestTLSConfigClientAuth(t *testing.T) {
	p := newTestPKI(t)
	withCert := &tls.Config{RootCAs: p.Pool, ServerName: "localhost", Certificates: []tls.Certificate{p.Client}}
	without := &tls.Config{RootCAs: p.Pool, ServerName: "localhost"}
	other := newTestPKI(t) // a client certificate from a CA the server does not trust
	stranger := &tls.Config{RootCAs: p.Pool, ServerName: "localhost", Certificates: []tls.Certificate{other.Client}}
	tests := []struct {
		certReqs                     int
		want                         tls.ClientAuthType
		withOK, withoutOK, strangeOK bool
	}{
		{0, tls.NoClientCert, true, true, true},
		{1, tls.VerifyClientCertIfGiven, true, true, false},
		{2, tls.RequireAndVerifyClientCert, true, false, false},
	}
	for _, tt := range tests {
		tc, err := tlsConfigOf(tlsCfg(p, func(c *starcfg.Config) { c.CertReqs, c.CACerts = tt.certReqs, p.CA }))
		if err != nil {
			t.Fatal(err)
		}
		if tc.ClientAuth != tt.want {
			t.Errorf("cert_reqs %d: ClientAuth %v, want %v", tt.certReqs, tc.ClientAuth, tt.want)
		}
		for _, c := range []struct {
			name string
			cc   *tls.Config
			ok   bool
		}{{"with a certificate", withCert, tt.withOK}, {"without", without, tt.withoutOK}, {"with an untrusted one", stranger, tt.strangeOK}} {
			_, err := handshake(t, tc, c.cc)
			if (err == nil) != c.ok {
				t.Errorf("cert_reqs %d, client %s: handshake error %v, want success %v", tt.certReqs, c.name, err, c.ok)
			}
		}
	}
}

func TestTLSConfigCiphersAndVersion(t *testing.T) {
	p := newTestPKI(t)
	tc, err := tlsConfigOf(tlsCfg(p, func(c *starcfg.Config) {
		c.Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
	if !reflect.DeepEqual(tc.CipherSuites, want) {
		t.Fatalf("CipherSuites = %v, want %v", tc.CipherSuites, want)
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

	tc, err = tlsConfigOf(tlsCfg(p, func(c *starcfg.Config) { c.TLSMinVersion = "1.3" }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(t, tc, tls12(tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)); err == nil {
		t.Error("tls_min_version 1.3 served a TLS 1.2 client")
	}
}

func TestReadTLSSecretsRereadsFiles(t *testing.T) {
	p := newTestPKI(t)
	cfg := tlsCfg(p, nil)
	first, err := tlsConfigOf(cfg)
	if err != nil {
		t.Fatal(err)
	}
	q := newTestPKI(t) // a renewed certificate, written over the old files
	for from, to := range map[string]string{q.Cert: p.Cert, q.Key: p.Key} {
		data, _ := os.ReadFile(from)
		os.WriteFile(to, data, 0o600)
	}
	second, err := tlsConfigOf(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(first.Certificates[0].Certificate, second.Certificates[0].Certificate) {
		t.Error("TLSConfig did not read the renewed certificate")
	}
}

func TestProtocolsAndALPN(t *testing.T) {
	p := newTestPKI(t)
	type protos struct{ h1, h2, h2c bool }
	tests := []struct {
		class, cleartext string
		tls              bool
		list             []string
		want             protos
		alpn             []string
		warn             string
	}{
		{"gthread", "off", true, []string{"h1"}, protos{h1: true}, []string{"http/1.1"}, ""},
		{"gthread", "off", true, []string{"h2", "h1"}, protos{h1: true, h2: true}, []string{"h2", "http/1.1"}, ""},
		{"gthread", "off", true, []string{"h1", "h2"}, protos{h1: true, h2: true}, []string{"http/1.1", "h2"}, ""},
		{"gthread", "off", true, []string{"h2"}, protos{h2: true}, []string{"h2"}, ""},
		{"sync", "off", true, []string{"h2", "h1"}, protos{h1: true}, []string{"http/1.1"}, "not supported by the sync worker class"},
		{"sync", "off", true, []string{"h2"}, protos{h1: true}, []string{"http/1.1"}, "not supported by the sync worker class"},
		{"gthread", "off", false, []string{"h2", "h1"}, protos{h1: true}, nil, "needs TLS"},
		{"gthread", "prior-knowledge", false, []string{"h2", "h1"}, protos{h1: true, h2c: true}, nil, ""},
		{"gthread", "prior-knowledge", false, []string{"h2"}, protos{h2c: true}, nil, ""},
		{"gthread", "prior-knowledge", false, []string{"h1"}, protos{h1: true}, nil, "does not list h2"},
		{"gthread", "prior-knowledge", true, []string{"h2", "h1"}, protos{h1: true, h2: true}, []string{"h2", "http/1.1"}, "ignored: the sockets serve TLS"},
		{"sync", "prior-knowledge", false, []string{"h2", "h1"}, protos{h1: true}, nil, "not supported by the sync worker class"},
	}
	for _, tt := range tests {
		cfg := tlsCfg(p, func(c *starcfg.Config) {
			c.WorkerClass, c.HTTP2Cleartext, c.HTTPProtocols = tt.class, tt.cleartext, tt.list
			if !tt.tls {
				c.Certfile, c.Keyfile = "", ""
			}
		})
		name := strings.Join([]string{tt.class, tt.cleartext, strings.Join(tt.list, ",")}, " ")
		pr := Protocols(cfg)
		if got := (protos{pr.HTTP1(), pr.HTTP2(), pr.UnencryptedHTTP2()}); got != tt.want {
			t.Errorf("%s (tls %v): protocols %+v, want %+v", name, tt.tls, got, tt.want)
		}
		if tt.tls {
			tc, err := tlsConfigOf(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tc.NextProtos, tt.alpn) {
				t.Errorf("%s: NextProtos %q, want %q", name, tc.NextProtos, tt.alpn)
			}
		}
		warnings := strings.Join(Warnings(cfg), "\n")
		if tt.warn == "" && warnings != "" || !strings.Contains(warnings, tt.warn) {
			t.Errorf("%s (tls %v): warnings %q, want %q", name, tt.tls, warnings, tt.warn)
		}
	}
}

func TestWarningsOnSyncTimeouts(t *testing.T) {
	cfg := tlsCfg(newTestPKI(t), func(c *starcfg.Config) { c.WorkerClass, c.BodyTimeout, c.WriteTimeout = "sync", 0, 30 })
	got := strings.Join(Warnings(cfg), "\n")
	for _, want := range []string{"body_timeout (0) is not below timeout (30)", "write_timeout (30) is not below timeout (30)"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings %q lack %q", got, want)
		}
	}
	cfg.Timeout = 0 // no worker timeout: nothing to warn about
	if w := Warnings(cfg); len(w) != 0 {
		t.Errorf("timeout 0: warnings %q", w)
	}
}

func TestHTTP2Config(t *testing.T) {
	cfg := tlsCfg(newTestPKI(t), func(c *starcfg.Config) {
		c.HTTP2MaxConcurrentStreams, c.HTTP2MaxFrameSize, c.HTTP2InitialWindowSize, c.WriteTimeout = 7, 32768, 1<<20, 5
	})
	got := HTTP2Config(cfg)
	want := &http.HTTP2Config{MaxConcurrentStreams: 7, MaxReadFrameSize: 32768, MaxReceiveBufferPerStream: 1 << 20, WriteByteTimeout: 5 * time.Second}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("HTTP2Config = %+v, want %+v", got, want)
	}
}

func TestHTTP2HeaderLimit(t *testing.T) {
	cfg := tlsCfg(newTestPKI(t), func(c *starcfg.Config) { c.HTTPProtocols, c.HTTP2MaxHeaderListSize = []string{"h2", "h1"}, 1024 })
	h := HTTP2HeaderLimit(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
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
	cfg.HTTP2MaxHeaderListSize = 0
	next := http.NotFoundHandler()
	if got := HTTP2HeaderLimit(cfg, next); reflect.ValueOf(got).Pointer() != reflect.ValueOf(next).Pointer() {
		t.Error("http2_max_header_list_size 0 still wraps the handler")
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
