package main

import "slices"

// A target is one of the design's goals (issue 11) as a ratio between two
// rows of the same round: key's metric over the best of over's.
type target struct {
	goal  string // the goal, in the words
	key   string
	over  []string
	mode  string
	x     metric
	bound float64 // the median ratio must reach it: at least, or at most when lower x is better
}

// gunicornBest is gunicorn's faster class in each round.
var gunicornBest = []string{"gunicorn-sync", "gunicorn"}

// targets are the design goals the table can check.
var targets = []target{
	{"gocorn gthread -w 1 ≥ 0.97× bare", "gthread1", []string{"bare"}, "keep-alive", reqPerSec, 0.97},
	{"gocorn gthread -w 1 ≥ 0.97× bare", "gthread1", []string{"bare"}, "close", reqPerSec, 0.97},
	{"gocorn gthread -w 2 ≥ 1.0× bare", "gthread", []string{"bare"}, "keep-alive", reqPerSec, 1},
	{"gocorn gthread -w 2 ≥ 1.0× bare", "gthread", []string{"bare"}, "close", reqPerSec, 1},
	{"gocorn gthread -w 2 p99 ≤ bare's p99", "gthread", []string{"bare"}, "keep-alive", p99, 1},
	{"gocorn gthread -w 2 p99 ≤ bare's p99", "gthread", []string{"bare"}, "close", p99, 1},
	{"gocorn sync -w 2 ≥ 2× gunicorn sync -w 2", "sync", []string{"gunicorn-sync"}, "close", reqPerSec, 2},
	{"gocorn sync -w 2 ≥ 4× gunicorn's best", "sync", gunicornBest, "keep-alive", reqPerSec, 4},
	{"gocorn gthread -w 2 ≥ 4× gunicorn's best", "gthread", gunicornBest, "keep-alive", reqPerSec, 4},
	{"statsd + JSON access log cost ≤ 5% (≥ 0.95× gthread -w 2)", "observed", []string{"gthread"}, "keep-alive", reqPerSec, 0.95},
	{"statsd + JSON access log cost ≤ 5% (≥ 0.95× gthread -w 2)", "observed", []string{"gthread"}, "close", reqPerSec, 0.95},
}

// reached returns the per-round ratios' spread and whether its median
// meets the target; n is 0 when the rows it needs were not measured.
func (tg target) reached(rs *results) (spread, bool) {
	sp := spreadOf(rs.ratios(tg.key, tg.over, tg.mode, tg.x))
	if tg.x.higher {
		return sp, sp.n > 0 && sp.median >= tg.bound
	}
	return sp, sp.n > 0 && sp.median <= tg.bound
}

// selected reports whether every case the target needs was in the run.
func (tg target) selected(rs *results) bool {
	for _, k := range append([]string{tg.key}, tg.over...) {
		if !slices.ContainsFunc(rs.cases, func(c benchCase) bool { return c.key == k }) {
			return false
		}
	}
	return slices.ContainsFunc(rs.modes, func(m mode) bool { return m.key == tg.mode })
}
