package h1

import (
	"bufio"
	"io"
	"net/http"
	"testing"
)

// TestFragment checks that a fragment in the request-target reaches the
// handler nowhere, as gunicorn's PATH_INFO and QUERY_STRING leave it out:
// not in the path, not in the query, not in RequestURI. A '#' escaped as
// %23 is data and stays.
func TestFragment(t *testing.T) {
	seen := make(chan [3]string, 1)
	addr, _ := serve(t, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- [3]string{r.RequestURI, r.URL.Path, r.URL.RawQuery}
	}), nil)
	for _, tt := range []struct {
		target                string
		requestURI, path, raw string
	}{
		{"/p?page=1#top", "/p?page=1", "/p", "page=1"},
		{"/p#x", "/p", "/p", ""},
		{"/p#", "/p", "/p", ""},
		{"/p?#x", "/p?", "/p", ""},
		{"/p#x?y=1", "/p", "/p", ""}, // the fragment holds the '?'
		{"/p#%zz", "/p", "/p", ""},   // a fragment's escapes are not the path's
		{"/p#a#b", "/p", "/p", ""},   // the first '#' starts the fragment
		{"//x#y", "//x", "//x", ""},  // a path, as gunicorn takes it
		{"/a%23b?q=%23#f", "/a%23b?q=%23", "/a#b", "q=%23"},
		{"http://example.com/p?q=1#f", "http://example.com/p?q=1", "/p", "q=1"},
	} {
		conn := dialServer(t, addr)
		io.WriteString(conn, "GET "+tt.target+" HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Errorf("GET %s: %v", tt.target, err)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", tt.target, resp.Status)
			continue
		}
		got := <-seen
		if want := [3]string{tt.requestURI, tt.path, tt.raw}; got != want {
			t.Errorf("GET %s: RequestURI, Path, RawQuery = %q, want %q", tt.target, got, want)
		}
	}
}
