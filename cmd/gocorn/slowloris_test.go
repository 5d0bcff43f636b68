package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The slowloris attack of the test: attackers connections, half of them
// trickling their request head one byte a second for trickleFor, half
// silent; meanwhile a normal client sends probes requests on new
// connections, each to be answered within promptly.
const (
	attackers  = 500
	trickleFor = 5 * time.Second
	probes     = 20
	promptly   = time.Second
)

// TestSlowlorisDoesNotStopOtherClients: with default settings, 500
// connections that trickle their headers or send nothing must not stop a
// sync or gthread server from serving other clients promptly, and the
// header timeout (10 s by default) must close them.
func TestSlowlorisDoesNotStopOtherClients(t *testing.T) {
	if testing.Short() {
		t.Skip("slowloris takes about 12 s per worker class")
	}
	raiseFileLimit(t, 4*attackers+1024) // the test's sockets, and the server's (it inherits the limit)
	for _, class := range []string{"sync", "gthread"} {
		t.Run(class, func(t *testing.T) { slowloris(t, class) })
	}
}

func slowloris(t *testing.T, class string) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-k", class, "-w", "2", "hello")
	addr := in.Addr()

	// The attack connects first, so in the kernel's accept queue every
	// attacker is ahead of the normal client.
	attack := make([]net.Conn, 0, attackers)
	openedAt := time.Now()
	for i := range attackers {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("attacker %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
		attack = append(attack, c)
	}
	t.Logf("%s: %d attacking connections open in %s", class, attackers, time.Since(openedAt).Round(time.Millisecond))

	// Half trickle a request head, one byte a second; half stay silent.
	// Each attacker records when the server closed it, and the status
	// line it got first, if any: a 408 for a head cut off by the header
	// timeout, nothing for a connection that never sent a byte.
	head := "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 100)
	closedAt := make([]time.Duration, attackers)
	answers := make([]string, attackers)
	var watchers sync.WaitGroup
	for i, c := range attack {
		watchers.Go(func() {
			c.SetReadDeadline(openedAt.Add(30 * time.Second))
			got, err := io.ReadAll(c) // returns when the server closes
			if err != nil && !strings.Contains(err.Error(), "connection reset") {
				return // not closed within 30 s
			}
			status, _, _ := strings.Cut(string(got), "\r\n")
			closedAt[i], answers[i] = time.Since(openedAt), status
		})
	}
	stopTrickle := make(chan struct{})
	trickled := make(chan struct{})
	go func() {
		defer close(trickled)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for b := 0; ; b++ {
			for i := 0; i < attackers; i += 2 {
				attack[i].Write([]byte{head[b%len(head)]})
			}
			select {
			case <-stopTrickle:
				return
			case <-tick.C:
			}
		}
	}()

	// The normal client: new connections, no keep-alive, spread over the
	// trickle.
	client := &http.Client{
		Timeout:   promptly,
		Transport: &http.Transport{DisableKeepAlives: true},
	}
	var latencies []time.Duration
	failed := 0
	probeStart := time.Now()
	for i := range probes {
		time.Sleep(time.Until(probeStart.Add(time.Duration(i) * trickleFor / probes)))
		begin := time.Now()
		resp, err := client.Get(in.URL + "/")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		d := time.Since(begin)
		if err != nil || d > promptly {
			failed++
			t.Logf("probe %d: %v after %s", i, err, d.Round(time.Millisecond))
			continue
		}
		latencies = append(latencies, d)
	}
	close(stopTrickle)
	<-trickled

	// Then every attacker must be closed by the header timeout.
	watchers.Wait()
	var closed []time.Duration
	notClosed, timedOut, wrongAnswer := 0, 0, 0
	for i, d := range closedAt {
		if d == 0 {
			notClosed++
			continue
		}
		closed = append(closed, d)
		want := ""
		if i%2 == 0 { // trickling
			want = "HTTP/1.1 408 Request Timeout"
		}
		switch {
		case answers[i] != want:
			wrongAnswer++
			t.Logf("attacker %d got %q, want %q", i, answers[i], want)
		case want != "":
			timedOut++
		}
	}

	slices.Sort(latencies)
	slices.Sort(closed)
	t.Logf("%s: %d/%d probes answered within %s; latency p50 %s, max %s",
		class, len(latencies), probes, promptly, pick(latencies, 0.5), pick(latencies, 1))
	t.Logf("%s: %d/%d attackers closed by the server (%d trickling ones with a 408) %s .. %s after connecting",
		class, len(closed), attackers, timedOut, pick(closed, 0), pick(closed, 1))
	if failed > 0 {
		t.Errorf("%s: %d of %d probes were not answered within %s during the attack", class, failed, probes, promptly)
	}
	if wrongAnswer > 0 {
		t.Errorf("%s: %d attackers got the wrong answer (see above)", class, wrongAnswer)
	}
	if notClosed > 0 {
		t.Errorf("%s: %d of %d attacking connections were not closed within 30 s", class, notClosed, attackers)
	}
}

// pick is the q-quantile of sorted ds (0 is the least, 1 the most).
func pick(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[int(q*float64(len(ds)-1))].Round(time.Millisecond)
}

// raiseFileLimit raises the soft limit on open files to at least n, up to
// the hard limit; processes the test starts inherit it.
func raiseFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	if lim.Max < n {
		t.Skipf("the open files limit is %d (hard %d); the test needs %d", lim.Cur, lim.Max, n)
	}
	old := lim.Cur
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lim.Cur = old; syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
}

// TestStalledClientsFreeTheSyncWorker: a client that stops sending its
// body, or stops reading the response, holds a sync worker's one handler
// for body_timeout or write_timeout, and no longer.
func TestStalledClientsFreeTheSyncWorker(t *testing.T) {
	in := start(t, t.TempDir(), "-b", "127.0.0.1:0", "-k", "sync", "-w", "1",
		"--body-timeout", "1", "--write-timeout", "1", "echo")
	probe := func(what string) {
		t.Helper()
		time.Sleep(200 * time.Millisecond) // the stalled client now holds the handler
		c := &http.Client{Timeout: 5 * time.Second}
		begin := time.Now()
		resp, err := c.Get(in.URL + "/")
		if err != nil {
			t.Fatalf("%s: the next client was not served: %v", what, err)
		}
		resp.Body.Close()
		waited := time.Since(begin)
		t.Logf("%s: the next client was served after %s", what, waited.Round(time.Millisecond))
		if waited < 500*time.Millisecond || waited > 3*time.Second {
			t.Errorf("%s: the next client waited %s, want about the 1 s timeout", what, waited)
		}
	}

	stalledBody := in.Dial()
	fmt.Fprint(stalledBody, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789")
	probe("a body that stalls")

	// 8 MiB in, about 11 MiB of echo out, far more than the socket buffers
	// hold (tcp_wmem's 4 MiB at most, and 16 KiB here), and the client reads
	// none of it.
	deaf := in.Dial()
	deaf.(*net.TCPConn).SetReadBuffer(16 << 10)
	body := strings.Repeat("x", 8<<20)
	fmt.Fprintf(deaf, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(body))
	if _, err := io.WriteString(deaf, body); err != nil {
		t.Fatal(err)
	}
	probe("a client that stops reading")
}
