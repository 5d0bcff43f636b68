package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
	"github.com/gocorn/gocorn/server/tlstest"
)

// pki is the shared test CA (package tlstest).
type pki = tlstest.PKI

func newPKI(t *testing.T) *pki { return tlstest.New(t) }

// startTLS runs gocorn with the pki's certificate and returns the https
// URL of its listener, as the "Listening at:" line gives it.
func startTLS(t *testing.T, p *pki, args ...string) (*proctest.Instance, string) {
	t.Helper()
	args = append([]string{"-b", "127.0.0.1:0", "--certfile", p.Cert, "--keyfile", p.Key}, args...)
	in := start(t, p.Dir, args...)
	if !strings.HasPrefix(in.URL, "https://") {
		t.Fatalf("a TLS socket is listed as %s, want https://", in.URL)
	}
	return in, in.URL
}

// httpsClient trusts the pki's CA and offers HTTP/2 and HTTP/1.1 (as
// browsers do), with an optional client certificate.
func httpsClient(p *pki, certs ...tls.Certificate) *http.Client {
	return &http.Client{Timeout: proctest.WaitFor, Transport: &http.Transport{
		TLSClientConfig:   p.ClientConfig(certs...),
		ForceAttemptHTTP2: true,
	}}
}

// echoGet fetches url and decodes the echo app's answer.
func echoGet(t *testing.T, c *http.Client, url string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var echo map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&echo); err != nil {
		t.Fatalf("GET %s: %d, decoding the echo: %v", url, resp.StatusCode, err)
	}
	return resp, echo
}

func TestTLSServesHTTPS(t *testing.T) {
	p := newPKI(t)
	in, url := startTLS(t, p, "echo")
	resp, echo := echoGet(t, httpsClient(p), url+"/secure")
	if resp.StatusCode != 200 || resp.TLS == nil || resp.Proto != "HTTP/1.1" {
		t.Fatalf("got %d %s, TLS %v; want 200 over TLS with HTTP/1.1 (http_protocols defaults to h1)", resp.StatusCode, resp.Proto, resp.TLS != nil)
	}
	if echo["scheme"] != "https" || echo["proto"] != "HTTP/1.1" {
		t.Errorf("the handler saw scheme %v, proto %v", echo["scheme"], echo["proto"])
	}
	if resp.TLS.Version != tls.VersionTLS13 {
		t.Errorf("negotiated TLS %x, want 1.3", resp.TLS.Version)
	}

	// Plain HTTP on the TLS socket: a 400 the client can read.
	resp, err := proctest.Client.Get("http://" + in.Addr() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	code, body := resp.StatusCode, string(b)
	if code != 400 || !strings.Contains(body, "serves HTTPS: the client sent plain HTTP") {
		t.Errorf("plain HTTP to the TLS socket: %d %q", code, body)
	}
}

func TestTLSNegotiatesHTTP2(t *testing.T) {
	p := newPKI(t)
	_, url := startTLS(t, p, "-k", "gthread", "--threads", "4", "--http-protocols", "h2,h1", "echo")
	resp, echo := echoGet(t, httpsClient(p), url+"/")
	if resp.Proto != "HTTP/2.0" || resp.TLS.NegotiatedProtocol != "h2" || echo["proto"] != "HTTP/2.0" {
		t.Fatalf("got %s (ALPN %q), handler saw %v; want HTTP/2.0 through ALPN h2", resp.Proto, resp.TLS.NegotiatedProtocol, echo["proto"])
	}
	// A client without HTTP/2 still gets HTTP/1.1.
	h1 := &http.Client{Timeout: proctest.WaitFor, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.Pool}}}
	resp, echo = echoGet(t, h1, url+"/")
	if resp.Proto != "HTTP/1.1" || echo["proto"] != "HTTP/1.1" {
		t.Errorf("an HTTP/1.1 client got %s", resp.Proto)
	}
}

