package main

import "slices"

// A spread is the median of repeated measurements with their range: the
// median resists one disturbed round, the range shows how much the
// rounds disagreed.
type spread struct {
	median, min, max float64
	n                int
}

// spreadOf summarizes vs; with an even count the median is the mean of
// the middle two.
func spreadOf(vs []float64) spread {
	if len(vs) == 0 {
		return spread{}
	}
	s := slices.Sorted(slices.Values(vs))
	mid := len(s) / 2
	med := s[mid]
	if len(s)%2 == 0 {
		med = (s[mid-1] + s[mid]) / 2
	}
	return spread{median: med, min: s[0], max: s[len(s)-1], n: len(s)}
}
