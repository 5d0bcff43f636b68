package accesslog

import (
	"bufio"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// entryTime is 24 Nov 2026 09:20:25 UTC, the moment of gunicorn's verified line.
var entryTime = time.Date(2026, 11, 24, 9, 20, 25, 0, time.UTC)

// parseRequest reads raw as a client would send it, so headers are stored
// the way net/http stores them.
func parseRequest(t testing.TB, raw, remote string) *http.Request {
	t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	req.RemoteAddr = remote
	return req
}

func line(f *Format, e *Entry) string {
	return string(f.Append(nil, e))
}

// TestDefaultFormatGolden is gunicorn 26.1.0's verified line for the default
// format (GET / answered with 6 bytes, no Referer, no User-Agent).
func TestDefaultFormatGolden(t *testing.T) {
	req := parseRequest(t, "GET / HTTP/1.1\r\nHost: 127.0.0.1:18000\r\n\r\n", "127.0.0.1:50312")
	e := &Entry{Request: req, Status: 200, BodyBytes: 6, Time: entryTime, Duration: 1418 * time.Microsecond, PID: 9071}
	got := line(Compile(DefaultFormat), e)
	want := `127.0.0.1 - - [24/Nov/2026:09:20:25 +0000] "GET / HTTP/1.1" 200 6 "-" "-"` + "\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestAtoms(t *testing.T) {
	raw := "POST /a%20b/c?x=1&y=%22 HTTP/1.1\r\n" +
		"Host: example.com\r\n" +
		"Referer: https://example.com/from\r\n" +
		"User-Agent: curl/8.5.0\r\n" +
		"Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cr:et")) + "\r\n" +
		"X-Request-Id: abc-123\r\n" +
		"X-Multi: first\r\n" +
		"X-Multi: last\r\n" +
		"Content-Length: 0\r\n\r\n"
	req := parseRequest(t, raw, "203.0.113.7:41234")
	resp := http.Header{"Content-Type": {"text/plain"}, "Set-Cookie": {"a=1", "b=2"}}
	resp["x-lower"] = []string{"direct"} // written into the map, not canonical
	e := &Entry{
		Request:        req,
		Status:         201,
		BodyBytes:      12345,
		ResponseHeader: resp,
		Time:           time.Date(2026, 1, 5, 23, 4, 5, 999, time.FixedZone("", -7*3600)),
		Duration:       2*time.Second + 3*time.Millisecond + 4*time.Microsecond + 5,
		PID:            9071,
	}
	tests := []struct{ format, want string }{
		{"%(h)s", "203.0.113.7"},
		{"%(l)s", "-"},
		{"%(u)s", "alice"},
		{"%(t)s", "[05/Jan/2026:23:04:05 -0700]"},
		{"%(r)s", "POST /a%20b/c?x=1&y=%22 HTTP/1.1"},
		{"%(s)s", "201"},
		{"%(m)s", "POST"},
		{"%(U)s", "/a b/c"},
		{"%(q)s", "x=1&y=%22"},
		{"%(H)s", "HTTP/1.1"},
		{"%(b)s", "12345"},
		{"%(B)s", "12345"},
		{"%(f)s", "https://example.com/from"},
		{"%(a)s", "curl/8.5.0"},
		{"%(T)s", "2"},
		{"%(M)s", "2003"},
		{"%(D)s", "2003004"},
		{"%(L)s", "2.003004"},
		{"%(p)s", "<9071>"},
		{"%({x-request-id}i)s", "abc-123"},
		{"%({X-REQUEST-ID}i)s", "abc-123"},
		{"%({x-request-id}I)s", "abc-123"},
		{"%({x-multi}i)s", "last"},
		{"%({host}i)s", "-"}, // net/http moves Host out of the header map
		{"%({missing}i)s", "-"},
		{"%({content-type}o)s", "text/plain"},
		{"%({set-cookie}o)s", "b=2"},
		{"%({X-Lower}o)s", "direct"},
		{"%({missing}o)s", "-"},
		{"%({remote_port}e)s", "41234"},
		{"%({WSGI.URL_SCHEME}e)s", "https"},
		{"%({remote_port}E)s", "41234"},
		{"%({empty}e)s", ""}, // set but empty: nothing, as an empty QUERY_STRING
		{"%({missing}e)s", "-"},
		{"%({unknown}e)s", "-"},
	}
	for _, tc := range tests {
		f := CompileWith(tc.format, testEnviron)
		if got := line(f, e); got != tc.want+"\n" {
			t.Errorf("%s: got %q, want %q", tc.format, got, tc.want)
		}
	}
}

