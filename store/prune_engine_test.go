package store

import (
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

func TestPruneEngineForgetsOnlyOldHistory(t *testing.T) {
	db := openTemp(t)
	now := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	old, recent := now.Add(-200*24*time.Hour), now.Add(-10*24*time.Hour)
	for _, c := range []struct {
		key string
		at  time.Time
	}{{"old", old}, {"recent", recent}} {
		db.Now = func() time.Time { return c.at }
		if err := db.CommitRun(schedule.Key{Ritual: "icebreaker", Channel: "C1", At: c.at}, []rituals.Message{note(c.key, "U1")}); err != nil {
			t.Fatal(err)
		}
		if err := db.Delivered(c.key, rituals.Delivery{Channel: "D1", TS: "1.0", At: c.at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Enqueue(note("waiting", "U2")); err != nil {
		t.Fatal(err)
	}
	deliveries, runs, err := db.PruneEngine(now, EngineHistory)
	if err != nil {
		t.Fatal(err)
	}
	if deliveries != 1 || runs != 1 {
		t.Errorf("pruned %d deliveries and %d runs, want 1 and 1", deliveries, runs)
	}
	if _, ok, _ := db.Lookup("old"); ok {
		t.Error("an old delivery record survived")
	}
	if _, ok, _ := db.Lookup("recent"); !ok {
		t.Error("a recent delivery record was removed")
	}
	if done, _ := db.Runs().Done(schedule.Key{Ritual: "icebreaker", Channel: "C1", At: recent}.String()); !done {
		t.Error("a recent run was forgotten")
	}
	if at, ok, _ := db.Runs().Last("icebreaker", "C1"); !ok || !at.Equal(recent) {
		t.Errorf("the job's last run mark = %v %v", at, ok)
	}
	if items, _ := db.Pending(0, 10); len(items) != 1 {
		t.Error("a queued message was touched")
	}
}
