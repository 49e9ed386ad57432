package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/icebreaker"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
	"github.com/ritualbot/ritualbot/rituals/trends"
	"github.com/ritualbot/ritualbot/store"
)

// TestTrendFiguresAreTheStoredRecords writes coffee rounds and icebreaker rounds into a real
// database and checks the figures the charts are drawn from against them, week by week.
func TestTrendFiguresAreTheStoredRecords(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader(`
coffee:
  - channel: C02COFFEE
    schedule: "0 10 * * MON"
icebreakers:
  - channel: C01GENERAL
    schedule: "0 11 * * TUE"
`), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "t.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := &Main{Config: cfg, DB: db}
	end := time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour

	// Coffee: four groups two weeks back, one met; two groups last week, both met.
	for i, r := range []struct {
		at          time.Time
		groups, met int
	}{{end.Add(-2*week + time.Hour), 4, 1}, {end.Add(-3 * 24 * time.Hour), 2, 2}} {
		key := schedule.Key{Ritual: coffee.Ritual, Channel: demoCoffee, At: r.at}
		round := coffee.Round{ID: key.String(), Channel: demoCoffee, At: r.at}
		for g := range r.groups {
			round.Groups = append(round.Groups, coffee.Group{ID: key.String() + "/" + string(rune('a'+g)), Members: []string{"U01ANA", "U02RAJ"}})
		}
		if err := db.Coffee().CommitRound(key, round, nil, nil, nil); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		for g := range r.met {
			if _, err := db.Coffee().Answer(round.ID, round.Groups[g].ID, coffee.AnswerMet, "U01ANA"); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Icebreakers: one question last week, answered by five people; one posted before the
	// period, left out.
	for i, at := range []time.Time{end.Add(-2 * 24 * time.Hour), end.Add(-5 * week)} {
		key := schedule.Key{Ritual: icebreaker.Ritual, Channel: demoGeneral, At: at}
		task := timers.Task{Key: key.String() + "/close", Ritual: icebreaker.Ritual, Kind: icebreaker.TaskClose, Due: at.Add(time.Hour)}
		round := icebreaker.Round{ID: key.String(), Channel: demoGeneral, QuestionID: "q" + string(rune('0'+i)), PostedAt: at}
		if err := db.Icebreakers().CommitRound(key, round, nil, []timers.Task{task}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Icebreakers().CloseRound(task.Key, demoGeneral, round.ID, 5+i, nil); err != nil {
			t.Fatal(err)
		}
	}

	scope, ok := m.trendScope("")
	if !ok {
		t.Fatal("no scope for every channel")
	}
	f, err := trends.Collect(context.Background(), trendSource{m}, scope, end, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []trends.Week{
		{End: end.Add(-3 * week)},
		{End: end.Add(-2 * week)},
		{End: end.Add(-week), CoffeeGroups: 4, CoffeeMet: 1},
		{End: end, CoffeeGroups: 2, CoffeeMet: 2, IcebreakerAnswers: 5},
	}
	for i := range want {
		if f.Weeks[i] != want[i] {
			t.Errorf("week %d: %+v, want %+v", i, f.Weeks[i], want[i])
		}
	}
	if only, ok := m.trendScope(demoCoffee); !ok || len(only.Icebreakers) != 0 || len(only.Coffee) != 1 {
		t.Errorf("scope of #coffee: %+v", only)
	}
	if _, ok := m.trendScope("C0NOWHERE"); ok {
		t.Error("a channel without rituals has a scope")
	}
}
