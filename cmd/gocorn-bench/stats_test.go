package main

import "testing"

func TestSpreadOf(t *testing.T) {
	tests := []struct {
		name string
		vs   []float64
		want spread
	}{
		{"none", nil, spread{}},
		{"one", []float64{5}, spread{median: 5, min: 5, max: 5, n: 1}},
		{"odd, unsorted", []float64{3, 1, 2}, spread{median: 2, min: 1, max: 3, n: 3}},
		{"even: mean of the middle two", []float64{4, 1, 3, 2}, spread{median: 2.5, min: 1, max: 4, n: 4}},
		{"one wild round", []float64{100, 101, 10}, spread{median: 100, min: 10, max: 101, n: 3}},
	}
	for _, tt := range tests {
		if got := spreadOf(tt.vs); got != tt.want {
			t.Errorf("%s: spreadOf(%v) = %+v, want %+v", tt.name, tt.vs, got, tt.want)
		}
	}
}
