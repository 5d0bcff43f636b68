package h1

import (
	"net"
	"strings"
)

// HeaderMap says what happens to a header whose name contains an
// underscore, which a WSGI server cannot tell apart from one with a dash
// (X_Forwarded_For and X-Forwarded-For both become HTTP_X_FORWARDED_FOR),
// so a client can smuggle one past a proxy that only filters the other.
type HeaderMap string

// The header_map values, gunicorn's names.
const (
	HeaderMapDrop      HeaderMap = "drop"      // discard the header silently (the default)
	HeaderMapRefuse    HeaderMap = "refuse"    // reject the request with 400
	HeaderMapDangerous HeaderMap = "dangerous" // keep it
)

// Options are what a connection is checked against. One Options value is
// shared by every connection of a worker and must not change once a
// connection uses it.
type Options struct {
	// The limits, as the settings give them; gunicorn's meaning is applied
	// here (see Limits).
	LimitRequestLine      int // bytes; 0: no limit of its own; above 8190: 8190
	LimitRequestFields    int // 0 or above 32768: 32768
	LimitRequestFieldSize int // bytes of one header line with its CRLF; 0: 8190

	PermitObsoleteFolding           bool // join folded header lines with a space instead of 400
	StripHeaderSpaces               bool // "Name : v" is "Name: v" instead of 400
	PermitUnconventionalHTTPMethod  bool // methods with lower case or '#', or outside 3..20 bytes
	PermitUnconventionalHTTPVersion bool // versions outside 1.0..1.9, given to net/http as 1.0 or 1.1
	CasefoldHTTPMethod              bool // upper-case the method

	HeaderMap HeaderMap // "" means drop

	// ForwarderHeaders are the underscore names a trusted peer may send
	// (upper case, "*" for any); header_map does not apply to them.
	ForwarderHeaders []string

	// Trusted tells whether a peer may send ForwarderHeaders (the proxy
	// code supplies it from forwarded_allow_ips). Nil trusts only peers
	// that are not TCP addresses (unix sockets), as gunicorn does.
	Trusted func(net.Addr) bool

	// PassHTTP2Preface hands a connection that starts with the HTTP/2
	// prior-knowledge preface to net/http untouched (h2c). Without it the
	// preface is an HTTP/1 request like any other, and a bad one (400).
	PassHTTP2Preface bool

	// NoSendfile copies responses through the worker (io.Copy) instead of
	// handing file responses to the kernel's sendfile or splice: the
	// sendfile setting, off.
	NoSendfile bool
}

// Defaults are gunicorn's default settings.
var Defaults = &Options{
	LimitRequestLine:      4094,
	LimitRequestFields:    100,
	LimitRequestFieldSize: 8190,
	ForwarderHeaders:      []string{"SCRIPT_NAME", "PATH_INFO"},
}

// The bounds gunicorn applies to the limit settings.
const (
	maxRequestLine   = 8190
	maxHeaders       = 32768
	defaultFieldSize = 8190

	// noLineLimit bounds a request line when limit_request_line is 0
	// (gunicorn's "unlimited"), so memory stays bounded.
	noLineLimit = 64 << 10

	// maxTrailerBytes is the most a trailer section may take once
	// normalised: net/http reads trailers from its 4 KiB buffer.
	maxTrailerBytes = 4096

	// maxChunkLine bounds a chunk-size line with its extensions.
	maxChunkLine = 4096
)

// Limits are the limits in force, gunicorn's meaning applied.
type Limits struct {
	Line      int // longest request line, without its CRLF; 0: no limit (bounded by noLineLimit)
	Fields    int // most header fields
	FieldSize int // longest header line, CRLF and folds included
	Block     int // most bytes of the header block after the request line
}

// Limits resolves the limit settings as gunicorn does: a line limit of 0
// means none and above 8190 means 8190; a field count of 0 or above 32768
// means 32768; a field size of 0 means 8190. The header block may take
// fields*(field_size+2)+4 bytes.
func (o *Options) Limits() Limits {
	l := Limits{Line: o.LimitRequestLine, Fields: o.LimitRequestFields, FieldSize: o.LimitRequestFieldSize}
	if l.Line < 0 || l.Line > maxRequestLine {
		l.Line = maxRequestLine
	}
	if l.Fields <= 0 || l.Fields > maxHeaders {
		l.Fields = maxHeaders
	}
	if l.FieldSize <= 0 {
		l.FieldSize = defaultFieldSize
	}
	l.Block = l.Fields*(l.FieldSize+2) + 4
	return l
}

// lineCap is the longest request line read before answering 414.
func (l Limits) lineCap() int {
	if l.Line == 0 {
		return noLineLimit
	}
	return l.Line
}

// MaxHeadBytes is the largest request head (request line and header
// block) a connection hands to net/http: the largest it accepts, plus a
// byte per field for the space its normal form puts after the colon.
// Set http.Server.MaxHeaderBytes to it, so net/http never refuses with
// its own 431 a head h1 accepted.
func MaxHeadBytes(o *Options) int {
	l := o.Limits()
	return l.lineCap() + 2 + l.Block + l.Fields + 4
}

// headerMap is o.HeaderMap with its default.
func (o *Options) headerMap() HeaderMap {
	if o.HeaderMap == "" {
		return HeaderMapDrop
	}
	return o.HeaderMap
}

// trusts tells whether the peer at addr may send forwarder headers.
func (o *Options) trusts(addr net.Addr) bool {
	if o.Trusted != nil {
		return o.Trusted(addr)
	}
	_, tcp := addr.(*net.TCPAddr)
	return !tcp
}

// forwarder tells whether the upper-case name is one of ForwarderHeaders.
func (o *Options) forwarder(name []byte) bool {
	for _, f := range o.ForwarderHeaders {
		if f == "*" || strings.EqualFold(f, string(name)) {
			return true
		}
	}
	return false
}