// testEnviron is a request environment of fixed values, matched in any
// case as gunicorn matches {name}e; "missing" names a variable the request
// does not have, and other names are not variables at all.
func testEnviron(name string) EnvironFunc {
	vars := map[string]string{"remote_port": "41234", "wsgi.url_scheme": "https", "empty": "", "quoted": "a\"b\n"}
	if strings.EqualFold(name, "missing") {
		return func(*http.Request) (string, bool) { return "", false }
	}
	v, ok := vars[strings.ToLower(name)]
	if !ok {
		return nil
	}
	return func(*http.Request) (string, bool) { return v, true }
}

// {name}e atoms are resolved once, when the format is compiled, and
// without an environment, or without a request, they print "-".
func TestEnvironAtoms(t *testing.T) {
	var resolved []string
	environ := func(name string) EnvironFunc {
		resolved = append(resolved, name)
		return testEnviron(name)
	}
	f := CompileWith("%({Remote_Port}e)s %({nope}e)s %({missing}e)s", environ)
	req := parseRequest(t, "GET / HTTP/1.1\r\n\r\n", "10.0.0.1:1")
	for range 3 {
		if got := line(f, &Entry{Request: req}); got != "41234 - -\n" {
			t.Errorf("got %q", got)
		}
	}
	if want := []string{"Remote_Port", "nope", "missing"}; !slices.Equal(resolved, want) {
		t.Errorf("resolved %q, want %q once each, as written", resolved, want)
	}
	if got := line(f, &Entry{}); got != "- - -\n" {
		t.Errorf("without a request: %q", got)
	}
	if got := line(Compile("%({remote_port}e)s"), &Entry{Request: req}); got != "-\n" {
		t.Errorf("without an environment: %q", got)
	}
}

