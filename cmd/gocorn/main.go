// Command gocorn is a pre-fork HTTP server for Go handlers, configured by a
// Starlark file: gunicorn's operating model in Go. This binary carries the
// stock apps (hello, echo, chaos); see package proc to serve your own.
package main

import (
	"os"

	"github.com/gocorn/gocorn/proc"
	"github.com/gocorn/gocorn/server"
)

func main() {
	os.Exit(proc.Main(server.Stock()))
}
