package h1

import (
	"bytes"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestRepr checks Repr against what Python 3 prints for
// repr(b.decode("latin-1")), which is how gunicorn quotes request bytes.
func TestRepr(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"empty", "", `''`},
		{"C0 controls, \\t \\n \\r by name",
			"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
			`'\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f'`},
		{"printable ASCII", " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
			"' !\"#$%&\\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`abcdefghijklmnopqrstuvwxyz{|}~'"},
		{"DEL", "\x7f", `'\x7f'`},
		{"C1 controls",
			"\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f",
			`'\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f'`},
		{"no-break space", "\xa0", `'\xa0'`},
		{"soft hyphen", "\xad", `'\xad'`},
		{"0xA1-0xFF: printable Latin-1 but the soft hyphen",
			"\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7\xb8\xb9\xba\xbb\xbc\xbd\xbe\xbf" +
				"\xc0\xc1\xc2\xc3\xc4\xc5\xc6\xc7\xc8\xc9\xca\xcb\xcc\xcd\xce\xcf\xd0\xd1\xd2\xd3\xd4\xd5\xd6\xd7\xd8\xd9\xda\xdb\xdc\xdd\xde\xdf" +
				"\xe0\xe1\xe2\xe3\xe4\xe5\xe6\xe7\xe8\xe9\xea\xeb\xec\xed\xee\xef\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe\xff",
			`'¡¢£¤¥¦§¨©ª«¬\xad®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ'`},
		{"single quote: double quotes", "it's", `"it's"`},
		{"double quote", `"q"`, `'"q"'`},
		{"both quotes: single, escaped", `it's "q"`, `'it\'s "q"'`},
		{"backslash", `a\b`, `'a\\b'`},
		{"UTF-8 is two Latin-1 characters", "é", `'Ã©'`},
	} {
		if got := Repr([]byte(tt.in)); got != tt.want {
			t.Errorf("%s: Repr(%+q) = %s, want %s", tt.name, tt.in, got, tt.want)
		}
	}
}

// TestErrorPage checks the page byte for byte: status line, the three
// headers, the HTML-escaped message, Latin-1 on the wire.
func TestErrorPage(t *testing.T) {
	for _, tt := range []struct {
		status     int
		msg        string
		line, text string // the status line, and the message as the body shows it
	}{
		{400, "Invalid Request Line '" + errRequestLine([]byte(`GET /<x> "it's"`)).Error() + "'",
			"HTTP/1.1 400 Bad Request", "Invalid Request Line &#x27;Invalid HTTP request line: &#x27;GET /&lt;x&gt; &quot;it\\&#x27;s&quot;&#x27;&#x27;"},
		{400, "Invalid HTTP Header: " + Repr([]byte("caf\xe9\xad")),
			"HTTP/1.1 400 Bad Request", "Invalid HTTP Header: &#x27;caf\xe9\\xad&#x27;"},
		{403, "Request forbidden", "HTTP/1.1 403 Forbidden", "Request forbidden"},
		{408, "", "HTTP/1.1 408 Request Timeout", ""},
		{414, "", "HTTP/1.1 414 URI Too Long", ""},
		{417, "", "HTTP/1.1 417 Expectation Failed", ""},
		{431, "", "HTTP/1.1 431 Request Header Fields Too Large", ""},
		{500, "", "HTTP/1.1 500 Internal Server Error", ""},
		{501, "", "HTTP/1.1 501 Not Implemented", ""},
		{504, "late", "HTTP/1.1 504 Gateway Timeout", "late"}, // request_timeout's page
		{599, "", "HTTP/1.1 599 Bad Request", ""},             // a code with no phrase
	} {
		why := strings.SplitN(tt.line, " ", 3)[2]
		body := "<html>\n  <head>\n    <title>" + why + "</title>\n  </head>\n  <body>\n" +
			"    <h1><p>" + why + "</p></h1>\n    " + tt.text + "\n  </body>\n</html>\n"
		want := tt.line + "\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: " +
			strconv.Itoa(len(body)) + "\r\n\r\n" + body
		if got := ErrorPage(tt.status, tt.msg); !bytes.Equal(got, []byte(want)) {
			t.Errorf("ErrorPage(%d, %+q):\n%q\nwant:\n%q", tt.status, tt.msg, got, want)
		}
	}
}

// TestErrorPageOfError checks the page an Error gets: gunicorn's wording
// around the message, and none for errors answered by closing.
func TestErrorPageOfError(t *testing.T) {
	for _, tt := range []struct {
		err  *Error
		want string // the start of the page, "" for none
	}{
		{errRequestLine([]byte("x")), "HTTP/1.1 400 Bad Request\r\n"},
		{errCoding([]byte("gzip, chunked")), "HTTP/1.1 501 Not Implemented\r\n"},
		{errChunk("Invalid chunk size", nil), ""},
	} {
		page := tt.err.Page()
		if !bytes.HasPrefix(page, []byte(tt.want)) || (tt.want == "") != (page == nil) {
			t.Errorf("%v: page %q, want it to start %q", tt.err, page, tt.want)
		}
		if page != nil && !bytes.Contains(page, latin1(htmlEscaper.Replace(tt.err.pageMessage()))) {
			t.Errorf("%v: page %q lacks its message", tt.err, page)
		}
	}
}

// ServeErrorPage sends ErrorPage through a ResponseWriter: its three
// headers only, whatever the handler's way set before, and its body.
func TestServeErrorPage(t *testing.T) {
	w := httptest.NewRecorder()
	w.Header().Set("X-From-A-Hook", "1")
	ServeErrorPage(w, 500, "Configuration problem: <x>")
	body := ErrorBody(500, "Configuration problem: <x>")
	h := w.Result().Header
	if h["Date"] != nil {
		t.Errorf("Date: %q", h["Date"])
	}
	delete(h, "Date") // nil: net/http adds none
	if w.Code != 500 || !bytes.Equal(w.Body.Bytes(), body) || len(h) != 3 || h.Get("Connection") != "close" ||
		h.Get("Content-Type") != "text/html" || h.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Errorf("got %d %v %q", w.Code, h, w.Body)
	}
}
