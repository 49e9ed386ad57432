package store

import (
	"errors"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

func TestDigestUserUpdatesNewestFirst(t *testing.T) {
	db := openTemp(t)
	s := db.Digest()
	at := time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)
	// U1 and U10 share a key prefix; another channel is mixed in.
	for _, u := range []digest.Update{
		{Channel: "C1", Week: "2026-W45", User: "U1", At: at},
		{Channel: "C1", Week: "2026-W47", User: "U1", At: at, Skipped: true},
		{Channel: "C1", Week: "2026-W46", User: "U1", At: at},
		{Channel: "C1", Week: "2026-W48", User: "U10", At: at},
		{Channel: "C2", Week: "2026-W48", User: "U1", At: at},
		{Channel: "C1", Week: "2025-W52", User: "U1", At: at},
	} {
		if _, err := s.SaveUpdate(u); err != nil {
			t.Fatal(err)
		}
	}
	weeks := func(since string, limit int) []string {
		t.Helper()
		ups, err := s.UserUpdates("C1", "U1", since, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range ups {
			if u.Channel != "C1" || u.User != "U1" {
				t.Errorf("got %s/%s", u.Channel, u.User)
			}
			out = append(out, u.Week)
		}
		return out
	}
	if got := weeks("", 10); len(got) != 4 || got[0] != "2026-W47" || got[3] != "2025-W52" {
		t.Errorf("all = %v", got)
	}
	if got := weeks("2026-W46", 10); len(got) != 2 || got[1] != "2026-W46" {
		t.Errorf("since W46 = %v", got)
	}
	if got := weeks("", 1); len(got) != 1 || got[0] != "2026-W47" {
		t.Errorf("limit 1 = %v", got)
	}
	if ups, _ := s.UserUpdates("C1", "U10", "", 5); len(ups) != 1 || ups[0].Week != "2026-W48" {
		t.Errorf("U10 = %+v", ups)
	}
}

func TestDigestPostedWeekRefusesWrites(t *testing.T) {
	db := openTemp(t)
	s := db.Digest()
	now := time.Date(2026, time.November, 27, 15, 0, 0, 0, time.UTC)
	if _, err := s.SaveUpdate(digest.Update{Channel: "C1", Week: "2026-W48", User: "U1", At: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.CommitRun(schedule.Key{Ritual: "x", Channel: "C1", At: now}, nil,
		timers.Task{Key: digest.RemindTaskKey("C1", "2026-W48", 0), Kind: digest.TaskRemind, Due: now}); err != nil {
		t.Fatal(err)
	}
	key := schedule.Key{Ritual: digest.Ritual, Channel: "C1", At: now}
	built := 0
	build := func(recs digest.WeekRecords) ([]rituals.Message, error) {
		built++
		if len(recs.Updates) != 1 || recs.Posted {
			t.Errorf("records = %+v", recs)
		}
		return []rituals.Message{{Key: "post/" + key.String(), Kind: digest.KindPost, To: rituals.Recipient{Channel: "C1"}}}, nil
	}
	posted, err := s.CommitPost(key, "C1", "2026-W48", []string{digest.RemindTaskKey("C1", "2026-W48", 0)}, build)
	if err != nil || !posted || built != 1 {
		t.Fatalf("post = %v, %v (built %d)", posted, err, built)
	}
	if due, _ := db.DueTasks(now.Add(time.Hour), 10); len(due) != 0 {
		t.Errorf("reminder not completed: %+v", due)
	}
	if _, err := s.CommitPost(key, "C1", "2026-W48", nil, build); !errors.Is(err, schedule.ErrAlreadyRan) {
		t.Errorf("same key again: %v", err)
	}
	later := schedule.Key{Ritual: digest.Ritual, Channel: "C1", At: now.Add(time.Hour)}
	if posted, err := s.CommitPost(later, "C1", "2026-W48", nil, build); err != nil || posted || built != 1 {
		t.Errorf("second post of the week = %v, %v (built %d)", posted, err, built)
	}
	if done, _ := db.Runs().Done(later.String()); !done {
		t.Error("the run that found the week posted is not recorded")
	}
	if _, err := s.SaveUpdate(digest.Update{Channel: "C1", Week: "2026-W48", User: "U2", At: now}); !errors.Is(err, digest.ErrPosted) {
		t.Errorf("update into a posted week: %v", err)
	}
	if err := s.AddKudos(digest.Kudos{ID: "k", Channel: "C1", Week: "2026-W48", From: "U1", To: []string{"U2"}, Reason: "thanks", At: now},
		[]rituals.Message{{Key: "kudos/k", Kind: digest.KindKudos, To: rituals.Recipient{User: "U2"}}}); !errors.Is(err, digest.ErrPosted) {
		t.Errorf("kudos into a posted week: %v", err)
	}
	if _, found, _ := db.Lookup("kudos/k"); found {
		t.Error("refused kudos were queued")
	}
	items, _ := db.Pending(0, 10)
	if len(items) != 1 {
		t.Errorf("%d queued, want the post only", len(items))
	}
}

func TestDigestAskOncePerWeek(t *testing.T) {
	db := openTemp(t)
	s := db.Digest()
	now := time.Date(2026, time.November, 26, 9, 0, 0, 0, time.UTC)
	ask := func(user string) digest.Ask {
		return digest.Ask{
			Asked:   digest.Asked{Channel: "C1", Week: "2026-W48", User: user, At: now},
			Message: rituals.Message{Key: digest.CheckinKey("C1", "2026-W48", user), Kind: digest.KindCheckin, To: rituals.Recipient{User: user}},
		}
	}
	if _, err := s.SaveUpdate(digest.Update{Channel: "C1", Week: "2026-W48", User: "U3", At: now, Skipped: true}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Ask(nil, []digest.Ask{ask("U1"), ask("U2"), ask("U3")}, nil)
	if err != nil || len(got) != 2 {
		t.Fatalf("asked %v, %v; want U1 and U2 (U3 answered)", got, err)
	}
	got, err = s.Ask(nil, []digest.Ask{ask("U1"), ask("U4")}, nil)
	if err != nil || len(got) != 1 || got[0] != "U4" {
		t.Fatalf("asked %v, %v; want U4 only", got, err)
	}
	pw, err := s.PersonWeek("C1", "2026-W48", "U1")
	if err != nil || pw.Asked == nil || pw.Update != nil {
		t.Fatalf("person week = %+v, %v", pw, err)
	}
	recs, _ := s.WeekRecords("C1", "2026-W48")
	if len(recs.Asked) != 3 || len(recs.Updates) != 1 {
		t.Fatalf("records = %+v", recs)
	}
}
