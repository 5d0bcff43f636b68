package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func caseByKey(t *testing.T, key string) benchCase {
	for _, c := range cases {
		if c.key == key {
			return c
		}
	}
	t.Fatalf("no case %q", key)
	return benchCase{}
}

func TestReportWrite(t *testing.T) {
	rep := report{
		date:     time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC),
		machine:  "2 CPUs, linux/amd64, go1.26.8, wrk 4.1.0",
		duration: 5 * time.Second,
		conns:    64,
		threads:  2,
		results: []result{
			{c: caseByKey(t, "bare"), wrk: wrkResult{Requests: 1, ReqPerSec: 50000, P50: 980 * time.Microsecond, P99: 6200 * time.Microsecond}},
			{c: caseByKey(t, "gthread"), wrk: wrkResult{Requests: 1, ReqPerSec: 41500, P50: 1500 * time.Microsecond, P99: 2 * time.Second, Read: 3}},
			{c: caseByKey(t, "bare-close"), err: errors.New("bare exited (exit status 1) before it was listening")},
			{c: caseByKey(t, "sync"), wrk: wrkResult{Requests: 1, ReqPerSec: 9000, P50: time.Millisecond, P99: time.Millisecond},
				notes: []string{"gocorn (pid 7) did not exit within 10s of SIGTERM, so it was killed"}},
		},
		notes: []string{"gunicorn: skipped: gunicorn is not on PATH (Debian package: gunicorn)."},
	}
	var b strings.Builder
	rep.write(&b)
	got := b.String()
	for _, want := range []string{
		"date:     2026-11-24 09:00:00 UTC\n",
		"load:     wrk -t 2 -c 64 -d 5s --latency on 127.0.0.1 after a 1s warm-up, one server at a time\n",
		"server                     conn       req/s       p50       p99   errors  vs baseline\n",
		"bare (keep-alive)            64       50000     980us    6.20ms        0\n",
		"gocorn gthread -w 2          64       41500    1.50ms     2.00s        3  0.83x bare\n",
		"bare (Connection: close)     64      failed         -         -        -\n",
		"gocorn sync -w 2 (close)     64        9000    1.00ms    1.00ms        0  -\n",
		"- gocorn gthread -w 2: wrk saw 3 read errors.\n",
		"- bare (Connection: close): bare exited (exit status 1) before it was listening\n",
		"- gocorn sync -w 2 (close): gocorn (pid 7) did not exit within 10s of SIGTERM, so it was killed\n",
		"- gunicorn: skipped",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q; it is:\n%s", want, got)
		}
	}
	if n := rep.failures(); n != 2 {
		t.Errorf("failures() = %d, want 2", n)
	}
}

func TestSelectCases(t *testing.T) {
	tests := []struct {
		only, want, err string
	}{
		{"", "bare gthread hooks access json statsd gunicorn bare-tls tls bare-close sync", ""},
		{"tls", "bare-tls tls", ""},
		{"hooks", "bare gthread hooks", ""},
		{"sync", "bare-close sync", ""},
		{" gthread , bare-close,", "bare gthread bare-close", ""},
		{"gthread,nginx", "", `unknown case "nginx"; the cases are bare, gthread, hooks, access, json, statsd, gunicorn, bare-tls, tls, bare-close, sync`},
	}
	for _, tt := range tests {
		sel, err := selectCases(tt.only)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("selectCases(%q): got error %v, want %q", tt.only, err, tt.err)
			}
			continue
		}
		var keys []string
		for _, c := range sel {
			keys = append(keys, c.key)
		}
		if got := strings.Join(keys, " "); err != nil || got != tt.want {
			t.Errorf("selectCases(%q) = %q, %v; want %q", tt.only, got, err, tt.want)
		}
	}
}

func TestOptionsCheck(t *testing.T) {
	ok := options{duration: 10 * time.Second, connections: 64, threads: 2}
	if err := ok.check(); err != nil {
		t.Errorf("check(%+v): %v", ok, err)
	}
	for _, o := range []options{
		{duration: 1500 * time.Millisecond, connections: 64, threads: 2},
		{duration: 0, connections: 64, threads: 2},
		{duration: time.Second, connections: 1, threads: 2},
		{duration: time.Second, connections: 64, threads: 0},
	} {
		if err := o.check(); err == nil {
			t.Errorf("check(%+v) passed, want an error", o)
		}
	}
}
