package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

func note(key, user string) rituals.Message {
	return rituals.Message{Key: key, Ritual: "test", Kind: "admin.note", To: rituals.Recipient{User: user}}
}

func TestCommitRunIsAtomicAndOnce(t *testing.T) {
	db := openTemp(t)
	key := schedule.Key{Ritual: "coffee", Channel: "C1", At: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	msgs := []rituals.Message{note("k1", "U1"), note("k2", "U2")}
	if err := db.CommitRun(key, msgs); err != nil {
		t.Fatal(err)
	}
	if err := db.CommitRun(key, msgs); !errors.Is(err, schedule.ErrAlreadyRan) {
		t.Fatalf("second commit: want ErrAlreadyRan, got %v", err)
	}
	items, err := db.Pending(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Key != "k1" || items[1].Key != "k2" {
		t.Fatalf("pending = %+v", items)
	}
	done, err := db.Runs().Done(key.String())
	if err != nil || !done {
		t.Fatalf("run not recorded: %v %v", done, err)
	}
	last, ok, err := db.Runs().Last("coffee", "C1")
	if err != nil || !ok || !last.Equal(key.At) {
		t.Errorf("last = %v %v %v", last, ok, err)
	}

	// A bad message aborts the whole run: neither the run nor any message is recorded.
	bad := schedule.Key{Ritual: "coffee", Channel: "C1", At: key.At.Add(7 * 24 * time.Hour)}
	if err := db.CommitRun(bad, []rituals.Message{note("k3", "U3"), {Key: "k4", Kind: "x"}}); err == nil {
		t.Fatal("a message without recipient was accepted")
	}
	if done, _ := db.Runs().Done(bad.String()); done {
		t.Error("a failed commit recorded its run")
	}
	if items, _ := db.Pending(0, 10); len(items) != 2 {
		t.Errorf("a failed commit queued messages: %d pending", len(items))
	}
}

func TestOutboxLifecycleSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	if err := db.Enqueue(note("a", "U1"), note("b", "U2"), note("c", "U3")); err != nil {
		t.Fatal(err)
	}
	if err := db.BeginAttempt("a", "D1", now); err != nil {
		t.Fatal(err)
	}
	if err := db.Delivered("a", rituals.Delivery{Channel: "D1", TS: "1.000100", At: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.BeginAttempt("b", "", now); err != nil {
		t.Fatal(err)
	}
	if err := db.Fail("c", "user_not_found", now); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	items, err := db.Pending(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Key != "b" || items[0].Attempts != 1 || !items[0].LastAttempt.Equal(now) {
		t.Fatalf("after reopen pending = %+v", items)
	}
	d, ok, err := db.Lookup("a")
	if err != nil || !ok || d.TS != "1.000100" {
		t.Errorf("lookup a = %+v %v %v", d, ok, err)
	}
	stats, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if stats.Pending != 1 || stats.Failed != 1 || stats.Delivered != 1 || len(stats.Failures) != 1 || stats.Failures[0].Failed != "user_not_found" {
		t.Errorf("stats = %+v", stats)
	}
	// Enqueueing a delivered or queued key again does nothing.
	if err := db.Enqueue(note("a", "U1"), note("b", "U2")); err != nil {
		t.Fatal(err)
	}
	if items, _ := db.Pending(0, 10); len(items) != 1 {
		t.Errorf("re-enqueue duplicated: %d pending", len(items))
	}
}

func TestLedgerSkipAndStart(t *testing.T) {
	db := openTemp(t)
	r := db.Runs()
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	if err := r.Start("icebreaker", "C9", t0); err != nil {
		t.Fatal(err)
	}
	if err := r.Start("icebreaker", "C9", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if at, ok, _ := r.Last("icebreaker", "C9"); !ok || !at.Equal(t0) {
		t.Errorf("Start must not move an existing baseline: %v", at)
	}
	k := schedule.Key{Ritual: "icebreaker", Channel: "C9", At: t0.Add(48 * time.Hour)}
	if err := r.Skip(k, "missed by 3d", t0.Add(96*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if done, _ := r.Done(k.String()); !done {
		t.Error("skip not recorded")
	}
	if err := db.CommitRun(k, nil); !errors.Is(err, schedule.ErrAlreadyRan) {
		t.Errorf("a skipped run must not run later: %v", err)
	}
	if at, _, _ := r.Last("icebreaker", "C9"); !at.Equal(k.At) {
		t.Errorf("last after skip = %v", at)
	}
}
