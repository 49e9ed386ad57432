package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// pendingItem returns the queued item with key.
func pendingItem(t *testing.T, db *DB, key string) rituals.OutboxItem {
	t.Helper()
	items, err := db.Pending(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Key == key {
			return it
		}
	}
	t.Fatalf("%s is not pending", key)
	return rituals.OutboxItem{}
}

// TestRetryCountSurvivesRestart: the failures that count toward the retry cap are on disk, so a
// restart does not give a stuck message a fresh allowance.
func TestRetryCountSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	if err := db.Enqueue(note("stuck", "U1")); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := db.Retry("stuck", "fatal_error", t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if db, err = Open(path, Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	it := pendingItem(t, db, "stuck")
	if it.Failures != 2 || !it.FirstFailure.Equal(t0) || it.LastError != "fatal_error" {
		t.Errorf("after a restart: failures %d since %v (%q); want 2 since %v", it.Failures, it.FirstFailure, it.LastError, t0)
	}
	if s, _ := db.Stats(); s.Retrying != 1 {
		t.Errorf("stats count %d retrying messages, want 1", s.Retrying)
	}
}

// TestFirstAttemptRemembersSlacksClock: an attempt records the latest ts Slack gave, whatever the
// bot's clock says, and a later attempt keeps the first one's.
func TestFirstAttemptRemembersSlacksClock(t *testing.T) {
	db := openTemp(t)
	if err := db.Enqueue(note("a", "U1"), note("b", "U1")); err != nil {
		t.Fatal(err)
	}
	botClock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // years off Slack's
	if err := db.BeginAttempt("a", "D1", botClock); err != nil {
		t.Fatal(err)
	}
	if err := db.Delivered("a", rituals.Delivery{Channel: "D1", TS: "1764000000.000100", At: botClock}); err != nil {
		t.Fatal(err)
	}
	slackTime := time.Unix(1764000000, 100_000).UTC()
	if err := db.BeginAttempt("b", "D1", botClock); err != nil {
		t.Fatal(err)
	}
	if err := db.Delivered("a2", rituals.Delivery{}); err == nil {
		t.Fatal("delivering an unknown key was accepted")
	}
	if got := pendingItem(t, db, "b").CheckFrom; !got.Equal(slackTime) {
		t.Fatalf("first attempt: CheckFrom = %v, want Slack's %v", got, slackTime)
	}
	if err := db.Enqueue(note("c", "U1")); err != nil {
		t.Fatal(err)
	}
	if err := db.BeginAttempt("c", "D1", botClock); err != nil {
		t.Fatal(err)
	}
	if err := db.Delivered("c", rituals.Delivery{Channel: "D1", TS: "1764000100.000000"}); err != nil {
		t.Fatal(err)
	}
	if err := db.BeginAttempt("b", "D1", botClock); err != nil {
		t.Fatal(err)
	}
	if got := pendingItem(t, db, "b").CheckFrom; !got.Equal(slackTime) {
		t.Errorf("second attempt moved CheckFrom to %v; the first attempt may have posted at %v", got, slackTime)
	}
}

// TestRestoreMarksWhatTheBotSendsNext: after MarkRestored, what is queued, and what the restored bot
// queues while a catch-up of something due before it started is possible, is to be looked for in
// Slack from the backup's latest Slack time; afterwards the mark goes.
func TestRestoreMarksWhatTheBotSendsNext(t *testing.T) {
	db := openTemp(t)
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	if err := db.Enqueue(note("sent", "U1"), note("queued", "U2")); err != nil {
		t.Fatal(err)
	}
	if err := db.Delivered("sent", rituals.Delivery{Channel: "D1", TS: "1764000000.000000"}); err != nil {
		t.Fatal(err)
	}
	backupSlackTime := time.Unix(1764000000, 0).UTC()
	task := timers.Task{Key: "followup", Ritual: "coffee", Kind: "followup", Due: now.Add(time.Hour)}
	if err := db.CommitRun(schedule.Key{Ritual: "coffee", Channel: "C1", At: now}, nil, task); err != nil {
		t.Fatal(err)
	}
	n, err := db.MarkRestored(6 * time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("MarkRestored = %d, %v; want the 1 queued message", n, err)
	}
	marked := func(key string) bool {
		it := pendingItem(t, db, key)
		return it.Attempts > 0 && it.CheckFrom.Equal(backupSlackTime)
	}
	if !marked("queued") {
		t.Error("a message queued in the backup is not marked")
	}

	// The restored bot starts two hours later: its catch-up run is marked.
	now = now.Add(2 * time.Hour)
	if err := db.CommitRun(schedule.Key{Ritual: "coffee", Channel: "C1", At: now.Add(-2 * time.Hour).Add(time.Minute)}, []rituals.Message{note("catch-up", "U3")}); err != nil {
		t.Fatal(err)
	}
	if !marked("catch-up") {
		t.Error("a message of a run caught up after the restore is not marked")
	}
	// Past the catch-up window, a task due before the start still makes its messages suspect.
	now = now.Add(7 * time.Hour)
	if ok, err := db.CompleteTask("followup", []rituals.Message{note("followup", "U4")}); err != nil || !ok {
		t.Fatalf("complete task: %v %v", ok, err)
	}
	if !marked("followup") {
		t.Error("a message of a task due before the start is not marked")
	}
	// Then nothing is left that the bot after the backup could have sent: the mark goes.
	if err := db.Enqueue(note("new", "U5")); err != nil {
		t.Fatal(err)
	}
	if it := pendingItem(t, db, "new"); it.Attempts != 0 || !it.CheckFrom.IsZero() {
		t.Errorf("a new message after the window is still marked: %+v", it)
	}
	if err := db.Enqueue(note("newer", "U6")); err != nil {
		t.Fatal(err)
	}
	if it := pendingItem(t, db, "newer"); it.Attempts != 0 {
		t.Error("the mark came back")
	}
}
