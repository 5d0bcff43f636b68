package server

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// echo sends request to a fresh echo server and decodes the reply.
func echo(t *testing.T, request string) (EchoReply, map[string]json.RawMessage, *client) {
	t.Helper()
	r := start(t, with(config("sync"), Options{Handler: Echo()}), 1)
	c := mustDial(t, r.addr())
	resp, body, err := c.roundTrip(request)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("echo: status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var reply EchoReply
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &reply); err != nil {
		t.Fatalf("echo reply %q: %v", body, err)
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	return reply, raw, c
}

func TestEchoKeys(t *testing.T) {
	_, raw, _ := echo(t, get("/"))
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"body_base64", "headers", "method", "path", "proto", "query", "remote_addr", "scheme", "script_name", "trailers", "uri"}
	if !slices.Equal(keys, want) {
		t.Errorf("echo keys %v, want %v", keys, want)
	}
	// Empty maps are objects, never null.
	for _, k := range []string{"headers", "trailers"} {
		if s := string(raw[k]); !strings.HasPrefix(s, "{") {
			t.Errorf("%s = %s, want an object", k, s)
		}
	}
}

func TestEcho(t *testing.T) {
	tests := []struct {
		name    string
		request string
		want    EchoReply // RemoteAddr is filled in by the test
	}{
		{
			name:    "minimal GET",
			request: "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n",
			want: EchoReply{
				Method: "GET", URI: "/", Path: "/", Proto: "HTTP/1.1",
				Headers:  map[string][]string{"Host": {"example.test"}},
				Trailers: map[string][]string{}, Scheme: "http",
			},
		},
		{
			name:    "HTTP/1.0 without Host",
			request: "GET /old HTTP/1.0\r\n\r\n",
			want: EchoReply{
				Method: "GET", URI: "/old", Path: "/old", Proto: "HTTP/1.0",
				Headers: map[string][]string{}, Trailers: map[string][]string{}, Scheme: "http",
			},
		},
		{
			name: "query, escapes and repeated headers",
			request: "GET /a%20b/c?x=1&y=%2F HTTP/1.1\r\nHost: example.test:8080\r\n" +
				"x-multi: one\r\nX-Multi: two\r\nX-Empty:\r\n\r\n",
			want: EchoReply{
				Method: "GET", URI: "/a%20b/c?x=1&y=%2F", Path: "/a b/c", Query: "x=1&y=%2F", Proto: "HTTP/1.1",
				Headers: map[string][]string{
					"Host":    {"example.test:8080"},
					"X-Multi": {"one", "two"},
					"X-Empty": {""},
				},
				Trailers: map[string][]string{}, Scheme: "http",
			},
		},
		{
			name: "binary body with Content-Length",
			request: "PUT /bin HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream\r\nContent-Length: 4\r\n\r\n" +
				"\x00\x01\x02\xff",
			want: EchoReply{
				Method: "PUT", URI: "/bin", Path: "/bin", Proto: "HTTP/1.1",
				Headers: map[string][]string{
					"Host":           {"h"},
					"Content-Type":   {"application/octet-stream"},
					"Content-Length": {"4"},
				},
				Trailers: map[string][]string{}, BodyBase64: "AAEC/w==", Scheme: "http",
			},
		},
		{
			name: "chunked body with trailers",
			request: "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc123\r\nX-Other: 1\r\n\r\n",
			want: EchoReply{
				Method: "POST", URI: "/up", Path: "/up", Proto: "HTTP/1.1",
				Headers: map[string][]string{
					"Host":              {"h"},
					"Transfer-Encoding": {"chunked"},
				},
				Trailers: map[string][]string{"X-Checksum": {"abc123"}, "X-Other": {"1"}},
				// "hello world"
				BodyBase64: "aGVsbG8gd29ybGQ=", Scheme: "http",
			},
		},
		{
			name:    "absolute-form target",
			request: "OPTIONS http://example.test/p?q HTTP/1.1\r\nHost: example.test\r\n\r\n",
			want: EchoReply{
				Method: "OPTIONS", URI: "http://example.test/p?q", Path: "/p", Query: "q", Proto: "HTTP/1.1",
				Headers:  map[string][]string{"Host": {"example.test"}},
				Trailers: map[string][]string{}, Scheme: "http",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, c := echo(t, tt.request)
			tt.want.RemoteAddr = c.LocalAddr().String()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("echo of %q:\n got %+v\nwant %+v", tt.request, got, tt.want)
			}
		})
	}
}

// A client that announces its trailers in a Trailer header sent that
// header like any other; net/http takes it out of r.Header, so the echo
// must put it back, as it does for Host and Transfer-Encoding.
func TestEchoKeepsTrailerHeader(t *testing.T) {
	got, _, _ := echo(t, "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"+
		"5\r\nhello\r\n0\r\nX-Checksum: abc123\r\n\r\n")
	want := map[string][]string{
		"Host":              {"h"},
		"Transfer-Encoding": {"chunked"},
		"Trailer":           {"X-Checksum"},
	}
	if !reflect.DeepEqual(got.Headers, want) {
		t.Errorf("headers %v, want %v", got.Headers, want)
	}
	if wantT := map[string][]string{"X-Checksum": {"abc123"}}; !reflect.DeepEqual(got.Trailers, wantT) {
		t.Errorf("trailers %v, want %v", got.Trailers, wantT)
	}
}

// A trailer announced but never sent is not reported.
func TestEchoAnnouncedTrailerMissing(t *testing.T) {
	got, _, _ := echo(t, "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"+
		"5\r\nhello\r\n0\r\n\r\n")
	if len(got.Trailers) != 0 {
		t.Errorf("trailers %v, want none", got.Trailers)
	}
	if got.BodyBase64 != "aGVsbG8=" {
		t.Errorf("body_base64 %q, want aGVsbG8=", got.BodyBase64)
	}
}