func TestAtomEdges(t *testing.T) {
	basic := func(cred string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(cred)) }
	tests := []struct {
		name   string
		format string
		remote string
		header http.Header
		entry  Entry
		want   string
	}{
		{name: "ipv6 peer", format: "%(h)s", remote: "[2001:db8::1]:443", want: "2001:db8::1"},
		{name: "ipv6 zone", format: "%(h)s", remote: "[fe80::1%eth0]:80", want: "fe80::1%eth0"},
		{name: "bare ipv6", format: "%(h)s", remote: "2001:db8::1", want: "2001:db8::1"},
		{name: "unix socket", format: "%(h)s", remote: "@", want: "@"},
		{name: "no peer", format: "%(h)s", remote: "", want: "-"},
		{name: "hostname", format: "%(h)s", remote: "proxy.local:80", want: "proxy.local"},
		{name: "basic any case", format: "%(u)s", header: http.Header{"Authorization": {"bAsIc " + base64.StdEncoding.EncodeToString([]byte("bob:x"))}}, want: "bob"},
		{name: "basic padded", format: "%(u)s", header: http.Header{"Authorization": {basic("bob:x") + "  "}}, want: "bob"},
		{name: "basic no colon", format: "%(u)s", header: http.Header{"Authorization": {basic("bob")}}, want: "-"},
		{name: "basic empty user", format: "%(u)s", header: http.Header{"Authorization": {basic(":pw")}}, want: "-"},
		{name: "basic bad base64", format: "%(u)s", header: http.Header{"Authorization": {"Basic !!!"}}, want: "-"},
		{name: "basic no credentials", format: "%(u)s", header: http.Header{"Authorization": {"Basic"}}, want: "-"},
		{name: "basic bad utf8", format: "%(u)s", header: http.Header{"Authorization": {basic("\xff:pw")}}, want: "-"},
		{name: "basic user escaped", format: "%(u)s", header: http.Header{"Authorization": {basic("a\"b\x1b:pw")}}, want: `a\"b\x1b`},
		{name: "basic long", format: "%(u)s", header: http.Header{"Authorization": {basic(strings.Repeat("u", 200) + ":pw")}}, want: strings.Repeat("u", 200)},
		{name: "bearer", format: "%(u)s", header: http.Header{"Authorization": {"Bearer abc"}}, want: "-"},
		{name: "repeated referer", format: "%(f)s", header: http.Header{"Referer": {"a", "b"}}, want: "a,b"},
		{name: "empty referer", format: "[%(f)s]", header: http.Header{"Referer": {""}}, want: "[]"},
		{name: "zero bytes", format: "%(b)s %(B)s", entry: Entry{BodyBytes: 0}, want: "0 0"},
		{name: "unknown bytes", format: "%(b)s %(B)s", entry: Entry{BodyBytes: -1}, want: "- -"},
		{name: "sub-second", format: "%(T)s %(M)s %(D)s %(L)s", entry: Entry{Duration: 1418 * time.Microsecond}, want: "0 1 1418 0.001418"},
		{name: "zero duration", format: "%(L)s", entry: Entry{}, want: "0.000000"},
		{name: "negative duration", format: "%(T)s %(L)s", entry: Entry{Duration: -time.Second}, want: "0 0.000000"},
		{name: "long duration", format: "%(T)s %(L)s", entry: Entry{Duration: 90*time.Minute + 5*time.Microsecond}, want: "5400 5400.000005"},
		{name: "nil environ", format: "%({x}e)s", want: "-"},
		{name: "empty query", format: "[%(q)s]", want: "[]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := parseRequest(t, "GET /p HTTP/1.0\r\n\r\n", tc.remote)
			for k, v := range tc.header {
				req.Header[k] = v
			}
			e := tc.entry
			e.Request = req
			e.Time = entryTime
			if got := line(Compile(tc.format), &e); got != tc.want+"\n" {
				t.Errorf("%s: got %q, want %q", tc.format, got, tc.want)
			}
		})
	}
}

