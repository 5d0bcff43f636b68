package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chaosGet serves GET target with the chaos app and returns the recorder.
func chaosGet(t *testing.T, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	Chaos().ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	return rec
}

func TestChaosDefault(t *testing.T) {
	for _, target := range []string{"/", "/anything/else?x=1", "/sleepy", "/crash/"} {
		rec := chaosGet(t, target)
		if rec.Code != http.StatusOK || rec.Body.String() != "chaos: ok\n" || rec.Header().Get("Content-Type") != "text/plain" {
			t.Errorf("GET %s: %d %q (Content-Type %q), want 200 \"chaos: ok\\n\" text/plain",
				target, rec.Code, rec.Body.String(), rec.Header().Get("Content-Type"))
		}
	}
}

func TestChaosSleep(t *testing.T) {
	tests := []struct{ s, want string }{
		{"0", "slept 0s\n"},
		{"0.05", "slept 0.05s\n"},
		{"0.100", "slept 0.1s\n"},
	}
	for _, tt := range tests {
		begin := time.Now()
		rec := chaosGet(t, "/sleep?s="+tt.s)
		took := time.Since(begin)
		if rec.Code != http.StatusOK || rec.Body.String() != tt.want {
			t.Errorf("/sleep?s=%s: %d %q, want 200 %q", tt.s, rec.Code, rec.Body.String(), tt.want)
		}
		s, _ := strconv.ParseFloat(tt.s, 64)
		if least := time.Duration(s * float64(time.Second)); took < least {
			t.Errorf("/sleep?s=%s answered after %v", tt.s, took)
		}
	}
}

func TestChaosSleepBadValue(t *testing.T) {
	for _, q := range []string{"", "?s=", "?s=abc", "?s=-1", "?s=3600.5", "?s=NaN", "?s=Inf", "?s=1e9"} {
		rec := chaosGet(t, "/sleep"+q)
		body := rec.Body.String()
		if rec.Code != http.StatusBadRequest || !strings.HasPrefix(body, "s must be a number of seconds from 0 to 3600") || !strings.HasSuffix(body, ".\n") {
			t.Errorf("/sleep%s: %d %q, want 400 and a sentence about s", q, rec.Code, body)
		}
	}
}

// silentWriter fails the test on any attempt to answer.
type silentWriter struct {
	header http.Header
	wrote  bool
}

func (w *silentWriter) Header() http.Header         { return w.header }
func (w *silentWriter) WriteHeader(int)             { w.wrote = true }
func (w *silentWriter) Write(p []byte) (int, error) { w.wrote = true; return len(p), nil }

func TestChaosSleepClientGone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w := &silentWriter{header: http.Header{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Chaos().ServeHTTP(w, httptest.NewRequest("GET", "/sleep?s=60", nil).WithContext(ctx))
	}()
	time.Sleep(quiet) // let it start sleeping
	cancel()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatal("/sleep?s=60 did not return after its client went away")
	}
	if w.wrote || len(w.header) != 0 {
		t.Errorf("/sleep answered a client that had gone (headers %v)", w.header)
	}
}

func TestChaosPanic(t *testing.T) {
	var got any
	func() {
		defer func() { got = recover() }()
		chaosGet(t, "/panic")
	}()
	if s, ok := got.(string); !ok || !strings.Contains(s, "/panic was requested") {
		t.Errorf("/panic panicked with %#v, want a string saying it was requested", got)
	}
}

// Through a worker's server, the panic is a 500 and the worker serves on;
// a client that goes away ends a sleep early.
func TestChaosThroughServer(t *testing.T) {
	returned := make(chan string, 4)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { returned <- r.URL.Path }()
		Chaos().ServeHTTP(w, r)
	})
	waitReturned := func(what string) {
		t.Helper()
		select {
		case <-returned:
		case <-time.After(waitLimit):
			t.Fatalf("the handler did not return %s", what)
		}
	}
	r := start(t, with(config("sync"), Options{Handler: h}), 1)

	resp, body, err := mustDial(t, r.addr()).roundTrip(get("/panic"))
	if err != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("GET /panic: %v, %v; want a 500", resp, err)
	}
	waitReturned("after /panic")
	if _, body = mustDial(t, r.addr()).mustGet(t, "/"); body != "chaos: ok\n" {
		t.Errorf("GET / after /panic: %q", body)
	}
	waitReturned("after /")

	c := mustDial(t, r.addr())
	if err := c.send(get("/sleep?s=60")); err != nil {
		t.Fatal(err)
	}
	if err := c.silent(quiet); err != nil {
		t.Fatalf("GET /sleep?s=60: %v", err)
	}
	c.Close()
	waitReturned("from /sleep?s=60 after its client closed the connection")
}

