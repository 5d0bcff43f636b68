package migrate

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"go.starlark.net/starlark"

	"github.com/gocorn/gocorn/starcfg"
	"github.com/gocorn/gocorn/starcfg/hookrun"
)

// TestObjectAttrsMatchHookrun keeps objectAttrs and logMethods in step
// with the objects hooks really receive: a hook lists them with dir().
func TestObjectAttrsMatchHookrun(t *testing.T) {
	const src = "def post_fork(server, worker):\n" +
		"    server.log.info(' '.join(dir(server)) + '|' + ' '.join(dir(worker)) + '|' + ' '.join(dir(server.log)))\n"
	globals, err := starlark.ExecFile(&starlark.Thread{}, "t.star", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	fns := map[string]*starlark.Function{"post_fork": globals["post_fork"].(*starlark.Function)}
	cfg := starcfg.Defaults()
	r := hookrun.New(fns, log, hookrun.RequestView{})
	if err := r.PostFork(&hookrun.Master{PID: 1, Config: cfg}, &hookrun.Worker{PID: 2, Config: cfg}); err != nil {
		t.Fatal(err)
	}
	_, msg, _ := strings.Cut(buf.String(), "msg=")
	parts := strings.Split(strings.Trim(strings.TrimSpace(msg), `"`), "|")
	if len(parts) != 3 {
		t.Fatalf("the hook logged %q", buf.String())
	}
	for i, want := range [][]string{objectAttrs["server"], objectAttrs["worker"], logMethods} {
		if got := strings.Fields(parts[i]); !slices.Equal(got, want) {
			t.Errorf("hook object %d has %q, migrate knows %q", i, got, want)
		}
	}
}
