package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gocorn/gocorn/server/h1"
)

// Config is the proxy settings of gocorn's config, parsed and checked.
type Config struct {
	// Forwarded are the peers whose X-Forwarded-For, secure scheme
	// headers and forwarder headers count (forwarded_allow_ips); nil
	// trusts unix-socket peers only.
	Forwarded *Trust
	// SchemeHeaders map a header name (any case) to the value that means
	// https (secure_scheme_headers); no two names may be the same header.
	SchemeHeaders map[string]string
	Protocol      Mode   // proxy_protocol
	ProtocolPeers *Trust // proxy_allow_ips: who may send a PROXY header
	// HeaderTimeout bounds reading a PROXY header; 0 means
	// DefaultHeaderTimeout. Give it the worker's header-read timeout.
	HeaderTimeout time.Duration
	// ErrorLog receives a warning for every rejected PROXY header and
	// every request with contradictory scheme headers; nil discards.
	ErrorLog *slog.Logger
}

// Proxy is a worker's view of the proxies in front of it: the PROXY
// protocol on its listeners, and X-Forwarded-For and the secure scheme
// headers of trusted peers on its requests.
type Proxy struct {
	forwarded *Trust
	schemes   []schemeHeader
	protocol  *Protocol
	log       *slog.Logger
}

// schemeHeader is one secure_scheme_headers entry: a canonical header
// name and the value that means https.
type schemeHeader struct{ name, secure string }

// New makes the proxies' view of c.
func New(c Config) *Proxy {
	if c.Forwarded == nil {
		c.Forwarded = &Trust{}
	}
	return &Proxy{
		forwarded: c.Forwarded,
		schemes:   schemeHeaders(c.SchemeHeaders),
		protocol:  &Protocol{Mode: c.Protocol, Allow: c.ProtocolPeers, Timeout: c.HeaderTimeout, Log: c.ErrorLog},
		log:       c.ErrorLog,
	}
}

// schemeHeaders puts the names in canonical form, sorted for a stable
// order.
func schemeHeaders(m map[string]string) []schemeHeader {
	out := make([]schemeHeader, 0, len(m))
	for name, value := range m {
		out = append(out, schemeHeader{name: textproto.CanonicalMIMEHeaderKey(name), secure: value})
	}
	slices.SortFunc(out, func(a, b schemeHeader) int { return strings.Compare(a.name, b.name) })
	return out
}

// Mode is the PROXY protocol mode in use.
func (p *Proxy) Mode() Mode { return p.protocol.Mode }

// Forwarded is forwarded_allow_ips, parsed: the peers whose X-Forwarded-For
// and secure scheme headers count. The strict HTTP layer can use it for
// forwarder_headers.
func (p *Proxy) Forwarded() *Trust { return p.forwarded }

// Listener wraps l to read PROXY headers, or returns l when the mode is
// off. See Protocol for what it does. In a worker it goes right over the
// socket's listener, under anything that counts or wraps connections.
func (p *Proxy) Listener(l net.Listener) net.Listener { return p.protocol.Listener(l) }

// ConnContext is the http.Server.ConnContext hook that lets Handler,
// Scheme and Peer see each request's connection: it records the
// connection without reading from it (it runs in the accept loop). The
// PROXY protocol needs it: net/http takes a connection's RemoteAddr before
// reading the header, and Handler puts the header's client into each
// request from here. Without it X-Forwarded-For and the scheme headers
// still work, at the price of an allocation per request.
func (p *Proxy) ConnContext(ctx context.Context, c net.Conn) context.Context {
	cc := &connCtx{Context: ctx}
	cc.info.px, cc.info.conn = p, c
	return cc
}

// connKey is the context key of a *connInfo.
type connKey struct{}

// connCtx is a context carrying a connInfo, in one allocation per
// connection.
type connCtx struct {
	context.Context
	info connInfo
}

func (c *connCtx) Value(key any) any {
	if key == (connKey{}) {
		return &c.info
	}
	return c.Context.Value(key)
}

// connInfo is what a connection tells about its requests' peers. It is
// filled on first use, by a handler: the connection has been read from,
// so any PROXY header has been read.
type connInfo struct {
	px   *Proxy
	conn net.Conn // nil when built from a request

	once      sync.Once
	remote    net.Addr // RemoteAddr: the PROXY header's client, else the peer
	remoteStr string   // remote as http.Request.RemoteAddr shows it
	peer      net.Addr // the socket's peer
	header    *Header
	trusted   bool // remote is in forwarded_allow_ips
}

