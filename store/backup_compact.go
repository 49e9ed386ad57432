package store

import (
	"fmt"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BackupToFile writes a consistent copy of db to path without its free pages, so the bytes of
// deleted records (a forgotten person, released answers, spent tokens) do not travel into
// backups, and returns its size. It refuses a path that exists unless force ("PATH exists; pass
// -force to overwrite it") and the live database file always; the copy goes to a temporary file
// beside path and is renamed into place, so path is never half written.
func BackupToFile(db *DB, path string, force bool) (int64, error) {
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

// CompactBackup streams a compacted, consistent copy of db to w (see BackupToFile); the
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

// compactLive copies db's live records into the empty file at path. The whole copy is one write
// transaction of the copy inside one read transaction of db, and every key and value is copied out
// of db's memory map: bbolt.Compact commits after its read transaction has ended, which is unsafe
// while the bot writes (the map may move under it).
func compactLive(db *DB, path string) (int64, error) {
	dst, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return 0, err
	}
	err = db.bolt.View(func(src *bolt.Tx) error {
		return dst.Update(func(out *bolt.Tx) error {
			return src.ForEach(func(name []byte, b *bolt.Bucket) error {
				nb, err := out.CreateBucket(clone(name))
				if err != nil {
					return err
				}
				return copyBucket(nb, b)
			})
		})
	})
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// copyBucket copies every key, nested bucket and the sequence of from into to.
func copyBucket(to, from *bolt.Bucket) error {
	if err := to.SetSequence(from.Sequence()); err != nil {
		return err
	}
	return from.ForEach(func(k, v []byte) error {
		if v == nil {
			nb, err := to.CreateBucket(clone(k))
			if err != nil {
				return err
			}
			return copyBucket(nb, from.Bucket(k))
		}
		return to.Put(clone(k), clone(v))
	})
}
