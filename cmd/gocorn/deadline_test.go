package main

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

// TestRequestTimeoutCostsOnlyTheStuckRequest: in a threaded worker, a
// handler that ignores request_timeout costs its own request and nothing
// else. Its client gets 504 at the deadline; once it has run
// request_timeout past the deadline the master starts a replacement, the
// stuck worker finishes the requests beside it, logs the stuck request
// with its goroutine's stack, and exits.
func TestRequestTimeoutCostsOnlyTheStuckRequest(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-k", "gthread", "--threads", "8", "-w", "1",
		"--request-timeout", "1", "chaos")
	stuckWorker := in.Workers()[0]

	load := proctest.StartLoad(in.URL+"/echo", 4) // keep-alive POSTs, never retried
	var slowOK, slowFailed atomic.Int64           // requests of 0.5 s, under the deadline
	stop := make(chan struct{})
	var slow sync.WaitGroup
	stopSlow := sync.OnceFunc(func() { close(stop); slow.Wait() })
	defer stopSlow() // also when the test fails half-way
	for range 3 {
		slow.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if code, body := in.Get("/sleep?s=0.5"); code == 200 && body == "slept 0.5s\n" {
					slowOK.Add(1)
				} else {
					slowFailed.Add(1)
					t.Logf("a slow request failed: %d %q", code, body)
				}
			}
		})
	}

	begin := time.Now()
	resp, err := proctest.Client.Get(in.URL + "/hang")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	answered := time.Since(begin)
	if resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(string(page), "request_timeout (1s)") {
		t.Fatalf("/hang got %d %q, want 504 at the deadline", resp.StatusCode, page)
	}
	if answered < time.Second || answered > 2*time.Second {
		t.Errorf("/hang was answered after %s, want about request_timeout (1s)", answered)
	}

	in.WaitLog(fmt.Sprintf(`Worker \(pid:%d\) has handlers still running request_timeout past their deadline: GET /hang for [\d.]+s; replacing it`, stuckWorker))
	reported := time.Since(begin)
	var replacement int
	if !proctest.Poll(func() bool {
		now := in.Workers()
		if len(now) == 1 && now[0] != stuckWorker {
			replacement = now[0]
		}
		return replacement != 0
	}) {
		t.Fatalf("the stuck worker %d was not replaced: workers %v", stuckWorker, in.Workers())
	}
	replaced := time.Since(begin)
	in.WaitLog(fmt.Sprintf(`\[%d\] \[ERROR\] Request GET /hang is still running after \d+\.\ds, past request_timeout; its goroutine:\ngoroutine \d+ \[select \(no cases\)`, stuckWorker))
	in.WaitLog(`Chaos\.func\d+\(.*\n\s+\S+/server/chaos\.go:\d+`) // the stack names the handler

	// More load on the replacement, then the count.
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) && slowOK.Load() < 10 {
		in.Get("/echo")
	}
	stopSlow()
	got := load.Stop()
	t.Logf("beside the stuck request: %d echo requests (%d failed), %d slow requests (%d failed); "+
		"504 after %s, stuck reported after %s, worker %d replaced by %d after %s",
		got.OK, got.Failed, slowOK.Load(), slowFailed.Load(), answered.Round(time.Millisecond),
		reported.Round(time.Millisecond), stuckWorker, replacement, replaced.Round(time.Millisecond))
	if got.Failed != 0 || slowFailed.Load() != 0 || got.OK == 0 || slowOK.Load() == 0 {
		t.Errorf("requests beside the stuck one failed: echo %+v, slow %d ok %d failed", got, slowOK.Load(), slowFailed.Load())
	}
	if strings.Contains(in.Stderr.String(), "WORKER TIMEOUT") || slices.Contains(in.Workers(), stuckWorker) {
		t.Errorf("the stuck worker was aborted or is still there: %v", in.Workers())
	}
}
