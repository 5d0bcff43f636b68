// Command embed is a service built on gocorn, as a real one would be: its
// own name, version and description in -h, --version and ps; its routes on
// the chi router; its own settings (greeting, api_prefix), set in
// gocorn.conf.star or by flag like gocorn's; and server hooks in Go. It
// gets gocorn's whole command line, config file and process model.
//
//	go build -o myservice ./examples/embed
//	./myservice -w 4 -b 127.0.0.1:8000 --greeting Howdy api
//	curl http://127.0.0.1:8000/v1/hello/gopher
//
// Everything else a gocorn binary does works the same: myservice -h,
// myservice help greeting, myservice --print-config, myservice ctl.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gocorn/gocorn/proc"
	"github.com/gocorn/gocorn/server"
	"github.com/gocorn/gocorn/starcfg"
	"github.com/gocorn/gocorn/starcfg/hookrun"
)

// version is the service's version; a release stamps it with
// -ldflags "-X main.version=v1.4.0". Empty, gocorn takes the main
// module's version from the build info.
var version = ""

func main() {
	os.Exit(proc.Run(proc.Program{
		Name:        "myservice",
		Version:     version,
		Description: "myservice greets people and tells the time, on chi routes under api_prefix.",
		Apps: server.Apps{
			"api":    newAPI,
			"health": server.Handler(http.HandlerFunc(health)),
		},
		Settings: []starcfg.ProgramSetting{
			{Name: "greeting", Flag: "greeting", Metavar: "WORD", Default: "Hello",
				Help: "The word /hello/NAME greets with."},
			{Name: "api_prefix", Flag: "api-prefix", Metavar: "PATH", Default: "/v1", Check: checkPrefix,
				Help: "The path the API's routes start with: /v1 serves /v1/hello/NAME."},
		},
		Hooks: proc.Hooks{
			WhenReady:      announce,
			PostWorkerInit: warmCache,
			PreRequest:     servedBy,
		},
	}))
}

// checkPrefix refuses an api_prefix chi cannot mount.
func checkPrefix(v any) error {
	p := v.(string)
	if !strings.HasPrefix(p, "/") || (len(p) > 1 && strings.HasSuffix(p, "/")) {
		return fmt.Errorf("%q: want a path starting with / and not ending with one, such as /v1", p)
	}
	return nil
}

// newAPI runs once in every worker process, with the configuration the
// master resolved: a real service would open its database pool here.
func newAPI() (http.Handler, error) {
	cfg := proc.Config()
	greeting, err := starcfg.Get[string](cfg, "greeting")
	if err != nil {
		return nil, err
	}
	prefix, err := starcfg.Get[string](cfg, "api_prefix")
	if err != nil {
		return nil, err
	}
	started := time.Now()
	r := chi.NewRouter()
	r.Route(prefix, func(r chi.Router) {
		r.Get("/hello/{name}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "%s, %s!\n", greeting, chi.URLParam(r, "name"))
		})
		r.Get("/time", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{
				"now":            time.Now().UTC().Format(time.RFC3339),
				"worker_pid":     os.Getpid(),
				"worker_started": started.UTC().Format(time.RFC3339),
				"cache_warm":     cacheWarm.Load(),
			})
		})
		r.Post("/note", note)
	})
	return r, nil
}

// note logs the request's msg with the standard library's loggers, as a
// service's own code and its libraries do: gocorn writes both to the
// server's error log, in its format.
func note(w http.ResponseWriter, r *http.Request) {
	msg := r.FormValue("msg")
	log.Printf("note from log: %s", msg)
	slog.Info("note from slog", "msg", msg)
	w.WriteHeader(http.StatusNoContent)
}

// cacheWarm tells whether warmCache ran in this worker.
var cacheWarm atomic.Bool

// warmCache is the post_worker_init hook: work to do in each worker
// before it serves, that the program owns rather than the config file.
// Its error fails the worker's boot, as a failing Starlark
// post_worker_init does: there is nothing to warm for an empty greeting.
func warmCache(w *hookrun.Worker) error {
	greeting, err := starcfg.Get[string](w.Config, "greeting")
	if err != nil {
		return errors.New("cannot warm the cache: " + err.Error())
	}
	if greeting == "" {
		return errors.New("cannot warm the cache: the greeting is empty")
	}
	cacheWarm.Store(true)
	w.Log.Info(fmt.Sprintf("Warmed the cache for %q in worker %d", greeting, w.PID))
	return nil
}

// announce is the when_ready hook: it runs in the master once the
// sockets are bound, where a service would register with its discovery.
func announce(s *hookrun.Master) error {
	prefix, err := starcfg.Get[string](s.Config, "api_prefix")
	if err != nil {
		return err
	}
	s.Log.Info(fmt.Sprintf("myservice is ready: %d workers serving %s", s.NumWorkers, prefix))
	return nil
}

// servedBy is the pre_request hook: it names the worker on every
// response.
func servedBy(w *hookrun.Worker, _ *http.Request) (http.Header, error) {
	return http.Header{"X-Served-By": {fmt.Sprintf("myservice worker %d", w.PID)}}, nil
}

func health(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte("ok\n"))
}