// sync cannot serve HTTP/2; the master says so once, whatever the number
// of workers and HUPs, and the workers do not repeat it.
func TestTLSSyncServesHTTP1ForH2(t *testing.T) {
	p := newPKI(t)
	in, url := startTLS(t, p, "-k", "sync", "-w", "2", "--http-protocols", "h2,h1", "echo")
	warning := `\[WARNING\] HTTP/2 is not supported by the sync worker class; serving HTTP/1.1`
	in.WaitLog(warning)
	resp, _ := echoGet(t, httpsClient(p), url+"/")
	if resp.Proto != "HTTP/1.1" {
		t.Errorf("sync with h2 listed: got %s, want HTTP/1.1 as gunicorn", resp.Proto)
	}
	in.Reload(2)
	lines := regexp.MustCompile(`.*`+warning).FindAllString(in.Stderr.String(), -1)
	if len(lines) != 1 || !strings.Contains(lines[0], fmt.Sprintf("[%d]", in.Pid())) {
		t.Errorf("the warning was logged %d times, want once by the master (pid %d): %q", len(lines), in.Pid(), lines)
	}
}

func TestTLSClientCertificates(t *testing.T) {
	p := newPKI(t)
	_, url := startTLS(t, p, "--ca-certs", p.CA, "--cert-reqs", "2", "echo")
	if resp, err := httpsClient(p).Get(url + "/"); err == nil {
		resp.Body.Close()
		t.Fatalf("cert_reqs 2 served a client without a certificate: %d", resp.StatusCode)
	} else if !strings.Contains(err.Error(), "certificate required") {
		t.Logf("without a certificate: %v", err)
	}
	resp, _ := echoGet(t, httpsClient(p, p.Client), url+"/")
	if resp.StatusCode != 200 {
		t.Errorf("with a certificate: %d", resp.StatusCode)
	}
}

func TestH2CPriorKnowledge(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-k", "gthread", "--http-protocols", "h2,h1",
		"--http2-cleartext", "prior-knowledge", "echo")
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Timeout: proctest.WaitFor, Transport: &http.Transport{Protocols: &protos}}
	resp, echo := echoGet(t, h2c, in.URL+"/")
	if resp.Proto != "HTTP/2.0" || echo["proto"] != "HTTP/2.0" || echo["scheme"] != "http" {
		t.Fatalf("h2c prior knowledge: got %s, handler saw %v %v", resp.Proto, echo["proto"], echo["scheme"])
	}
	resp, echo = echoGet(t, proctest.Client, in.URL+"/") // HTTP/1.1 on the same socket
	if resp.Proto != "HTTP/1.1" || echo["proto"] != "HTTP/1.1" {
		t.Errorf("HTTP/1.1 next to h2c: got %s", resp.Proto)
	}
}

// TestTLSRenewedCertificateOnHUP: workers read the certificate when they
// start, so a HUP after renewing it puts the new one in service.
func TestTLSRenewedCertificateOnHUP(t *testing.T) {
	p := newPKI(t)
	in, url := startTLS(t, p, "-w", "2", "echo")
	first := p.ServerSerial
	resp, _ := echoGet(t, httpsClient(p), url+"/")
	if sn := resp.TLS.PeerCertificates[0].SerialNumber; sn.Cmp(first) != 0 {
		t.Fatalf("served serial %v, want %v", sn, first)
	}
	p.IssueServer(t)
	in.Reload(2)       // the old workers stop accepting as they drain: wait until they are gone
	for i := range 4 { // new connections, whichever worker takes them
		c := httpsClient(p)
		c.Transport.(*http.Transport).DisableKeepAlives = true
		resp, _ := echoGet(t, c, url+"/")
		if sn := resp.TLS.PeerCertificates[0].SerialNumber; sn.Cmp(p.ServerSerial) != 0 {
			t.Errorf("request %d after HUP: served serial %v, want the renewed %v", i, sn, p.ServerSerial)
		}
	}
}

