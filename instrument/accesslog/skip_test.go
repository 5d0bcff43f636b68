package accesslog

import (
	"testing"
)

func TestSkip(t *testing.T) {
	s := NewSkip([]string{"/healthz", "/health/*", "/ready"})
	tests := []struct {
		name   string
		target string
		status int
		skip   bool
	}{
		{"exact", "/healthz", 200, true},
		{"exact with query", "/healthz?full=1", 204, true},
		{"exact is not a prefix", "/healthz/x", 200, false},
		{"longer name", "/healthzz", 200, false},
		{"prefix", "/health/live", 200, true},
		{"prefix itself", "/health/", 200, true},
		{"prefix without its slash", "/health", 200, false},
		{"failing probe", "/healthz", 503, false},
		{"bad request", "/ready", 400, false},
		{"redirect", "/ready", 302, true},
		{"encoded differs", "/health%7a", 200, false},
		{"absolute form", "http://example.com/healthz", 200, true},
		{"other path", "/", 200, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := parseRequest(t, "GET "+tc.target+" HTTP/1.1\r\nHost: h\r\n\r\n", "10.0.0.1:1")
			if got := s.Skips(req, tc.status); got != tc.skip {
				t.Errorf("Skips(%s, %d) = %v, want %v", tc.target, tc.status, got, tc.skip)
			}
		})
	}
}

func TestSkipNothing(t *testing.T) {
	req := parseRequest(t, "GET / HTTP/1.1\r\n\r\n", "")
	var none *Skip
	if NewSkip(nil) != nil || none.Skips(req, 200) || NewSkip([]string{"/x"}).Skips(nil, 200) {
		t.Error("an empty list, or no request, skipped a line")
	}
	if !NewSkip([]string{"*"}).Skips(req, 200) {
		t.Error(`"*" did not skip every path`)
	}
}

func TestSkipAllocs(t *testing.T) {
	s := NewSkip([]string{"/healthz", "/health/*"})
	req := parseRequest(t, "GET /health/live?x=1 HTTP/1.1\r\n\r\n", "")
	if n := testing.AllocsPerRun(100, func() { s.Skips(req, 200) }); n != 0 {
		t.Errorf("%.1f allocations per request, want 0", n)
	}
}
