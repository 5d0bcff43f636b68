package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// slogTo is a logger writing one message per line to w.
func slogTo(w io.Writer) *slog.Logger { return slog.New(msgHandler{w}) }

type msgHandler struct{ w io.Writer }

func (h msgHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h msgHandler) Handle(_ context.Context, r slog.Record) error {
	_, err := io.WriteString(h.w, r.Level.String()+" "+r.Message+"\n")
	return err
}
func (h msgHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h msgHandler) WithGroup(string) slog.Handler      { return h }

// fakeConn is a connection that only has addresses, for ConnContext.
type fakeConn struct {
	net.Conn
	remote net.Addr
}

func (c fakeConn) RemoteAddr() net.Addr { return c.remote }

// seen is what a handler behind Handler saw.
type seen struct {
	called bool
	remote string
	scheme string
	peer   string
}

// serve runs one request from remote through px.Handler, with ConnContext
// when wired.
func serve(t *testing.T, px *Proxy, wired bool, remote string, tlsConn bool, header http.Header) (seen, *httptest.ResponseRecorder) {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = remote
	r.Header = header
	if tlsConn {
		r.TLS = &tls.ConnectionState{}
	}
	if wired {
		ctx := px.ConnContext(context.Background(), fakeConn{remote: addrOf(remote)})
		r = r.WithContext(ctx)
	}
	var s seen
	w := httptest.NewRecorder()
	px.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s = seen{called: true, remote: r.RemoteAddr, scheme: Scheme(r)}
		if p := Peer(r); p != nil {
			s.peer = p.String()
		}
	})).ServeHTTP(w, r)
	return s, w
}

var gunicornSchemes = map[string]string{"X-FORWARDED-PROTOCOL": "ssl", "X-FORWARDED-PROTO": "https", "X-FORWARDED-SSL": "on"}

func TestForwardedFor(t *testing.T) {
	px := New(Config{Forwarded: trust("127.0.0.1", "::1", "10.1.0.0/16"), SchemeHeaders: gunicornSchemes})
	star := New(Config{Forwarded: trust("*")})
	tests := []struct {
		name   string
		px     *Proxy
		remote string
		xff    []string
		want   string
	}{
		{"one client", px, "127.0.0.1:4000", []string{"203.0.113.5"}, "203.0.113.5:0"},
		{"no header", px, "127.0.0.1:4000", nil, "127.0.0.1:4000"},
		{"empty header", px, "127.0.0.1:4000", []string{""}, "127.0.0.1:4000"},
		{"untrusted peer", px, "192.0.2.1:4000", []string{"203.0.113.5"}, "192.0.2.1:4000"},
		{"unix peer", px, "@", []string{"203.0.113.5"}, "203.0.113.5:0"},
		{"IPv6 peer", px, "[::1]:4000", []string{"2001:db8::5"}, "[2001:db8::5]:0"},
		{"our proxies are skipped", px, "127.0.0.1:1", []string{"203.0.113.5, 10.1.0.1"}, "203.0.113.5:0"},
		{"the rightmost stranger", px, "127.0.0.1:1", []string{"198.51.100.1, 203.0.113.5, 10.1.0.1, 10.1.0.2"}, "203.0.113.5:0"},
		{"several fields", px, "127.0.0.1:1", []string{"198.51.100.1", "203.0.113.5, 10.1.0.1"}, "203.0.113.5:0"},
		{"several fields, stranger last", px, "127.0.0.1:1", []string{"10.1.0.9", "203.0.113.5"}, "203.0.113.5:0"},
		{"all ours: the leftmost", px, "127.0.0.1:1", []string{"10.1.0.2, 10.1.0.1"}, "10.1.0.2:0"},
		{"loopback client through a local proxy", px, "@", []string{"127.0.0.1"}, "127.0.0.1:0"},
		{"garbage ends the walk", px, "127.0.0.1:1", []string{"203.0.113.5, unknown, 10.1.0.1"}, "10.1.0.1:0"},
		{"only garbage", px, "127.0.0.1:1", []string{"unknown"}, "127.0.0.1:1"},
		{"garbage on the right", px, "127.0.0.1:1", []string{"203.0.113.5, _hidden"}, "127.0.0.1:1"},
		{"blanks and empty entries", px, "127.0.0.1:1", []string{" , 203.0.113.5 ,\t, "}, "203.0.113.5:0"},
		{"IPv4 with port", px, "127.0.0.1:1", []string{"203.0.113.5:8080"}, "203.0.113.5:8080"},
		{"IPv6 with port", px, "127.0.0.1:1", []string{"[2001:db8::5]:443"}, "[2001:db8::5]:443"},
		{"bracketed IPv6", px, "127.0.0.1:1", []string{"[2001:db8::5]"}, "[2001:db8::5]:0"},
		{"bracketed IPv4", px, "127.0.0.1:1", []string{"[203.0.113.5]"}, "127.0.0.1:1"},
		{"IPv4-mapped", px, "127.0.0.1:1", []string{"::ffff:203.0.113.5"}, "203.0.113.5:0"},
		{"zone", px, "127.0.0.1:1", []string{"fe80::1%eth0"}, "127.0.0.1:1"},
		{"port out of range", px, "127.0.0.1:1", []string{"203.0.113.5:70000"}, "127.0.0.1:1"},
		{"star: the rightmost", star, "192.0.2.1:1", []string{"198.51.100.1, 203.0.113.5"}, "203.0.113.5:0"},
		{"star: even a loopback entry", star, "192.0.2.1:1", []string{"198.51.100.1, 127.0.0.1"}, "127.0.0.1:0"},
	}
	for _, tt := range tests {
		for _, wired := range []bool{true, false} {
			h := http.Header{}
			for _, v := range tt.xff {
				h.Add("X-Forwarded-For", v)
			}
			s, _ := serve(t, tt.px, wired, tt.remote, false, h)
			if s.remote != tt.want {
				t.Errorf("%s (wired %v): RemoteAddr = %q, want %q", tt.name, wired, s.remote, tt.want)
			}
			if wantPeer := addrOf(tt.remote).String(); s.peer != wantPeer {
				t.Errorf("%s (wired %v): Peer = %q, want %q", tt.name, wired, s.peer, wantPeer)
			}
		}
	}
}

