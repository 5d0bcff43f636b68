// Package h1 reads HTTP/1 requests as gunicorn 26.1 does, in front of
// net/http.
//
// Wrap wraps a connection so that its reads give net/http only requests
// that pass gunicorn's rules (RFC 9110/9112, plus gunicorn's limits and
// policies), in a plain form net/http cannot read differently: field lines
// re-written as "Name: value", folds joined when permitted, names with
// underscores dropped or kept as header_map says, the framing fields
// reduced to one Content-Length or "Transfer-Encoding: chunked", chunk
// lines re-written as bare sizes, trailers checked. h1 follows each
// request's framing itself, so it knows where each request ends on a
// kept-alive or pipelined connection, and gives net/http one request per
// read.
//
// When a request is bad, h1 stops before it: net/http serves the requests
// before it, then reads the end of the connection and closes it; on Close
// h1 writes gunicorn's error page for the bad request (HTTP/1.1, three
// headers, an HTML body) and logs "Invalid request from ip=IP: <error>".
// Bad chunks and truncated bodies close the connection without a response.
// net/http's background read (one byte, while a handler runs) waits instead
// of seeing the end, so the running request keeps its context.
//
// ErrorPage, ErrorBody, ServeErrorPage and Repr are gunicorn's error page
// and its quoting of request bytes, for the other layers that refuse in
// gunicorn's words (the PROXY protocol's, the proxy headers', the mount
// prefix's).
//
// Three things are for whoever serves the connections: set
// http.Server.MaxHeaderBytes to MaxHeadBytes, call (*Conn).Hijacked on
// http.StateHijacked so upgraded connections pass untouched, and wrap
// plaintext (after TLS and the PROXY protocol).
//
// docs/http-parsing.md lists the rules, where gocorn differs from gunicorn
// on purpose, what the handler sees, and what net/http alone gets wrong,
// measured with the requests in testdata/requests.
package h1
