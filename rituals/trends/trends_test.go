package trends

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/questions"
)

var end = time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)

func dist(d ...int) *[5]int {
	var out [5]int
	copy(out[:], d)
	return &out
}

func TestBucketPutsEachRecordInItsWeek(t *testing.T) {
	mood := &questions.Scale{Low: "rough", High: "great"}
	f := Bucket(end, 3, Events{
		Checkins: []Checkin{
			{At: end, Shared: 6, Asked: 8},                          // the last week includes its end
			{At: end.Add(-week), Shared: 5, Asked: 8},               // the end of the week before
			{At: end.Add(-3 * week), Shared: 9, Asked: 9},           // before the first week: left out
			{At: end.Add(time.Minute), Shared: 1, Asked: 1},         // after the end: left out
			{At: end.Add(-week + time.Second), Shared: 1, Asked: 2}, // just inside the last week
		},
		Coffee:      []CoffeeRound{{At: end.Add(-2*week + time.Hour), Groups: 4, Met: 3}, {At: end.Add(-time.Hour), Groups: 5, Met: 1}},
		Icebreakers: []Icebreaker{{At: end.Add(-time.Hour), Answers: 7}},
		Releases: []feedback.Release{
			{Key: "b", Question: "How was your week?", Scale: mood, Distribution: dist(0, 1, 2, 3, 1), Answers: 8, At: end.Add(-time.Hour)},
			{Key: "a", Question: "How was your week?", Scale: mood, Distribution: dist(1, 1, 1, 0, 0), Answers: 3, At: end.Add(-2 * week)},
			{Key: "c", Question: "What should we stop doing?", Answers: 4, At: end.Add(-time.Hour)},
		},
	})
	if len(f.Weeks) != 3 || !f.Weeks[2].End.Equal(end) || !f.Weeks[0].End.Equal(end.Add(-2*week)) {
		t.Fatalf("weeks %+v", f.Weeks)
	}
	want := []Week{
		{End: end.Add(-2 * week), FeedbackAnswers: 3, FeedbackBatches: 1},
		{End: end.Add(-week), CheckinsShared: 5, CheckinsAsked: 8, CoffeeGroups: 4, CoffeeMet: 3},
		{End: end, CheckinsShared: 7, CheckinsAsked: 10, CoffeeGroups: 5, CoffeeMet: 1, IcebreakerAnswers: 7, FeedbackAnswers: 12, FeedbackBatches: 2},
	}
	for i := range want {
		if f.Weeks[i] != want[i] {
			t.Errorf("week %d: got %+v, want %+v", i, f.Weeks[i], want[i])
		}
	}
	if len(f.Pulses) != 1 {
		t.Fatalf("pulses %+v, want one: the open question has no distribution", f.Pulses)
	}
	p := f.Pulses[0]
	if len(p.Batches) != 2 || p.Batches[0].Distribution != *dist(1, 1, 1, 0, 0) || p.Batches[1].Distribution != *dist(0, 1, 2, 3, 1) {
		t.Errorf("batches %+v, want both, oldest first", p.Batches)
	}
	if p.Batches[1].Count() != 7 || p.Batches[1].Mean() < 3.57 || p.Batches[1].Mean() > 3.58 {
		t.Errorf("count %d mean %f", p.Batches[1].Count(), p.Batches[1].Mean())
	}
}

func TestSameWordsOnAnotherScaleIsAnotherPulse(t *testing.T) {
	f := Bucket(end, 2, Events{Releases: []feedback.Release{
		{Key: "a", Question: "Workload?", Scale: &questions.Scale{Low: "light", High: "heavy"}, Distribution: dist(1, 1, 1), At: end.Add(-time.Hour)},
		{Key: "b", Question: "Workload?", Scale: &questions.Scale{Low: "calm", High: "crushing"}, Distribution: dist(0, 3), At: end.Add(-time.Minute)},
	}})
	if len(f.Pulses) != 2 {
		t.Fatalf("pulses %+v", f.Pulses)
	}
}

// fakeSource answers from fixed records and remembers the channels asked.
type fakeSource struct {
	ev    Events
	asked map[string][]string
}

func (s *fakeSource) note(what string, channels []string) {
	if s.asked == nil {
		s.asked = map[string][]string{}
	}
	s.asked[what] = channels
}

func (s *fakeSource) Checkins(_ context.Context, ch []string, _, _ time.Time) ([]Checkin, error) {
	s.note("checkins", ch)
	return s.ev.Checkins, nil
}

func (s *fakeSource) CoffeeRounds(_ context.Context, ch []string, _, _ time.Time) ([]CoffeeRound, error) {
	s.note("coffee", ch)
	return s.ev.Coffee, nil
}

