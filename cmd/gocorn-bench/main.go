// Command gocorn-bench measures how many requests per second gocorn serves
// on loopback compared with a bare single-process net/http server serving
// the same handler, measured in the same run with wrk and printed as a
// ratio: the bar the design holds every hot-path change to.
//
// Usage, from inside the gocorn module:
//
//	go run ./cmd/gocorn-bench -duration 10s
//
// Every server runs as its own process group on 127.0.0.1 and is stopped
// with SIGTERM (then killed) before the next one starts. Keep-alive cases
// are compared with the bare server under keep-alive; gocorn's sync
// workers close every connection, so they are loaded with
// "Connection: close" and compared with the bare server loaded the same way;
// TLS cases are compared with the bare server serving TLS.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(doMain())
}

func doMain() int {
	// The bare server is this binary re-executed with bareEnv set, so that
	// it never shares a process (or a scheduler) with the tool.
	if addr, ok := os.LookupEnv(bareEnv); ok {
		return serveBare(addr, os.Getenv(bareCertEnv), os.Getenv(bareKeyEnv))
	}

	var o options
	fs := flag.NewFlagSet("gocorn-bench", flag.ContinueOnError)
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long wrk loads each server, in whole seconds")
	fs.IntVar(&o.connections, "connections", 64, "connections wrk keeps open")
	fs.IntVar(&o.threads, "threads", 2, "wrk threads")
	fs.StringVar(&o.only, "only", "", "comma-separated cases to run, out of: "+caseKeys()+
		"\n(the bare baseline a case is compared with runs too)")
	fs.StringVar(&o.gocorn, "gocorn", "", "gocorn binary to measure (default: build ./cmd/gocorn into a temporary directory)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "gocorn-bench: unexpected argument %q; it takes flags only (see -help).\n", fs.Arg(0))
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "gocorn-bench: %v\n", err)
		return 1
	}
	return 0
}
