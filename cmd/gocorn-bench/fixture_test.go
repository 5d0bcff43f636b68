package main

import (
	"errors"
	"testing"
	"time"
)

// fakeSample is a 10-second sample with the given numbers.
func fakeSample(rps float64, p50, p99 time.Duration, rssMiB int64, cores float64) sample {
	const wall = 10 * time.Second
	return sample{
		wrk:   wrkResult{Requests: int64(rps * wall.Seconds()), ReqPerSec: rps, P50: p50, P99: p99},
		cpu:   time.Duration(cores * float64(wall)),
		wall:  wall,
		rss:   rssMiB << 20,
		procs: 3,
	}
}

// fixtureDrift is how fast the machine was in each round: every server
// alike, as alternating rounds mean it to be.
var fixtureDrift = []float64{1, 0.8, 1.1}

// fixtureRates are req/s with keep-alive and with Connection: close in a
// round of drift 1.
var fixtureRates = []struct {
	key                 string
	keepAlive, newConns float64
}{
	{"bare", 60000, 20000},
	{"sync", 15000, 12000},
	{"gthread1", 54000, 18000},
	{"gthread", 48000, 11000},
	{"gthread4", 45000, 9000},
	{"observed", 45600, 10300},
	{"fasthttp", 84000, 21000},
	{"gunicorn-sync", 9000, 6000},
	{"gunicorn", 10000, 4000},
}

// fixtureResults is a run of 3 rounds of the standard cases but nginx,
// with one sample that failed, one where wrk saw errors, a server that
// stopped badly and a case skipped.
func fixtureResults(t *testing.T) *results {
	t.Helper()
	var sel []benchCase
	for _, f := range fixtureRates {
		c, ok := caseByKey(f.key)
		if !ok {
			t.Fatalf("no case %q", f.key)
		}
		sel = append(sel, c)
	}
	rs := newResults(sel, modes, 3)
	rs.notes = []string{"The nginx cases were skipped: nginx is not installed (on Debian or Ubuntu: apt-get install nginx)."}
	for r := 1; r <= 3; r++ {
		d := fixtureDrift[r-1]
		for i, f := range fixtureRates {
			c := sel[i]
			ka := fakeSample(f.keepAlive*d, time.Duration(float64(time.Millisecond)/d), time.Duration(float64(6*time.Millisecond)/d), int64(10+5*i), 1.2)
			cl := fakeSample(f.newConns*d, time.Duration(float64(3*time.Millisecond)/d), time.Duration(float64(9*time.Millisecond)/d), int64(11+5*i), 1.4+0.1*float64(r))
			if c.key == "gunicorn" && r == 3 {
				ka.wrk.Read = 12
			}
			if c.key == "gthread4" && r == 2 {
				cl = sample{err: errors.New("gocorn exited (exit status 1) before it answered GET http://127.0.0.1:1/; its last output:\n\t[ERROR] boom")}
			}
			rs.add(r, c, modes[0], ka)
			rs.add(r, c, modes[1], cl)
		}
	}
	rs.problems = append(rs.problems, "Round 3, gocorn sync -w 2: gocorn (pid 7) did not exit within 10s of SIGTERM, so it was killed; its last output:\n\t(no output)")
	return rs
}
