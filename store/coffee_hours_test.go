package store

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals/coffee"
)

// restoreOfSchema backs w's database up as a release of the given schema wrote it (without the
// buckets later schemas added), checks that the backup verifies, restores it and opens it.
func restoreOfSchema(t *testing.T, w *opsWorld, schema uint64) *DB {
	t.Helper()
	backup := filepath.Join(t.TempDir(), "old.db")
	if _, err := BackupToFile(w.db, backup, false); err != nil {
		t.Fatal(err)
	}
	opsRawEdit(t, backup, func(tx *bolt.Tx) error {
		for name, added := range bucketSchema {
			if uint64(added) > schema {
				if err := tx.DeleteBucket([]byte(name)); err != nil {
					return err
				}
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, schema))
	})
	if err := VerifyBackup(backup); err != nil {
		t.Fatalf("a backup of schema %d is refused: %v", schema, err)
	}
	restored := filepath.Join(t.TempDir(), "ritualbot.db")
	if err := Restore(backup, restored, false); err != nil {
		t.Fatal(err)
	}
	db, err := Open(restored, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if v, _ := db.Schema(); v != SchemaVersion() {
		t.Errorf("schema %d after opening, want %d", v, SchemaVersion())
	}
	return db
}

// TestABackupWithoutWorkingHoursIsRestored: the release before working hours wrote schema 2
// files without bucketCoffeeHours; their backups verify, restore, and then keep hours.
func TestABackupWithoutWorkingHoursIsRestored(t *testing.T) {
	w := opsOpen(t)
	w.populate()
	db := restoreOfSchema(t, w, 2)
	h := coffee.Hours{Days: 0b0111110, Start: 10 * 60, End: 18 * 60}
	if err := db.Coffee().SetHours(opsAlice, h); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Coffee().Hours([]string{opsAlice, opsBob}); err != nil || len(got) != 1 || got[opsAlice] != h {
		t.Errorf("hours after restoring: %v, %v", got, err)
	}
}
