package main

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
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

// portVar stands for the port in the arguments and files of a server that
// is told its port (serverSpec.port), and in the doc's commands.
const portVar = "$PORT"

// scratchVar stands for the run's scratch directory in the doc's commands.
const scratchVar = "$SCRATCH"

// A serverSpec says how to start one server under test. Every server binds
// 127.0.0.1; unless it is told its port, it binds port 0 and must log
// "Listening at: http://ADDR (PID)" (https:// with TLS) with the port it
// got, as gocorn and gunicorn do.
type serverSpec struct {
	name  string // for messages: "bare", "gocorn", "gunicorn", ...
	path  string
	args  []string
	env   []string          // added to this process's environment
	dir   string            // working directory, away from any config file in ours
	files map[string]string // written into dir before each start; "" empties a log the server appends to
	port  bool              // portVar in args, env and files is replaced by a free port, and nothing is logged
}

// A specFunc makes a case's serverSpec from the run's tools.
type specFunc func(tools) serverSpec

// with is the spec with args put before its own arguments (gocorn and
// gunicorn take flags in any order) and files written before each start
// along with its own; args may depend on the run's tools.
func (f specFunc) with(files map[string]string, args func(tools) []string) specFunc {
	return func(t tools) serverSpec {
		s := f(t)
		s.args = append(args(t), s.args...)
		s.files = maps.Clone(s.files)
		if s.files == nil {
			s.files = map[string]string{}
		}
		maps.Copy(s.files, files)
		return s
	}
}

// fixed is args that do not depend on the run's tools, for specFunc.with.
func fixed(args ...string) func(tools) []string {
	return func(tools) []string { return args }
}

// prepare writes the spec's files and, for a server told its port, picks
// the port. It returns the spec with the port filled in, and the URL to
// load when the tool chose it ("" when the server logs its own).
func (s serverSpec) prepare() (serverSpec, string, error) {
	var url string
	files := s.files
	if s.port {
		port, err := freePort()
		if err != nil {
			return s, "", fmt.Errorf("can't find a free port for %s: %v", s.name, err)
		}
		r := strings.NewReplacer(portVar, port)
		s.args, s.env = replaceAll(r, s.args), replaceAll(r, s.env)
		files = map[string]string{}
		for name, content := range s.files {
			files[name] = r.Replace(content)
		}
		url = "http://127.0.0.1:" + port
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte(content), 0o644); err != nil {
			return s, "", fmt.Errorf("can't write %s's %s: %v", s.name, name, err)
		}
	}
	return s, url, nil
}

func replaceAll(r *strings.Replacer, words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = r.Replace(w)
	}
	return out
}

// freePort returns a loopback port that was free a moment ago: a server
// that binds it with SO_REUSEPORT in several processes can't be handed a
// socket, nor bind port 0 and agree on the result.
func freePort() (string, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// command is the spec's command line for the doc: its environment, the
// program by name and its arguments, with the scratch directory shown as
// scratchVar.
func (s serverSpec) command() string {
	words := append(slices.Clone(s.env), filepath.Base(s.path))
	words = append(words, s.args...)
	line := strings.Join(words, " ")
	if s.dir != "" {
		line = strings.ReplaceAll(line, s.dir, scratchVar)
	}
	return line
}

// bindingSpec is a gunicorn-like server: it binds -b 127.0.0.1:0 itself
// and logs where, and serves app with args.
func bindingSpec(name, path, dir string, args []string, app string) serverSpec {
	return serverSpec{
		name: name,
		path: path,
		args: append(append([]string{"-b", "127.0.0.1:0"}, args...), app),
		dir:  dir,
	}
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

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return "\t" + strings.ReplaceAll(s, "\n", "\n\t")
}
