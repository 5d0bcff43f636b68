package errlog

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// fixedNow is the clock of every golden file.
func fixedNow() time.Time {
	return time.Date(2026, 11, 24, 9, 20, 23, 123456789, time.FixedZone("UTC", 0))
}

func newTestLogger(w *bytes.Buffer, level slog.Leveler) *slog.Logger {
	return slog.New(newHandler(w, level, 9062, fixedNow))
}

type textErr struct{}

func (textErr) Error() string { return `open "x": denied` }

type addrText struct{ s string }

func (a *addrText) MarshalText() ([]byte, error) { return []byte(a.s), nil }

type secret string

func (secret) LogValue() slog.Value { return slog.StringValue("REDACTED") }

var goldenCases = []struct {
	name  string
	level slog.Level
	log   func(l *slog.Logger)
}{
	{"level_debug", slog.LevelDebug, func(l *slog.Logger) { l.Debug("Closing connection.") }},
	{"level_info", slog.LevelDebug, func(l *slog.Logger) { l.Info("Listening at: http://127.0.0.1:18000 (9062)") }},
	{"level_warning", slog.LevelDebug, func(l *slog.Logger) { l.Warn("Invalid request from ip=10.0.0.9: Invalid HTTP Version") }},
	{"level_error", slog.LevelDebug, func(l *slog.Logger) { l.Error("WORKER TIMEOUT (pid:9071)") }},
	{"level_critical", slog.LevelDebug, func(l *slog.Logger) { Critical(l, "Reason: Worker failed to boot.") }},
	{"level_between", slog.LevelDebug - 8, func(l *slog.Logger) {
		l.Log(context.Background(), slog.LevelDebug-2, "below debug")
		l.Log(context.Background(), slog.LevelInfo+2, "between info and warning")
		l.Log(context.Background(), LevelCritical+4, "above critical")
	}},
	{"level_filter", slog.LevelWarn, func(l *slog.Logger) {
		l.Debug("dropped")
		l.Info("dropped")
		l.Warn("kept")
		l.Error("kept")
		Critical(l, "kept")
	}},
	{"attrs_kinds", slog.LevelInfo, func(l *slog.Logger) {
		l.Info("Booting worker with pid: 9071",
			"pid", 9071,
			"uint", uint64(7),
			"ratio", 0.25,
			"ready", true,
			"took", 1500*time.Millisecond,
			"at", time.Date(2026, 11, 24, 9, 20, 22, 5e6, time.UTC),
			"err", textErr{},
			"addr", &addrText{"127.0.0.1:18000"},
			"ip", net.IPv4(10, 0, 0, 1),
			"raw", []byte("bytes"),
			"nil", nil,
			"slice", []int{1, 2},
			"password", secret("hunter2"),
		)
	}},
	{"attrs_quoting", slog.LevelInfo, func(l *slog.Logger) {
		l.Info("quoting",
			"plain", "abc",
			"space", "a b",
			"quote", `say "hi"`,
			"equals", "a=b",
			"empty", "",
			"newline", "line1\n[2026-11-24 09:20:23 +0000] [1] [INFO] forged",
			"backslash", `C:\dir`,
			"unicode", "héllo",
			"badutf8", "\xff",
			"key with space", 1,
		)
	}},
	{"attrs_groups", slog.LevelInfo, func(l *slog.Logger) {
		l = l.With("app", "hello").WithGroup("req").With("id", 42)
		l.Info("handled", "method", "GET",
			slog.Group("resp", "status", 200, "bytes", 6),
			slog.Group("empty"),
			slog.Group("", "inlined", true),
			slog.Attr{},
		)
		l.WithGroup("").Info("no attrs of its own")
	}},
	{"multiline", slog.LevelInfo, func(l *slog.Logger) {
		l.Error("Exception in worker process\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d\n", "pid", 9071)
		l.Info("next record")
	}},
	{"timezone", slog.LevelInfo, nil}, // handled in TestGolden: non-UTC clock
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if tc.log == nil {
				zone := time.FixedZone("IST", 5*3600+30*60)
				h := newHandler(&buf, tc.level, 9062, func() time.Time { return fixedNow().In(zone) })
				slog.New(h).Info("local time with offset")
			} else {
				tc.log(newTestLogger(&buf, tc.level))
			}
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got := buf.String(); got != string(want) {
				t.Errorf("output differs from %s\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

// Without an injected clock the line carries the record's time.
func TestRecordTime(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, nil, 7)
	r := slog.NewRecord(time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", -5*3600)), slog.LevelInfo, "hi", 0)
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "[2026-01-02 03:04:05 -0500] [7] [INFO] hi\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if h.Enabled(context.Background(), slog.LevelDebug) {
		t.Error("nil level should mean info")
	}
}

func TestNewUsesOwnPID(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, slog.LevelInfo).Info("x")
	if want := fmt.Sprintf("] [%d] [INFO] x\n", os.Getpid()); !strings.HasSuffix(buf.String(), want) {
		t.Errorf("got %q, want suffix %q", buf.String(), want)
	}
}

func TestParseLevel(t *testing.T) {
	for name, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "Warning": slog.LevelWarn,
		"error": slog.LevelError, "CRITICAL": LevelCritical,
	} {
		got, err := ParseLevel(name)
		if err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	for _, name := range []string{"", "warn", "fatal", "trace"} {
		got, err := ParseLevel(name)
		if err == nil || got != slog.LevelInfo {
			t.Errorf("ParseLevel(%q) = %v, %v; want info and an error", name, got, err)
		}
	}
}

// countingWriter records every Write call.
type countingWriter struct {
	mu     sync.Mutex
	writes []string
	err    error
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(p))
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

func TestOneWritePerRecord(t *testing.T) {
	w := &countingWriter{}
	l := slog.New(NewHandler(w, slog.LevelInfo, 1)).With("a", 1)
	l.Error("boom\nframe 1\nframe 2", "b", 2)
	l.Info("ok")
	if len(w.writes) != 2 {
		t.Fatalf("%d writes, want 2: %q", len(w.writes), w.writes)
	}
	if !strings.HasSuffix(w.writes[0], "[ERROR] boom a=1 b=2\nframe 1\nframe 2\n") {
		t.Errorf("first write = %q", w.writes[0])
	}
}

func TestWriterErrorReturnedOnce(t *testing.T) {
	disk := errors.New("no space left on device")
	w := &countingWriter{err: disk}
	h := NewHandler(w, slog.LevelInfo, 1)
	r := slog.NewRecord(time.Now(), slog.LevelError, "x", 0)
	if err := h.Handle(context.Background(), r); !errors.Is(err, disk) {
		t.Errorf("Handle = %v, want %v", err, disk)
	}
	if len(w.writes) != 1 {
		t.Errorf("%d writes, want exactly 1", len(w.writes))
	}
	slog.New(h).Error("through the logger: error ignored, no panic")
}

// Derived handlers share one lock, so a plain bytes.Buffer stays consistent
// under concurrent use (run with -race).
func TestConcurrentDerivedHandlers(t *testing.T) {
	var buf bytes.Buffer
	base := newTestLogger(&buf, slog.LevelInfo)
	var wg sync.WaitGroup
	for i := range 8 {
		l := base.With("g", i)
		wg.Go(func() {
			for j := range 100 {
				l.WithGroup("w").Info("line", "j", j)
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "[2026-11-24 09:20:23 +0000] [9062] [INFO] line g=") {
			t.Fatalf("bad line %q", l)
		}
	}
}

// WithAttrs on one derived handler must not leak into a sibling.
func TestWithAttrsDoesNotShare(t *testing.T) {
	var buf bytes.Buffer
	base := newTestLogger(&buf, slog.LevelInfo).With("a", 1)
	x := base.With("x", 1)
	y := base.With("y", 2)
	x.Info("m")
	y.Info("m")
	want := "[2026-11-24 09:20:23 +0000] [9062] [INFO] m a=1 x=1\n" +
		"[2026-11-24 09:20:23 +0000] [9062] [INFO] m a=1 y=2\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func BenchmarkInfoWithAttrs(b *testing.B) {
	l := slog.New(NewHandler(discard{}, slog.LevelInfo, 9062))
	b.ReportAllocs()
	for b.Loop() {
		l.Info("Booting worker with pid: 9071", "pid", 9071, "addr", "127.0.0.1:18000")
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// levelLines keeps what a body handler hands over.
type levelLines []string

func (l *levelLines) WriteLevel(level slog.Level, msg []byte) error {
	*l = append(*l, levelName(level)+"|"+string(msg))
	return nil
}

// The body handler writes the line's message and attributes, with their
// level, but no prefix and no final newline; it filters by level too.
func TestBodyHandler(t *testing.T) {
	var got levelLines
	lg := slog.New(NewBodyHandler(&got, slog.LevelInfo)).With("worker", 3)
	lg.Debug("hidden")
	lg.Info("Booting", "pid", 42)
	lg.Error("dump\nline 2\n")
	Critical(lg, "down", "why", "a b")
	want := levelLines{`INFO|Booting worker=3 pid=42`, "ERROR|dump worker=3\nline 2", `CRITICAL|down worker=3 why="a b"`}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