// An error response sent before a request was parsed has no Request.
func TestNilRequest(t *testing.T) {
	f := Compile("%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(m)s %(U)s %(q)s %(H)s %(b)s \"%(f)s\" \"%(a)s\" %({x}i)s %({x}o)s")
	got := line(f, &Entry{Status: 400, BodyBytes: 0, Time: entryTime})
	want := `- - - [24/Nov/2026:09:20:25 +0000] "-" 400 - - - - 0 "-" "-" - -` + "\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// A request built in code has no RequestURI; r falls back to the URL.
func TestRequestLineWithoutRequestURI(t *testing.T) {
	req, err := http.NewRequest("GET", "http://example.com/p?q=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := line(Compile("%(r)s"), &Entry{Request: req}); got != "GET /p?q=1 HTTP/1.1\n" {
		t.Errorf("got %q", got)
	}
}

func TestZeroTimeMeansNow(t *testing.T) {
	before := time.Now().Truncate(time.Second)
	got := line(Compile("%(t)s"), &Entry{})
	ts, err := time.Parse(timeLayout+"\n", got)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Before(before) || ts.After(time.Now().Add(time.Second)) {
		t.Errorf("time %v is not now", ts)
	}
}

func TestEscaping(t *testing.T) {
	req := parseRequest(t, "GET /x HTTP/1.1\r\n\r\n", "10.0.0.1:1")
	req.Header["User-Agent"] = []string{"Mozilla \"5.0\"\n[24/Nov/2026:09:20:25 +0000] forged"}
	req.Header["Referer"] = []string{`ends with \`}
	req.Header["X-Utf8"] = []string{"héllo\x7f\x00\t"}
	req.URL.Path = "/caf\u00e9\r\n"
	e := &Entry{Request: req, ResponseHeader: http.Header{"X-Esc": {"\x1b[31mred"}}}
	tests := []struct{ format, want string }{
		{`"%(a)s"`, `"Mozilla \"5.0\"\x0a[24/Nov/2026:09:20:25 +0000] forged"`},
		{`"%(f)s" next`, `"ends with \\" next`},
		{`%({x-utf8}i)s`, `h\xc3\xa9llo\x7f\x00\x09`},
		{`%(U)s`, `/caf\xc3\xa9\x0d\x0a`},
		{`%({x-esc}o)s`, `\x1b[31mred`},
		{`%({quoted}e)s`, `a\"b\x0a`},
		// Literal text from the operator is copied unchanged.
		{"tab\there \"q\" é", "tab\there \"q\" é"},
	}
	for _, tc := range tests {
		if got := line(CompileWith(tc.format, testEnviron), e); got != tc.want+"\n" {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.format, got, tc.want)
		}
	}
}

func TestParsing(t *testing.T) {
	e := &Entry{Status: 200, PID: 7, BodyBytes: 6}
	tests := []struct{ format, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"100%% done", "100% done"},
		{"%%(s)s", "%(s)s"},
		{"%(s)d", "200"},
		{"%(s)-5d|", "200|"}, // flags and width ignored
		{"%(L).3f|", "0.000000|"},
		{"%(s)ld", "200"}, // length modifier
		{"%(s)r %(s)a", "200 200"},
		{"%(s)", "200"},    // no conversion: key alone
		{"%(s)z", "200z"},  // not a conversion: kept as text
		{"%(s)5", "2005"},  // width without conversion: kept as text
		{"%(nope)s", "-"},  // unknown atom
		{"%(S)s", "-"},     // atoms are case-sensitive
		{"%({x}z)s", "-"},  // unknown {} kind
		{"%({}i)s", "-"},   // empty header name
		{"%(a(b))s", "-"},  // nested parentheses belong to the key
		{"%(s", "%(s"},     // unclosed
		{"50%", "50%"},     // trailing percent
		{"%s %d", "%s %d"}, // positional conversions are text
		{"[%(p)s]%(s)s%(b)s", "[<7>]2006"},
	}
	for _, tc := range tests {
		if got := line(Compile(tc.format), e); got != tc.want+"\n" {
			t.Errorf("Compile(%q): got %q, want %q", tc.format, got, tc.want)
		}
	}
}

func TestAppendReusesBuffer(t *testing.T) {
	f := Compile("%(s)s")
	buf := []byte("prefix ")
	buf = f.Append(buf, &Entry{Status: 204})
	if string(buf) != "prefix 204\n" {
		t.Errorf("got %q", buf)
	}
}

func TestDefaultAppendAllocs(t *testing.T) {
	f, e := benchEntry(t)
	buf := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() { buf = f.Append(buf[:0], e) })
	if allocs != 0 {
		t.Errorf("Append allocates %.1f times per line, want 0", allocs)
	}
}

func benchEntry(t testing.TB) (*Format, *Entry) {
	raw := "GET /api/v1/items?page=2&sort=name HTTP/1.1\r\n" +
		"Host: example.com\r\n" +
		"Referer: https://example.com/items\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
		"Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("alice:secret")) + "\r\n" +
		"Accept: */*\r\n\r\n"
	req := parseRequest(t, raw, "203.0.113.7:41234")
	return Compile(DefaultFormat), &Entry{
		Request:        req,
		Status:         200,
		BodyBytes:      5120,
		ResponseHeader: http.Header{"Content-Type": {"application/json"}},
		Time:           time.Now(),
		Duration:       1418 * time.Microsecond,
		PID:            9071,
	}
}

func BenchmarkAppendDefault(b *testing.B) {
	f, e := benchEntry(b)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = f.Append(buf[:0], e)
	}
}

func BenchmarkAppendAllAtoms(b *testing.B) {
	_, e := benchEntry(b)
	f := Compile(`%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(m)s %(U)s %(q)s %(H)s %(b)s %(B)s "%(f)s" "%(a)s" %(T)s %(M)s %(D)s %(L)s %(p)s %({accept}i)s %({content-type}o)s %({missing}i)s`)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = f.Append(buf[:0], e)
	}
}
