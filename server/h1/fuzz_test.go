package h1

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fuzzOptions picks options from the bits of flags.
func fuzzOptions(flags uint8) *Options {
	o := &Options{LimitRequestLine: 4094, LimitRequestFields: 100, LimitRequestFieldSize: 8190,
		ForwarderHeaders:                []string{"SCRIPT_NAME", "PATH_INFO"},
		PermitObsoleteFolding:           flags&1 != 0,
		StripHeaderSpaces:               flags&2 != 0,
		PermitUnconventionalHTTPMethod:  flags&4 != 0,
		PermitUnconventionalHTTPVersion: flags&8 != 0,
		CasefoldHTTPMethod:              flags&16 != 0,
	}
	switch flags >> 5 & 3 {
	case 1:
		o.HeaderMap = HeaderMapRefuse
	case 2:
		o.HeaderMap = HeaderMapDangerous
	}
	if flags&128 != 0 {
		o.Trusted = func(net.Addr) bool { return true }
	}
	if flags&3 == 3 {
		o.LimitRequestLine, o.LimitRequestFields, o.LimitRequestFieldSize = 40, 4, 30 // small limits
	}
	return o
}

// seedRequests adds the requests of the cases to a fuzz corpus.
func seedRequests(f *testing.F, add func(req []byte)) {
	for _, tc := range loadCases(f) {
		add(tc.request)
	}
}

// FuzzParseHead checks the head parser: it never panics, it gives the
// same answer however the head arrives, what it accepts it writes in a
// form it accepts again unchanged (with the same framing), and that form
// is one net/http parses without complaint, as h1 saw it.
func FuzzParseHead(f *testing.F) {
	seedRequests(f, func(req []byte) {
		f.Add(req, uint8(0))
		f.Add(req, uint8(0xff))
	})
	f.Fuzz(func(t *testing.T, data []byte, flags uint8) {
		o := fuzzOptions(flags)
		p := newParser(o, &fakeConn{})
		n, h, err := p.parseHead(data)
		out := slices.Clone(p.out)

		// The same bytes in two pieces.
		q := newParser(o, &fakeConn{})
		half := len(data) / 2
		n2, h2, err2 := q.parseHead(data[:half])
		if err2 == nil && n2 == 0 {
			n2, h2, err2 = q.parseHead(data)
		}
		switch {
		case (err == nil) != (err2 == nil):
			t.Fatalf("whole: %v; in two pieces: %v", err, err2)
		case err != nil && err.Status() != err2.Status():
			t.Fatalf("whole: %v; in two pieces: %v", err, err2)
		case err == nil && (n != n2 || h != h2 || !bytes.Equal(out, q.out)) && n2 != 0:
			t.Fatalf("whole: %d %+v %q; in two pieces: %d %+v %q", n, h, out, n2, h2, q.out)
		}
		if err != nil || n == 0 {
			return
		}
		if n > len(data) {
			t.Fatalf("consumed %d of %d bytes", n, len(data))
		}

		// Accepted: the normal form parses again to itself. It may be a
		// byte longer per line ("Name: value"), so limits are lifted.
		lifted := *o
		lifted.LimitRequestLine, lifted.LimitRequestFields, lifted.LimitRequestFieldSize = 0, 0, 1<<20
		r := newParser(&lifted, &fakeConn{})
		n3, h3, err3 := r.parseHead(out)
		if err3 != nil || n3 != len(out) || !bytes.Equal(r.out, out) ||
			h3.body != h.body || h3.length != h.length || h3.upgrade != h.upgrade {
			t.Fatalf("%q became %q, which parses to %v %d %+v %q", data[:n], out, err3, n3, h3, r.out)
		}

		// And net/http takes it, seeing what h1 saw.
		req, rerr := http.ReadRequest(bufio.NewReader(bytes.NewReader(out)))
		if rerr != nil {
			t.Fatalf("net/http refuses %q: %v", out, rerr)
		}
		line, _, _ := strings.Cut(string(out), "\r\n")
		parts := strings.SplitN(line, " ", 3)
		if req.Method != parts[0] || req.RequestURI != parts[1] || req.Proto != parts[2] || req.ProtoMajor != 1 {
			t.Fatalf("net/http reads %q as %s %s %s", line, req.Method, req.RequestURI, req.Proto)
		}
		if strings.Contains(req.RequestURI, "#") {
			t.Fatalf("net/http is given a fragment in %q", line)
		}
		if err := serverChecks(req, out); err != "" {
			t.Fatalf("net/http's server refuses %q: %s", out, err)
		}
		switch h.body {
		case bodyLength:
			if req.ContentLength != h.length {
				t.Fatalf("net/http reads length %d, h1 %d", req.ContentLength, h.length)
			}
		case bodyChunked:
			if !slices.Equal(req.TransferEncoding, []string{"chunked"}) {
				t.Fatalf("net/http reads codings %q", req.TransferEncoding)
			}
		default:
			if req.ContentLength != 0 || len(req.TransferEncoding) != 0 {
				t.Fatalf("net/http reads a body (%d, %q) h1 did not", req.ContentLength, req.TransferEncoding)
			}
		}
	})
}

