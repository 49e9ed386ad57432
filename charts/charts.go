// Package charts draws the rituals' figures (trends.Figures) as PNG charts with gonum's plot
// package, in pure Go. It knows nothing of Slack: the edge uploads what it draws, with the alt
// text and title trends gives each chart.
package charts

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strconv"

	"git.sr.ht/~sbinet/gg"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/ritualbot/ritualbot/rituals/trends"
)

// Size of every chart, in pixels.
const (
	Width  = 800
	Height = 400
	// dpi turns pixels into gonum's points.
	dpi = 96
)

// Image is one drawn chart.
type Image struct {
	// Name is the chart's trends name, e.g. "checkins"; File is a file name for it.
	Name, File string
	Title, Alt string
	// PNG is the encoded picture, Width × Height pixels.
	PNG []byte
}

// Render draws every chart of f (f.Charts()), in that order.
func Render(f trends.Figures) ([]Image, error) {
	var out []Image
	cv := newCanvas()
	for _, c := range f.Charts() {
		png, err := cv.draw(f, c)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", c.Name, err)
		}
		out = append(out, Image{Name: c.Name, File: "ritualbot-" + c.Name + ".png", Title: c.Title, Alt: c.Alt, PNG: png})
	}
	return out, nil
}

// Draw draws one chart of f as a PNG.
func Draw(f trends.Figures, c trends.Chart) ([]byte, error) { return newCanvas().draw(f, c) }

// canvas is the picture and the encoder's buffers, reused from one chart to the next: drawing
// four charts then takes far less memory.
type canvas struct {
	img  *image.RGBA
	pool *bufferPool
}

func newCanvas() *canvas {
	return &canvas{img: image.NewRGBA(image.Rect(0, 0, Width, Height)), pool: &bufferPool{}}
}

// bufferPool keeps the PNG encoder's buffers (its compressor above all) between charts.
type bufferPool struct{ b *png.EncoderBuffer }

func (p *bufferPool) Get() *png.EncoderBuffer  { return p.b }
func (p *bufferPool) Put(b *png.EncoderBuffer) { p.b = b }

