package h1

import (
	"bytes"
	"math"
	"net"
)

// bodyKind is how a request's body is framed.
type bodyKind uint8

const (
	bodyNone    bodyKind = iota // no body (no Content-Length, no Transfer-Encoding)
	bodyLength                  // Content-Length bytes
	bodyChunked                 // chunked transfer coding
)

// head is what the connection needs to know of a request it let through.
type head struct {
	body    bodyKind
	length  int64 // Content-Length, for bodyLength
	upgrade bool  // may switch protocols (an Upgrade header, or CONNECT): wait for the handler
}

// field kinds the framing checks look at, in header order.
type fieldKind uint8

const (
	fContentLength fieldKind = iota + 1
	fTransferEncoding
	fHost
	fContentType
	fExpect
	fTrailer
	fUpgrade
)

// field records a header the checks after the header lines need; its
// value is at scratch[start:end].
type field struct {
	kind       fieldKind
	start, end int
}

// parser checks request heads, chunk lines and trailer sections, and
// writes the normalised bytes net/http is given. Its buffers are reused
// from one request to the next.
type parser struct {
	o    *Options
	lim  Limits
	peer interface{ RemoteAddr() net.Addr } // asked about trust only when an underscore header needs it

	trustKnown, trusted bool

	out     []byte  // normalised bytes, appended to
	scratch []byte  // values of recorded fields; folded values while they are joined
	fields  []field // recorded fields of the head being parsed

	// Progress of the head being received, so a head arriving a byte at
	// a time is not searched again from its start on every byte.
	scan    int // bytes already searched for the terminator being looked for
	lineEnd int // index of the request line's CRLF plus one; 0 while not found

	// The request line, checked as soon as it is complete (as gunicorn
	// does, before the headers arrive): the method is buf[:mEnd], the
	// target buf[mEnd+1:tEnd].
	mEnd, tEnd   int
	major, minor int
	connect      bool // the method is CONNECT
}

func newParser(o *Options, peer interface{ RemoteAddr() net.Addr }) parser {
	return parser{o: o, lim: o.Limits(), peer: peer}
}

// isTrusted tells whether the peer may send forwarder headers.
func (p *parser) isTrusted() bool {
	if !p.trustKnown {
		p.trusted, p.trustKnown = p.o.trusts(p.peer.RemoteAddr()), true
	}
	return p.trusted
}

var (
	crlf      = []byte("\r\n")
	crlfcrlf  = []byte("\r\n\r\n")
	semicolon = []byte(";")
)

// reset forgets the head being received.
func (p *parser) reset() { p.scan, p.lineEnd = 0, 0 }

// parseHead parses the request head at the start of buf and appends its
// normalised form to p.out. It returns the head's length in buf, or 0 if
// buf does not hold the whole head yet (and no limit is exceeded yet).
// Between calls buf may grow and move, but must start at the same byte.
func (p *parser) parseHead(buf []byte) (int, head, *Error) {
	if p.lineEnd == 0 {
		from := max(p.scan-1, 0)
		i := bytes.Index(buf[from:], crlf)
		lineCap := p.lim.lineCap()
		if i < 0 && noRequestLine(buf) {
			// A TLS handshake on a plain port, say: refuse now rather
			// than wait for a CRLF.
			return 0, head{}, errRequestLine(buf[:min(len(buf), 64)])
		}
		if i < 0 {
			if len(buf)-2 > lineCap {
				return 0, head{}, errLineTooLong(len(buf), lineCap)
			}
			p.scan = len(buf)
			return 0, head{}, nil
		}
		i += from
		if i > lineCap {
			if noRequestLine(buf) { // as when the CRLF is still to come
				return 0, head{}, errRequestLine(buf[:min(len(buf), 64)])
			}
			return 0, head{}, errLineTooLong(i, lineCap)
		}
		if err := p.requestLine(buf[:i]); err != nil {
			return 0, head{}, err
		}
		p.lineEnd = i + 1
		p.scan = i + 2
	}
	ls := p.lineEnd + 1 // start of the header block
	var end, blockEnd int
	switch {
	case len(buf) >= ls+2 && buf[ls] == '\r' && buf[ls+1] == '\n':
		blockEnd, end = ls, ls+2
	default:
		from := max(p.scan-3, ls)
		j := bytes.Index(buf[from:], crlfcrlf)
		if j < 0 {
			if len(buf)-ls > p.lim.Block {
				return 0, head{}, errHeaderLimit("max buffer headers")
			}
			p.scan = len(buf)
			return 0, head{}, nil
		}
		blockEnd, end = from+j, from+j+4
		if end-ls > p.lim.Block {
			return 0, head{}, errHeaderLimit("max buffer headers")
		}
	}
	h, err := p.headers(buf[:p.mEnd], buf[p.mEnd+1:p.tEnd], buf[ls:blockEnd])
	if err != nil {
		return 0, head{}, err
	}
	return end, h, nil
}

