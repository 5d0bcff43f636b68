package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gocorn/gocorn/server"
)

// bareEnv, when set, turns this binary into the bare server listening on
// its value; with bareCertEnv and bareKeyEnv set too, it serves TLS with
// those files.
const (
	bareEnv     = "GOCORN_BENCH_BARE"
	bareCertEnv = "GOCORN_BENCH_BARE_CERT"
	bareKeyEnv  = "GOCORN_BENCH_BARE_KEY"
)

// A serverSpec says how to start one server under test. Every server binds
// 127.0.0.1:0 and must log "Listening at: http://ADDR" (https:// with TLS)
// with the port it got.
type serverSpec struct {
	name string // for messages: "bare", "gocorn", "gunicorn"
	path string
	args []string
	env  []string // added to this process's environment
	dir  string   // working directory, away from any config file in ours
}

func bareSpec(t tools) serverSpec {
	return serverSpec{
		name: "bare",
		path: t.self,
		env:  []string{bareEnv + "=127.0.0.1:0"},
		dir:  t.dir,
	}
}

// bareTLSSpec is the bare server serving TLS with the run's certificate.
func bareTLSSpec(t tools) serverSpec {
	s := bareSpec(t)
	s.env = append(s.env, bareCertEnv+"="+t.pki.Cert, bareKeyEnv+"="+t.pki.Key)
	return s
}

// gocornTLSSpec is gocornSpec serving TLS with the run's certificate.
func gocornTLSSpec(args ...string) func(tools) serverSpec {
	return func(t tools) serverSpec {
		return gocornSpec(append([]string{"--certfile", t.pki.Cert, "--keyfile", t.pki.Key}, args...)...)(t)
	}
}

func gocornSpec(args ...string) func(tools) serverSpec {
	return func(t tools) serverSpec {
		return serverSpec{
			name: "gocorn",
			path: t.gocorn,
			args: append(append([]string{"-b", "127.0.0.1:0"}, args...), "hello"),
			dir:  t.dir,
		}
	}
}

// emptyHooks is a config with an empty pre_request and post_request: the
// hooks case measures what calling them costs per request.
const emptyHooks = `def pre_request(worker, req):
    pass

def post_request(worker, req):
    pass
`

// gocornHooksSpec is gocornSpec with emptyHooks as the config file.
func gocornHooksSpec(args ...string) func(tools) serverSpec {
	return func(t tools) serverSpec {
		conf := filepath.Join(t.dir, "hooks.conf.star")
		if err := os.WriteFile(conf, []byte(emptyHooks), 0o644); err != nil {
			panic(fmt.Sprintf("gocorn-bench: writing %s: %v", conf, err))
		}
		return gocornSpec(append([]string{"-c", conf}, args...)...)(t)
	}
}

// gocornLogSpec is gocornSpec writing its access log to file in the
// scratch directory.
func gocornLogSpec(file string, args ...string) func(tools) serverSpec {
	return func(t tools) serverSpec {
		return gocornSpec(append([]string{"--access-logfile", filepath.Join(t.dir, file)}, args...)...)(t)
	}
}

// statsdSink is a UDP socket that takes the statsd case's datagrams and
// never reads them, so the server pays the whole cost of sending.
var statsdSink = sync.OnceValue(func() net.PacketConn {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("gocorn-bench: a UDP socket for statsd: %v", err))
	}
	return c
})

// gocornStatsdSpec is gocornSpec sending statsd metrics to statsdSink.
func gocornStatsdSpec(args ...string) func(tools) serverSpec {
	return func(t tools) serverSpec {
		return gocornSpec(append([]string{"--statsd-host", statsdSink().LocalAddr().String()}, args...)...)(t)
	}
}

func gunicornSpec(t tools) serverSpec {
	return serverSpec{
		name: "gunicorn",
		path: t.gunicorn,
		args: []string{"-w", "2", "-k", "gthread", "--threads", "4", "-b", "127.0.0.1:0", "app:app"},
		dir:  t.dir,
	}
}

// serveBare is the bare server: one process, default GOMAXPROCS, plain
// net/http serving server.Hello(), over TLS when certFile is set. It logs
// the line every server under test logs, and shuts down on SIGTERM.
func serveBare(addr, certFile, keyFile string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gocorn-bench: bare server: %v\n", err)
		return 1
	}
	scheme := "http"
	if certFile != "" {
		scheme = "https"
	}
	fmt.Fprintf(os.Stderr, "gocorn-bench bare server: Listening at: %s://%s (%d)\n", scheme, ln.Addr(), os.Getpid())
	srv := &http.Server{Handler: server.Hello()}
	served := make(chan error, 1)
	go func() {
		if certFile != "" {
			served <- srv.ServeTLS(ln, certFile, keyFile)
			return
		}
		served <- srv.Serve(ln)
	}()
	select {
	case err := <-served:
		fmt.Fprintf(os.Stderr, "gocorn-bench: bare server: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(os.Stderr, "gocorn-bench: bare server: shutdown: %v\n", err)
		return 1
	}
	return 0
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
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/gocorn/gocorn/cmd/gocorn")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("could not build gocorn (%v); run from inside the gocorn module, or pass -gocorn PATH. go build said:\n%s",
			err, indent(string(b)))
	}
	return out, nil
}

// findGunicorn returns gunicorn's path and writes the WSGI twin of
// server.Hello() into dir, where gunicorn runs.
func findGunicorn(dir string) (string, error) {
	path, err := exec.LookPath("gunicorn")
	if err != nil {
		return "", errors.New("gunicorn is not on PATH (Debian package: gunicorn)")
	}
	const app = `def app(environ, start_response):
    body = b"Hello, World!\n"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
`
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(app), 0o644); err != nil {
		return "", fmt.Errorf("can't write its app: %v", err)
	}
	return path, nil
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return "\t" + strings.ReplaceAll(s, "\n", "\n\t")
}
