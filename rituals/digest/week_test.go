package digest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

func TestWeekAt(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	post := schedule.MustParse("CRON_TZ=Europe/Berlin 0 16 * * FRI", 1, time.Time{}, nil)
	friday := time.Date(2026, time.November, 27, 16, 0, 0, 0, berlin)
	cases := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, time.November, 20, 16, 0, 1, 0, berlin), "2026-W48"}, // just after last week's post
		{time.Date(2026, time.November, 26, 10, 0, 0, 0, berlin), "2026-W48"},
		{friday, "2026-W48"}, // the post's own instant belongs to its week
		{friday.Add(time.Second), "2026-W49"},
		{time.Date(2026, time.December, 31, 12, 0, 0, 0, berlin), "2026-W53"}, // Friday 1 Jan 2027 ends ISO week 2026-W53
	}
	for _, c := range cases {
		w, ok := digest.WeekAt(post, c.at)
		if !ok || w.ID != c.want {
			t.Errorf("WeekAt(%s) = %s, want %s", c.at, w.ID, c.want)
		}
	}
	w, _ := digest.WeekAt(post, friday)
	if !w.To.Equal(friday) || !w.From.Equal(friday.AddDate(0, 0, -7)) || w.To.Location().String() != "Europe/Berlin" {
		t.Errorf("week = %+v", w)
	}
	// Across the end of summer time the week is still a calendar week.
	w, _ = digest.WeekAt(post, time.Date(2026, time.October, 28, 12, 0, 0, 0, berlin))
	if !w.From.Equal(time.Date(2026, time.October, 23, 16, 0, 0, 0, berlin)) || w.ID != "2026-W44" {
		t.Errorf("DST week = %+v", w)
	}
	// Every two weeks: the week runs from the previous post, two weeks back.
	fortnight := schedule.MustParse("CRON_TZ=Europe/Berlin 0 16 * * FRI", 2, time.Date(2026, time.November, 23, 0, 0, 0, 0, time.UTC), nil)
	w, _ = digest.WeekAt(fortnight, time.Date(2026, time.December, 1, 0, 0, 0, 0, berlin))
	if w.ID != "2026-W50" || !w.From.Equal(friday) {
		t.Errorf("fortnightly week = %+v", w)
	}
}

func TestPlanSpecRunsInTheEarliestZone(t *testing.T) {
	checkin := schedule.MustParse("CRON_TZ=America/New_York 30 9 * * MON", 2, time.Date(2026, time.November, 23, 0, 0, 0, 0, time.UTC), nil)
	plan, err := digest.PlanSpec(checkin)
	if err != nil {
		t.Fatal(err)
	}
	next := plan.Next(time.Date(2026, time.November, 20, 0, 0, 0, 0, time.UTC))
	// Monday 23 Nov 09:30 in UTC+14 is Sunday 22 Nov 19:30 UTC.
	if want := time.Date(2026, time.November, 22, 19, 30, 0, 0, time.UTC); !next.Equal(want) {
		t.Errorf("plan runs at %s, want %s", next.UTC(), want)
	}
	if plan.EveryWeeks() != 2 {
		t.Errorf("every %d weeks", plan.EveryWeeks())
	}
	// The week after is skipped, as the check-in's own schedule skips it.
	if n := plan.Next(next); !n.Equal(next.AddDate(0, 0, 14)) {
		t.Errorf("then %s", n.UTC())
	}
	if _, err := digest.PlanSpec(schedule.Spec{}); err == nil {
		t.Error("the zero spec has no plan")
	}
}

func TestChannelValidate(t *testing.T) {
	good := berlinChannel(t, true)
	if err := good.Validate(); err != nil {
		t.Fatalf("good channel: %v", err)
	}
	bad := good
	bad.Post = schedule.MustParse("0 16 * * MON,FRI", 1, time.Time{}, nil)
	bad.Questions = []digest.Question{{Text: "Help?", Role: digest.RoleHelp}, {Text: "More help?", Role: digest.RoleHelp}}
	bad.Reminders = []time.Duration{-time.Hour}
	err := bad.Validate()
	if err == nil {
		t.Fatal("bad channel validated")
	}
	for _, want := range []string{"fires twice in one week", "marked \"help\"", "reminder", "only check-in question"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	tooMany := good
	tooMany.Questions = make([]digest.Question, 6)
	for i := range tooMany.Questions {
		tooMany.Questions[i].Text = "Question?"
	}
	if err := tooMany.Validate(); err == nil || !strings.Contains(err.Error(), "1 to 5") {
		t.Errorf("six questions: %v", err)
	}
}

func TestDefaultQuestions(t *testing.T) {
	qs := digest.DefaultQuestions()
	if len(qs) != 3 || qs[1].Role != digest.RoleNext || qs[2].Role != digest.RoleHelp || qs[0].Role != digest.RoleNone {
		t.Fatalf("default questions = %+v", qs)
	}
}
