package accesslog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite testdata/json/*.golden from the current output")

// jsonFormat is the JSON format with a fixed id prefix, for golden lines.
func jsonFormat() *Format {
	f := Compile("json")
	copy(f.json.prefix[:], "00c0ffee00c0ffee")
	return f
}

// hostile is a request whose client tries every way to break a line;
// net/http refuses control bytes in a header, so hostileRequest puts them
// in a User-Agent after parsing, as a laxer front end might pass them.
const hostile = "GET /p%0Aq?x=%22 HTTP/1.1\r\n" +
	"Host: evil\"host\r\n" +
	"Referer: x\",\"status\":999,\"y\":\"\r\n" +
	"X-Request-Id: forged\r\n\r\n"

const hostileAgent = "a\"b\\c\x01\x1b[31m\n\x7f\xc2\x9b\xe2\x80\xa8\xff\xfe\xc3 \xc3\xa9"

func hostileRequest(t testing.TB) *http.Request {
	req := parseRequest(t, hostile, "198.51.100.9:1")
	req.Header["User-Agent"] = []string{hostileAgent}
	req.URL.Path = "/p\nq\u2029\x00"
	return req
}

var jsonGoldenCases = []struct {
	name   string
	raw    string // the request; "" for none, hostile for hostileRequest
	remote string
	entry  Entry
}{
	{
		name: "full",
		raw: "POST /a%20b/c?x=1 HTTP/1.1\r\nHost: example.com\r\nReferer: https://example.com/from\r\n" +
			"User-Agent: curl/8.5.0\r\nAuthorization: Basic " + base64.StdEncoding.EncodeToString([]byte("alice:pw")) + "\r\n\r\n",
		remote: "203.0.113.7:41234",
		entry: Entry{Status: 201, BodyBytes: 12345, Duration: 2*time.Second + 3*time.Millisecond + 4*time.Microsecond + 5,
			Scheme: "https", Peer: &net.TCPAddr{IP: net.ParseIP("10.0.0.2"), Port: 5050}},
	},
	{
		name:   "trusted_request_id",
		raw:    "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
		remote: "[2001:db8::1]:443",
		entry:  Entry{Status: 200, RequestID: "req-42", Peer: &net.TCPAddr{IP: net.ParseIP("::1"), Port: 80}, Scheme: "http"},
	},
	{
		name:   "unix_peer",
		raw:    "GET /health HTTP/1.0\r\n\r\n",
		remote: "@",
		entry:  Entry{Status: 204, BodyBytes: -1, Peer: &net.UnixAddr{Name: "@", Net: "unix"}},
	},
	{
		name:  "no_request",
		entry: Entry{Status: 400},
	},
	{
		name:  "hostile",
		raw:   hostile,
		entry: Entry{Status: 200, BodyBytes: 2},
	},
}

func TestJSONGolden(t *testing.T) {
	for _, tc := range jsonGoldenCases {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.entry
			switch tc.raw {
			case "":
			case hostile:
				e.Request = hostileRequest(t)
			default:
				e.Request = parseRequest(t, tc.raw, tc.remote)
			}
			e.Time = entryTime.Add(123 * time.Millisecond)
			e.PID = 9071
			got := line(jsonFormat(), &e)
			checkJSONLine(t, got)
			path := filepath.Join("testdata", "json", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// checkJSONLine fails unless line is one valid JSON object and a newline.
func checkJSONLine(t *testing.T, line string) map[string]any {
	t.Helper()
	body, ok := strings.CutSuffix(line, "\n")
	if !ok || strings.ContainsAny(body, "\n\r") {
		t.Fatalf("not one line: %q", line)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, body)
	}
	return m
}

// Every key is there, values have their types, and a client's quotes and
// commas stay inside the strings they came in.
func TestJSONKeys(t *testing.T) {
	e := &Entry{Request: hostileRequest(t), Status: 200, BodyBytes: 2, Duration: 1418 * time.Microsecond}
	m := checkJSONLine(t, line(Compile("JSON"), e))
	keys := []string{"time", "request_id", "remote_addr", "peer", "user", "method", "scheme", "host", "uri",
		"path", "query", "protocol", "status", "bytes", "duration_ms", "referer", "user_agent", "pid"}
	if len(m) != len(keys) {
		t.Errorf("%d keys, want %d: %v", len(m), len(keys), m)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("key %s missing", k)
		}
	}
	if m["status"] != 200.0 || m["duration_ms"] != 1.418 || m["referer"] != `x","status":999,"y":"` {
		t.Errorf("status %v, duration_ms %v, referer %v", m["status"], m["duration_ms"], m["referer"])
	}
	if _, err := time.Parse(time.RFC3339Nano, m["time"].(string)); err != nil {
		t.Errorf("time: %v", err)
	}
}

// A line is valid JSON, and one line, whatever bytes a header holds;
// valid UTF-8 other than control characters comes back unchanged.
func FuzzJSONEscaping(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"b\\c", "\n\r\t\x00\x1f\x7f", "\xff\xfe", "\xc3", "é€𝄞", "\u0085\u009b\u2028\u2029", "\\xff"} {
		f.Add(s)
	}
	format := Compile(JSON)
	f.Fuzz(func(t *testing.T, s string) {
		req := parseRequest(t, "GET / HTTP/1.1\r\n\r\n", "10.0.0.1:1")
		req.Header["User-Agent"] = []string{s}
		m := checkJSONLine(t, line(format, &Entry{Request: req}))
		if utf8.ValidString(s) && !strings.ContainsFunc(s, isEscapedRune) && m["user_agent"] != s {
			t.Errorf("user_agent %q, want %q", m["user_agent"], s)
		}
	})
}

func isEscapedRune(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f }

// Generated ids are 32 hex digits, distinct, and differ between worker
// processes (formats) from the first digit on.
func TestJSONRequestIDs(t *testing.T) {
	id := regexp.MustCompile(`"request_id":"([0-9a-f]{32})"`)
	seen := map[string]bool{}
	var prefixes []string
	for range 2 {
		f := Compile(JSON)
		for range 100 {
			m := id.FindStringSubmatch(line(f, &Entry{}))
			if m == nil || seen[m[1]] {
				t.Fatalf("bad or repeated id in %v", m)
			}
			seen[m[1]] = true
		}
		prefixes = append(prefixes, string(f.json.prefix[:]))
	}
	if prefixes[0] == prefixes[1] {
		t.Errorf("two formats share the prefix %s", prefixes[0])
	}
}

// jsonBenchEntry is benchEntry's request as a worker hands it to the
// JSON format, with a peer and a scheme.
func jsonBenchEntry(t testing.TB) (*Format, *Entry, []byte) {
	_, e := benchEntry(t)
	e.Peer = &net.TCPAddr{IP: net.ParseIP("10.0.0.2"), Port: 5050}
	e.Scheme = "https"
	return Compile(JSON), e, make([]byte, 0, 1024)
}

func TestJSONAppendAllocs(t *testing.T) {
	f, e, buf := jsonBenchEntry(t)
	allocs := testing.AllocsPerRun(100, func() { buf = f.Append(buf[:0], e) })
	if allocs != 0 {
		t.Errorf("the JSON line allocates %.1f times, want 0", allocs)
	}
	if !bytes.HasSuffix(buf, []byte("}\n")) {
		t.Errorf("line %q", buf)
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	f, e, buf := jsonBenchEntry(b)
	b.ReportAllocs()
	for b.Loop() {
		buf = f.Append(buf[:0], e)
	}
}
