package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/proctest"
)

// Connections still queued in the kernel when TERM arrives are served,
// not reset: the last workers empty the queue before closing.
func TestTERMServesQueuedConnections(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-k", "sync", "echo")

	// The only worker is busy: this request is in its handler.
	busy := in.Dial()
	fmt.Fprint(busy, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	busyReader := bufio.NewReader(busy)
	if line, _ := busyReader.ReadString('\n'); !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("want 100 Continue, got %q", line)
	}
	busyReader.ReadString('\n')

	// These wait in the kernel's accept queue.
	var queued []*bufio.Reader
	for i := range 3 {
		c := in.Dial()
		fmt.Fprintf(c, "POST /q%d HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nq%d", i, i)
		queued = append(queued, bufio.NewReader(c))
	}

	in.Signal(syscall.SIGTERM)
	in.WaitLog(`Handling signal: term`)
	fmt.Fprint(busy, "body")
	for i, r := range append([]*bufio.Reader{busyReader}, queued...) {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("connection %d lost across TERM: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 {
			t.Errorf("connection %d: status %d", i, resp.StatusCode)
		}
	}
	if code := in.Wait(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// TERM under load, with the clients going away shortly after it (as a
// load balancer does once the server leaves its pool): every request
// already sent or queued is served; none is reset or lost.
func TestTERMUnderLoadLosesNoRequest(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-w", "2", "-k", "gthread", "--threads", "4", "echo")
	load := proctest.StartLoad(in.URL+"/", 8)
	time.Sleep(time.Second) // let the load run before the stop
	in.Signal(syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond) // the clients notice late
	res := load.Stop()
	code := in.Wait()
	t.Logf("%d requests served, %d refused after the stop, %d failed", res.OK, res.Refused, res.Failed)
	if code != 0 || res.Failed > 0 || res.OK < 100 {
		t.Fatalf("exit %d; %d ok, %d failed: %v", code, res.OK, res.Failed, res.Errors)
	}
}

func TestShutdownDelayKeepsServing(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "--shutdown-delay", "1", "hello")
	begin := time.Now()
	in.Signal(syscall.SIGTERM)
	in.WaitLog(`Stopping in 1s \(shutdown_delay\)`)
	if code, _ := in.Get("/"); code != 200 {
		t.Fatalf("status %d during shutdown_delay", code)
	}
	in.Wait()
	if d := time.Since(begin); d < time.Second {
		t.Errorf("stopped after %s, before shutdown_delay", d)
	}
}
