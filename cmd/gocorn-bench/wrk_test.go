package main

import (
	"testing"
	"time"
)

// The files in testdata are wrk 4.1.0 output captured on loopback: against
// the bare server with and without "Connection: close", against a Python
// server answering 404, one that closes every other connection unanswered,
// and one that never answers.
func TestParseWrk(t *testing.T) {
	ms := func(s string) time.Duration {
		d, err := time.ParseDuration(s + "ms")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name string
		file string // in testdata; or
		text string
		want wrkResult
		err  string // substring of the error, when one is expected
	}{
		{
			name: "keep-alive",
			file: "wrk-keepalive.txt",
			want: wrkResult{Requests: 175964, ReqPerSec: 58491.63, P50: ms("0.98"), P99: ms("6.20")},
		},
		{
			name: "connection close",
			file: "wrk-close.txt",
			want: wrkResult{Requests: 50039, ReqPerSec: 16562.10, P50: ms("2.62"), P99: ms("8.20")},
		},
		{
			name: "non-2xx",
			file: "wrk-non2xx.txt",
			want: wrkResult{Requests: 4475, ReqPerSec: 2131.90, P50: ms("2.67"), P99: ms("256.05"), Non2xx: 4475},
		},
		{
			name: "socket errors, microseconds",
			file: "wrk-socket-errors.txt",
			want: wrkResult{Requests: 18498, ReqPerSec: 8806.45, P50: 621 * time.Microsecond, P99: ms("3.38"), Read: 18499},
		},
		{
			name: "no request completed",
			file: "wrk-no-answer.txt",
			want: wrkResult{},
		},
		{
			name: "all socket error kinds",
			text: "  50%  1.00ms\n  99%  1.50s\n  10 requests in 1.00s, 1.00KB read\n" +
				"  Socket errors: connect 1, read 2, write 3, timeout 4\nRequests/sec:  10.00\n",
			want: wrkResult{Requests: 10, ReqPerSec: 10, P50: ms("1"), P99: 1500 * time.Millisecond,
				Connect: 1, Read: 2, Write: 3, Timeout: 4},
		},
		{
			name: "without --latency",
			text: "  10 requests in 1.00s, 1.00KB read\nRequests/sec:  10.00\n",
			err:  "no 50% and 99% latency lines",
		},
		{
			name: "without Requests/sec",
			text: "  50%  1.00ms\n  99%  2.00ms\n",
			err:  "no Requests/sec line",
		},
		{
			name: "wrk's usage instead of a run",
			text: "Usage: wrk <options> <url>\n  Options:\n    -c, --connections <N>  Connections to keep open\n",
			err:  "no Requests/sec line",
		},
		{
			name: "bad latency",
			text: "  50%  fast\n",
			err:  `can't read wrk's line "50%  fast"`,
		},
		{
			name: "unknown socket error",
			text: "  Socket errors: connect 0, reset 1\n",
			err:  `unknown kind of socket error "reset"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWrk(input(t, tt.file, tt.text))
			if checkErr(t, "parseWrk", err, tt.err) {
				return
			}
			if got != tt.want {
				t.Errorf("parseWrk:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDescribeErrors(t *testing.T) {
	r := wrkResult{Read: 3, Non2xx: 1}
	if got, want := r.Errors(), int64(4); got != want {
		t.Errorf("Errors() = %d, want %d", got, want)
	}
	if got, want := r.describeErrors(), "3 read errors, 1 responses outside 2xx and 3xx"; got != want {
		t.Errorf("describeErrors() = %q, want %q", got, want)
	}
}
