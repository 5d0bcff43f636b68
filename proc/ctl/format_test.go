package ctl

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gocorn/gocorn/starcfg/golden"
)

// replyCase is a reply's data as a server sent it, from
// testdata/replies.json: gocorn's (from proc/control's golden replies)
// and gunicorn 26's, which lack gocorn's keys.
type replyCase struct {
	Server  string          `json:"server"`
	Command string          `json:"command"`
	Data    json.RawMessage `json:"data"`
}

func loadReplies(t *testing.T) []replyCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/replies.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []replyCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// Every reply as gocorn ctl prints it, from gocorn and from gunicorn: the
// tables keep gunicornc's columns first.
func TestFormatGolden(t *testing.T) {
	var out strings.Builder
	for _, c := range loadReplies(t) {
		fmt.Fprintf(&out, "== %s: %s\n%s\n\n", c.Server, c.Command, render(c.Command, c.Data, false))
	}
	golden.Check(t, "testdata/format.golden", out.String())
}

// --json prints the data as the server sent it, indented, in its order.
func TestRenderJSON(t *testing.T) {
	got := render("worker add 2", json.RawMessage(`{"added":2,"previous":3,"total":5}`), true)
	if want := "{\n  \"added\": 2,\n  \"previous\": 3,\n  \"total\": 5\n}"; got != want {
		t.Errorf("render --json = %q, want %q", got, want)
	}
	if got := render("reload", nil, true); got != "{}" {
		t.Errorf("render --json of no data = %q", got)
	}
}

func TestDurations(t *testing.T) {
	for secs, want := range map[float64]string{0.12: "0.1s", 42: "42s", 185: "3m05s", 7440: "2h04m", 266400: "3d02h"} {
		if got := duration(secs); got != want {
			t.Errorf("duration(%v) = %q, want %q", secs, got, want)
		}
	}
	for secs, want := range map[float64]string{3: "3s", 123: "2m 3s", 3723.45: "1h 2m 3s"} {
		if got := spacedDuration(secs); got != want {
			t.Errorf("spacedDuration(%v) = %q, want %q", secs, got, want)
		}
	}
}
