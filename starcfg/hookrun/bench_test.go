package hookrun

import (
	"net/http"
	"testing"
	"time"
)

// BenchmarkRequestHooks is what the hooks add to each request: one
// PreRequest and one PostRequest call, as a worker makes them.
//
//	go test -bench RequestHooks -benchmem ./starcfg/hookrun -run '^$'
func BenchmarkRequestHooks(b *testing.B) {
	cases := []struct {
		name, src string
	}{
		{"none", ""},
		{"empty", "def pre_request(worker, req):\n    pass\n\ndef post_request(worker, req):\n    pass\n"},
		{"pre_request reads", "def pre_request(worker, req):\n    path = req.path\n    agent = req.headers['User-Agent']\n"},
		{"pre_request headers", "def pre_request(worker, req):\n    return {'X-Path': req.path}\n"},
		{"post_request resp", "def post_request(worker, req, environ, resp):\n    pass\n"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := New(nil, nil, RequestView{})
			if c.src != "" {
				h, _ = loadHooks(b, "bench.star", c.src)
			}
			w := &Worker{PID: 1, ID: 1, Config: testConfig(b)}
			r := testRequest()
			resp := &Response{Status: 200, Header: http.Header{}, Bytes: 12, Duration: time.Millisecond}
			b.ReportAllocs()
			for b.Loop() {
				h.PreRequest(w, r)
				h.PostRequest(w, r, resp)
			}
		})
	}
}
