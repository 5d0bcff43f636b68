package proc

import (
	"crypto/tls"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/server/proxy"
	"github.com/gocorn/gocorn/server/tlstest"
	"github.com/gocorn/gocorn/starcfg"
)

// The settings reach the server's options.
func TestServerOptions(t *testing.T) {
	cfg := starcfg.Defaults()
	cfg.WorkerClass, cfg.Threads, cfg.WorkerConnections, cfg.Keepalive = "gthread", 8, 50, 5
	cfg.HeaderTimeout, cfg.BodyTimeout, cfg.WriteTimeout = 1, 2, 3
	cfg.ForwarderHeaders = " script_name , ,PATH_INFO"
	cfg.HeaderMap = "refuse"
	cfg.ForwardedAllowIPs, cfg.ProxyAllowIPs, cfg.ProxyProtocol = []string{"10.0.0.0/8", "::1"}, []string{"*"}, "v2"
	cfg.HTTP2MaxConcurrentStreams, cfg.HTTP2MaxHeaderListSize = 7, 4096
	cfg.RootPath = "/app"
	t.Setenv("SCRIPT_NAME", "/env")
	o, err := serverOptions(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := server.ThreadClass("gthread", 8, 50, true); o.Class != want {
		t.Errorf("class %+v, want %+v", o.Class, want)
	}
	if want := (server.Timeouts{Header: time.Second, Body: 2 * time.Second, Write: 3 * time.Second, Idle: 5 * time.Second}); o.Timeouts != want {
		t.Errorf("timeouts %+v, want %+v", o.Timeouts, want)
	}
	if got := o.HTTP1.ForwarderHeaders; !reflect.DeepEqual(got, []string{"SCRIPT_NAME", "PATH_INFO"}) {
		t.Errorf("forwarder headers %q", got)
	}
	if o.HTTP1.HeaderMap != "refuse" || o.HTTP1.LimitRequestLine != cfg.LimitRequestLine {
		t.Errorf("parse options %+v", o.HTTP1)
	}
	if o.Proxy.Forwarded.String() != "10.0.0.0/8,::1" || !o.Proxy.ProtocolPeers.All() || o.Proxy.Protocol != proxy.V2 {
		t.Errorf("proxy %v %v %v", o.Proxy.Forwarded, o.Proxy.ProtocolPeers, o.Proxy.Protocol)
	}
	if o.RootPath != "/app" || o.ScriptName != "/env" {
		t.Errorf("root_path %q, SCRIPT_NAME %q", o.RootPath, o.ScriptName)
	}
	if o.HTTP2.MaxConcurrentStreams != 7 || o.HTTP2.MaxHeaderListSize != 4096 || o.TLS != nil {
		t.Errorf("HTTP/2 %+v, TLS %v", o.HTTP2, o.TLS)
	}
	cfg.WorkerClass = "sync"
	if o, _ := serverOptions(cfg, nil); o.Class != server.SyncClass("sync", 50) {
		t.Errorf("sync: class %+v", o.Class)
	}
}

// readTLSSecrets and tlsOf check the TLS settings together and name the
// one at fault.
func TestTLSSettings(t *testing.T) {
	p := tlstest.New(t)
	tlsCfg := func(edit func(*starcfg.Config)) *starcfg.Config {
		cfg := starcfg.Defaults()
		cfg.Certfile, cfg.Keyfile = p.Cert, p.Key
		edit(cfg)
		return cfg
	}
	errs := []struct {
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
	for _, tt := range errs {
		_, err := readTLSSecrets(tlsCfg(tt.edit))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	for certReqs, want := range map[int]tls.ClientAuthType{0: tls.NoClientCert, 1: tls.VerifyClientCertIfGiven, 2: tls.RequireAndVerifyClientCert} {
		cfg := tlsCfg(func(c *starcfg.Config) {
			c.CertReqs, c.CACerts, c.TLSMinVersion = certReqs, p.CA, "1.3"
			c.Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"
		})
		secrets, err := readTLSSecrets(cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tlsOf(cfg, secrets)
		if err != nil {
			t.Fatal(err)
		}
		if got.ClientAuth != want || got.MinVersion != tls.VersionTLS13 || got.Secrets != secrets ||
			!reflect.DeepEqual(got.CipherSuites, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}) {
			t.Errorf("cert_reqs %d: %+v", certReqs, got)
		}
	}
	if s, err := readTLSSecrets(starcfg.Defaults()); s != nil || err != nil {
		t.Errorf("TLS off: %v, %v", s, err)
	}
}

func TestGOMAXPROCS(t *testing.T) {
	for _, tt := range []struct{ setting, workers, cpus, want int }{
		{0, 1, 2, 2}, {0, 2, 2, 1}, {0, 4, 2, 1}, {0, 3, 8, 2}, {0, 2, 16, 8}, {3, 2, 2, 3}, {1, 1, 8, 1},
	} {
		cfg := starcfg.Defaults()
		cfg.GOMAXPROCS, cfg.Workers = tt.setting, tt.workers
		if got := gomaxprocs(cfg, tt.cpus); got != tt.want {
			t.Errorf("gomaxprocs %d, %d workers, %d CPUs: %d, want %d", tt.setting, tt.workers, tt.cpus, got, tt.want)
		}
	}
}
