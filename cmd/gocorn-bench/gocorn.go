package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"sync"
)

// gocornSpec is gocorn serving the hello app on a port of its choosing,
// with args.
func gocornSpec(args ...string) specFunc {
	return func(t tools) serverSpec { return bindingSpec("gocorn", t.gocorn, t.dir, args, "hello") }
}

// withTLS is spec serving TLS with the run's certificate.
func withTLS(spec specFunc) specFunc {
	return spec.with(nil, func(t tools) []string {
		return []string{"--certfile", t.pki.Cert, "--keyfile", t.pki.Key}
	})
}

// emptyHooks is a config with an empty pre_request and post_request: the
// hooks case measures what calling them costs per request.
const emptyHooks = `def pre_request(worker, req):
    pass

def post_request(worker, req):
    pass
`

// withEmptyHooks is spec with emptyHooks as the config file.
func withEmptyHooks(spec specFunc) specFunc {
	const conf = "hooks.conf.star"
	return spec.with(map[string]string{conf: emptyHooks}, fixed("-c", conf))
}

// withAccessLog is spec writing its access log to file in the scratch
// directory, emptied at each start so that the logs of every round do not
// pile up there.
func withAccessLog(file string, spec specFunc) specFunc {
	return spec.with(map[string]string{file: ""}, fixed("--access-logfile", file))
}

// statsdSink is a UDP socket that takes the statsd cases' datagrams and
// never reads them, so the server pays the whole cost of sending.
var statsdSink = sync.OnceValues(func() (net.PacketConn, error) {
	return net.ListenPacket("udp", "127.0.0.1:0")
})

// withStatsd is spec sending statsd metrics to the run's sink (tools.statsd).
func withStatsd(spec specFunc) specFunc {
	return spec.with(nil, func(t tools) []string { return []string{"--statsd-host", t.statsd} })
}

// findGocorn returns the gocorn binary to measure: the one given with
// -gocorn, or ./cmd/gocorn built into dir.
func findGocorn(ctx context.Context, given, dir string, progress io.Writer) (string, error) {
	if given != "" {
		// Servers run in dir, so a relative path must be made absolute; a
		// bare name is looked up in PATH, as a shell would.
		path, err := exec.LookPath(given)
		if err == nil {
			path, err = filepath.Abs(path)
		}
		if err != nil {
			return "", fmt.Errorf("-gocorn: %v", err)
		}
		return path, nil
	}
	out := filepath.Join(dir, "gocorn")
	fmt.Fprintf(progress, "gocorn-bench: building gocorn into %s\n", out)
	if err := goBuild(ctx, "", out, "github.com/gocorn/gocorn/cmd/gocorn"); err != nil {
		return "", fmt.Errorf("could not build gocorn; run from inside the gocorn module, or pass -gocorn PATH. %v", err)
	}
	return out, nil
}

// goBuild runs go build -o out pkg in dir ("" for this process's), bounded
// by buildTimeout.
func goBuild(ctx context.Context, dir, out, pkg string) error {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s failed (%v):\n%s", pkg, err, indent(string(b)))
	}
	return nil
}
