package store

import (
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// keyWritable is the meta key Writable rewrites: the last time the database took a write check.
var keyWritable = []byte("writable_checked_at")

// Size returns the size of the database file in bytes, free pages included.
func (db *DB) Size() (int64, error) {
	fi, err := os.Stat(db.path)
	if err != nil {
		return 0, fmt.Errorf("database size: %w", err)
	}
	return fi.Size(), nil
}

// Writable reports whether the database takes writes, for /healthz: it commits a tiny write
// transaction (the current time under a meta key), synced like every other. A file made
// read-only or a closed database gives an error; a full disk may not, since the probe fits in a
// free page: see FailedWrite and DiskSpaceOf. The probe is not counted as one of the store's
// writes, so it never hides a failed one.
func (db *DB) Writable() error {
	err := db.bolt.DB.Update(func(tx *bolt.Tx) error {
		at, err := db.Now().UTC().MarshalText()
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyWritable, at)
	})
	if err != nil {
		return fmt.Errorf("database %s is not writable: %w", db.path, err)
	}
	return nil
}

// DiskSpace is the room on the file system that holds a file, in bytes.
type DiskSpace struct {
	// Free is what the bot may still write (blocks reserved for root excluded).
	Free uint64
	// Total is the file system's size.
	Total uint64
}
