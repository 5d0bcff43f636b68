module github.com/gocorn/gocorn

go 1.26.0

require (
	github.com/alecthomas/kong v1.17.0
	github.com/cactus/go-statsd-client/v5 v5.1.0
	github.com/fsnotify/fsnotify v1.10.1
	go.starlark.net v0.0.0-20260908191801-89a6a09411d5
)

require (
	github.com/go-chi/chi/v5 v5.5.0
	golang.org/x/sys v0.49.0
	gonum.org/v1/plot v0.17.0
	sigs.k8s.io/yaml v1.6.0
)

require (
	codeberg.org/go-fonts/liberation v0.5.0 // indirect
	codeberg.org/go-latex/latex v0.2.0 // indirect
	codeberg.org/go-pdf/fpdf v0.11.1 // indirect
	git.sr.ht/~sbinet/gg v0.7.0 // indirect
	github.com/ajstarks/svgo v0.0.0-20211024235047-1546f124cd8b // indirect
	github.com/golang/freetype v0.0.0-20170609003504-e2365dfdc4a0 // indirect
	go.yaml.in/yaml/v2 v2.4.2 // indirect
	golang.org/x/image v0.30.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
