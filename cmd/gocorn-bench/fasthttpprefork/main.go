// Command fasthttpprefork is gocorn-bench's Go pre-fork anchor: fasthttp's
// prefork serving the bytes gocorn's hello app serves, each child with
// GOMAXPROCS=1 and its own SO_REUSEPORT socket, as fasthttp's users run
// it. It is a module of its own so that gocorn does not depend on
// fasthttp; gocorn-bench builds it into its scratch directory.
//
// Usage:
//
//	fasthttpprefork -addr 127.0.0.1:8000 -children 2
//
// The master stops its children and exits 0 on SIGTERM or SIGINT. A child
// that exits otherwise ends the master with an error, so that a crash
// shows in the benchmark instead of being papered over by a respawn.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/prefork"
)

var body = []byte("Hello, World!\n")

// errStopping ends prefork's start-up when the signal to stop came first.
var errStopping = errors.New("stopping")

func hello(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("text/plain")
	ctx.SetBody(body)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address every child binds with SO_REUSEPORT")
	children := flag.Int("children", 2, "child processes")
	flag.Parse()

	srv := &fasthttp.Server{Handler: hello, NoDefaultServerHeader: true}
	p := prefork.New(srv)
	p.Reuseport = true
	p.RecoverThreshold = 0
	p.OnMasterDeath = func() { os.Exit(1) }
	if prefork.IsChild() {
		if err := p.ListenAndServe(*addr); err != nil {
			fmt.Fprintf(os.Stderr, "fasthttpprefork child: %v\n", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(master(p, *addr, *children))
}

// master starts the children (prefork starts one per GOMAXPROCS) and
// stops them on SIGTERM or SIGINT.
func master(p *prefork.Prefork, addr string, children int) int {
	runtime.GOMAXPROCS(children)
	var (
		mu       sync.Mutex
		pids     []int
		stopping bool
	)
	p.OnChildSpawn = func(pid int) error {
		mu.Lock()
		defer mu.Unlock()
		pids = append(pids, pid)
		if stopping { // signalled before this child was there to be
			return errStopping
		}
		return nil
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-sig
		mu.Lock()
		defer mu.Unlock()
		stopping = true
		// The first child to exit ends prefork's loop (RecoverThreshold
		// is 0), which then stops the others and waits for them.
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGTERM)
		}
	}()
	fmt.Fprintf(os.Stderr, "fasthttpprefork: %d children on %s (%d)\n", children, addr, os.Getpid())
	err := p.ListenAndServe(addr)
	mu.Lock()
	defer mu.Unlock()
	if stopping && (err == nil || errors.Is(err, prefork.ErrOverRecovery) || errors.Is(err, errStopping)) {
		return 0
	}
	fmt.Fprintf(os.Stderr, "fasthttpprefork: %v\n", err)
	return 1
}
