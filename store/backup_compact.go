package store

import (
	"fmt"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// compactTxSize is how much a compacting copy writes per transaction.
const compactTxSize = 64 << 20

// CompactBackupToFile writes a consistent copy of db to path without its free pages, so the bytes
// of deleted records (a forgotten person, released answers, spent tokens) do not travel into
// backups. Like BackupToFile it refuses an existing path unless force, never the live file, and
// writes atomically. It returns the copy's size.
func CompactBackupToFile(db *DB, path string, force bool) (int64, error) {
	if sameFile(path, db.path) {
		return 0, fmt.Errorf("%s is the live database; back up to another file", path)
	}
	if err := refuseExisting(path, force); err != nil {
		return 0, err
	}
	f, err := createTemp(path, "backup")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	f.Close()
	n, err := compactLive(db, tmp)
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("write backup %s: %w", path, err)
	}
	if err := install(tmp, path, force); err != nil {
		return 0, err
	}
	return n, nil
}

// CompactBackup streams a compacted, consistent copy of db to w (see CompactBackupToFile); the
// copy is staged in a temporary file that is removed afterwards.
func (db *DB) CompactBackup(w io.Writer) (int64, error) {
	f, err := os.CreateTemp("", "ritualbot-backup-*.db")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp)
	if _, err := compactLive(db, tmp); err != nil {
		return 0, err
	}
	f, err = os.Open(tmp)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.Copy(w, f)
}

// compactLive copies db's live records into the empty file at path, in one read transaction of db.
func compactLive(db *DB, path string) (int64, error) {
	dst, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return 0, err
	}
	if err := bolt.Compact(dst, db.bolt, compactTxSize); err != nil {
		dst.Close()
		return 0, err
	}
	if err := dst.Close(); err != nil {
		return 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