// noRequestLine tells whether buf cannot start a request line (or the
// blank lines a client may send before one), whatever follows.
func noRequestLine(buf []byte) bool {
	return len(buf) > 0 && !isTchar[buf[0]] && buf[0] != ' ' && buf[0] != '\r'
}

// requestLine checks the request line and remembers its parts: split on
// single spaces into method, target and version (the version takes the
// rest, spaces included), checked in that order.
func (p *parser) requestLine(line []byte) *Error {
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		return errRequestLine(line)
	}
	method, rest := line[:sp], line[sp+1:]
	sp = bytes.IndexByte(rest, ' ')
	if sp < 0 {
		return errRequestLine(line)
	}
	target, version := rest[:sp], rest[sp+1:]

	// Method: an RFC 9110 token, and by default also upper case, no '#',
	// 3 to 20 bytes long, which every registered method is.
	if !p.o.PermitUnconventionalHTTPMethod {
		if len(method) < 3 || len(method) > 20 || bytes.IndexByte(method, '#') >= 0 {
			return errMethod(method)
		}
		for _, c := range method {
			if 'a' <= c && c <= 'z' {
				return errMethod(method)
			}
		}
	}
	if !isToken(method) {
		return errMethod(method)
	}
	if p.o.CasefoldHTTPMethod && hasLower(method) {
		method = upper(method)
	}

	if !checkTarget(method, target) {
		return errRequestLine(line)
	}

	// Version: HTTP/<digit>.<digit>, from 1.0 to 1.9 unless permitted.
	if len(version) != 8 || string(version[:5]) != "HTTP/" || version[6] != '.' ||
		version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9' {
		return errVersion(version)
	}
	major, minor := int(version[5]-'0'), int(version[7]-'0')
	if major != 1 && !p.o.PermitUnconventionalHTTPVersion {
		return errVersionRange(major, minor)
	}
	p.mEnd, p.tEnd = len(line)-len(rest)-1, len(line)-len(version)-1
	p.major, p.minor, p.connect = major, minor, string(method) == "CONNECT"
	return nil
}

func hasLower(b []byte) bool {
	for _, c := range b {
		if 'a' <= c && c <= 'z' {
			return true
		}
	}
	return false
}

// atLeast11 tells whether the request's version is 1.1 or later.
func (p *parser) atLeast11() bool { return p.major > 1 || p.major == 1 && p.minor >= 1 }

// headers checks the header block (the lines between the request line
// and the empty line, without their final CRLF), writes the normalised
// head to p.out and decides the framing.
func (p *parser) headers(method, target, block []byte) (head, *Error) {
	if p.o.CasefoldHTTPMethod {
		p.out = appendUpper(p.out, method)
	} else {
		p.out = append(p.out, method...)
	}
	p.out = append(p.out, ' ')
	p.out = append(p.out, withoutFragment(target)...)
	switch {
	case p.major == 0:
		p.out = append(p.out, " HTTP/1.0\r\n"...)
	case p.major > 1:
		p.out = append(p.out, " HTTP/1.1\r\n"...) // net/http serves HTTP/1 only
	default:
		p.out = append(p.out, " HTTP/1.x\r\n"...)
		p.out[len(p.out)-3] = byte('0' + p.minor)
	}
	p.scratch = p.scratch[:0]
	p.fields = p.fields[:0]
	if err := p.fieldLines(block, false); err != nil {
		return head{}, err
	}
	h, err := p.framing()
	if err != nil {
		return head{}, err
	}
	p.out = append(p.out, crlf...)
	h.upgrade = h.upgrade || p.connect
	return h, nil
}

