package store

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"

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
// copy is staged in a temporary file beside the database (the one directory known to be
// writable and on disk: a container may have no /tmp, and a tmpfs one holds the copy in memory),
// removed afterwards.
func (db *DB) CompactBackup(w io.Writer) (int64, error) {
	f, err := createTemp(db.path, "database")
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

// compactLive copies db's live records into the empty file at path (see writeCompacted) and
// returns the copy's size.
func compactLive(db *DB, path string) (int64, error) {
	if err := writeCompacted(db.bolt.DB, path); err != nil {
		return 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// copyBatchBytes bounds the key and value bytes one transaction of a compacted copy writes: the
// copy's memory is a few times this, whatever the database's size.
const copyBatchBytes = 4 << 20

// writeCompacted writes a compacted copy of src into the new, empty file at path and syncs it.
//
// The source is read in one read transaction, so the copy is one consistent view while writers
// go on (a long copy only delays writes that grow src's file). The copy is written in
// transactions of about copyBatchBytes, each committed while that read transaction is still
// open: the keys and values handed to the copy point into src's memory map, which stays in
// place only until the read transaction ends (bbolt.Compact commits after it, and crashed with
// the bot writing). Keys arrive in order and pages are filled completely, so the copy is no
// larger than the live data; its few free pages are the copy's own earlier versions of its last
// pages, never bytes from src's free pages.
func writeCompacted(src *bolt.DB, path string) error {
	// NoGrowSync also stops bbolt from growing the file ahead in 16 MB steps: the file ends at
	// its last page. The copy is synced once, at the end.
	dst, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opsLockTimeout, NoSync: true, NoGrowSync: true})
	if err != nil {
		return err
	}
	err = src.View(func(tx *bolt.Tx) error {
		c := &copier{dst: dst}
		defer c.rollback()
		if err := c.copyLevel(tx.Cursor(), tx.Bucket, nil); err != nil {
			return err
		}
		return c.commit()
	})
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return err
}

// copier writes a copy in a series of write transactions of dst.
type copier struct {
	dst *bolt.DB
	tx  *bolt.Tx // the open write transaction, nil between batches
	// path names the buckets from the root to the one being written; cur is that bucket in tx
	// (nil until needed in this transaction, and at the root).
	path    [][]byte
	cur     *bolt.Bucket
	written int // key and value bytes written in tx
}

// copyLevel copies the keys of one level of the source, read through cur, into the level path of
// the copy (the root when path is empty); sub opens a nested bucket of that level.
func (c *copier) copyLevel(cur *bolt.Cursor, sub func([]byte) *bolt.Bucket, path [][]byte) error {
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if err := c.at(path); err != nil {
			return err
		}
		if v != nil {
			if err := c.put(k, v); err != nil {
				return err
			}
			continue
		}
		from := sub(k)
		if err := c.createBucket(k, from.Sequence()); err != nil {
			return err
		}
		if err := c.copyLevel(from.Cursor(), from.Bucket, append(path[:len(path):len(path)], k)); err != nil {
			return err
		}
	}
	return nil
}

// at makes path the level being written, beginning a transaction if none is open.
func (c *copier) at(path [][]byte) error {
	if c.tx == nil {
		tx, err := c.dst.Begin(true)
		if err != nil {
			return err
		}
		c.tx, c.cur = tx, nil
	} else if !slices.EqualFunc(c.path, path, bytes.Equal) {
		c.cur = nil
	}
	c.path = path
	if c.cur != nil || len(path) == 0 {
		return nil
	}
	b := c.tx.Bucket(path[0])
	for _, name := range path[1:] {
		if b == nil {
			break
		}
		b = b.Bucket(name)
	}
	if b == nil {
		return fmt.Errorf("copy: bucket %q vanished from the copy", path)
	}
	b.FillPercent = 1.0 // keys come in order: fill each page
	c.cur = b
	return nil
}

// createBucket creates the bucket name at the current level, with seq as its sequence.
func (c *copier) createBucket(name []byte, seq uint64) error {
	var b *bolt.Bucket
	var err error
	if c.cur == nil {
		b, err = c.tx.CreateBucket(name)
	} else {
		b, err = c.cur.CreateBucket(name)
	}
	if err != nil {
		return err
	}
	if err := b.SetSequence(seq); err != nil {
		return err
	}
	return c.wrote(len(name))
}

// put writes a key and its value at the current level.
func (c *copier) put(k, v []byte) error {
	if c.cur == nil {
		return fmt.Errorf("copy: key %q outside any bucket", k)
	}
	if err := c.cur.Put(k, v); err != nil {
		return err
	}
	return c.wrote(len(k) + len(v))
}

// wrote counts n bytes written, and commits the transaction once it holds copyBatchBytes.
func (c *copier) wrote(n int) error {
	c.written += n
	if c.written < copyBatchBytes {
		return nil
	}
	return c.commit()
}

// commit commits the open transaction, if any; the next write begins another.
func (c *copier) commit() error {
	if c.tx == nil {
		return nil
	}
	tx := c.tx
	c.tx, c.cur, c.written = nil, nil, 0
	return tx.Commit()
}

// rollback abandons the open transaction, if any.
func (c *copier) rollback() {
	if c.tx != nil {
		_ = c.tx.Rollback()
		c.tx = nil
	}
}
