package main

import (
	"fmt"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// chartWorkers are the gthread cases on the chart's workers axis.
var chartWorkers = []struct {
	key     string
	workers float64
}{{"gthread1", 1}, {"gthread", 2}, {"gthread4", 4}}

// chartReferences are drawn across the chart as dashed lines at their
// median req/s.
var chartReferences = []struct{ key, label string }{
	{"bare", "bare net/http, 1 process"},
	{"fasthttp", "fasthttp prefork, 2 children"},
}

// Chart geometry: one panel per mode, side by side.
const (
	panelWidth  = 5 * vg.Inch
	panelHeight = 4 * vg.Inch
	chartDPI    = 120
)

// writeChart draws the run's throughput against gthread's workers, a
// panel per mode, into a PNG file at path.
func writeChart(path string, rs *results) error {
	var row []*plot.Plot
	for _, m := range rs.modes {
		p, err := modePanel(rs, m)
		if err != nil {
			return fmt.Errorf("can't draw the %s panel of the chart: %v", m.label, err)
		}
		row = append(row, p)
	}
	img := vgimg.NewWith(vgimg.UseWH(panelWidth*vg.Length(len(row)), panelHeight), vgimg.UseDPI(chartDPI))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(row), PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 2,
		PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align([][]*plot.Plot{row}, tiles, dc)
	for i, p := range row {
		p.Draw(canvases[0][i])
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("can't write the chart: %v", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("can't write the chart to %s: %v", path, err)
	}
	return f.Close()
}

// modePanel is one mode's plot: gthread's median req/s at 1, 2 and 4
// workers with their range as error bars, and the references.
func modePanel(rs *results, m mode) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = capitalize(m.label)
	p.X.Label.Text = "workers"
	p.Y.Label.Text = "thousand requests per second, median of rounds"
	p.X.Min, p.X.Max = 0.7, 4.3
	p.X.Tick.Marker = plot.ConstantTicks{{Value: 1, Label: "1"}, {Value: 2, Label: "2"}, {Value: 4, Label: "4"}}
	p.Y.Min = 0
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Millimeter*3, -vg.Millimeter*2
	p.Legend.Padding = vg.Millimeter
	p.Add(plotter.NewGrid())

	top := 0.0
	var pts rangePoints
	for _, w := range chartWorkers {
		if sp := spreadOf(rs.values(w.key, m.key, reqPerSec)); sp.n > 0 {
			pts.XYs = append(pts.XYs, plotter.XY{X: w.workers, Y: sp.median / 1000})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{Low: (sp.median - sp.min) / 1000, High: (sp.max - sp.median) / 1000})
			top = max(top, sp.max/1000)
		}
	}
	if len(pts.XYs) > 0 {
		line, points, err := plotter.NewLinePoints(pts.XYs)
		if err != nil {
			return nil, err
		}
		bars, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return nil, err
		}
		line.Color, points.Color, bars.Color = plotutil.Color(0), plotutil.Color(0), plotutil.Color(0)
		p.Add(line, points, bars)
		p.Legend.Add("gocorn gthread --threads 64 (bars: range of rounds)", line, points)
	}
	for i, ref := range chartReferences {
		sp := spreadOf(rs.values(ref.key, m.key, reqPerSec))
		if sp.n == 0 {
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: sp.median / 1000}, {X: p.X.Max, Y: sp.median / 1000}})
		if err != nil {
			return nil, err
		}
		l.Color = plotutil.Color(i + 1)
		l.Dashes = plotutil.Dashes(i + 1)
		p.Add(l)
		p.Legend.Add(ref.label, l)
		top = max(top, sp.median/1000)
	}
	// Room above the data for the legend.
	p.Y.Max = max(top*1.5, 1)
	return p, nil
}

// rangePoints are medians with their ranges, for plotter.NewYErrorBars.
type rangePoints struct {
	plotter.XYs
	plotter.YErrors
}
