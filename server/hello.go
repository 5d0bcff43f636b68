package server

import "net/http"

var helloBody = []byte("Hello, World!\n")

// Hello answers every request with 200 and "Hello, World!\n" in plain text:
// the smallest app, for smoke tests and benchmarks.
func Hello() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"text/plain"}
		h["Content-Length"] = []string{"14"}
		w.Write(helloBody)
	})
}
