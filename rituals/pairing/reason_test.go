package pairing

import (
	"testing"
	"time"
)

func TestAgo(t *testing.T) {
	day := 24 * time.Hour
	for d, want := range map[time.Duration]string{
		time.Hour: "today", day: "yesterday", 3 * day: "3 days ago", 13 * day: "13 days ago",
		14 * day: "2 weeks ago", 98 * day: "14 weeks ago", 400 * day: "a year ago", 800 * day: "2 years ago",
	} {
		if got := ago(d); got != want {
			t.Errorf("ago(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestReasonForGroupsWithSomeRepeats(t *testing.T) {
	// Six people in trios with every pair of trios met, five weeks ago or more: a trio repeats.
	in := Input{Members: ids(6), GroupSize: 3, Now: t0.Add(10 * 7 * 24 * time.Hour)}
	for i, a := range in.Members {
		for j, b := range in.Members[i+1:] {
			in.History = append(in.History, PastGroup{Members: []string{a.ID, b.ID}, At: t0.Add(time.Duration(i+j) * 7 * 24 * time.Hour)})
		}
	}
	for _, g := range mustPlan(t, in).Groups {
		if len(g.Repeats) != 3 || g.Reason[:len("some of you last met ")] != "some of you last met " {
			t.Errorf("%d repeats, reason %q", len(g.Repeats), g.Reason)
		}
	}
	in = Input{Members: ids(3), GroupSize: 3, Now: t0.Add(2 * 24 * time.Hour),
		History: []PastGroup{{Members: []string{"m00000", "m00002"}, At: t0}}}
	g := mustPlan(t, in).Groups[0]
	if want := "two of you last met 2 days ago — the freshest grouping available; same time zone"; g.Reason != want {
		t.Errorf("reason %q, want %q", g.Reason, want)
	}
	in.History = nil
	if g := mustPlan(t, in).Groups[0]; g.Reason != "none of you have met yet; same time zone" {
		t.Errorf("reason %q", g.Reason)
	}
}
