# gocorn's everyday commands. Nothing essential needs just: each recipe is
# one plain command you can run yourself.

# Serve the hello app with the example config.
run app="hello":
    go run ./cmd/gocorn -c examples/gocorn.conf.star {{app}}

# The whole test suite (what CI runs).
test:
    go test -count=1 -timeout 9m ./...

# gofmt, go vet.
lint:
    test -z "$(gofmt -l $(git ls-files '*.go'))"
    go vet ./...

# Static release binaries for linux/amd64 and linux/arm64 with SHA256SUMS,
# reproducible from the commit (cmd/gocorn-release says how).
release out="dist":
    go run ./cmd/gocorn-release -o {{out}}

# Regenerate docs/settings.md from the settings table.
docs:
    go test ./starcfg -run TestSettingsDoc -update

# gocorn against a bare net/http server, fasthttp's prefork, gunicorn and
# nginx in alternating rounds (needs wrk; see docs/how-it-works.md); rewrites the
# results in docs/performance.md and its chart. Then the micro-benchmarks.
bench seconds="10" rounds="3":
    go run ./cmd/gocorn-bench -rounds {{rounds}} -duration {{seconds}}s -doc docs/performance.md
    go test -run '^$' -bench . -benchmem ./...
