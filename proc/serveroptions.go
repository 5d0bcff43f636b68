package proc

import (
	"crypto/tls"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/server/h1"
	"github.com/gocorn/gocorn/server/proxy"
	"github.com/gocorn/gocorn/starcfg"
)

// This file is the one place that maps gocorn's settings onto the plain
// options of package server and its parts: the server knows nothing of
// the config file, and the config knows nothing of the server.

// serverOptions are the options of a worker's server for cfg, with the
// TLS material the master read (nil without TLS). The caller adds the
// handler, listeners, logs, request hooks and request budget.
func serverOptions(cfg *starcfg.Config, secrets *server.TLSSecrets) (server.Options, error) {
	px, err := proxyConfig(cfg)
	if err != nil {
		return server.Options{}, err
	}
	t, err := tlsOf(cfg, secrets)
	if err != nil {
		return server.Options{}, err
	}
	return server.Options{
		AccessLogFormat: cfg.AccessLogFormat,
		AccessLogSkip:   cfg.AccessLogSkipPaths,
		RequestIDHeader: cfg.RequestIDHeader,
		RootPath:        cfg.RootPath,
		ScriptName:      os.Getenv("SCRIPT_NAME"), // gunicorn's fallback mount prefix; raw_env may set it
		Class:           workerClass(cfg),
		Timeouts:        timeoutsOf(cfg),
		RequestTimeout:  requestTimeout(cfg),
		HTTP1:           parseOptions(cfg),
		Proxy:           px,
		TLS:             t,
		Protocols:       cfg.ServedProtocols(),
		HTTP2: server.HTTP2{
			MaxConcurrentStreams: cfg.HTTP2MaxConcurrentStreams,
			InitialWindowSize:    cfg.HTTP2InitialWindowSize,
			MaxFrameSize:         cfg.HTTP2MaxFrameSize,
			MaxHeaderListSize:    cfg.HTTP2MaxHeaderListSize,
		},
	}, nil
}

// workerClass is the concurrency model of worker_class, threads,
// worker_connections and keepalive.
func workerClass(cfg *starcfg.Config) server.Class {
	if cfg.WorkerClass == starcfg.ClassSync {
		return server.SyncClass(cfg.WorkerClass, cfg.WorkerConnections)
	}
	return server.ThreadClass(cfg.WorkerClass, cfg.Threads, cfg.WorkerConnections, cfg.Keepalive > 0)
}

// timeoutsOf reads header_timeout, body_timeout, write_timeout and
// keepalive.
func timeoutsOf(cfg *starcfg.Config) server.Timeouts {
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	return server.Timeouts{
		Header: sec(cfg.HeaderTimeout),
		Body:   sec(cfg.BodyTimeout),
		Write:  sec(cfg.WriteTimeout),
		Idle:   sec(cfg.Keepalive),
	}
}

// requestTimeout is request_timeout as a duration.
func requestTimeout(cfg *starcfg.Config) time.Duration {
	return time.Duration(cfg.RequestTimeout * float64(time.Second))
}

// parseOptions are the strict HTTP/1 parser's rules: the limit_request_*
// settings and gunicorn's parsing switches.
func parseOptions(cfg *starcfg.Config) *h1.Options {
	var forwarders []string
	for n := range strings.SplitSeq(cfg.ForwarderHeaders, ",") {
		if n = strings.TrimSpace(n); n != "" {
			forwarders = append(forwarders, strings.ToUpper(n))
		}
	}
	return &h1.Options{
		LimitRequestLine:                cfg.LimitRequestLine,
		LimitRequestFields:              cfg.LimitRequestFields,
		LimitRequestFieldSize:           cfg.LimitRequestFieldSize,
		PermitObsoleteFolding:           cfg.PermitObsoleteFolding,
		StripHeaderSpaces:               cfg.StripHeaderSpaces,
		PermitUnconventionalHTTPMethod:  cfg.PermitUnconventionalHTTPMethod,
		PermitUnconventionalHTTPVersion: cfg.PermitUnconventionalHTTPVersion,
		CasefoldHTTPMethod:              cfg.CasefoldHTTPMethod,
		HeaderMap:                       h1.HeaderMap(cfg.HeaderMap),
		ForwarderHeaders:                forwarders,
		NoSendfile:                      !cfg.Sendfile,
	}
}

// proxyConfig parses the trusted proxies and the PROXY protocol settings.
// They were checked when the configuration was resolved, so an error
// here means the master and this worker disagree on their syntax.
func proxyConfig(cfg *starcfg.Config) (proxy.Config, error) {
	forwarded, err := starcfg.ParseAllowList(cfg.ForwardedAllowIPs)
	if err != nil {
		return proxy.Config{}, fmt.Errorf("forwarded_allow_ips: %w", err)
	}
	peers, err := starcfg.ParseAllowList(cfg.ProxyAllowIPs)
	if err != nil {
		return proxy.Config{}, fmt.Errorf("proxy_allow_ips: %w", err)
	}
	return proxy.Config{
		Forwarded:     proxy.NewTrust(forwarded.All, forwarded.Prefixes...),
		SchemeHeaders: cfg.SecureSchemeHeaders,
		Protocol:      proxy.Mode(cfg.ProxyProtocol),
		ProtocolPeers: proxy.NewTrust(peers.All, peers.Prefixes...),
	}, nil
}

// readTLSSecrets reads certfile, keyfile and ca_certs, and checks that
// they and the TLS settings make a TLS configuration; nil when TLS is
// off. The master calls it at start and on every HUP.
func readTLSSecrets(cfg *starcfg.Config) (*server.TLSSecrets, error) {
	if !cfg.TLSEnabled() {
		return nil, nil
	}
	if err := cfg.CheckTLS(); err != nil {
		return nil, err
	}
	secrets, err := server.ReadTLSSecrets(server.TLSFiles{Cert: cfg.Certfile, Key: cfg.Keyfile, ClientCAs: cfg.CACerts})
	if err != nil {
		return nil, err
	}
	if _, err := tlsOf(cfg, secrets); err != nil {
		return nil, err
	}
	return secrets, nil
}

// tlsOf is what the workers serve TLS with; nil when TLS is off.
func tlsOf(cfg *starcfg.Config, secrets *server.TLSSecrets) (*server.TLS, error) {
	if !cfg.TLSEnabled() {
		return nil, nil
	}
	suites, err := starcfg.ParseCiphers(cfg.Ciphers)
	if err != nil {
		return nil, fmt.Errorf("ciphers: %v", err)
	}
	return &server.TLS{
		Secrets:      secrets,
		MinVersion:   cfg.TLSVersion(),
		CipherSuites: suites,
		ClientAuth:   clientAuth(cfg.CertReqs),
	}, nil
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
