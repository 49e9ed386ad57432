package store

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals/coffee"
)

// TestABackupWithoutWorkingHoursIsRestored: the release before working hours wrote schema 2
// files without bucketCoffeeHours; their backups verify, restore, and then keep hours.
func TestABackupWithoutWorkingHoursIsRestored(t *testing.T) {
	w := opsOpen(t)
	w.populate()
	backup := filepath.Join(t.TempDir(), "old.db")
	if _, err := BackupToFile(w.db, backup, false); err != nil {
		t.Fatal(err)
	}
	opsRawEdit(t, backup, func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketCoffeeHours); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, 2))
	})
	if err := VerifyBackup(backup); err != nil {
		t.Fatalf("a backup of the previous schema is refused: %v", err)
	}
	restored := filepath.Join(t.TempDir(), "ritualbot.db")
	if err := Restore(backup, restored, false); err != nil {
		t.Fatal(err)
	}
	db, err := Open(restored, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.Schema(); v != SchemaVersion() {
		t.Errorf("schema %d after opening, want %d", v, SchemaVersion())
	}
	h := coffee.Hours{Days: 0b0111110, Start: 10 * 60, End: 18 * 60}
	if err := db.Coffee().SetHours(opsAlice, h); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Coffee().Hours([]string{opsAlice, opsBob}); err != nil || len(got) != 1 || got[opsAlice] != h {
		t.Errorf("hours after restoring: %v, %v", got, err)
	}
}