func TestTLSConfigErrorsNameTheSetting(t *testing.T) {
	p := newPKI(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--certfile", "missing.pem", "echo"}, 2, `--certfile: file "missing.pem" does not exist`},
		{[]string{"--certfile", p.Key, "echo"}, 2, `--certfile: "` + p.Key + `" holds no certificate`},
		{[]string{"--ciphers", "HIGH:!aNULL", "echo"}, 2, `--ciphers: "HIGH" is an OpenSSL cipher keyword or rule`},
		{[]string{"--http2-cleartext", "upgrade", "echo"}, 2, `--http2-cleartext: "upgrade" is not supported`},
		{[]string{"--keyfile", p.Key, "--check-config", "echo"}, 1, `keyfile is set but certfile is not`},
		{[]string{"--certfile", p.Cert, "--keyfile", p.CA, "--check-config", "echo"}, 2, `--keyfile: "` + p.CA + `" holds no private key`},
		{[]string{"--certfile", p.Cert, "--keyfile", p.Key, "--cert-reqs", "2", "--check-config", "echo"}, 1, `ca_certs is not set`},
	}
	for _, tt := range tests {
		code, _, stderr := run(t, p.Dir, nil, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
	// A certificate and a key that do not belong together: found before
	// any worker starts.
	other := newPKI(t)
	code, _, stderr := run(t, p.Dir, nil, "--certfile", p.Cert, "--keyfile", other.Key, "--check-config", "echo")
	if code != 1 || !strings.Contains(stderr, "private key does not match public key") {
		t.Errorf("mismatched pair: exit %d, stderr %q", code, stderr)
	}
}

// TestTLSSessionsResumeOnEveryWorker: the master makes the session ticket
// keys and every worker shares them, so a client resumes its TLS session
// whichever worker takes its next connection, and after a HUP too (the
// keys outlive it).
func TestTLSSessionsResumeOnEveryWorker(t *testing.T) {
	p := newPKI(t)
	in, url := startTLS(t, p, "-w", "2", "--access-logfile", "-", "--access-logformat", "%(p)s %(U)s", "hello")
	cc := p.ClientConfig()
	cc.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	client := &http.Client{Timeout: proctest.WaitFor, Transport: &http.Transport{TLSClientConfig: cc, DisableKeepAlives: true}}
	n := 0
	// get makes one request on a new connection and returns whether its
	// session was resumed and which worker served it.
	get := func() (bool, string) {
		n++
		path := fmt.Sprintf("/r%d", n)
		resp, err := client.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body) // reading brings the server's ticket in
		resp.Body.Close()
		var pid string
		re := regexp.MustCompile(`(?m)^<(\d+)> ` + path + `$`) // %(p)s is <pid>
		if !proctest.Poll(func() bool {
			m := re.FindStringSubmatch(in.Stdout.String())
			if m != nil {
				pid = m[1]
			}
			return m != nil
		}) {
			t.Fatalf("no access log line for %s", path)
		}
		return resp.TLS.DidResume, pid
	}
	if resumed, _ := get(); resumed {
		t.Fatal("the first connection resumed a session it never had")
	}
	served := map[string]int{}
	for len(served) < 2 && n <= 40 {
		resumed, pid := get()
		if !resumed {
			t.Errorf("connection %d (worker %s) did not resume the session", n, pid)
		}
		served[pid]++
	}
	if len(served) < 2 {
		t.Fatalf("40 connections all went to one worker (%v): resumption across workers untested", served)
	}
	t.Logf("resumed sessions on workers %v", served)

	old := in.Reload(2)
	if resumed, pid := get(); !resumed || slices.Contains(old, mustAtoi(t, pid)) {
		t.Errorf("after HUP: resumed %v by worker %s (old ones %v); want resumed by a new worker", resumed, pid, old)
	}
}

// TestTLSKeyReadableByRootOnly: the master reads the key, so workers that
// run as another user serve TLS with a key only root may read.
func TestTLSKeyReadableByRootOnly(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch users")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody here")
	}
	p := newPKI(t)
	if err := os.Chmod(p.Key, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := runnableDir(t) // the workers' user must be able to run the binary
	in := proctest.Start(t, proctest.Setup{Bin: filepath.Join(dir, "gocorn"), Dir: p.Dir}, "-b", "127.0.0.1:0",
		"--certfile", p.Cert, "--keyfile", p.Key, "-u", "nobody", "-g", nobody.Gid, "echo")
	if got := uidOf(t, in.Workers()[0]); got != nobody.Uid {
		t.Fatalf("worker uid %s, want nobody's %s", got, nobody.Uid)
	}
	url := in.URL
	if resp, echo := echoGet(t, httpsClient(p), url+"/"); resp.StatusCode != 200 || echo["scheme"] != "https" {
		t.Errorf("got %d, scheme %v", resp.StatusCode, echo["scheme"])
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTLSHUPUnderLoadLosesNoRequest: HUPs while HTTP/1.1 and HTTP/2
// clients keep their TLS connections busy. Draining workers finish the
// handshakes under way, serve what was sent on each connection, and send
// HTTP/2 clients a GOAWAY; not one request may fail, and each HUP must
// complete promptly (an HTTP/2 connection must not hold a drain until
// graceful_timeout).
func TestTLSHUPUnderLoadLosesNoRequest(t *testing.T) {
	p := newPKI(t)
	in, url := startTLS(t, p, "-w", "2", "-k", "gthread", "--threads", "4", "--http-protocols", "h2,h1",
		"--graceful-timeout", "20", "echo")
	h1 := proctest.StartTLSLoad(url+"/", 4, p.ClientConfig(), false)
	h2 := proctest.StartTLSLoad(url+"/", 4, p.ClientConfig(), true)
	for i := range 4 {
		time.Sleep(500 * time.Millisecond) // spread the HUPs over the load
		begin := time.Now()
		in.Reload(i + 2)
		t.Logf("HUP %d: old workers gone %s after the signal", i+1, time.Since(begin).Round(time.Millisecond))
	}
	for name, l := range map[string]*proctest.Load{"HTTP/1.1": h1, "HTTP/2": h2} {
		res := l.Stop()
		t.Logf("%s over TLS: %d requests, %d failed across 4 HUPs", name, res.OK+res.Failed, res.Failed)
		if res.Failed > 0 || res.OK < 50 {
			t.Errorf("%s: %d ok, %d failed: %v", name, res.OK, res.Failed, res.Errors)
		}
	}
}

// TestTLSBehindProxyProtocol: a TCP balancer (an AWS NLB passing TLS
// through) sends the PROXY header before the TLS handshake; the handler
// sees the client it names, over HTTP/1.1 (through h1) and HTTP/2.
func TestTLSBehindProxyProtocol(t *testing.T) {
	p := newPKI(t)
	in, _ := startTLS(t, p, "-k", "gthread", "--threads", "2", "--http-protocols", "h2,h1", "--proxy-protocol", "v1", "echo")
	for _, proto := range []string{"http/1.1", "h2"} {
		raw := in.Dial()
		io.WriteString(raw, "PROXY TCP4 203.0.113.7 127.0.0.1 5555 443\r\n")
		cc := p.ClientConfig()
		cc.ServerName, cc.NextProtos = "localhost", []string{proto}
		conn := tls.Client(raw, cc)
		tr := &http.Transport{
			DialTLSContext:    func(context.Context, string, string) (net.Conn, error) { return conn, nil },
			ForceAttemptHTTP2: proto == "h2",
			TLSClientConfig:   cc,
		}
		resp, echo := echoGet(t, &http.Client{Timeout: proctest.WaitFor, Transport: tr}, "https://localhost/")
		if echo["remote_addr"] != "203.0.113.7:5555" || echo["scheme"] != "https" || resp.TLS.NegotiatedProtocol != proto {
			t.Errorf("%s: handler saw %v over %v, ALPN %q; want 203.0.113.7:5555 over https", proto, echo["remote_addr"], echo["scheme"], resp.TLS.NegotiatedProtocol)
		}
		tr.CloseIdleConnections()
	}
}

// gunicorn's Python-only SSL options still start the server, with a
// warning that says what to use instead.
func TestGunicornSSLOptionsAcceptedWithAWarning(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "--ssl-version", "TLSv1_2", "--do-handshake-on-connect", "hello")
	in.WaitLog(`\[WARNING\] ssl_version is set to "TLSv1_2" but ignored: .* tls_min_version`)
	in.WaitLog(`\[WARNING\] do_handshake_on_connect is set to True but ignored: `)
	if code, _ := in.Get("/"); code != 200 {
		t.Fatalf("GET: %d", code)
	}
}