func TestSecureSchemeHeaders(t *testing.T) {
	px := New(Config{Forwarded: trust("127.0.0.1"), SchemeHeaders: gunicornSchemes})
	custom := New(Config{Forwarded: trust("127.0.0.1"), SchemeHeaders: map[string]string{"x-scheme": "secure"}})
	none := New(Config{Forwarded: trust("127.0.0.1")})
	const trusted, stranger = "127.0.0.1:1", "192.0.2.1:1"
	tests := []struct {
		name    string
		px      *Proxy
		remote  string
		tls     bool
		headers []string // name: value
		want    string   // scheme, or "400"
	}{
		{"plain", px, trusted, false, nil, "http"},
		{"TLS", px, trusted, true, nil, "https"},
		{"proto https", px, trusted, false, []string{"X-Forwarded-Proto: https"}, "https"},
		{"proto http downgrades TLS", px, trusted, true, []string{"X-Forwarded-Proto: http"}, "http"},
		{"value is case-sensitive", px, trusted, false, []string{"X-Forwarded-Proto: HTTPS"}, "http"},
		{"any other value is http", px, trusted, true, []string{"X-Forwarded-Proto: wss"}, "http"},
		{"ssl on", px, trusted, false, []string{"X-Forwarded-Ssl: on"}, "https"},
		{"protocol ssl", px, trusted, false, []string{"X-Forwarded-Protocol: ssl"}, "https"},
		{"agreeing headers", px, trusted, false, []string{"X-Forwarded-Proto: https", "X-Forwarded-Ssl: on", "X-Forwarded-Protocol: ssl"}, "https"},
		{"agreeing http headers", px, trusted, true, []string{"X-Forwarded-Proto: http", "X-Forwarded-Ssl: off"}, "http"},
		{"contradiction", px, trusted, false, []string{"X-Forwarded-Proto: https", "X-Forwarded-Ssl: off"}, "400"},
		{"contradiction in one header", px, trusted, false, []string{"X-Forwarded-Proto: https", "X-Forwarded-Proto: http"}, "400"},
		{"untrusted: ignored", px, stranger, false, []string{"X-Forwarded-Proto: https"}, "http"},
		{"untrusted TLS: ignored", px, stranger, true, []string{"X-Forwarded-Proto: http"}, "https"},
		{"untrusted contradiction: ignored", px, stranger, false, []string{"X-Forwarded-Proto: https", "X-Forwarded-Ssl: off"}, "http"},
		{"custom table, lower-case name", custom, trusted, false, []string{"X-Scheme: secure"}, "https"},
		{"custom table ignores the defaults", custom, trusted, false, []string{"X-Forwarded-Proto: https"}, "http"},
		{"empty table", none, trusted, false, []string{"X-Forwarded-Proto: https"}, "http"},
	}
	for _, tt := range tests {
		for _, wired := range []bool{true, false} {
			h := http.Header{}
			for _, kv := range tt.headers {
				k, v, _ := strings.Cut(kv, ": ")
				h.Add(k, v)
			}
			s, w := serve(t, tt.px, wired, tt.remote, tt.tls, h)
			if tt.want == "400" {
				if s.called || w.Code != 400 || !strings.Contains(w.Body.String(), "Contradictory scheme headers") {
					t.Errorf("%s: called=%v, %d %q; want 400 Contradictory scheme headers", tt.name, s.called, w.Code, w.Body)
				}
				continue
			}
			if !s.called || s.scheme != tt.want {
				t.Errorf("%s (wired %v): scheme %q, want %q", tt.name, wired, s.scheme, tt.want)
			}
		}
	}
}