// fieldLines checks header (or trailer) lines as gunicorn's parse_headers
// does, in its order, and appends the ones kept to p.out.
func (p *parser) fieldLines(block []byte, trailer bool) *Error {
	count := 0
	sawTE := false
	for len(block) > 0 {
		var line []byte
		line, block = cutLine(block)
		if count >= p.lim.Fields {
			return errHeaderLimit("limit request headers fields")
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return errHeader(line)
		}
		name := line[:colon]
		if p.o.StripHeaderSpaces {
			name = trimRightOWS(name)
		}
		if !isToken(name) {
			return errHeaderName(name)
		}
		value := trimOWS(line[colon+1:])
		size := len(line) + 2
		if len(block) > 0 && isOWS(block[0]) {
			// obs-fold (RFC 9112 §5.2): rejected unless permitted, then
			// each continuation line joins the value after a space.
			if !p.o.PermitObsoleteFolding {
				return errFolding(upper(name))
			}
			start := len(p.scratch)
			p.scratch = append(p.scratch, value...)
			for len(block) > 0 && isOWS(block[0]) {
				var more []byte
				more, block = cutLine(block)
				size += len(more) + 2
				if size > p.lim.FieldSize {
					return errHeaderLimit("limit request headers fields size")
				}
				p.scratch = append(p.scratch, ' ')
				p.scratch = append(p.scratch, trimOWS(more)...)
			}
			// An empty first line leaves a leading space, which net/http
			// would trim anyway: trim it so the normal form is stable.
			value = trimOWS(p.scratch[start:])
			p.scratch = p.scratch[:start] // reused below; value stays valid until then
		}
		if hasCTL(value) {
			return errHeader(upper(name))
		}
		if size > p.lim.FieldSize {
			return errHeaderLimit("limit request headers fields size")
		}
		if bytes.IndexByte(name, '_') >= 0 {
			// header_map (gunicorn §7.3): the name cannot be told from
			// its dashed twin once mapped, so only a trusted forwarder
			// may send it, unless the operator says otherwise.
			switch {
			case !trailer && p.o.forwarder(name) && p.isTrusted():
			case p.o.headerMap() == HeaderMapDangerous:
			case p.o.headerMap() == HeaderMapDrop:
				continue
			default:
				return errHeaderName(upper(name))
			}
		}
		count++
		if trailer {
			if forbiddenTrailer(name) {
				return errHeaderName(upper(name))
			}
			p.emit(name, value)
			continue
		}
		kind := kindOf(name)
		if kind != 0 {
			start := len(p.scratch)
			p.scratch = append(p.scratch, value...)
			p.fields = append(p.fields, field{kind, start, len(p.scratch)})
		}
		switch kind {
		case fTransferEncoding:
			// net/http takes exactly one "chunked"; the codings are
			// checked in framing, which refuses any other.
			if !sawTE {
				p.out = append(p.out, "Transfer-Encoding: chunked\r\n"...)
				sawTE = true
			}
			continue
		case fExpect:
			// HTTP/1.0 expectations are ignored (RFC 9110 §10.1.1);
			// net/http would answer 417 for any but 100-continue.
			if !p.atLeast11() && !bytes.EqualFold(value, []byte("100-continue")) {
				continue
			}
		}
		p.emit(name, value)
	}
	return nil
}

// emit appends a normalised field line.
func (p *parser) emit(name, value []byte) {
	p.out = append(p.out, name...)
	p.out = append(p.out, ':', ' ')
	p.out = append(p.out, value...)
	p.out = append(p.out, crlf...)
}

// cutLine splits b at its first CRLF.
func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.Index(b, crlf); i >= 0 {
		return b[:i], b[i+2:]
	}
	return b, nil
}

// kindOf classifies the header names the checks need.
func kindOf(name []byte) fieldKind {
	switch len(name) {
	case 4:
		if bytes.EqualFold(name, []byte("Host")) {
			return fHost
		}
	case 6:
		if bytes.EqualFold(name, []byte("Expect")) {
			return fExpect
		}
	case 7:
		if bytes.EqualFold(name, []byte("Trailer")) {
			return fTrailer
		}
		if bytes.EqualFold(name, []byte("Upgrade")) {
			return fUpgrade
		}
	case 12:
		if bytes.EqualFold(name, []byte("Content-Type")) {
			return fContentType
		}
	case 14:
		if bytes.EqualFold(name, []byte("Content-Length")) {
			return fContentLength
		}
	case 17:
		if bytes.EqualFold(name, []byte("Transfer-Encoding")) {
			return fTransferEncoding
		}
	}
	return 0
}

// forbiddenTrailer tells whether a field may not be sent as a trailer
// (gunicorn 26.1; RFC 9110 §6.5.1): framing, routing and authentication.
func forbiddenTrailer(name []byte) bool {
	for _, f := range [...]string{"Host", "Content-Length", "Transfer-Encoding", "Trailer", "Authorization", "TE"} {
		if len(f) == len(name) && bytes.EqualFold(name, []byte(f)) {
			return true
		}
	}
	return false
}

