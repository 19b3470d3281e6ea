// Package chart draws a report's period as charts a manager reads at a
// glance: calls offered, answered and abandoned per interval; service
// level against its target; and agents by state. It uses gonum's plot
// package and writes SVG or PNG.
package chart

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/hotline-cc/hotline/acd/report"
)

// ErrFormat is returned for a file name that is neither .svg nor .png.
var ErrFormat = errors.New("chart: want a .svg or .png file")

// Options of a chart.
type Options struct {
	// Target is the service-level goal drawn across the service-level
	// chart, 0..1 (0: none drawn).
	Target float64
}

// Format is the image format a file name asks for: "svg" or "png".
func Format(name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".svg":
		return "svg", nil
	case ".png":
		return "png", nil
	}
	return "", fmt.Errorf("%q: %w", name, ErrFormat)
}

// Series are the figures charted, one value per interval of the period.
type Series struct {
	Starts                                     []time.Time
	Offered, Answered, Abandoned, Other        []float64 // Other: offered and neither answered nor abandoned
	SLOffered, SLAnswered                      []float64 // percent; NaN where no call counted
	Available, Ringing, OnCall, WrapUp, Paused []float64 // mean agents in each state
}

// MaxBars is the most intervals a chart draws: a month of hours.
const MaxBars = 744

// TooManyBars refuses a chart of more than MaxBars intervals of iv from
// from to to in loc, before anything is listed (a 300-year period by 15
// minutes is ten million).
func TooManyBars(iv report.Interval, loc *time.Location, from, to time.Time) error {
	if iv == report.IntervalPeriod || iv == "" {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	if report.CountStarts(iv, loc, from, to, MaxBars) > MaxBars {
		return fmt.Errorf("chart: interval %s: more than %d bars from %s to %s, more than a chart shows; ask for a longer interval or a shorter period",
			iv, MaxBars, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return nil
}

// Collect sums a report's rows over queues and agents, interval by interval.
func Collect(r *report.Report) (Series, error) {
	loc, err := time.LoadLocation(r.Location)
	if err != nil {
		return Series{}, fmt.Errorf("chart: time zone %q: %w", r.Location, err)
	}
	if err := TooManyBars(r.Interval, loc, r.From, r.To); err != nil {
		return Series{}, err
	}
	starts := report.Starts(r.Interval, loc, r.From, r.To)
	if r.Interval == report.IntervalPeriod {
		starts = []time.Time{r.From}
	}
	n := len(starts)
	s := Series{Starts: starts}
	for _, p := range []*[]float64{&s.Offered, &s.Answered, &s.Abandoned, &s.Other, &s.SLOffered, &s.SLAnswered,
		&s.Available, &s.Ringing, &s.OnCall, &s.WrapUp, &s.Paused} {
		*p = make([]float64, n)
	}
	index := map[int64]int{}
	for i, st := range starts {
		index[st.UnixNano()] = i
	}
	if r.Interval == report.IntervalPeriod {
		index = nil
	}
	at := func(t time.Time) (int, bool) {
		if index == nil {
			return 0, true
		}
		i, ok := index[t.UnixNano()]
		return i, ok
	}
	inSL := make([]float64, n)
	for _, q := range r.Rows.Queues {
		i, ok := at(q.Start)
		if !ok {
			continue
		}
		s.Offered[i] += float64(q.Offered)
		s.Answered[i] += float64(q.Answered)
		s.Abandoned[i] += float64(q.Abandoned)
		inSL[i] += float64(q.InSL)
	}
	for i := range n {
		s.Other[i] = max(0, s.Offered[i]-s.Answered[i]-s.Abandoned[i])
		s.SLOffered[i], s.SLAnswered[i] = nan(), nan()
		if d := s.Answered[i] + s.Abandoned[i]; d > 0 {
			s.SLOffered[i] = 100 * inSL[i] / d
		}
		if s.Answered[i] > 0 {
			s.SLAnswered[i] = 100 * inSL[i] / s.Answered[i]
		}
	}
	for _, a := range r.Rows.Agents {
		i, ok := at(a.Start)
		if !ok {
			continue
		}
		// The agents' time is counted from the report's start to its end
		// (or now, when the end lies ahead): the first and last
		// intervals count only the part of them inside that.
		start, end := a.Start, a.End
		if r.Interval == report.IntervalPeriod {
			start, end = r.From, r.To
		}
		length := r.Counted(start, end).Seconds()
		if length <= 0 {
			continue
		}
		s.Available[i] += float64(a.Available) / length
		s.Ringing[i] += float64(a.Ringing) / length
		s.OnCall[i] += float64(a.OnCall) / length
		s.WrapUp[i] += float64(a.InWrapUp) / length
		s.Paused[i] += float64(a.Paused) / length
	}
	return s, nil
}

// Write draws the three charts of r, one above the other, into w in
// format ("svg" or "png").
func Write(w io.Writer, format string, r *report.Report, o Options) error {
	s, err := Collect(r)
	if err != nil {
		return err
	}
	const width, height = 11 * vg.Inch, 11 * vg.Inch
	var canvas vg.CanvasWriterTo
	switch format {
	case "svg":
		canvas = vgsvg.New(width, height)
	case "png":
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(100))}
	default:
		return fmt.Errorf("format %q: %w", format, ErrFormat)
	}
	loc, _ := time.LoadLocation(r.Location)
	title := fmt.Sprintf("%s to %s (%s), by %s", r.From.In(loc).Format("2006-01-02 15:04"),
		r.To.In(loc).Format("2006-01-02 15:04"), r.Location, r.Interval)
	barWidth := (width - 1.2*vg.Inch) / vg.Length(max(1, len(s.Starts))) * 0.8
	plots := []*plot.Plot{volume(s, title, barWidth), serviceLevel(s, o.Target), agents(s, barWidth)}
	for _, p := range plots {
		p.X.Tick.Marker = timeTicks(s.Starts, r.Interval, loc)
		p.X.Min, p.X.Max = -0.6, float64(len(s.Starts))-0.4
	}
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadX: vg.Millimeter, PadY: 4 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter}
	grid := make([][]*plot.Plot, len(plots))
	for i, p := range plots {
		grid[i] = []*plot.Plot{p}
	}
	canvases := plot.Align(grid, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[i][0])
	}
	_, err = canvas.WriteTo(w)
	return err
}

