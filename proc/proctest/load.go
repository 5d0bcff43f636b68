package proctest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/gocorn/gocorn/server"
)

// Load is a load generator for zero-failure tests against the echo app.
// Each client POSTs its own body over a keep-alive connection, again and
// again until Stop; a request counts as failed unless it comes back 200
// with that body echoed. POST is never retried by net/http, so a
// connection reset shows up here instead of being hidden.
//
// A connection the server refused (nothing listens any more) is counted
// apart: after a stop that is expected, and no request was lost to it.
type Load struct {
	unix    string      // a unix socket to connect to instead of the URL's host
	tls     *tls.Config // for https URLs
	http2   bool        // offer HTTP/2 (over TLS)
	fresh   bool        // every other client opens a new connection for each request
	stop    chan struct{}
	wg      sync.WaitGroup
	ok      atomic.Int64
	failed  atomic.Int64
	refused atomic.Int64

	mu     sync.Mutex
	errors []string // the first few failures
}

// LoadResult is what a Load saw.
type LoadResult struct {
	OK, Failed int64
	Refused    int64    // requests whose connection was refused
	Errors     []string // up to ten failures, as sentences
}

// StartLoad starts clients that load url until Stop.
func StartLoad(url string, clients int) *Load { return startLoad(&Load{}, url, clients) }

// StartMixedLoad is StartLoad where every other client opens a new
// connection for each request (Connection: close), so both accepting and
// keep-alive are under load.
func StartMixedLoad(url string, clients int) *Load {
	return startLoad(&Load{fresh: true}, url, clients)
}

// StartTLSLoad is StartLoad for an https URL: the clients trust tc's
// roots, and offer HTTP/2 when http2 is set.
func StartTLSLoad(url string, clients int, tc *tls.Config, http2 bool) *Load {
	return startLoad(&Load{tls: tc, http2: http2}, url, clients)
}

// StartUnixLoad is StartLoad over the unix socket sock: url gives the
// path and the Host header.
func StartUnixLoad(sock, url string, clients int) *Load {
	return startLoad(&Load{unix: sock}, url, clients)
}

func startLoad(l *Load, url string, clients int) *Load {
	l.stop = make(chan struct{})
	for c := range clients {
		l.wg.Go(func() { l.client(url, c) })
	}
	return l
}

func (l *Load) client(url string, id int) {
	tr := &http.Transport{MaxIdleConnsPerHost: 1, TLSClientConfig: l.tls, ForceAttemptHTTP2: l.http2,
		DisableKeepAlives: l.fresh && id%2 == 1}
	if l.unix != "" {
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", l.unix)
		}
	}
	client := &http.Client{Timeout: WaitFor, Transport: tr}
	defer client.CloseIdleConnections()
	for i := 0; ; i++ {
		select {
		case <-l.stop:
			return
		default:
		}
		err := echoOnce(client, url, fmt.Sprintf("client %d request %d", id, i))
		if errors.Is(err, syscall.ECONNREFUSED) {
			l.refused.Add(1)
			continue
		}
		if err != nil {
			l.failed.Add(1)
			l.mu.Lock()
			if len(l.errors) < 10 {
				l.errors = append(l.errors, err.Error())
			}
			l.mu.Unlock()
			continue
		}
		l.ok.Add(1)
	}
}

func echoOnce(client *http.Client, url, body string) error {
	resp, err := client.Post(url, "text/plain", bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the response to %q: %w", body, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%q got status %d: %s", body, resp.StatusCode, data)
	}
	var reply server.EchoReply
	if err := json.Unmarshal(data, &reply); err != nil {
		return fmt.Errorf("%q got a reply that is not echo's JSON: %q", body, data)
	}
	if got, _ := base64.StdEncoding.DecodeString(reply.BodyBase64); string(got) != body {
		return fmt.Errorf("%q came back as %q", body, got)
	}
	return nil
}

// Served is how many requests have succeeded so far, for a test to wait
// until the load has run through a step.
func (l *Load) Served() int64 { return l.ok.Load() }

// Stop stops the clients, waits for their last requests and reports.
func (l *Load) Stop() LoadResult {
	close(l.stop)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return LoadResult{OK: l.ok.Load(), Failed: l.failed.Load(), Refused: l.refused.Load(), Errors: l.errors}
}
