package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-rounds", "5", "-duration", "2s", "-only", "gthread", "-doc", "docs/performance.md"})
	if err != nil {
		t.Fatal(err)
	}
	if o.rounds != 5 || o.duration != 2*time.Second || o.only != "gthread" || o.modes != "keep-alive,close" || o.connections != 64 {
		t.Errorf("parseFlags: %+v", o)
	}
	// The doc shows the flags as given, in a stable order.
	if want := "go run ./cmd/gocorn-bench -doc docs/performance.md -duration 2s -only gthread -rounds 5"; o.command != want {
		t.Errorf("command = %q, want %q", o.command, want)
	}
	if got := o.chartPath(); got != "docs/performance.png" {
		t.Errorf("chartPath() = %q", got)
	}
}

func TestParseFlagsErrors(t *testing.T) {
	for _, args := range [][]string{{"-rounds", "x"}, {"extra"}, {"-nope"}} {
		if _, err := parseFlagsQuietly(args); err == nil {
			t.Errorf("parseFlags(%q) succeeded", args)
		}
	}
	if _, err := parseFlagsQuietly([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("parseFlags(-h) = %v, want flag.ErrHelp", err)
	}
}

func parseFlagsQuietly(args []string) (options, error) {
	defer func(out io.Writer) { flagOutput = out }(flagOutput)
	flagOutput = io.Discard
	return parseFlags(args)
}

func TestOptionsCheck(t *testing.T) {
	ok := options{duration: 10 * time.Second, connections: 64, threads: 2, rounds: 3, doc: "docs/performance.md"}
	if err := ok.check(); err != nil {
		t.Errorf("check(%+v): %v", ok, err)
	}
	for _, tt := range []struct {
		change func(*options)
		err    string
	}{
		{func(o *options) { o.duration = 1500 * time.Millisecond }, "whole number of seconds"},
		{func(o *options) { o.duration = 0 }, "whole number of seconds"},
		{func(o *options) { o.connections = 1 }, "-connections (1) must be at least -threads (2)"},
		{func(o *options) { o.threads = 0 }, "-threads must be at least 1"},
		{func(o *options) { o.rounds = 0 }, "-rounds must be at least 1"},
		{func(o *options) { o.doc = "docs/performance.txt" }, "ending in .md"},
	} {
		o := ok
		tt.change(&o)
		if err := o.check(); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("check(%+v) = %v, want an error containing %q", o, err, tt.err)
		}
	}
}