func (s *fakeSource) Icebreakers(_ context.Context, ch []string, _, _ time.Time) ([]Icebreaker, error) {
	s.note("icebreakers", ch)
	return s.ev.Icebreakers, nil
}

func (s *fakeSource) Releases(_ context.Context, ch []string, _, _ time.Time) ([]feedback.Release, error) {
	s.note("feedback", ch)
	return s.ev.Releases, nil
}

func TestCollectReadsOnlyTheRitualsOfItsScope(t *testing.T) {
	src := &fakeSource{ev: Events{Coffee: []CoffeeRound{{At: end, Groups: 2, Met: 2}}, Checkins: []Checkin{{At: end, Shared: 1, Asked: 1}}}}
	f, err := Collect(context.Background(), src, Scope{Coffee: []string{"C2", "C1"}, Feedback: []string{"C1"}}, end, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Weeks) != DefaultWeeks || f.Weeks[DefaultWeeks-1].CoffeeMet != 2 {
		t.Fatalf("weeks %+v", f.Weeks)
	}
	if _, asked := src.asked["checkins"]; asked || f.Weeks[DefaultWeeks-1].CheckinsAsked != 0 {
		t.Error("check-ins were read for a scope without a digest")
	}
	if !f.Has.Coffee || !f.Has.Feedback || f.Has.Checkins || f.Has.Icebreakers {
		t.Errorf("has %+v", f.Has)
	}
	if strings.Join(f.Channels, ",") != "C1,C2" {
		t.Errorf("channels %v", f.Channels)
	}
	var names []string
	for _, c := range f.Charts() {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "coffee,conversations" {
		t.Errorf("charts %v", names)
	}
}

func TestTableAndAltTextCarryTheNumbers(t *testing.T) {
	f := Bucket(end, 2, Events{
		Checkins: []Checkin{{At: end, Shared: 6, Asked: 8}},
		Coffee:   []CoffeeRound{{At: end, Groups: 4, Met: 3}},
		Releases: []feedback.Release{{Key: "a", Question: "How was your week?", Scale: &questions.Scale{Low: "rough", High: "great"},
			Distribution: dist(0, 1, 2, 3, 1), Answers: 7, At: end.Add(-time.Hour)}},
	})
	f.Has = Has{Checkins: true, Coffee: true, Feedback: true}
	table := f.Table()
	for _, want := range []string{"Week to", "Check-ins", "Coffee met", "Feedback", "Nov 27", "6/8", "3/4", "Nov 20", "0/0",
		"Pulse: How was your week? (1 to 5: 1 rough, 5 great)", "Released", "0  1  2  3  1", "3.6"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "Icebreaker") {
		t.Errorf("table has a column for a ritual not in the scope:\n%s", table)
	}
	charts := f.Charts()
	if len(charts) != 4 || charts[3].Pulse != 0 || charts[0].Pulse != -1 {
		t.Fatalf("charts %+v", charts)
	}
	for _, c := range charts {
		if c.Alt == "" || len([]rune(c.Alt)) > maxAlt || c.Title == "" {
			t.Errorf("chart %s: title %q alt %q", c.Name, c.Title, c.Alt)
		}
	}
	if !strings.Contains(charts[0].Alt, "week to Nov 27: 6 of 8; nothing in the other week.") || !strings.Contains(charts[1].Alt, "3 of 4") {
		t.Errorf("alt texts %q / %q", charts[0].Alt, charts[1].Alt)
	}
	if !strings.Contains(charts[3].Alt, "Nov 27: 1×0 2×1 3×2 4×3 5×1 (7 answers, mean 3.6)") {
		t.Errorf("pulse alt %q", charts[3].Alt)
	}
}

func TestLongHistoriesKeepAltTextWithinSlacksLimit(t *testing.T) {
	var rel []feedback.Release
	for i := range 200 {
		rel = append(rel, feedback.Release{Key: string(rune('a' + i%26)), Question: "Mood?", Distribution: dist(1, 2, 3, 4, 5), At: end.Add(-time.Duration(i) * time.Hour)})
	}
	f := Bucket(end, 12, Events{Releases: rel})
	f.Has.Feedback = true
	for _, c := range f.Charts() {
		if n := len([]rune(c.Alt)); n > maxAlt {
			t.Errorf("%s alt text is %d characters", c.Name, n)
		}
	}
}

func TestEmptyFiguresStillSaySomething(t *testing.T) {
	f := Bucket(end, 1, Events{})
	f.Has = Has{Feedback: true}
	if _, ok := f.Latest(); ok {
		t.Error("an empty history has a latest week")
	}
	if !strings.Contains(f.Table(), "No pulse question was released") {
		t.Errorf("table %q", f.Table())
	}
	if c := f.Charts(); len(c) != 1 || !strings.Contains(c[0].Alt, "nothing that week") {
		t.Errorf("charts of an empty history %+v", c)
	}
}
