package server

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"
)

// environRequest is GET /a/b?x=1 from 192.0.2.10:4711 with headers of
// each kind the environ names.
func environRequest() *http.Request {
	r := httptest.NewRequest("GET", "http://example.com/a/b?x=1", nil)
	r.RequestURI = "/a/b?x=1"
	r.RemoteAddr = "192.0.2.10:4711"
	r.Header.Set("User-Agent", "curl/8.5")
	r.Header.Add("Accept", "text/html")
	r.Header.Add("Accept", "*/*")
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("Content-Length", "0")
	r.Header.Set("X-Forwarded-For", "10.0.0.1")
	r.Header.Add("X-Forwarded-For", "10.0.0.2")
	return r
}

func TestEnviron(t *testing.T) {
	r := environRequest()
	want := map[string]string{
		"REQUEST_METHOD":       "GET",
		"SCRIPT_NAME":          "",
		"PATH_INFO":            "/a/b",
		"QUERY_STRING":         "x=1",
		"RAW_URI":              "/a/b?x=1",
		"SERVER_PROTOCOL":      "HTTP/1.1",
		"SERVER_NAME":          "example.com",
		"SERVER_PORT":          "80",
		"REMOTE_ADDR":          "192.0.2.10",
		"REMOTE_PORT":          "4711",
		"wsgi.url_scheme":      "http",
		"HTTP_HOST":            "example.com",
		"HTTP_USER_AGENT":      "curl/8.5",
		"HTTP_ACCEPT":          "text/html,*/*",
		"CONTENT_TYPE":         "text/plain",
		"CONTENT_LENGTH":       "0",
		"HTTP_X_FORWARDED_FOR": "10.0.0.1,10.0.0.2",
	}
	if got := Environ(r); !maps.Equal(got, want) {
		t.Errorf("Environ =\n%v\nwant\n%v", got, want)
	}
}

// EnvironValue reads one variable, in any case, as Environ has it.
func TestEnvironValue(t *testing.T) {
	r := environRequest()
	r.Host, r.RemoteAddr = "example.com:8080", "[2001:db8::1]:4711"
	r.Header.Del("Content-Length")
	r.Header["Script_name"] = []string{"/under"} // as a trusted proxy sends SCRIPT_NAME
	r.Header.Set("Script-Name", "/dash")
	checkLookups(t, "EnvironValue", func(name string) (string, bool) { return EnvironValue(r, name) }, []lookup{
		{"REQUEST_METHOD", "GET", true},
		{"request_method", "GET", true},
		{"Wsgi.Url_Scheme", "http", true},
		{"REMOTE_ADDR", "2001:db8::1", true},
		{"remote_port", "4711", true},
		{"SERVER_NAME", "example.com", true},
		{"SERVER_PORT", "8080", true},
		{"QUERY_STRING", "x=1", true},
		{"RAW_URI", "/a/b?x=1", true},
		{"SCRIPT_NAME", "", true},
		{"HTTP_HOST", "example.com:8080", true},
		{"http_x_forwarded_for", "10.0.0.1,10.0.0.2", true},
		{"HTTP_ACCEPT", "text/html,*/*", true},
		{"CONTENT_TYPE", "text/plain", true},
		{"CONTENT_LENGTH", "", false},              // no such header
		{"HTTP_CONTENT_TYPE", "", false},           // it is CONTENT_TYPE
		{"HTTP_X_MISSING", "", false},              // not sent
		{"HTTP_SCRIPT_NAME", "/dash,/under", true}, // both names map to it: joined in name order
		{"HTTP_", "", false},
		{"HOME", "", false}, // not a request variable
	})
	for key, want := range Environ(r) {
		if got, ok := EnvironValue(r, key); got != want || !ok {
			t.Errorf("EnvironValue(%q) = %q, %v; Environ has %q", key, got, ok, want)
		}
	}
}

// The access log's {name}e falls back to the worker's environment, as
// written and then in upper case, but never for the request's own names.
func TestLogEnviron(t *testing.T) {
	t.Setenv("GOCORN_LOG_ENVIRON", "up")
	t.Setenv("gocorn_log_lower", "low")
	t.Setenv("HTTP_PROXY", "http://proxy.internal:3128")
	r := httptest.NewRequest("GET", "/", nil)
	checkLookups(t, "logEnviron", func(name string) (string, bool) { return logEnviron(name)(r) }, []lookup{
		{"GOCORN_LOG_ENVIRON", "up", true},
		{"gocorn_log_environ", "up", true},
		{"gocorn_log_lower", "low", true},
		{"GOCORN_LOG_LOWER", "", false}, // variable names are case-sensitive; only the upper-case retry is made
		{"GOCORN_LOG_NONE", "", false},
		{"HTTP_PROXY", "", false}, // a request variable: its Proxy header
		{"request_method", "GET", true},
	})
}

// lookup is a variable name and what looking it up should give.
type lookup struct {
	name, want string
	ok         bool
}

// checkLookups looks up each name with get.
func checkLookups(t *testing.T, what string, get func(name string) (string, bool), lookups []lookup) {
	t.Helper()
	for _, l := range lookups {
		if got, ok := get(l.name); got != l.want || ok != l.ok {
			t.Errorf("%s(%q) = %q, %v; want %q, %v", what, l.name, got, ok, l.want, l.ok)
		}
	}
}