// serverChecks are the checks net/http's server makes after ReadRequest
// (Host, field names and values, Expect): "" if it would serve req, read
// from head (ReadRequest takes Host out of the header).
func serverChecks(req *http.Request, head []byte) string {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(head)))
	tp.ReadLine()
	hdr, err := tp.ReadMIMEHeader()
	if err != nil {
		return err.Error()
	}
	hosts, ok := hdr["Host"]
	if req.ProtoAtLeast(1, 1) && (!ok || len(hosts) == 0) && req.Method != "CONNECT" {
		return "missing Host"
	}
	if len(hosts) > 1 {
		return "too many Host headers"
	}
	for _, h := range hosts {
		for i := 0; i < len(h); i++ {
			if !isHostByte[h[i]] {
				return "malformed Host"
			}
		}
	}
	for k, vv := range hdr {
		if !isToken([]byte(k)) {
			return "invalid header name"
		}
		for _, v := range vv {
			if hasCTL([]byte(v)) {
				return "invalid header value"
			}
		}
	}
	if e := req.Header.Get("Expect"); e != "" && !strings.EqualFold(e, "100-continue") {
		return "417"
	}
	return ""
}

const chunkedHead = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"

// readThrough reads everything a Conn gives for input arriving step
// bytes at a time, with reads of size bytes.
func readThrough(input []byte, o *Options, step, size int) ([]byte, error, *Conn) {
	c := Wrap(&fakeConn{in: input, step: step}, o, nil).(*Conn)
	var out []byte
	buf := make([]byte, size)
	for range 1 << 16 {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out, err, c
		}
	}
	panic("no end")
}

// FuzzChunked checks chunked bodies through a whole Conn: no panic, the
// same result however the input is cut into reads, and a body h1 lets
// through is one net/http decodes to the data and trailers a plain
// reading of the chunks gives.
func FuzzChunked(f *testing.F) {
	seedRequests(f, func(req []byte) {
		if _, body, ok := bytes.Cut(req, []byte("chunked\\r\\n\r\n")); ok {
			f.Add(body, uint8(3))
		}
		if i := bytes.Index(req, []byte("chunked\r\n\r\n")); i >= 0 {
			f.Add(req[i+len("chunked\r\n\r\n"):], uint8(1))
		}
	})
	f.Add([]byte("5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"), uint8(0))
	f.Fuzz(func(t *testing.T, body []byte, step uint8) {
		input := append([]byte(chunkedHead), body...)
		whole, werr, wc := readThrough(input, nil, 0, 4096)
		// Reads of one byte are net/http's background reads, which wait.
		cut, cerr, _ := readThrough(input, nil, int(step%7)+1, int(step%13)+2)
		if !bytes.Equal(whole, cut) || (werr == io.EOF) != (cerr == io.EOF) {
			t.Fatalf("whole: %q %v\ncut: %q %v", whole, werr, cut, cerr)
		}
		if wc.st == stBroken || !bytes.HasPrefix(whole, []byte(chunkedHead)) {
			return // refused, cut short, or not finished
		}
		if wc.st != stHead && wc.st != stRefused {
			return // the body has not ended
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(whole)))
		if err != nil {
			t.Fatalf("net/http refuses %q: %v", whole, err)
		}
		got, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatalf("net/http cannot read the body of %q: %v", whole, err)
		}
		data, trailers, ok := plainChunks(body)
		if !ok {
			t.Fatalf("h1 took %q, which is not chunked", body)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("body %q, want %q", got, data)
		}
		for name, vals := range trailers {
			if strings.Contains(name, "_") {
				continue // dropped by header_map
			}
			if !slices.Equal(req.Trailer[name], vals) {
				t.Fatalf("trailer %s: %q, want %q", name, req.Trailer[name], vals)
			}
		}
	})
}

// plainChunks reads a chunked body the simple way (RFC 9112 §7.1), to
// compare with what net/http makes of h1's form of it.
func plainChunks(b []byte) (data []byte, trailers http.Header, ok bool) {
	trailers = http.Header{}
	for {
		line, rest, found := bytes.Cut(b, []byte("\r\n"))
		if !found {
			return nil, nil, false
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseUint(string(bytes.TrimRight(size, " \t")), 16, 63)
		if err != nil {
			return nil, nil, false
		}
		b = rest
		if n == 0 {
			break
		}
		if uint64(len(b)) < n+2 || string(b[n:n+2]) != "\r\n" {
			return nil, nil, false
		}
		data = append(data, b[:n]...)
		b = b[n+2:]
	}
	for {
		line, rest, found := bytes.Cut(b, []byte("\r\n"))
		if !found {
			return nil, nil, false
		}
		if len(line) == 0 {
			return data, trailers, true
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		trailers.Add(string(name), string(bytes.Trim(value, " \t")))
		b = rest
	}
}

// TestCorpusInPieces checks that every case of the corpus gives net/http
// the same bytes whether it arrives at once or a byte at a time.
func TestCorpusInPieces(t *testing.T) {
	for _, tc := range loadCases(t) {
		o, _ := caseOptions(tc)
		run := func(step, size int) ([]byte, error) {
			out, err, _ := readThrough(tc.request, o, step, size)
			return out, err
		}
		whole, werr := run(0, 4096)
		for _, split := range [][2]int{{1, 4096}, {3, 2}, {7, 100}} {
			got, err := run(split[0], split[1])
			if !bytes.Equal(got, whole) || (err == io.EOF) != (werr == io.EOF) {
				t.Errorf("%s in pieces of %d read %d at a time: %q %v; at once: %q %v", tc.name, split[0], split[1], got, err, whole, werr)
			}
		}
	}
}
