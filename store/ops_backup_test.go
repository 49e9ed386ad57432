package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/presence"
)

// opsNote is an admin note to user, keyed by key.
func opsNote(key, user string) rituals.Message {
	return opsMsg(key, "ops", rituals.KindAdminNote, toUser(user), rituals.AdminNote{Text: "note " + key})
}

// opsCount counts the keys of a bucket.
func opsCount(t *testing.T, db *DB, bucket []byte) int {
	t.Helper()
	n := 0
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucket).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// opsTempLeft lists the hidden (temporary) files left in dir.
func opsTempLeft(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// opsRawEdit opens a closed database file with bbolt alone and changes it.
func opsRawEdit(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func TestBackupIsConsistentWhileWritersRun(t *testing.T) {
	db := opsOpen(t).db
	dir := t.TempDir()
	// Each Enqueue writes the item and its key in one transaction.
	stop := opsWriting(t, func(i int) error { return db.Enqueue(opsNote(fmt.Sprintf("n/%06d", i), opsAlice)) })
	for i := range 3 {
		time.Sleep(20 * time.Millisecond)
		path := filepath.Join(dir, fmt.Sprintf("b%d.db", i))
		n, err := BackupToFile(db, path, false)
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() != n {
			t.Fatalf("backup size %d, file %v %v", n, fi, err)
		}
		if err := VerifyBackup(path); err != nil {
			t.Fatal(err)
		}
		b, err := Open(path, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		items, keys := opsCount(t, b, bucketOutbox), opsCount(t, b, bucketOutboxKeys)
		b.Close()
		if items != keys || items == 0 {
			t.Fatalf("backup %d holds %d items and %d keys", i, items, keys)
		}
	}
	stop()
	var buf bytes.Buffer
	n, err := db.Backup(&buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup wrote %d (buffer %d): %v", n, buf.Len(), err)
	}
	if left := opsTempLeft(t, dir); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestBackupToFileRefusesAnExistingFileWithoutForce(t *testing.T) {
	db := opsOpen(t).db
	dir := t.TempDir()
	path := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(path, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := BackupToFile(db, path, false)
	if err == nil || err.Error() != path+" exists; pass -force to overwrite it" || !errors.Is(err, fs.ErrExist) {
		t.Fatalf("want the exists error, got %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "keep me" {
		t.Fatal("the existing file was changed")
	}
	if _, err := BackupToFile(db, path, true); err != nil {
		t.Fatal(err)
	}
	if err := VerifyBackup(path); err != nil {
		t.Fatal(err)
	}
	if _, err := BackupToFile(db, db.Path(), true); err == nil || !strings.Contains(err.Error(), "live database") {
		t.Fatalf("backing up onto the live database: %v", err)
	}
	if left := opsTempLeft(t, dir); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestBackupToFileExplainsABadDirectory(t *testing.T) {
	db := opsOpen(t).db
	dir := t.TempDir()
	if _, err := BackupToFile(db, filepath.Join(dir, "missing", "b.db"), false); err == nil || !strings.Contains(err.Error(), "backup directory "+filepath.Join(dir, "missing")+" does not exist") {
		t.Errorf("missing directory: %v", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := BackupToFile(db, filepath.Join(file, "b.db"), false); err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("a file as directory: %v", err)
	}
	if os.Geteuid() == 0 {
		t.Log("running as root: permissions are not enforced, skipping the read-only directory")
		return
	}
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	if _, err := BackupToFile(db, filepath.Join(ro, "b.db"), false); err == nil || !strings.Contains(err.Error(), "is not writable") {
		t.Errorf("read-only directory: %v", err)
	}
}

func TestVerifyBackupRefusesWhatItCannotRestore(t *testing.T) {
	w := opsOpen(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	if _, err := BackupToFile(w.db, good, false); err != nil {
		t.Fatal(err)
	}
	copyOf := func(name string) string {
		p := filepath.Join(dir, name)
		raw, err := os.ReadFile(good)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newer := copyOf("newer.db")
	opsRawEdit(t, newer, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, uint64(SchemaVersion()+1)))
	})
	partial := copyOf("partial.db")
	opsRawEdit(t, partial, func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketPresenceAway) })
	other := filepath.Join(dir, "other.db")
	opsRawEdit(t, other, func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("x")); return err })
	foreign := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(foreign, []byte("not a database at all, just words"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "none.db"): "does not exist",
		empty:                         "is empty",
		foreign:                       "not a ritualbot database (no bbolt header)",
		other:                         "not a ritualbot database (no meta bucket)",
		newer:                         "upgrade ritualbot",
		partial:                       "lacks bucket presence_away",
		w.path:                        "database " + w.path + " is in use by another process",
	} {
		err := VerifyBackup(path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("VerifyBackup(%s) = %v, want %q", filepath.Base(path), err, want)
		}
	}
	if err := VerifyBackup(w.path); !errors.Is(err, ErrInUse) {
		t.Errorf("a live database: %v", err)
	}
	if err := VerifyBackup(newer); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("a newer schema: %v", err)
	}
	if err := VerifyBackup(good); err != nil {
		t.Error(err)
	}
}

func TestBackupNamesAndPruning(t *testing.T) {
	at := time.Date(2026, 11, 25, 4, 19, 0, 0, time.FixedZone("CET", 3600))
	if got := BackupName(at); got != "ritualbot-20261125T031900Z.db" {
		t.Fatalf("BackupName = %q", got)
	}
	if got, ok := BackupTime(BackupName(at)); !ok || !got.Equal(at) {
		t.Fatalf("BackupTime = %v, %v", got, ok)
	}
	for _, name := range []string{"ritualbot.db", "ritualbot-20261125T031900Z.db.tmp", "ritualbot-20261325T031900Z.db", "x-ritualbot-20261125T031900Z.db", ".ritualbot-20261125T031900Z.db.tmp-1"} {
		if _, ok := BackupTime(name); ok {
			t.Errorf("BackupTime accepted %q", name)
		}
	}

	dir := t.TempDir()
	start := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	var names []string
	for i := range 5 {
		names = append(names, BackupName(start.AddDate(0, 0, 7*i)))
	}
	// Written out of order: age is the name's time, not the file's.
	for _, i := range []int{3, 0, 4, 1, 2} {
		if err := os.WriteFile(filepath.Join(dir, names[i]), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	others := []string{"ritualbot.db", "notes.txt", "." + names[0] + ".tmp-123"}
	for _, name := range others {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, BackupName(start.AddDate(-1, 0, 0))), 0o700); err != nil {
		t.Fatal(err)
	}
	deleted, err := PruneBackups(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, names[0]), filepath.Join(dir, names[1]), filepath.Join(dir, names[2])}
	if !slices.Equal(deleted, want) {
		t.Fatalf("deleted %v, want %v", deleted, want)
	}
	for _, name := range append(others, names[3], names[4]) {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if deleted, err := PruneBackups(dir, 2); err != nil || len(deleted) != 0 {
		t.Errorf("second prune: %v, %v", deleted, err)
	}
	if _, err := PruneBackups(dir, 0); err == nil {
		t.Error("keep 0 was accepted")
	}
}

func TestRestore(t *testing.T) {
	w := opsOpen(t)
	w.must(w.db.Presence().PutAway(presence.Away{User: opsAlice, Until: "2026-12-01", Zone: "UTC", Ends: w.now.Add(day), Set: w.now}))
	dir := t.TempDir()
	backup := filepath.Join(dir, BackupName(w.now))
	if _, err := BackupToFile(w.db, backup, false); err != nil {
		t.Fatal(err)
	}
	w.must(w.db.Presence().PutAway(presence.Away{User: opsBob, Until: "2026-12-01", Zone: "UTC", Ends: w.now.Add(day), Set: w.now}))

	away := func(path string) []string {
		t.Helper()
		db, err := Open(path, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var out []string
		for _, u := range []string{opsAlice, opsBob} {
			if _, ok, _ := db.Presence().GetAway(u); ok {
				out = append(out, u)
			}
		}
		return out
	}

	// Into a new file.
	fresh := filepath.Join(dir, "fresh.db")
	if err := Restore(backup, fresh, false); err != nil {
		t.Fatal(err)
	}
	if got := away(fresh); !slices.Equal(got, []string{opsAlice}) {
		t.Errorf("restored database: away %v", got)
	}

	// Over the live database: refused without force, and while it is open.
	live, _ := os.ReadFile(w.path)
	if err := Restore(backup, w.path, false); err == nil || err.Error() != w.path+" exists; pass -force to overwrite it" {
		t.Errorf("without force: %v", err)
	}
	if err := Restore(backup, w.path, true); !errors.Is(err, ErrInUse) || err.Error() != "database "+w.path+" is in use by another process" {
		t.Errorf("while the bot runs: %v", err)
	}
	if now, _ := os.ReadFile(w.path); !bytes.Equal(now, live) {
		t.Error("a refused restore changed the database")
	}
	w.must(w.db.Close())
	w.must(os.Chmod(w.path, 0o640))
	if err := Restore(backup, w.path, true); err != nil {
		t.Fatal(err)
	}
	if got := away(w.path); !slices.Equal(got, []string{opsAlice}) {
		t.Errorf("restored over the stopped bot's file: away %v", got)
	}
	if fi, _ := os.Stat(w.path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the replaced file's 0640", fi.Mode().Perm())
	}

	// A bad backup, or a foreign target, changes nothing.
	bad := filepath.Join(dir, "bad.db")
	if err := os.WriteFile(bad, []byte("garbage garbage garbage garbage!"), 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(w.path)
	if err := Restore(bad, w.path, true); err == nil || !strings.Contains(err.Error(), "not a ritualbot database") {
		t.Errorf("bad backup: %v", err)
	}
	if after, _ := os.ReadFile(w.path); !bytes.Equal(after, before) {
		t.Error("a bad backup changed the database")
	}
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("my notes, which are not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Restore(backup, notes, true); err == nil || !strings.Contains(err.Error(), "refusing to replace it") {
		t.Errorf("foreign target: %v", err)
	}
	if left := opsTempLeft(t, dir); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// Reopen for the cleanup registered by opsOpen.
	db, err := Open(w.path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w.db = db
}

func TestCompactShrinksAndKeepsEverything(t *testing.T) {
	w := opsOpen(t)
	db := w.db
	// Grow the file, then delete most of it.
	big := bytes.Repeat([]byte("x"), 2000)
	w.must(db.bolt.Update(func(tx *bolt.Tx) error {
		for i := range 3000 {
			if err := tx.Bucket(bucketCoffeeStarters).Put(fmt.Appendf(nil, "C07TEAM01/q%05d", i), big); err != nil {
				return err
			}
		}
		return nil
	}))
	w.must(db.bolt.Update(func(tx *bolt.Tx) error {
		for i := range 2990 {
			if err := tx.Bucket(bucketCoffeeStarters).Delete(fmt.Appendf(nil, "C07TEAM01/q%05d", i)); err != nil {
				return err
			}
		}
		return nil
	}))
	for i := range 5 {
		w.must(db.Enqueue(opsNote(fmt.Sprintf("n/%d", i), opsAlice)))
	}
	w.must(db.Delivered("n/4", rituals.Delivery{Channel: "D1", TS: "1.2", At: w.now}))
	w.must(db.Close())
	w.must(os.Chmod(w.path, 0o640))

	before, after, err := Compact(w.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("compacted %d → %d bytes", before, after)
	if after >= before/4 {
		t.Errorf("compaction %d → %d bytes", before, after)
	}
	if fi, _ := os.Stat(w.path); fi.Size() != after || fi.Mode().Perm() != 0o640 {
		t.Errorf("file %d bytes mode %v", fi.Size(), fi.Mode().Perm())
	}
	if err := VerifyBackup(w.path); err != nil {
		t.Fatal(err)
	}
	db, err = Open(w.path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w.db = db
	if n := opsCount(t, db, bucketCoffeeStarters); n != 10 {
		t.Errorf("%d starters after compaction, want 10", n)
	}
	// The outbox's sequence survives: a new item comes after the old ones.
	w.must(db.Enqueue(opsNote("n/new", opsAlice)))
	items, err := db.Pending(0, 10)
	if err != nil || len(items) != 5 || items[4].Key != "n/new" || items[4].Seq != 6 {
		t.Fatalf("pending after compaction: %+v, %v", items, err)
	}
	if _, ok, _ := db.Lookup("n/4"); !ok {
		t.Error("delivered record lost")
	}
	if left := opsTempLeft(t, filepath.Dir(w.path)); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestCompactRefusesALiveOrForeignFileAndLeavesIt(t *testing.T) {
	w := opsOpen(t)
	live, _ := os.ReadFile(w.path)
	_, _, err := Compact(w.path)
	if !errors.Is(err, ErrInUse) || err.Error() != "database "+w.path+" is in use by another process" {
		t.Fatalf("compacting a live database: %v", err)
	}
	if now, _ := os.ReadFile(w.path); !bytes.Equal(now, live) {
		t.Error("the live database was changed")
	}
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	content := []byte("not a database, certainly not one to compact")
	if err := os.WriteFile(notes, content, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Compact(notes); err == nil || !strings.Contains(err.Error(), "not a ritualbot database") {
		t.Errorf("foreign file: %v", err)
	}
	if got, _ := os.ReadFile(notes); !bytes.Equal(got, content) {
		t.Error("the foreign file was changed")
	}
	if _, _, err := Compact(filepath.Join(dir, "none.db")); err == nil || !strings.Contains(err.Error(), "no database exists at") {
		t.Errorf("missing file: %v", err)
	}
	if left := opsTempLeft(t, dir); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestSizeAndWritable(t *testing.T) {
	w := opsOpen(t)
	size, err := w.db.Size()
	if fi, _ := os.Stat(w.path); err != nil || size != fi.Size() || size == 0 {
		t.Fatalf("Size = %d, %v", size, err)
	}
	if err := w.db.Writable(); err != nil {
		t.Fatal(err)
	}
	w.must(w.db.bolt.View(func(tx *bolt.Tx) error {
		if got := string(tx.Bucket(bucketMeta).Get(keyWritable)); got != "2026-11-23T09:00:00Z" {
			t.Errorf("health mark %q", got)
		}
		return nil
	}))
	w.must(w.db.Close())
	if err := w.db.Writable(); err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Errorf("Writable on a closed database: %v", err)
	}
	db, err := Open(w.path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w.db = db
}
