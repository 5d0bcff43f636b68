// Package proxy lets a gocorn worker see through the proxies in front of
// it, as gunicorn's forwarded_allow_ips, secure_scheme_headers,
// proxy_protocol and proxy_allow_ips settings do, so that handlers
// (r.RemoteAddr, Scheme), the echo app and the access log's %(h)s show the
// real client and scheme, and peers that are not trusted can spoof
// nothing.
//
// Two layers, built together by New from the settings, which package starcfg
// has parsed (this package depends on the standard library and server/h1 only):
//
//   - Listener (Protocol) reads an optional PROXY protocol v1 or v2 header
//     at the start of each connection, from peers in proxy_allow_ips, and
//     makes the client it names the connection's RemoteAddr for the whole
//     connection. It sits directly on the socket, before TLS and before
//     any HTTP parsing.
//   - Handler, for requests from peers in forwarded_allow_ips, takes the
//     client from X-Forwarded-For into r.RemoteAddr and the scheme from the
//     secure scheme headers, which Scheme then reports.
//
// ConnContext, installed as http.Server.ConnContext, gives Handler, Scheme
// and Peer the request's connection without an allocation per request;
// the PROXY protocol needs it (see Proxy.ConnContext).
//
// Wiring, in a worker:
//
//	px, err := proxy.New(proxy.Config{...})
//	l = px.Listener(l)            // on the socket's listener, under TLS and HTTP parsing
//	srv.ConnContext = px.ConnContext
//	srv.Handler = px.Handler(h)   // outermost, so the access log sees the client
//
// Connection wrappers between the listener and net/http must pass
// RemoteAddr through (embedding net.Conn does); they may call it at any
// time, since it never blocks, but before the first Read it is the real
// peer. For Peer and HeaderOf to find the PROXY connection under them they
// need a NetConn method, as tls.Conn has.
//
// Addresses: a trust list holds IPs and CIDR prefixes; IPv4-mapped IPv6
// addresses count as IPv4, and unix-socket peers are always trusted (only
// local processes can connect, and the socket's permissions say which).
package proxy
