package bot

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/trends"
)

// chartFigures is two weeks of a small team with one released pulse batch.
func chartFigures() trends.Figures {
	end := time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)
	dist := [5]int{0, 1, 2, 1, 0}
	f := trends.Bucket(end, 2, trends.Events{
		Checkins: []trends.Checkin{{At: end, Shared: 6, Asked: 8}},
		Coffee:   []trends.CoffeeRound{{At: end.Add(-time.Hour), Groups: 4, Met: 3}},
		Releases: []feedback.Release{{Key: "r", Question: "Heard <here>?", Scale: &questions.Scale{Low: "no", High: "yes"},
			Distribution: &dist, Answers: 4, At: end.Add(-time.Hour)}},
	})
	f.Has = trends.Has{Checkins: true, Coffee: true, Feedback: true}
	return f
}

func TestGoldenChartsTable(t *testing.T) {
	e := &chartsEdge{opts: ChartsOptions{Upload: false}}
	r, err := e.render(message(t, trends.KindCharts, rituals.Recipient{Channel: "C1"}, chartFigures()))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Files) != 0 {
		t.Errorf("charts off, yet %d files", len(r.Files))
	}
	golden(t, "charts_table", r)
}

func TestChartsRenderAttachesEveryChartWithItsAltText(t *testing.T) {
	f := chartFigures()
	e := &chartsEdge{opts: ChartsOptions{Upload: true}}
	r, err := e.render(message(t, trends.KindCharts, rituals.Recipient{Channel: "C1"}, f))
	if err != nil {
		t.Fatal(err)
	}
	want := f.Charts()
	if len(r.Files) != len(want) || len(want) != 4 {
		t.Fatalf("%d files for %d charts", len(r.Files), len(want))
	}
	for i, file := range r.Files {
		if file.Alt != want[i].Alt || file.Title != want[i].Title || !strings.HasSuffix(file.Name, ".png") {
			t.Errorf("file %d: %q %q %q", i, file.Name, file.Title, file.Alt)
		}
		if _, err := png.Decode(bytes.NewReader(file.Data)); err != nil {
			t.Errorf("file %d is not a PNG: %v", i, err)
		}
	}
	var body string
	for _, b := range r.Blocks {
		if s, ok := b.(*slack.SectionBlock); ok {
			body += s.Text.Text
		}
	}
	if !strings.Contains(body, "Heard &lt;here&gt;?") || strings.Contains(body, "<here>") {
		t.Errorf("the question reached Slack unescaped: %s", body)
	}
}

func TestStatsScopeReadsAMentionAllOrWhereItWasTyped(t *testing.T) {
	e := &chartsEdge{bot: &Bot{opts: Options{Command: "/ritual"}}, opts: ChartsOptions{Channels: []string{"C01GEN"}}}
	for _, tc := range []struct{ typedIn, args, want string }{
		{"C01GEN", "", "C01GEN"},
		{"C09ELSE", "", ""},
		{"C01GEN", "all", ""},
		{"C01GEN", "<#C02COF|coffee>", "C02COF"},
		{"C01GEN", "<#C02COF>", "C02COF"},
	} {
		got, r := e.scope(Command{ChannelID: tc.typedIn, Args: tc.args})
		if r != nil || got != tc.want {
			t.Errorf("stats %q in %s: %q %+v, want %q", tc.args, tc.typedIn, got, r, tc.want)
		}
	}
	if _, r := e.scope(Command{ChannelID: "C01GEN", Args: "#coffee"}); r == nil || !strings.Contains(r.Text, "Slack's list") {
		t.Errorf("an unescaped name: %+v", r)
	}
}

func TestSummarySaysTheLatestWeekAndPulse(t *testing.T) {
	got := summary(chartFigures())
	for _, want := range []string{"Week to Nov 27", "6 of 8 shared an update", "3 of 4 coffee groups met", "4 feedback answers released", "mean 3.0 of 5 from 4 answers", "&lt;here&gt;", "`█████░░░░░` 2 1", "`██████████` 3 2"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary %q lacks %q", got, want)
		}
	}
	empty := trends.Bucket(time.Now(), 12, trends.Events{})
	if got := summary(empty); !strings.Contains(got, "Nothing to show yet") {
		t.Errorf("empty summary %q", got)
	}
}
