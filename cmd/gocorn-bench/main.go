// Command gocorn-bench measures what gocorn's pre-fork model costs against
// a bare single-process net/http server serving the same bytes, measured
// in the same run with wrk and given as ratios: the bar the design holds
// every hot-path change to. fasthttp's prefork, gunicorn and nginx run
// beside it as anchors when they are there.
//
// Usage, from inside the gocorn module (needs wrk):
//
//	go run ./cmd/gocorn-bench -rounds 3 -duration 10s -doc docs/performance.md
//
// The run is made of rounds; each starts every server in turn, loads it
// with keep-alive and then with "Connection: close", and stops it, so that
// the machine's drift over the run hits every row alike. Every row is
// reported as its median over the rounds with the range, and as the
// median of its per-round ratios to the bare server. Every server runs as
// its own process group on 127.0.0.1 and is stopped with SIGTERM (then
// killed) before the next one starts, also when the run is interrupted.
//
// With -doc, the results go between the markers of that markdown file
// (created if need be; what is outside the markers is left alone) and a
// chart of throughput against workers goes beside it as PNG.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
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

	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2 // the flag package has said why
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "gocorn-bench: %v\n", err)
		return 1
	}
	return 0
}

// flagOutput is where flag errors and -help go.
var flagOutput io.Writer = os.Stderr

// parseFlags reads the command line into options, with the flags given
// kept as the command line the doc shows.
func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("gocorn-bench", flag.ContinueOnError)
	fs.SetOutput(flagOutput)
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long wrk loads each server in each mode, in whole seconds")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds; each runs every server in every mode once")
	fs.IntVar(&o.connections, "connections", 64, "connections wrk keeps open")
	fs.IntVar(&o.threads, "threads", 2, "wrk threads")
	fs.StringVar(&o.only, "only", "", "comma-separated cases to run (default: the standard ones), out of: "+caseKeys()+
		"\n(the bare server a case is compared with runs too)")
	fs.StringVar(&o.modes, "modes", "keep-alive,close", "comma-separated modes to load every server in: keep-alive, close")
	fs.StringVar(&o.gocorn, "gocorn", "", "gocorn binary to measure (default: build ./cmd/gocorn into a temporary directory)")
	fs.StringVar(&o.doc, "doc", "", "markdown file to write the results into, between its markers (created if need be), "+
		"with the chart beside it as .png (default: stdout only)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q; it takes flags only (see -help)", fs.Arg(0))
		fmt.Fprintf(fs.Output(), "gocorn-bench: %v\n", err)
		return o, err
	}
	words := []string{"go run ./cmd/gocorn-bench"}
	fs.Visit(func(f *flag.Flag) { words = append(words, "-"+f.Name+" "+f.Value.String()) })
	o.command = strings.Join(words, " ")
	return o, nil
}
