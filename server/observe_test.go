package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocorn/gocorn/instrument/errlog"
)

// observed is one call of Options.Observe.
type observed struct {
	status int
	d      time.Duration
}

// Observe hears of every response with its status and duration, the
// access log off, a handler's panic (500) included; the panic is logged
// at errlog.LevelException, which metrics count as gunicorn.log.exception.
func TestObserve(t *testing.T) {
	var mu sync.Mutex
	var got []observed
	var logged bytes.Buffer
	levels := &levelRecorder{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/panic":
			panic("boom")
		case "/missing":
			http.NotFound(w, r)
		default:
			time.Sleep(2 * time.Millisecond)
		}
	})
	r := start(t, with(gthread(2, 10, 75), Options{
		Handler:  h,
		ErrorLog: slog.New(levels.wrap(slog.NewTextHandler(&logged, nil))),
		Observe: func(status int, d time.Duration) {
			mu.Lock()
			got = append(got, observed{status, d})
			mu.Unlock()
		},
	}), 1)
	c := mustDial(t, r.addr())
	for _, path := range []string{"/", "/missing", "/panic"} {
		if _, _, err := c.roundTrip(get(path)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "three observations", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 3 })
	if got[0].status != 200 || got[0].d < 2*time.Millisecond || got[1].status != 404 || got[2].status != 500 {
		t.Errorf("observed %+v", got)
	}
	if !levels.has(errlog.LevelException) {
		t.Errorf("the panic was not logged at LevelException:\n%s", logged.String())
	}
	if !strings.Contains(logged.String(), "panic: boom") {
		t.Errorf("log:\n%s", logged.String())
	}
}

// levelRecorder remembers the levels of the records it passes on.
type levelRecorder struct {
	mu     sync.Mutex
	levels []slog.Level
}

func (l *levelRecorder) wrap(h slog.Handler) slog.Handler { return &recordingHandler{h, l} }

func (l *levelRecorder) has(level slog.Level) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Contains(l.levels, level)
}

type recordingHandler struct {
	slog.Handler
	rec *levelRecorder
}

func (h *recordingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.rec.mu.Lock()
	h.rec.levels = append(h.rec.levels, r.Level)
	h.rec.mu.Unlock()
	return h.Handler.Handle(ctx, r)
}