// draw draws one chart of f.
func (cv *canvas) draw(f trends.Figures, c trends.Chart) ([]byte, error) {
	p, err := build(f, c)
	if err != nil {
		return nil, err
	}
	// Room above the bars for the legend, and at least 1 on the Y axis, so an empty history
	// still draws its axes.
	p.Y.Max = max(p.Y.Max*1.4, 1)
	ctx := gg.NewContextForRGBA(cv.img)
	ctx.SetLineCapButt()
	ctx.InvertY()
	vc := vgimg.NewWith(vgimg.UseImageWithContext(cv.img, ctx), vgimg.UseDPI(dpi))
	p.Draw(draw.New(vc))
	var b bytes.Buffer
	// Flat colours compress well even at the fastest level, which halves the time of drawing.
	enc := png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: cv.pool}
	if err := enc.Encode(&b, cv.img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// build lays out one chart of f.
func build(f trends.Figures, c trends.Chart) (*plot.Plot, error) {
	labels := make([]string, len(f.Weeks))
	for i, w := range f.Weeks {
		labels[i] = trends.Label(w.End)
	}
	week := func(v func(trends.Week) int) []float64 {
		out := make([]float64, len(f.Weeks))
		for i, w := range f.Weeks {
			out[i] = float64(v(w))
		}
		return out
	}
	switch c.Name {
	case trends.ChartCheckins:
		return grouped(c.Title, "people", "week to", labels, []series{
			{"asked", week(func(w trends.Week) int { return w.CheckinsAsked }), light},
			{"shared an update", week(func(w trends.Week) int { return w.CheckinsShared }), dark},
		})
	case trends.ChartCoffee:
		return grouped(c.Title, "groups", "week to", labels, []series{
			{"formed", week(func(w trends.Week) int { return w.CoffeeGroups }), light},
			{"met", week(func(w trends.Week) int { return w.CoffeeMet }), dark},
		})
	case trends.ChartConversations:
		return grouped(c.Title, "answers", "week to", labels, []series{
			{"icebreaker answers", week(func(w trends.Week) int { return w.IcebreakerAnswers }), dark},
			{"feedback answers released", week(func(w trends.Week) int { return w.FeedbackAnswers }), accent},
		})
	}
	if c.Pulse < 0 || c.Pulse >= len(f.Pulses) {
		return nil, fmt.Errorf("unknown chart %q", c.Name)
	}
	return pulse(c.Title, f.Pulses[c.Pulse])
}

// Colours: a calm palette that stays readable in grey.
var (
	light  = color.RGBA{R: 0xb8, G: 0xcf, B: 0xe6, A: 0xff}
	dark   = color.RGBA{R: 0x1f, G: 0x5f, B: 0x99, A: 0xff}
	accent = color.RGBA{R: 0xe0, G: 0x8a, B: 0x1e, A: 0xff}
	// ratings run from red (1) to green (5).
	ratings = [5]color.RGBA{
		{R: 0xc6, G: 0x3b, B: 0x2f, A: 0xff}, {R: 0xe8, G: 0x8e, B: 0x4a, A: 0xff}, {R: 0xd9, G: 0xcc, B: 0x5c, A: 0xff},
		{R: 0x8c, G: 0xbf, B: 0x5f, A: 0xff}, {R: 0x2e, G: 0x8b, B: 0x57, A: 0xff},
	}
)

// series is one set of bars.
type series struct {
	name   string
	values []float64
	color  color.Color
}

// newPlot is a plot with the title and axis names, a legend on top, whole numbers on Y.
func newPlot(title, yLabel, xLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = yLabel
	p.X.Label.Text = xLabel
	p.Y.Min = 0
	p.Y.Tick.Marker = wholeTicks{}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return p
}

// grouped draws the series side by side for each label.
func grouped(title, yLabel, xLabel string, labels []string, ss []series) (*plot.Plot, error) {
	p := newPlot(title, yLabel, xLabel)
	width := barWidth(len(labels), len(ss))
	for i, s := range ss {
		bars, err := plotter.NewBarChart(plotter.Values(s.values), width)
		if err != nil {
			return nil, err
		}
		bars.Color = s.color
		bars.LineStyle.Width = 0
		bars.Offset = (vg.Length(i) - vg.Length(len(ss)-1)/2) * width
		p.Add(bars)
		p.Legend.Add(s.name, bars)
	}
	p.NominalX(thin(labels)...)
	return p, nil
}

// pulse stacks each batch's ratings 1 to 5.
func pulse(title string, q trends.Pulse) (*plot.Plot, error) {
	p := newPlot(title, "answers", "released")
	labels := make([]string, len(q.Batches))
	for i, b := range q.Batches {
		labels[i] = trends.Label(b.At)
	}
	width := barWidth(len(labels), 1)
	var below *plotter.BarChart
	for r := range 5 {
		values := make(plotter.Values, len(q.Batches))
		for i, b := range q.Batches {
			values[i] = float64(b.Distribution[r])
		}
		bars, err := plotter.NewBarChart(values, width)
		if err != nil {
			return nil, err
		}
		bars.Color = ratings[r]
		bars.LineStyle.Width = 0
		if below != nil {
			bars.StackOn(below)
		}
		below = bars
		p.Add(bars)
		name := strconv.Itoa(r + 1)
		if q.Scale != nil && r == 0 && q.Scale.Low != "" {
			name += " " + q.Scale.Low
		}
		if q.Scale != nil && r == 4 && q.Scale.High != "" {
			name += " " + q.Scale.High
		}
		p.Legend.Add(name, bars)
	}
	p.NominalX(thin(labels)...)
	return p, nil
}

// barWidth fits groups of n bars in the plot's width.
func barWidth(labels, n int) vg.Length {
	plotWidth := vg.Length(Width) * vg.Inch / dpi * 0.8
	return max(plotWidth/vg.Length(max(labels, 1))*0.7/vg.Length(n), 1)
}

// thin keeps at most 13 labels readable: every other one is blanked when there are more.
func thin(labels []string) []string {
	if len(labels) <= 13 {
		return labels
	}
	out := make([]string, len(labels))
	step := (len(labels) + 12) / 13
	for i := len(labels) - 1; i >= 0; i -= step {
		out[i] = labels[i]
	}
	return out
}

// wholeTicks marks whole numbers only: counts of people and groups have no halves.
type wholeTicks struct{}

// Ticks implements plot.Ticker.
func (wholeTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value == math.Trunc(t.Value) {
			out = append(out, t)
		}
	}
	return out
}