func (ci *connInfo) init() {
	ci.once.Do(func() {
		if ci.conn == nil {
			return // built by requestInfo, complete
		}
		ci.remote = ci.conn.RemoteAddr() // wrappers pass it on from the *Conn
		ci.remoteStr = ci.remote.String()
		ci.peer = ci.remote
		if pc := findConn(ci.conn); pc != nil {
			ci.peer, ci.header = pc.Peer(), pc.Header()
		}
		ci.trusted = ci.px.forwarded.Allows(ci.remote)
	})
}

// findConn finds a *Conn under wrappers that expose what they wrap with
// NetConn, as tls.Conn does.
func findConn(c net.Conn) *Conn {
	for range 8 { // wrappers do not nest deeper; a cycle would loop
		switch w := c.(type) {
		case *Conn:
			return w
		case interface{ NetConn() net.Conn }:
			c = w.NetConn()
		default:
			return nil
		}
	}
	return nil
}

// requestInfo is a connInfo for a request served without ConnContext,
// from its RemoteAddr.
func (p *Proxy) requestInfo(r *http.Request) *connInfo {
	ci := &connInfo{px: p, remote: addrOf(r.RemoteAddr), remoteStr: r.RemoteAddr}
	ci.peer = ci.remote
	ci.trusted = p.forwarded.AllowsRemote(r.RemoteAddr)
	return ci
}

// addrOf turns a RemoteAddr back into a net.Addr: TCP for an IP, unix
// otherwise.
func addrOf(remote string) net.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return net.TCPAddrFromAddrPort(ap)
	}
	return &net.UnixAddr{Name: remote, Net: "unix"}
}

// infoOf finds the request's connInfo, if the request came through
// ConnContext or Handler.
func infoOf(r *http.Request) *connInfo {
	ci, _ := r.Context().Value(connKey{}).(*connInfo)
	if ci != nil {
		ci.init()
	}
	return ci
}

// Handler applies what proxies said to each request before next sees it.
//
// With ConnContext wired, it first sets r.RemoteAddr to the connection's
// RemoteAddr as it is now: the client of a PROXY header, which net/http
// could not know when it took the address, before the header was read.
//
// A peer is trusted when it is in forwarded_allow_ips; the
// peer is the connection's RemoteAddr, so after a PROXY header it is the
// client the header named, not the proxy that sent it (gunicorn checks
// the proxy, which lets anyone behind a TCP proxy spoof the scheme). For a
// request from an untrusted peer Handler changes nothing, and nothing the
// request says affects RemoteAddr, Scheme or the access log.
//
// For a trusted peer:
//
//   - Secure scheme headers set the scheme Scheme reports, as gunicorn's
//     secure_scheme_headers (reference §7.5): a header whose name is in
//     the table means https when its value is exactly the table's value,
//     else http (so "X-Forwarded-Proto: http" makes a TLS request http);
//     names match in any case. Headers that disagree get 400 "Contradictory
//     scheme headers", gunicorn's error page, and a closed connection; next
//     does not run and no access log line is written.
//
//   - X-Forwarded-For sets r.RemoteAddr, which gunicorn never does. The
//     list (all X-Forwarded-For fields in order, comma-separated) is walked
//     from the right, since each proxy appends the address it received
//     from: an entry in forwarded_allow_ips is another proxy of ours and
//     the walk goes on; the first entry that is not is the client. When
//     every entry is a proxy of ours the leftmost is the client. An entry
//     that is not an address ("unknown", garbage) ends the walk, and the
//     client is the last address before it (or the peer itself). "*"
//     trusts every peer's headers but makes no entry a proxy, so with "*"
//     the client is the rightmost entry, the one the peer added itself:
//     the leftmost is whatever the first client chose to send. Entries
//     may be IPv4, IPv6, "[IPv6]", "IP:port" or "[IPv6]:port"; the new
//     RemoteAddr is "IP:port" ("[IPv6]:port") with the entry's port, or 0
//     when it has none: the peer's port belongs to the proxy, not to the
//     client. r.RemoteAddr is rewritten in place, as the outermost handler
//     of the connection may do.
//
// Peer keeps the socket's peer, and the X-Forwarded-For header is left as
// it is for handlers that want the whole chain.
func (p *Proxy) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ci, _ := r.Context().Value(connKey{}).(*connInfo)
		if ci == nil || ci.px != p {
			ci = p.requestInfo(r)
			r = r.WithContext(context.WithValue(r.Context(), connKey{}, ci))
		}
		ci.init()
		r.RemoteAddr = ci.remoteStr // net/http took it before any PROXY header was read
		if !ci.trusted {
			next.ServeHTTP(w, r)
			return
		}
		if _, ok := p.scheme(r); !ok {
			p.contradiction(w, r)
			return
		}
		if client, ok := p.client(r); ok {
			r.RemoteAddr = client.String()
		}
		next.ServeHTTP(w, r)
	})
}

