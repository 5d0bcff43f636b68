package h1

import (
	"strconv"
)

// Kind is the class of a parse error: it decides the status and the page.
type Kind uint8

// The kinds, after gunicorn's exceptions.
const (
	KindRequestLine Kind = iota + 1 // InvalidRequestLine: bad request line or target (400)
	KindMethod                      // InvalidRequestMethod (400)
	KindVersion                     // InvalidHTTPVersion (400)
	KindHeader                      // InvalidHeader: bad header line, value, framing, duplicates (400)
	KindHeaderName                  // InvalidHeaderName: bad name, header_map=refuse, forbidden trailer (400)
	KindFolding                     // ObsoleteFolding (400)
	KindLineTooLong                 // LimitRequestLine (414; gunicorn says 400)
	KindHeaderLimit                 // LimitRequestHeaders (431)
	KindCoding                      // UnsupportedTransferCoding (501)
	KindExpect                      // an Expect other than 100-continue (417)
	KindChunk                       // bad chunk size, extension or terminator: no page, the connection closes
	KindTimeout                     // the head did not arrive within the header timeout (408; gunicorn has none)
)

// Error is a request h1 refused. Its message is gunicorn's exception text,
// which the log line carries; the page wraps it as gunicorn does.
type Error struct {
	Kind Kind
	msg  string
}

func (e *Error) Error() string { return e.msg }

// Status is the response status, 0 for errors answered by closing.
func (e *Error) Status() int {
	switch e.Kind {
	case KindLineTooLong:
		return 414
	case KindHeaderLimit:
		return 431
	case KindCoding:
		return 501
	case KindExpect:
		return 417
	case KindTimeout:
		return 408
	case KindChunk:
		return 0
	}
	return 400
}

// pageMessage is the text of the page, as gunicorn's handle_error words
// it for each exception.
func (e *Error) pageMessage() string {
	switch e.Kind {
	case KindRequestLine:
		return "Invalid Request Line '" + e.msg + "'"
	case KindMethod:
		return "Invalid Method '" + e.msg + "'"
	case KindVersion:
		return "Invalid HTTP Version '" + e.msg + "'"
	case KindHeaderLimit:
		return "Error parsing headers: '" + e.msg + "'"
	}
	return e.msg
}

// Page is the response gunicorn writes for the error (see ErrorPage), nil
// for errors answered by closing.
func (e *Error) Page() []byte {
	st := e.Status()
	if st == 0 {
		return nil
	}
	return ErrorPage(st, e.pageMessage())
}

func newError(k Kind, msg string) *Error { return &Error{Kind: k, msg: msg} }

// The errors, worded as gunicorn's exceptions print themselves, request
// bytes quoted by Repr.
func errRequestLine(line []byte) *Error {
	return newError(KindRequestLine, "Invalid HTTP request line: "+Repr(line))
}
func errMethod(m []byte) *Error { return newError(KindMethod, "Invalid HTTP method: "+Repr(m)) }
func errVersion(v []byte) *Error {
	return newError(KindVersion, "Invalid HTTP Version: "+Repr(v))
}

// errVersionRange is a well-formed version outside 1.0..1.9: gunicorn
// passes the parsed tuple, so the message shows (2, 0).
func errVersionRange(major, minor int) *Error {
	return newError(KindVersion, "Invalid HTTP Version: ("+strconv.Itoa(major)+", "+strconv.Itoa(minor)+")")
}
func errHeader(hdr []byte) *Error { return newError(KindHeader, "Invalid HTTP Header: "+Repr(hdr)) }
func errHeaderName(name []byte) *Error {
	return newError(KindHeaderName, "Invalid HTTP header name: "+Repr(name))
}
func errFolding(name []byte) *Error {
	return newError(KindFolding, "Obsolete line folding is unacceptable: "+Repr(name))
}
func errLineTooLong(size, limit int) *Error {
	return newError(KindLineTooLong, "Request Line is too large ("+strconv.Itoa(size)+" > "+strconv.Itoa(limit)+")")
}
func errHeaderLimit(why string) *Error { return newError(KindHeaderLimit, why) }
func errCoding(v []byte) *Error {
	return newError(KindCoding, "Unsupported transfer coding: "+Repr(v))
}
func errExpect(v []byte) *Error {
	return newError(KindExpect, "Unable to comply with expectation: "+Repr(v))
}

// errHeadTimeout is a request head cut off by the header timeout.
var errHeadTimeout = newError(KindTimeout, "Request head incomplete when the header timeout passed")

func errChunk(what string, data []byte) *Error {
	return newError(KindChunk, what+": "+Repr(data))
}

// Header names as they appear in gunicorn's messages.
var (
	nameContentLength    = []byte("CONTENT-LENGTH")
	nameTransferEncoding = []byte("TRANSFER-ENCODING")
	nameHost             = []byte("HOST")
	nameContentType      = []byte("CONTENT-TYPE")
	nameTrailer          = []byte("TRAILER")
)
