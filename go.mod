module github.com/gocorn/gocorn

go 1.26.0

require (
	github.com/alecthomas/kong v1.17.0
	github.com/cactus/go-statsd-client/v5 v5.1.0
	github.com/fsnotify/fsnotify v1.10.1
	go.starlark.net v0.0.0-20260908191801-89a6a09411d5
)

require golang.org/x/sys v0.49.0
