package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/vg"
)

func TestWriteChart(t *testing.T) {
	for _, tt := range []struct {
		name string
		rs   func(*testing.T) *results
	}{
		{"a whole run", fixtureResults},
		{"the bare server alone, one mode", func(t *testing.T) *results {
			full := fixtureResults(t)
			rs := newResults(full.cases[:1], modes[1:], 1)
			rs.add(1, full.cases[0], modes[1], fakeSample(20000, 0, 0, 10, 1))
			return rs
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rs := tt.rs(t)
			path := filepath.Join(t.TempDir(), "chart.png")
			if err := writeChart(path, rs); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cfg, err := png.DecodeConfig(f)
			if err != nil {
				t.Fatalf("the chart is not a PNG: %v", err)
			}
			wantW, wantH := pixels(panelWidth)*len(rs.modes), pixels(panelHeight)
			if cfg.Width != wantW || cfg.Height != wantH {
				t.Errorf("chart is %dx%d, want %dx%d", cfg.Width, cfg.Height, wantW, wantH)
			}
		})
	}
}

func TestWriteChartUnwritable(t *testing.T) {
	err := writeChart(filepath.Join(t.TempDir(), "no-such-dir", "chart.png"), fixtureResults(t))
	if err == nil {
		t.Error("writeChart into a missing directory succeeded")
	}
}

func pixels(l vg.Length) int { return int(float64(l/vg.Inch) * chartDPI) }