// The goroutine serving /hang is never released: it leaks for the rest of
// the test binary's life, which is harmless (it holds no lock and no
// connection) and is the point of the endpoint.
func TestChaosHang(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client has already gone; /hang must not care
	done := make(chan struct{})
	go func() {
		defer close(done)
		Chaos().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/hang", nil).WithContext(ctx))
	}()
	select {
	case <-done:
		t.Fatal("/hang returned")
	case <-time.After(quiet):
	}
}

func TestChaosAllocBadValue(t *testing.T) {
	for _, q := range []string{"", "?mb=", "?mb=x", "?mb=-1", "?mb=1.5", "?mb=4097", "?mb=99999999999999999999"} {
		rec := chaosGet(t, "/alloc"+q)
		body := rec.Body.String()
		if rec.Code != http.StatusBadRequest || !strings.HasPrefix(body, "mb must be a whole number of MiB from 0 to 4096") || !strings.HasSuffix(body, ".\n") {
			t.Errorf("/alloc%s: %d %q, want 400 and a sentence about mb", q, rec.Code, body)
		}
	}
}

// chaosAllocGet asks /alloc for mb MiB and returns the total it reports.
func chaosAllocGet(t *testing.T, mb int) int {
	t.Helper()
	rec := chaosGet(t, "/alloc?mb="+strconv.Itoa(mb))
	var n, total int
	if _, err := fmt.Sscanf(rec.Body.String(), "allocated %d MiB, keeping %d MiB in total\n", &n, &total); err != nil || rec.Code != http.StatusOK || n != mb {
		t.Fatalf("/alloc?mb=%d: %d %q (%v)", mb, rec.Code, rec.Body.String(), err)
	}
	return total
}

// vmRSS is this process's resident set size in KiB.
func vmRSS(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no /proc/self/status on this system")
	}
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kib, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatalf("VmRSS line %q: %v", sc.Text(), err)
			}
			return kib
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// Not parallel: the resident size is the whole process's.
func TestChaosAlloc(t *testing.T) {
	const mb = 64
	before := chaosAllocGet(t, 0)
	debug.FreeOSMemory() // so that garbage freed later does not mask the growth
	rssBefore := vmRSS(t)
	after := chaosAllocGet(t, mb)
	debug.FreeOSMemory()
	rssAfter := vmRSS(t)
	if after-before != mb {
		t.Errorf("kept total went from %d to %d MiB after allocating %d", before, after, mb)
	}
	if grew := (rssAfter - rssBefore) / 1024; grew < 48 {
		t.Errorf("VmRSS grew by %d MiB (%d kB to %d kB) after /alloc?mb=%d, want at least 48", grew, rssBefore, rssAfter, mb)
	}
	if again := chaosAllocGet(t, 0); again != after {
		t.Errorf("kept total is %d MiB after a GC, want %d", again, after)
	}
}

// TestChaosCrash runs itself again in a subprocess, which serves /crash.
const chaosCrashEnv = "GOCORN_TEST_CHAOS_CRASH"

func TestChaosCrash(t *testing.T) {
	if os.Getenv(chaosCrashEnv) == "1" {
		defer fmt.Fprintln(os.Stderr, "deferred function ran")
		chaosGet(t, "/crash")
		t.Fatal("/crash returned")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestChaosCrash$", "-test.count=1", "-test.timeout=20s")
	cmd.Env = append(os.Environ(), chaosCrashEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != ChaosCrashCode {
		t.Fatalf("the process serving /crash ended with %v, want exit code %d; stderr:\n%s", err, ChaosCrashCode, stderr.String())
	}
	want := fmt.Sprintf("gocorn chaos: /crash was requested: process %d exits now with code %d, without cleanup\n", exit.Pid(), ChaosCrashCode)
	if got := stderr.String(); got != want {
		t.Errorf("stderr of the process serving /crash:\n%q\nwant\n%q", got, want)
	}
}

// ChaosApp sleeps CHAOS_BOOT_DELAY before it serves, and refuses a value
// that is not 0 to 3600 seconds rather than taking it for no delay.
func TestChaosAppBootDelay(t *testing.T) {
	for _, tc := range []struct {
		value   string
		atLeast time.Duration
		err     string
	}{
		{value: "", atLeast: 0},
		{value: "0.2", atLeast: 200 * time.Millisecond},
		{value: " 0 ", atLeast: 0},
		{value: "-1", err: `chaos: CHAOS_BOOT_DELAY must be a number of seconds from 0 to 3600, like 0.5; got "-1"`},
		{value: "NaN", err: `got "NaN"`},
		{value: "2s", err: `got "2s"`},
	} {
		t.Run(tc.value, func(t *testing.T) {
			t.Setenv(ChaosBootDelay, tc.value)
			start := time.Now()
			h, err := ChaosApp()
			took := time.Since(start)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil || h == nil {
				t.Fatalf("ChaosApp() = %v, %v; want the chaos handler", h, err)
			}
			if took < tc.atLeast || took > tc.atLeast+2*time.Second {
				t.Errorf("loading took %s, want %s or a little more", took, tc.atLeast)
			}
		})
	}
}