// baseScheme is the scheme of the connection itself.
func baseScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// scheme applies the secure scheme headers; false means they contradict
// each other.
func (p *Proxy) scheme(r *http.Request) (string, bool) {
	s, decided := baseScheme(r), false
	for _, sh := range p.schemes {
		for _, v := range r.Header[sh.name] {
			got := "http"
			if v == sh.secure {
				got = "https"
			}
			if decided && got != s {
				return s, false
			}
			s, decided = got, true
		}
	}
	return s, true
}

// contradiction answers 400 as gunicorn does for contradictory scheme
// headers.
func (p *Proxy) contradiction(w http.ResponseWriter, r *http.Request) {
	const msg = "Contradictory scheme headers"
	if p.log != nil {
		p.log.Warn(fmt.Sprintf("Invalid request from ip=%s: %s", remoteHost(r.RemoteAddr), msg))
	}
	h1.ServeErrorPage(w, http.StatusBadRequest, msg)
}

// remoteHost is the host part of a RemoteAddr, for logs.
func remoteHost(remote string) string {
	if ip, ok := parseRemoteIP(remote); ok {
		return ip.String()
	}
	return remote
}

// client walks X-Forwarded-For from the right; see Handler. ok is false
// when the header names no address.
func (p *Proxy) client(r *http.Request) (client netip.AddrPort, ok bool) {
	values := r.Header["X-Forwarded-For"]
	for i := len(values) - 1; i >= 0; i-- {
		v := values[i]
		for v != "" {
			item := v
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				item, v = v[j+1:], v[:j]
			} else {
				v = ""
			}
			item = strings.Trim(item, " \t")
			if item == "" {
				continue
			}
			ap, valid := parseForwardedFor(item)
			if !valid {
				return client, ok
			}
			client, ok = ap, true
			if !p.forwarded.listed(ap.Addr()) {
				return client, true
			}
		}
	}
	return client, ok
}

// parseForwardedFor reads one X-Forwarded-For entry: IP, [IPv6], IP:port
// or [IPv6]:port. Zones are refused; IPv4-mapped IPv6 becomes IPv4.
func parseForwardedFor(s string) (netip.AddrPort, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(a.Unmap(), 0), a.Zone() == ""
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), ap.Addr().Zone() == ""
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() && a.Zone() == "" {
			return netip.AddrPortFrom(a.Unmap(), 0), true
		}
	}
	return netip.AddrPort{}, false
}

// Scheme is the request's scheme, "https" or "http": https when the
// connection is TLS, unless a trusted proxy's secure scheme header says
// otherwise (see Handler). It needs ConnContext or Handler on the request's
// way; without either it reports the connection's own scheme only.
func Scheme(r *http.Request) string {
	ci := infoOf(r)
	if ci == nil || !ci.trusted {
		return baseScheme(r)
	}
	s, _ := ci.px.scheme(r)
	return s
}

// Peer is the address of the socket's peer: the machine that opened the
// connection to gocorn (a proxy, when one is in front), whatever a PROXY
// header or X-Forwarded-For said about the client, which r.RemoteAddr
// holds. A unix-socket peer is a *net.UnixAddr. Without ConnContext it is
// the request's RemoteAddr before Handler rewrote it, and nil on a request
// that went through neither.
func Peer(r *http.Request) net.Addr {
	if ci := infoOf(r); ci != nil {
		return ci.peer
	}
	return nil
}

// HeaderOf is the PROXY header the request's connection started with, or
// nil. It needs ConnContext.
func HeaderOf(r *http.Request) *Header {
	if ci := infoOf(r); ci != nil {
		return ci.header
	}
	return nil
}

// Trusted tells whether the request's peer (after any PROXY header) is in
// forwarded_allow_ips. It needs ConnContext or Handler; without either it
// is false.
func Trusted(r *http.Request) bool {
	ci := infoOf(r)
	return ci != nil && ci.trusted
}
