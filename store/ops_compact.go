package store

import (
	"bytes"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// Compact rewrites the database file at path without its free pages, for a stopped bot: bbolt
// files never shrink by themselves, and free pages keep the bytes of deleted records (erased
// people, pruned history) until they are reused. It returns the file's size before and after.
//
// The file is opened read-only, waiting at most a second for its lock, so a running bot gives the
// error Open gives ("database PATH is in use by another process"), and a damaged one ErrDamaged;
// the lock is held until the new file is in place. The compacted copy is written to a temporary file next to path, synced,
// compared key by key with the original, given the original's permissions and owner, then
// renamed over it: on any failure the original is left untouched.
func Compact(path string) (before, after int64, err error) {
	kind, fi, err := sniffFile(path)
	switch {
	case err != nil:
		return 0, 0, fmt.Errorf("database %s: %w", path, err)
	case kind == fileMissing:
		return 0, 0, noDatabaseError{"no database exists at " + path}
	case kind == fileEmpty:
		return 0, 0, fmt.Errorf("database %s is empty: nothing to compact", path)
	case kind == fileForeign:
		return 0, 0, fmt.Errorf("%s is not a ritualbot database (no bbolt header)", path)
	}
	src, err := openReadOnly(path, "database")
	if err != nil {
		return 0, 0, err
	}
	defer src.Close()
	err = guard("database", path, func() error {
		return src.View(func(tx *bolt.Tx) error { return checkSchema(tx, "database "+path) })
	})
	if err != nil {
		return 0, 0, err
	}

	f, err := createTemp(path, "database")
	if err != nil {
		return 0, 0, err
	}
	tmp := f.Name()
	f.Close()
	if err := guard("database", path, func() error { return compactInto(tmp, src) }); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w (the database is unchanged)", path, err)
	}
	if err := os.Chmod(tmp, fi.Mode().Perm()); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w (the database is unchanged)", path, err)
	}
	if err := keepOwner(tmp, fi); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: keep the file's owner: %w (the database is unchanged)", path, err)
	}
	if err := install(tmp, path, true); err != nil {
		return 0, 0, err
	}
	nfi, err := os.Stat(path)
	if err != nil {
		return fi.Size(), 0, err
	}
	return fi.Size(), nfi.Size(), nil
}

// compactInto writes a compacted copy of src into the new file tmp (writeCompacted: bounded
// memory, synced), and checks that it holds exactly what src holds.
func compactInto(tmp string, src *bolt.DB) error {
	if err := writeCompacted(src, tmp); err != nil {
		return err
	}
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{ReadOnly: true, Timeout: opsLockTimeout})
	if err != nil {
		return err
	}
	err = dst.View(func(dtx *bolt.Tx) error {
		if err := checkPages(dtx, "compacted copy"); err != nil {
			return err
		}
		return src.View(func(stx *bolt.Tx) error { return sameBuckets(stx.Cursor(), dtx.Cursor(), stx.Bucket, dtx.Bucket, "") })
	})
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return err
}

// sameBuckets compares two levels of buckets key by key, nested buckets and their sequences
// included. at names the level in errors.
func sameBuckets(a, b *bolt.Cursor, subA, subB func([]byte) *bolt.Bucket, at string) error {
	ka, va := a.First()
	kb, vb := b.First()
	for ; ka != nil || kb != nil; ka, va, kb, vb = nextPair(a, b) {
		if !bytes.Equal(ka, kb) || !bytes.Equal(va, vb) || (va == nil) != (vb == nil) {
			return fmt.Errorf("copy differs from the original in %q at key %q", at, ka)
		}
		if va != nil {
			continue
		}
		ba, bb := subA(ka), subB(kb)
		if ba.Sequence() != bb.Sequence() {
			return fmt.Errorf("copy differs from the original: sequence of bucket %q", ka)
		}
		if err := sameBuckets(ba.Cursor(), bb.Cursor(), ba.Bucket, bb.Bucket, at+"/"+string(ka)); err != nil {
			return err
		}
	}
	return nil
}

func nextPair(a, b *bolt.Cursor) (ka, va, kb, vb []byte) {
	ka, va = a.Next()
	kb, vb = b.Next()
	return
}
