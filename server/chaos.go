package server

import (
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ChaosCrashCode is the exit code of a worker that served /crash: 70,
// EX_SOFTWARE in sysexits.h ("internal software error"). It is not 0, 3 or
// 4, which tell the master a worker stopped cleanly, failed to boot or
// failed to load its app; to the master this is a worker that died.
const ChaosCrashCode = 70

// Bounds on what one chaos request may ask for.
const (
	maxSleepSeconds = 3600
	maxAllocMiB     = 4096
)

const mib = 1 << 20

// chaosKept is the memory /alloc holds on to for the life of the process.
var chaosKept struct {
	mu     sync.Mutex
	chunks [][]byte // one MiB each
}

// Chaos is an app that misbehaves on request, for operators trying out
// gocorn's timeouts, restarts and limits, and for fault tests:
//
//	/sleep?s=N   sleeps N seconds (0 to 3600, fractions allowed) and
//	             answers "slept Ns"; stops without answering if the client
//	             goes away first
//	/crash       writes why to stderr and exits the worker process at once
//	             with ChaosCrashCode, without running deferred functions
//	/panic       panics in the handler
//	/hang        blocks forever, even after the client has gone
//	/alloc?mb=N  allocates N MiB (0 to 4096), touches every page so the
//	             resident size grows, keeps it until the process ends, and
//	             answers with the total kept so far
//	/echo        the echo app: well-behaved traffic beside the misbehaving
//	/print?msg=TEXT  writes TEXT the four ways an app writes output, to
//	             try capture_output and the log defaults: "print stdout:
//	             TEXT" with fmt.Println, "print stderr: TEXT" on os.Stderr,
//	             log.Printf("print log: TEXT") and slog.Warn("print slog",
//	             "msg", TEXT); answers "printed"
//
// Every other path answers 200 "chaos: ok". The stock binary loads it
// with ChaosApp, which can be made slow to boot (CHAOS_BOOT_DELAY).
func Chaos() http.Handler {
	echo := Echo()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sleep":
			chaosSleep(w, r)
		case "/crash":
			chaosCrash()
		case "/panic":
			panic("chaos: /panic was requested, so this handler panics")
		case "/hang":
			select {} // never returns, whatever the client does
		case "/alloc":
			chaosAlloc(w, r)
		case "/echo":
			echo.ServeHTTP(w, r)
		case "/print":
			chaosPrint(w, r.URL.Query().Get("msg"))
		default:
			chaosText(w, "chaos: ok\n")
		}
	})
}

func chaosText(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte(body))
}

func chaosSleep(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("s")
	s, ok := chaosSeconds(q)
	if !ok {
		http.Error(w, fmt.Sprintf("s must be a number of seconds from 0 to %d, like s=0.25; got %q.", maxSleepSeconds, q), http.StatusBadRequest)
		return
	}
	t := time.NewTimer(time.Duration(s * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
		chaosText(w, "slept "+strconv.FormatFloat(s, 'f', -1, 64)+"s\n")
	case <-r.Context().Done():
		// The client is gone; there is no one to answer.
	}
}

// chaosSeconds reads a number of seconds from 0 to maxSleepSeconds,
// fractions allowed; ok is false for anything else, NaN included.
func chaosSeconds(q string) (s float64, ok bool) {
	s, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
	return s, err == nil && s >= 0 && s <= maxSleepSeconds
}

// ChaosBootDelay is the environment variable that makes the chaos app slow
// to load: seconds (fractions allowed, 0 to 3600) its factory sleeps
// before the worker is ready, like an app that opens its database pools
// at start. It is read in each worker, so raw_env sets it, and a HUP that
// changes it applies to the new workers.
const ChaosBootDelay = "CHAOS_BOOT_DELAY"

// ChaosApp is the chaos app as the stock binary loads it: it sleeps
// CHAOS_BOOT_DELAY seconds, unless it is unset or empty, then serves
// Chaos. A value that is not
// such a number fails the app's load (exit 4), so a typo is not taken for
// no delay.
func ChaosApp() (http.Handler, error) {
	if q := os.Getenv(ChaosBootDelay); strings.TrimSpace(q) != "" {
		s, ok := chaosSeconds(q)
		if !ok {
			return nil, fmt.Errorf("chaos: %s must be a number of seconds from 0 to %d, like 0.5; got %q",
				ChaosBootDelay, maxSleepSeconds, q)
		}
		time.Sleep(time.Duration(s * float64(time.Second)))
	}
	return Chaos(), nil
}

// chaosCrash ends the process the way a fatal bug would: no deferred
// functions, no graceful shutdown, no response. os.Stderr is unbuffered,
// so the line is out before the exit.
func chaosCrash() {
	fmt.Fprintf(os.Stderr, "gocorn chaos: /crash was requested: process %d exits now with code %d, without cleanup\n", os.Getpid(), ChaosCrashCode)
	os.Exit(ChaosCrashCode)
}

func chaosPrint(w http.ResponseWriter, msg string) {
	fmt.Println("print stdout: " + msg)
	fmt.Fprintln(os.Stderr, "print stderr: "+msg)
	log.Printf("print log: %s", msg)
	slog.Warn("print slog", "msg", msg)
	chaosText(w, "printed\n")
}

func chaosAlloc(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("mb")
	n, err := strconv.Atoi(q)
	if err != nil || n < 0 || n > maxAllocMiB {
		http.Error(w, fmt.Sprintf("mb must be a whole number of MiB from 0 to %d, like mb=64; got %q.", maxAllocMiB, q), http.StatusBadRequest)
		return
	}
	chunks := make([][]byte, n)
	page := os.Getpagesize()
	for i := range chunks {
		c := make([]byte, mib)
		// Fresh memory from the OS reads as zero without being backed
		// by RAM; writing to each page makes it resident.
		for j := 0; j < len(c); j += page {
			c[j] = 1
		}
		chunks[i] = c
	}
	chaosKept.mu.Lock()
	chaosKept.chunks = append(chaosKept.chunks, chunks...)
	total := len(chaosKept.chunks)
	chaosKept.mu.Unlock()
	chaosText(w, fmt.Sprintf("allocated %d MiB, keeping %d MiB in total\n", n, total))
}
