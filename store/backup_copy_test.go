package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
)

// opsBulk writes n delivery records of about size bytes each in random key order, in
// transactions of 500, as a year of delivered messages leaves them: pages split by inserts in
// the middle, and so partly empty.
func opsBulk(t *testing.T, db *DB, n, size int) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 8))
	keys := r.Perm(n)
	pad := bytes.Repeat([]byte("x"), size)
	for start := 0; start < n; start += 500 {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			for _, i := range keys[start:min(start+500, n)] {
				if err := tx.Bucket(bucketOutboxDone).Put(fmt.Appendf(nil, "digest.checkin/C07TEAM01/W%06d/U%06d", i/500, i%500), pad); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// sameContents fails t unless the files at a and b hold the same buckets, keys, values and
// sequences.
func sameContents(t *testing.T, a, b string) {
	t.Helper()
	da, err := bolt.Open(a, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer da.Close()
	db, err := bolt.Open(b, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = da.View(func(ta *bolt.Tx) error {
		return db.View(func(tb *bolt.Tx) error { return sameBuckets(ta.Cursor(), tb.Cursor(), ta.Bucket, tb.Bucket, "") })
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBackupIsNoLargerThanTheLiveFileAndHoldsNoErasedBytes(t *testing.T) {
	w := opsOpen(t)
	w.populate()
	// Several batches of the copy (copyBatchBytes each), and a nested bucket.
	opsBulk(t, w.db, 24_000, 400)
	opsRawNested(t, w.db)
	if _, err := w.db.Forget(opsMe); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(t.TempDir(), "live.db")
	f, err := os.Create(live)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.Backup(f); err != nil { // the live file, page for page
		t.Fatal(err)
	}
	f.Close()
	if raw, _ := os.ReadFile(live); !bytes.Contains(raw, []byte(opsMe)) {
		t.Fatal("precondition: the live file's free pages should still hold the erased id")
	}

	backup := filepath.Join(t.TempDir(), "backup.db")
	n, err := BackupToFile(w.db, backup, false)
	if err != nil {
		t.Fatal(err)
	}
	liveSize, _ := w.db.Size()
	t.Logf("live file %d bytes, backup %d bytes", liveSize, n)
	if n > liveSize {
		t.Errorf("the backup (%d bytes) is larger than the live file (%d bytes)", n, liveSize)
	}
	if err := VerifyBackup(backup); err != nil {
		t.Fatal(err)
	}
	sameContents(t, live, backup)
	raw, err := os.ReadFile(backup)
	if err != nil || int64(len(raw)) != n {
		t.Fatalf("backup holds %d bytes, BackupToFile said %d: %v", len(raw), n, err)
	}
	if bytes.Contains(raw, []byte(opsMe)) {
		t.Error("the backup holds the erased person's id")
	}

}

// opsRawNested adds a nested bucket with a sequence to the runs bucket, as no ritual does yet:
// copies must keep any shape bbolt allows.
func opsRawNested(t *testing.T, db *DB) {
	t.Helper()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		nested, err := tx.Bucket(bucketRuns).CreateBucket([]byte("nested"))
		if err != nil {
			return err
		}
		if err := nested.SetSequence(41); err != nil {
			return err
		}
		return nested.Put([]byte("k"), []byte("v"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// opsWriting calls write(0), write(1), … in a goroutine until the returned function is called,
// which waits for it to stop. An error fails t and stops the writes.
func opsWriting(t *testing.T, write func(i int) error) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			if err := write(i); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func TestBackupOfALargeFileIsConsistentWhileTheFileGrows(t *testing.T) {
	db := opsOpen(t).db
	opsBulk(t, db, 20_000, 400) // several batches
	dir := t.TempDir()
	big := bytes.Repeat([]byte("y"), 64<<10)
	stop := opsWriting(t, func(i int) error {
		// Each transaction writes an item, its key and a large record that grows the file.
		return db.bolt.Update(func(tx *bolt.Tx) error {
			if err := enqueue(tx, db.Now(), []rituals.Message{opsNote(fmt.Sprintf("n/%06d", i), opsAlice)}); err != nil {
				return err
			}
			return tx.Bucket(bucketRuns).Put(fmt.Appendf(nil, "grow/%06d", i), big)
		})
	})
	defer stop()
	for i := range 3 {
		path := filepath.Join(dir, fmt.Sprintf("b%d.db", i))
		if _, err := BackupToFile(db, path, false); err != nil {
			t.Fatal(err)
		}
		if err := VerifyBackup(path); err != nil {
			t.Fatal(err)
		}
		b, err := Open(path, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		items, keys, done := opsCount(t, b, bucketOutbox), opsCount(t, b, bucketOutboxKeys), opsCount(t, b, bucketOutboxDone)
		b.Close()
		if items != keys || done != 20_000 {
			t.Fatalf("backup %d holds %d items, %d keys and %d deliveries", i, items, keys, done)
		}
	}
}

func TestStreamedBackupNeedsNoTemporaryDirectory(t *testing.T) {
	// The Docker image has no /tmp: the copy is staged beside the database, and removed.
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	w := opsOpen(t)
	w.populate()
	var buf bytes.Buffer
	n, err := w.db.CompactBackup(&buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("CompactBackup wrote %d bytes (buffer %d): %v", n, buf.Len(), err)
	}
	if left := opsTempLeft(t, filepath.Dir(w.path)); len(left) > 0 {
		t.Errorf("temporary files left beside the database: %v", left)
	}
	copyPath := filepath.Join(t.TempDir(), "streamed.db")
	if err := os.WriteFile(copyPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := VerifyBackup(copyPath); err != nil {
		t.Fatal(err)
	}
}
