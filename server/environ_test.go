package server

import (
	"maps"
	"net/http/httptest"
	"testing"
)

func TestEnviron(t *testing.T) {
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
