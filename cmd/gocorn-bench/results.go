package main

import (
	"fmt"
	"slices"
)

// results are every sample of a run, by round, case and mode, with what
// went wrong.
type results struct {
	cases    []benchCase
	modes    []mode
	rounds   int
	samples  map[sampleKey]sample
	notes    []string // about the run: cases skipped, errors wrk saw
	problems []string // what spoiled a sample or a server's stop: the run fails
}

type sampleKey struct {
	round     int
	key, mode string
}

func newResults(sel []benchCase, ms []mode, rounds int) *results {
	return &results{cases: sel, modes: ms, rounds: rounds, samples: map[sampleKey]sample{}}
}

// add records case c's sample in mode m of round r, noting its problems.
func (rs *results) add(r int, c benchCase, m mode, s sample) {
	rs.samples[sampleKey{r, c.key, m.key}] = s
	where := fmt.Sprintf("Round %d, %s, %s", r, c.label, m.label)
	switch {
	case s.err != nil:
		rs.problems = append(rs.problems, fmt.Sprintf("%s: %v", where, s.err))
	case s.wrk.Errors() > 0:
		rs.notes = append(rs.notes, fmt.Sprintf("%s: wrk saw %s.", where, s.wrk.describeErrors()))
	}
}

// get returns case key's sample in mode m of round r, if it was taken.
func (rs *results) get(r int, key, m string) (sample, bool) {
	s, ok := rs.samples[sampleKey{r, key, m}]
	return s, ok && s.err == nil
}

// A metric is one number read from a sample.
type metric struct {
	name   string
	of     func(sample) float64
	higher bool // a higher value is better
}

var (
	reqPerSec = metric{"req/s", func(s sample) float64 { return s.wrk.ReqPerSec }, true}
	p50       = metric{"p50", func(s sample) float64 { return s.wrk.P50.Seconds() }, false}
	p99       = metric{"p99", func(s sample) float64 { return s.wrk.P99.Seconds() }, false}
	rss       = metric{"RSS", func(s sample) float64 { return float64(s.rss) }, false}
	cpuPerReq = metric{"CPU/request", func(s sample) float64 { return s.cpuPerRequest().Seconds() }, false}
	cores     = metric{"cores", sample.cores, false}
)

// values returns metric x of case key in mode m, from every round it was
// taken in.
func (rs *results) values(key, m string, x metric) []float64 {
	var vs []float64
	for r := 1; r <= rs.rounds; r++ {
		if s, ok := rs.get(r, key, m); ok {
			vs = append(vs, x.of(s))
		}
	}
	return vs
}

// ratios returns, for every round where all were taken, metric x of case
// key over the best x among the cases in over (the highest, or the
// lowest when lower is better): per round, so that drift between rounds
// cancels out.
func (rs *results) ratios(key string, over []string, m string, x metric) []float64 {
	var vs []float64
	for r := 1; r <= rs.rounds; r++ {
		s, ok := rs.get(r, key, m)
		if !ok {
			continue
		}
		var best []float64
		for _, k := range over {
			if b, ok := rs.get(r, k, m); ok {
				best = append(best, x.of(b))
			}
		}
		if len(best) < len(over) {
			continue
		}
		d := slices.Min(best)
		if x.higher {
			d = slices.Max(best)
		}
		if d != 0 {
			vs = append(vs, x.of(s)/d)
		}
	}
	return vs
}
