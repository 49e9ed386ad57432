package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "ritualbot.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestFreshFileIsMigrated(t *testing.T) {
	db := openTemp(t)
	v, err := db.Schema()
	if err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion() || v < 1 {
		t.Fatalf("schema = %d, want %d", v, SchemaVersion())
	}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketRuns, bucketRunLast, bucketOutbox, bucketOutboxKeys, bucketOutboxDone} {
			if tx.Bucket(b) == nil {
				t.Errorf("bucket %s missing", b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReopenKeepsSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	if v, _ := db.Schema(); v != SchemaVersion() {
		t.Errorf("schema after reopen = %d", v)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, uint64(SchemaVersion()+5)))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade ritualbot") {
		t.Fatalf("want ErrNewerSchema with advice, got %v", err)
	}
}

func TestForeignFileIsRefusedAndUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	content := []byte("these are my notes, not a database\n")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "not a ritualbot database") {
		t.Fatalf("want a clear refusal, got %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, content) {
		t.Error("the foreign file was modified")
	}
}

// TestSecondProcessFailsFast opens the file here, then in a child process (this test binary), which
// must give up within the lock timeout with the message people see.
func TestSecondProcessFailsFast(t *testing.T) {
	if path := os.Getenv("RITUALBOT_STORE_CHILD"); path != "" {
		_, err := Open(path, Options{LockTimeout: 300 * time.Millisecond})
		if err == nil {
			os.Exit(0)
		}
		os.Stderr.WriteString(err.Error())
		os.Exit(1)
	}
	path := filepath.Join(t.TempDir(), "locked.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondProcessFailsFast$")
	cmd.Env = append(os.Environ(), "RITUALBOT_STORE_CHILD="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	go func() { done <- cmd.Run() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("second process opened a locked database")
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("second process hung on the lock")
	}
	want := "database " + path + " is in use by another process"
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q lacks %q", stderr.String(), want)
	}
}