var (
	green  = color.RGBA{R: 0x2e, G: 0x9e, B: 0x4f, A: 0xff}
	red    = color.RGBA{R: 0xd6, G: 0x3b, B: 0x2f, A: 0xff}
	grey   = color.RGBA{R: 0xa0, G: 0xa0, B: 0xa0, A: 0xff}
	blue   = color.RGBA{R: 0x2f, G: 0x6f, B: 0xc0, A: 0xff}
	orange = color.RGBA{R: 0xf0, G: 0x9a, B: 0x2a, A: 0xff}
	yellow = color.RGBA{R: 0xe8, G: 0xc8, B: 0x3a, A: 0xff}
	purple = color.RGBA{R: 0x8a, G: 0x5c, B: 0xb8, A: 0xff}
)

// stacked adds bars stacked in order, labelled in the legend top first.
func stacked(p *plot.Plot, layers []layer, width vg.Length) {
	var below *plotter.BarChart
	var bars []*plotter.BarChart
	for _, l := range layers {
		b, err := plotter.NewBarChart(plotter.Values(l.values), width)
		if err != nil {
			continue // no values: nothing to draw
		}
		b.Color = l.color
		b.LineStyle.Width = 0
		if below != nil {
			b.StackOn(below)
		}
		p.Add(b)
		bars = append(bars, b)
		below = b
	}
	for i := len(bars) - 1; i >= 0; i-- {
		p.Legend.Add(layers[i].name, bars[i])
	}
	if p.Y.Max <= p.Y.Min {
		p.Y.Max = p.Y.Min + 1 // nothing yet: an axis from 0 up, not gonum's -1 to 1 around it
	}
}

type layer struct {
	name   string
	values []float64
	color  color.Color
}

func volume(s Series, title string, width vg.Length) *plot.Plot {
	p := plot.New()
	p.Title.Text = "Calls per interval — " + title
	p.Y.Label.Text = "calls"
	p.Y.Min = 0
	stacked(p, []layer{{"answered", s.Answered, green}, {"abandoned", s.Abandoned, red},
		{"other (overflow, callback, short abandon)", s.Other, grey}}, width)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return p
}

func serviceLevel(s Series, target float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = "Service level"
	p.Y.Label.Text = "% answered in time"
	p.Y.Min, p.Y.Max = 0, 105
	p.Add(plotter.NewGrid())
	line := func(name string, ys []float64, c color.Color, dashed bool) {
		xy := make(plotter.XYs, 0, len(ys))
		for i, y := range ys {
			if !math.IsNaN(y) { //: an interval with no call has no service level
				xy = append(xy, plotter.XY{X: float64(i), Y: y})
			}
		}
		if len(xy) == 0 {
			return
		}
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return
		}
		l.Color, pts.Color = c, c
		l.Width = vg.Points(1.5)
		pts.Radius = vg.Points(2)
		if dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l, pts)
		p.Legend.Add(name, l, pts)
	}
	line("over answered + abandoned", s.SLOffered, blue, false)
	line("over answered", s.SLAnswered, purple, true)
	if target > 0 {
		t := plotter.NewFunction(func(float64) float64 { return 100 * target })
		t.Color = red
		t.Width = vg.Points(1)
		t.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(t)
		p.Legend.Add(fmt.Sprintf("target %.0f%%", 100*target), t)
	}
	p.Legend.Left = true
	return p
}

func agents(s Series, width vg.Length) *plot.Plot {
	p := plot.New()
	p.Title.Text = "Agents by state (mean over the interval)"
	p.Y.Label.Text = "agents"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	stacked(p, []layer{{"on call", s.OnCall, blue}, {"wrap-up", s.WrapUp, purple}, {"ringing", s.Ringing, orange},
		{"available", s.Available, green}, {"paused", s.Paused, yellow}}, width)
	p.Legend.Top = true
	p.Legend.Left = true
	return p
}

// timeTicks labels interval indexes with their local start, as many as fit.
func timeTicks(starts []time.Time, iv report.Interval, loc *time.Location) plot.Ticker {
	layout := map[report.Interval]string{report.Interval15m: "15:04", report.IntervalHour: "15:04",
		report.IntervalDay: "Mon 02 Jan", report.IntervalWeek: "02 Jan", report.IntervalMonth: "Jan 2006"}[iv]
	if layout == "" {
		layout = "2006-01-02"
	}
	return plot.TickerFunc(func(_, _ float64) []plot.Tick {
		step := max(1, (len(starts)+11)/12)
		var ticks []plot.Tick
		for i, st := range starts {
			label := ""
			if i%step == 0 {
				label = st.In(loc).Format(layout)
				if (iv == report.Interval15m || iv == report.IntervalHour) && (i == 0 || st.In(loc).Day() != starts[i-step].In(loc).Day()) {
					label = st.In(loc).Format("Jan 02 15:04")
				}
			}
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: label})
		}
		return ticks
	})
}

func nan() float64 { return math.NaN() }
