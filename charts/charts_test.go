package charts

import (
	"bytes"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/trends"
)

var end = time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)

var everything = trends.Has{Checkins: true, Coffee: true, Icebreakers: true, Feedback: true}

// decode checks that b is a PNG of the stated size and returns it.
func decode(t *testing.T, name string, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s does not decode as a PNG: %v", name, err)
	}
	if got := img.Bounds().Size(); got != image.Pt(Width, Height) {
		t.Fatalf("%s is %v, want %dx%d", name, got, Width, Height)
	}
	return img
}

// colours counts the distinct colours of img, a rough measure of how much is drawn.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

// history is a team's figures over weeks weeks.
func history(weeks, people int) trends.Figures {
	var ev trends.Events
	mood := &questions.Scale{Low: "rough", High: "great"}
	for i := range weeks {
		at := end.Add(-time.Duration(i) * 7 * 24 * time.Hour)
		ev.Checkins = append(ev.Checkins, trends.Checkin{At: at, Shared: people * 3 / 4, Asked: people})
		ev.Coffee = append(ev.Coffee, trends.CoffeeRound{At: at.Add(-time.Hour), Groups: people / 2, Met: people / 3})
		ev.Icebreakers = append(ev.Icebreakers, trends.Icebreaker{At: at.Add(-time.Hour), Answers: people / 4})
		d := [5]int{people / 20, people / 10, people / 5, people / 4, people / 8}
		ev.Releases = append(ev.Releases, feedback.Release{Key: at.String(), Question: "How was your week?", Scale: mood,
			Distribution: &d, Answers: people / 2, At: at.Add(-2 * time.Hour)})
	}
	f := trends.Bucket(end, trends.DefaultWeeks, ev)
	f.Has = everything
	return f
}

func TestRenderDrawsEveryChartAtTheStatedSize(t *testing.T) {
	f := history(12, 200)
	imgs, err := Render(f)
	if err != nil {
		t.Fatal(err)
	}
	want := f.Charts()
	if len(imgs) != 4 || len(want) != 4 {
		t.Fatalf("%d images for %d charts", len(imgs), len(want))
	}
	for i, img := range imgs {
		if img.Name != want[i].Name || img.Alt != want[i].Alt || img.Title != want[i].Title || img.File == "" {
			t.Errorf("image %d: %+v, want chart %+v", i, img, want[i])
		}
		if n := colours(decode(t, img.Name, img.PNG)); n < 4 {
			t.Errorf("%s has %d colours: nothing drawn?", img.Name, n)
		}
	}
}

func TestEmptyAndOneWeekHistoriesDrawSensibleCharts(t *testing.T) {
	empty := trends.Bucket(end, trends.DefaultWeeks, trends.Events{})
	empty.Has = everything
	one := history(1, 5)
	for name, f := range map[string]trends.Figures{"empty": empty, "one week": one} {
		imgs, err := Render(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(imgs) != 3+len(f.Pulses) {
			t.Errorf("%s: %d charts", name, len(imgs))
		}
		for _, img := range imgs {
			decode(t, name+"/"+img.Name, img.PNG)
		}
	}
	// A pulse question released once draws a single stacked bar.
	if len(one.Pulses) != 1 || len(one.Pulses[0].Batches) != 1 {
		t.Fatalf("one week's pulses %+v", one.Pulses)
	}
}

func TestUnknownChartIsAnError(t *testing.T) {
	if _, err := Draw(history(1, 5), trends.Chart{Name: "pie", Pulse: -1}); err == nil {
		t.Error("drew a chart nobody defined")
	}
}

// BenchmarkFourCharts draws the four charts of a 200-person team's 12 weeks (target: under
// 100 ms and 20 MB per op).
func BenchmarkFourCharts(b *testing.B) {
	f := history(12, 200)
	if len(f.Charts()) != 4 {
		b.Fatalf("%d charts", len(f.Charts()))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(f); err != nil {
			b.Fatal(err)
		}
	}
}
