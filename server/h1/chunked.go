package h1

import (
	"bytes"
	"math"
	"strconv"
)

// parseChunkLine parses the chunk-size line at the start of buf (RFC 9112
// §7.1) and appends it to p.out in its plain form, "<hex>\r\n": net/http
// drops extensions anyway, and a plain line always fits its 4 KiB buffer.
// It returns the line's length with its CRLF, or 0 if buf does not hold
// it all yet.
//
// The size is hex digits only: no sign, no "0x", no spaces, except
// spaces and tabs before a ';' that starts extensions (RFC 9112 §7.1.1
// BWS). Extensions may hold no control characters (a bare CR
// especially), so no two parsers can disagree on where the line ends.
func (p *parser) parseChunkLine(buf []byte) (int, int64, *Error) {
	from := max(p.scan-1, 0)
	i := bytes.Index(buf[from:], crlf)
	if i < 0 {
		if len(buf) > maxChunkLine {
			return 0, 0, errChunk("Invalid chunk size", buf[:32])
		}
		p.scan = len(buf)
		return 0, 0, nil
	}
	i += from
	p.scan = 0
	line := buf[:i]
	size, ext, hasExt := bytes.Cut(line, semicolon)
	if hasExt {
		size = trimRightOWS(size)
		if hasCTL(ext) {
			return 0, 0, errChunk("Invalid chunk extension", ext)
		}
	}
	if len(size) == 0 {
		return 0, 0, errChunk("Invalid chunk size", size)
	}
	var n int64
	for _, c := range size {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			d = c | 0x20 - 'a' + 10
		default:
			return 0, 0, errChunk("Invalid chunk size", size)
		}
		if n > (math.MaxInt64-int64(d))/16 {
			return 0, 0, errChunk("Invalid chunk size", size)
		}
		n = n*16 + int64(d)
	}
	p.out = strconv.AppendInt(p.out, n, 16)
	p.out = append(p.out, crlf...)
	return i + 2, n, nil
}

// parseChunkEnd checks the CRLF after a chunk's data: 0 if buf holds
// fewer than 2 bytes yet.
func (p *parser) parseChunkEnd(buf []byte) (int, *Error) {
	if len(buf) < 2 {
		return 0, nil
	}
	if buf[0] != '\r' || buf[1] != '\n' {
		return 0, errChunk("Invalid chunk terminator is not '\\r\\n'", buf[:2])
	}
	p.out = append(p.out, crlf...)
	return 2, nil
}

// parseTrailers parses the trailer section after the last chunk, up to
// and with the empty line that ends the body. Trailer fields follow the
// header rules (limits, names, folding, header_map; no forwarder may
// send one) and may not be framing, routing or authentication fields.
// It returns the section's length, or 0 if buf does not hold it all yet.
func (p *parser) parseTrailers(buf []byte) (int, *Error) {
	if len(buf) >= 2 && buf[0] == '\r' && buf[1] == '\n' {
		p.out = append(p.out, crlf...)
		return 2, nil
	}
	from := max(p.scan-3, 0)
	j := bytes.Index(buf[from:], crlfcrlf)
	if j < 0 {
		if len(buf) > p.lim.Block {
			return 0, errHeaderLimit("max buffer headers")
		}
		p.scan = len(buf)
		return 0, nil
	}
	j += from
	p.scan = 0
	start := len(p.out)
	if err := p.fieldLines(buf[:j], true); err != nil {
		return 0, err
	}
	p.out = append(p.out, crlf...)
	if len(p.out)-start > maxTrailerBytes {
		// net/http reads a trailer section from its 4 KiB buffer.
		return 0, errHeaderLimit("trailer section too large")
	}
	return j + 4, nil
}
