package ctl

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gocorn/gocorn/proc/control"
	"github.com/gocorn/gocorn/starcfg/golden"
)

// samples are two refreshes of top a second apart, from the gocorn
// replies of testdata/replies.json: in between, two workers served
// requests and one new worker appeared.
func samples(t *testing.T) (first, second Sample) {
	t.Helper()
	for _, c := range loadReplies(t) {
		if c.Server != "gocorn" {
			continue
		}
		switch c.Command {
		case "show stats":
			json.Unmarshal(c.Data, &first.Stats)
		case "show workers":
			json.Unmarshal(c.Data, &first.Workers)
		}
	}
	first.At = time.Date(2026, 3, 4, 6, 8, 10, 0, time.UTC)
	second = first
	second.At = first.At.Add(time.Second)
	second.Workers.Workers = append([]control.WorkerReply(nil), first.Workers.Workers...)
	second.Workers.Workers[1].Requests += 40
	second.Workers.Workers[2].Requests += 125
	extra := first.Workers.Workers[3]
	extra.PID, extra.Age = 4400, 7
	second.Workers.Workers = append(second.Workers.Workers, extra)
	second.Workers.Count = 5
	return first, second
}

// top's frames: the first (no rates yet), the next (rates per worker and
// in total), one cut to a narrow terminal, and one too short for every
// worker.
func TestRenderGolden(t *testing.T) {
	first, second := samples(t)
	var out strings.Builder
	for _, f := range []struct {
		name          string
		cur           Sample
		prev          *Sample
		width, height int
	}{
		{"first frame, 120x40", first, nil, 120, 40},
		{"second frame, 120x40", second, &first, 120, 40},
		{"second frame, 60x40", second, &first, 60, 40},
		{"second frame, 120x9", second, &first, 120, 9},
	} {
		fmt.Fprintf(&out, "== %s\n%s\n", f.name, Render(f.cur, f.prev, f.width, f.height))
	}
	golden.Check(t, "testdata/top.golden", out.String())
}

// A worker whose count went down (it cannot: a new process reused the
// pid) gets no rate rather than a huge one.
func TestRequestRatesSkipsRestarts(t *testing.T) {
	first, second := samples(t)
	second.Workers.Workers[1].Requests = 3
	rates, _ := requestRates(second, &first)
	if r, ok := rates[second.Workers.Workers[1].PID]; ok {
		t.Errorf("rate of a worker whose count went down: %s", r)
	}
}