// The 400 is gunicorn's page and closes the connection, through a real
// server, and is logged.
func TestContradictionPage(t *testing.T) {
	var log bytes.Buffer
	px := New(Config{Forwarded: trust("127.0.0.1"), SchemeHeaders: gunicornSchemes, ErrorLog: slogTo(&log)})
	srv := httptest.NewUnstartedServer(px.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the handler ran")
	})))
	srv.Config.ConnContext = px.ConnContext
	srv.Start()
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n\r\n")
	got, _ := io.ReadAll(c)
	body := "<html>\n  <head>\n    <title>Bad Request</title>\n  </head>\n  <body>\n" +
		"    <h1><p>Bad Request</p></h1>\n    Contradictory scheme headers\n  </body>\n</html>\n"
	// net/http sorts the three headers; no Date, no Server.
	want := "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(body)) +
		"\r\nContent-Type: text/html\r\n\r\n" + body
	if string(got) != want {
		t.Errorf("got:\n%q\nwant:\n%q", got, want)
	}
	if !strings.Contains(log.String(), "WARN Invalid request from ip=127.0.0.1: Contradictory scheme headers") {
		t.Errorf("log: %q", log.String())
	}
}

// Without ConnContext or Handler, Scheme and Peer fall back to the
// connection.
func TestUnwired(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	if Scheme(r) != "http" || Peer(r) != nil || HeaderOf(r) != nil || Trusted(r) {
		t.Errorf("unwired: %s %v %v %v", Scheme(r), Peer(r), HeaderOf(r), Trusted(r))
	}
	r.TLS = &tls.ConnectionState{}
	if Scheme(r) != "https" {
		t.Error("unwired TLS request is not https")
	}
}

// Scheme trusts the peer after a PROXY header, not the proxy that sent it:
// behind a TCP proxy on loopback, a client cannot claim https.
func TestTrustFollowsTheProxyHeader(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := New(Config{Protocol: V1, ProtocolPeers: trust("127.0.0.1"),
		Forwarded: trust("127.0.0.1", "10.9.0.0/16"), SchemeHeaders: gunicornSchemes})
	srv := &http.Server{ConnContext: px.ConnContext, Handler: px.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.RemoteAddr+" "+Scheme(r)+" "+Peer(r).String())
	}))}
	go srv.Serve(px.Listener(l))
	defer srv.Close()
	for _, tt := range []struct{ client, want string }{
		{"203.0.113.7", "203.0.113.7:5555 http 127.0.0.1:"}, // a stranger: its headers do not count
		{"10.9.0.1", "198.51.100.1:0 https 127.0.0.1:"},     // one of our L7 proxies: they do
	} {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "PROXY TCP4 "+tt.client+" 127.0.0.1 5555 80\r\nGET / HTTP/1.0\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 198.51.100.1\r\n\r\n")
		got, _ := io.ReadAll(c)
		c.Close()
		if !strings.Contains(string(got), "\r\n\r\n"+tt.want) {
			t.Errorf("client %s: got %q, want body %q...", tt.client, got, tt.want)
		}
	}
}

// Through TLS: the PROXY header comes before the handshake, Peer looks
// through the tls.Conn, and the scheme is https unless a trusted proxy
// says otherwise.
func TestProxyHeaderBeforeTLS(t *testing.T) {
	px := New(Config{Protocol: Auto, ProtocolPeers: trust("127.0.0.1"),
		Forwarded: trust("203.0.113.0/24"), SchemeHeaders: gunicornSchemes})
	ts := httptest.NewUnstartedServer(px.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.RemoteAddr+" "+Scheme(r)+" "+Peer(r).String()+" "+HeaderOf(r).Protocol)
	})))
	ts.Config.ConnContext = px.ConnContext
	ts.Listener = px.Listener(ts.Listener)
	ts.StartTLS()
	defer ts.Close()
	for _, tt := range []struct{ proto, want string }{
		{"", "203.0.113.7:5555 https "},
		{"X-Forwarded-Proto: http\r\n", "203.0.113.7:5555 http "},
	} {
		raw, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(raw, "PROXY TCP4 203.0.113.7 127.0.0.1 5555 443\r\n")
		c := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
		io.WriteString(c, "GET / HTTP/1.0\r\n"+tt.proto+"\r\n")
		got, _ := io.ReadAll(c)
		c.Close()
		if want := tt.want + raw.LocalAddr().String() + " TCP4"; !strings.HasSuffix(string(got), "\r\n\r\n"+want) {
			t.Errorf("got %q, want body %q", got, want)
		}
	}
}

// wrapper is a connection wrapper that tells what it wraps, as the
// worker's own wrappers do.
type wrapper struct{ net.Conn }

func (w wrapper) NetConn() net.Conn { return w.Conn }

func TestFindConn(t *testing.T) {
	pc := (&Protocol{Mode: Auto}).Conn(nil)
	if findConn(wrapper{wrapper{pc}}) != pc || findConn(pc) != pc {
		t.Error("findConn does not see through NetConn")
	}
	if findConn(fakeConn{}) != nil || findConn(wrapper{fakeConn{}}) != nil {
		t.Error("findConn found a Conn that is not there")
	}
}