// framing applies gunicorn's set_body_reader checks to the recorded
// fields in header order, then the checks gocorn adds so that net/http
// never refuses in its own words a head h1 let through.
//
// A coding before chunked (compress, deflate, gzip, identity), which
// gunicorn accepts, gets 501 once gunicorn's 400s are past: net/http can
// only un-chunk, and would tell the handler "chunked" alone (it drops the
// header) while the body it reads is still coded. RFC 9112 §6.1 allows
// 501 for a coding the server does not implement; net/http alone answers
// the same.
func (p *parser) framing() (head, *Error) {
	var h head
	chunked, sawTE, sawCL := false, false, false
	var cl, coded []byte // coded: the first field with a coding other than chunked
	hosts, types := 0, 0
	var host []byte
	for _, f := range p.fields {
		v := p.scratch[f.start:f.end]
		switch f.kind {
		case fContentLength:
			if sawCL {
				return h, errHeader(nameContentLength)
			}
			sawCL, cl = true, v
		case fTransferEncoding:
			sawTE = true
			for elem := range bytes.SplitSeq(v, []byte(",")) {
				switch c := trimOWS(elem); {
				case bytes.EqualFold(c, []byte("chunked")):
					if chunked {
						return h, errHeader(nameTransferEncoding) // chunked twice
					}
					chunked = true
				case bytes.EqualFold(c, []byte("identity")), bytes.EqualFold(c, []byte("compress")),
					bytes.EqualFold(c, []byte("deflate")), bytes.EqualFold(c, []byte("gzip")):
					if chunked {
						return h, errHeader(nameTransferEncoding) // chunked must be last
					}
					if coded == nil {
						coded = v
					}
				default:
					return h, errCoding(v)
				}
			}
		case fHost:
			if hosts++; hosts > 1 {
				return h, errHeader(nameHost)
			}
			host = v
		case fContentType:
			if types++; types > 1 {
				return h, errHeader(nameContentType)
			}
		case fUpgrade:
			h.upgrade = true
		}
	}
	switch {
	case chunked:
		if !p.atLeast11() {
			return h, errHeader(nameTransferEncoding) // chunked HTTP/1.0 (RFC 9112 §6.1)
		}
		if sawCL {
			return h, errHeader(nameContentLength) // CL with TE: request smuggling
		}
		if coded != nil {
			return h, errCoding(coded)
		}
		h.body = bodyChunked
	case sawTE:
		// A coding list not ending in chunked leaves the body length
		// unknown: RFC 9112 §6.3 says 400 (gunicorn reads no body).
		return h, errHeader(nameTransferEncoding)
	case sawCL:
		n, ok := parseLength(cl)
		if !ok {
			return h, errHeader(nameContentLength)
		}
		h.body, h.length = bodyLength, n
	}

	// Beyond gunicorn, as net/http requires and RFC 9112 §3.2 says: an
	// HTTP/1.1 request has a Host, and a valid one.
	if hosts == 0 && p.atLeast11() && !p.connect {
		return h, errHeader(nameHost)
	}
	for _, c := range host {
		if !isHostByte[c] {
			return h, errHeader(nameHost)
		}
	}
	for _, f := range p.fields {
		v := p.scratch[f.start:f.end]
		switch f.kind {
		case fTrailer:
			// net/http refuses to announce these as trailers.
			if chunked && announcesFraming(v) {
				return h, errHeader(nameTrailer)
			}
		case fExpect:
			// 100-continue, any case, is the only expectation (RFC 9110
			// §10.1.1); ignored on HTTP/1.0, where it was not emitted.
			if p.atLeast11() && !bytes.EqualFold(v, []byte("100-continue")) {
				return h, errExpect(v)
			}
		}
	}
	return h, nil
}

// parseLength reads a Content-Length: digits only (no sign, no space, no
// list), at most what an int64 holds.
func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// announcesFraming tells whether a Trailer header lists a field net/http
// will not take as a trailer.
func announcesFraming(v []byte) bool {
	for elem := range bytes.SplitSeq(v, []byte(",")) {
		e := trimOWS(elem)
		if bytes.EqualFold(e, []byte("Transfer-Encoding")) || bytes.EqualFold(e, []byte("Content-Length")) ||
			bytes.EqualFold(e, []byte("Trailer")) {
			return true
		}
	}
	return false
}
