package store

import (
	"testing"

	"github.com/ritualbot/ritualbot/rituals"
)

func TestFailedWriteIsRememberedButNotTheCallersErrors(t *testing.T) {
	w := opsOpen(t)
	if _, err := w.db.FailedWrite(); err != nil {
		t.Fatalf("a fresh database reports a failed write: %v", err)
	}
	// A record the caller got wrong is refused before anything is written: not a failed write.
	if err := w.db.Enqueue(rituals.Message{Key: "no-kind", To: toUser(opsAlice)}); err == nil {
		t.Fatal("an invalid message was queued")
	}
	if _, err := w.db.FailedWrite(); err != nil {
		t.Errorf("the caller's mistake counted as a failed write: %v", err)
	}
	w.must(w.db.Close())
	writeErr := w.db.Enqueue(opsNote("n/1", opsAlice))
	if writeErr == nil {
		t.Fatal("a closed database took a write")
	}
	at, err := w.db.FailedWrite()
	if err == nil || err.Error() != writeErr.Error() || !at.Equal(w.now) {
		t.Errorf("FailedWrite = %v at %v, want %v at %v", err, at, writeErr, w.now)
	}
	// The health probe is not one of the store's writes: it neither clears nor replaces it.
	if w.db.Writable() == nil {
		t.Error("the probe wrote to a closed database")
	}
	if _, err := w.db.FailedWrite(); err == nil || err.Error() != writeErr.Error() {
		t.Errorf("after the probe: %v", err)
	}
	db, err := Open(w.path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w.db = db
}
