// Package server is the worker side of gocorn: it serves one app's
// http.Handler on the sockets the master passed down, with a worker class's
// concurrency model, gunicorn's limits, request deadlines and an access log.
// It takes plain Options and knows nothing of the config file: package proc
// maps the settings onto them, in one place (serveroptions.go).
package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// App builds the handler a worker serves. It runs once in every worker
// process, after the worker has booted, so it may open per-process
// resources (database pools, caches). An error stops the worker with
// gunicorn's app-load exit code 4.
type App func() (http.Handler, error)

// Apps maps the names given as APP on the command line to apps.
type Apps map[string]App

// Handler turns a ready-made handler into an App.
func Handler(h http.Handler) App {
	return func() (http.Handler, error) { return h, nil }
}

// Names returns the registered app names, sorted.
func (a Apps) Names() []string {
	names := make([]string, 0, len(a))
	for name := range a {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Pick finds the app called name. An empty name is allowed only when
// exactly one app is registered.
func (a Apps) Pick(name string) (App, string, error) {
	if name == "" {
		if len(a) == 1 {
			name = a.Names()[0]
			return a[name], name, nil
		}
		return nil, "", fmt.Errorf("no app given: name one of %s as APP or set app in the config file", a.list())
	}
	app, ok := a[name]
	if !ok {
		return nil, "", fmt.Errorf("app %q is not in this binary; it serves %s", name, a.list())
	}
	return app, name, nil
}

func (a Apps) list() string {
	names := a.Names()
	if len(names) == 0 {
		return "no apps"
	}
	return strings.Join(names, ", ")
}

// Stock returns the apps the stock gocorn binary carries.
func Stock() Apps {
	return Apps{
		"hello": Handler(Hello()),
		"echo":  Handler(Echo()),
		"chaos": ChaosApp,
	}
}
