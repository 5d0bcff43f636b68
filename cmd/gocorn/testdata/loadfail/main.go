// Command loadfail is a gocorn binary whose app "db" cannot be built, as
// a service whose database is down: the process tests check that
// --check-config builds the app and fails with the factory's error.
package main

import (
	"errors"
	"net/http"
	"os"

	"github.com/gocorn/gocorn/proc"
	"github.com/gocorn/gocorn/server"
)

func main() {
	os.Exit(proc.Main(server.Apps{
		"db": func() (http.Handler, error) {
			return nil, errors.New("dial tcp 127.0.0.1:5432: connection refused")
		},
		"hello": server.Handler(server.Hello()),
	}))
}
