// Command embed shows how a program serves its own handlers with gocorn:
// hand your apps to proc.Main and the program gets gocorn's whole command
// line, config file and process model.
//
//	go build -o myservice ./examples/embed
//	./myservice -w 4 -b 127.0.0.1:8000 api
package main

import (
	"encoding/json"
	"net/http"
	"os"
	"time"

	"github.com/gocorn/gocorn/proc"
	"github.com/gocorn/gocorn/server"
)

func main() {
	os.Exit(proc.Main(server.Apps{
		"api":    newAPI,
		"health": server.Handler(http.HandlerFunc(health)),
	}))
}

// newAPI runs once in every worker process: a real service would open its
// database pool here.
func newAPI() (http.Handler, error) {
	started := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /time", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"now":            time.Now().UTC().Format(time.RFC3339),
			"worker_pid":     os.Getpid(),
			"worker_started": started.UTC().Format(time.RFC3339),
		})
	})
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("Hello, " + r.PathValue("name") + "!\n"))
	})
	return mux, nil
}

func health(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte("ok\n"))
}
