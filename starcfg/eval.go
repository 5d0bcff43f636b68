package starcfg

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// limits bound one evaluation, so a loop in a config cannot hang the
// master: HUP runs the file inside the running server.
type limits struct {
	steps uint64        // Starlark computation steps, all files together
	wall  time.Duration // wall-clock time
}

// defaultLimits allow far more than any sane config needs (a few thousand
// steps) while stopping an endless loop in seconds.
var defaultLimits = limits{steps: 50_000_000, wall: 10 * time.Second}

// evalOptions are the parts of an evaluation tests replace.
type evalOptions struct {
	limits limits
	cpus   cpuCounter
	stderr io.Writer // print() output, when the evaluation fails
}

// evaluation is one run of a config program.
type evaluation struct {
	display string              // main file, as the user named it
	file    *syntax.File        // main file's syntax tree, for positions
	globals starlark.StringDict // main file's globals, frozen
	sources []Source            // every file read, main first
	prints  []string            // what print() wrote, one "FILE:LINE: text" each
}

// evaluate runs the main config file (and what it loads) once.
func evaluate(display, abs string, read readFunc, env environ, o evalOptions) (*evaluation, error) {
	l := newLoader(read, predeclared(env, o.cpus))
	var prints []string
	thread := &starlark.Thread{
		Name: "config " + display,
		Load: l.load,
		Print: func(thread *starlark.Thread, msg string) {
			pos := thread.CallFrame(1).Pos
			prints = append(prints, fmt.Sprintf("%s:%d: %s", pos.Filename(), pos.Line, msg))
		},
	}
	var stopped atomic.Pointer[string]
	stop := func(reason string) {
		stopped.CompareAndSwap(nil, &reason)
		thread.Cancel(reason)
	}
	thread.SetMaxExecutionSteps(o.limits.steps)
	thread.OnMaxSteps = func(*starlark.Thread) {
		stop(fmt.Sprintf("evaluation stopped after %d steps (an endless loop?)", o.limits.steps))
	}
	watchdog := time.AfterFunc(o.limits.wall, func() {
		stop(fmt.Sprintf("evaluation stopped after %s (an endless loop?)", o.limits.wall))
	})
	defer watchdog.Stop()

	m := l.exec(thread, display, abs)
	if m.err != nil {
		writeLines(o.stderr, prints) // they may say why it failed
		return nil, evalError(m.err, stopped.Load())
	}
	return &evaluation{display: display, file: m.file, globals: m.globals, sources: l.sources, prints: prints}, nil
}

// writeLines writes each line to w, if w is not nil.
func writeLines(w io.Writer, lines []string) {
	if w == nil {
		return
	}
	for _, line := range lines {
		fmt.Fprintln(w, line)
	}
}
