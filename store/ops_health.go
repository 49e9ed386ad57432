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
// transaction (the current time under a meta key), synced like every other. A full disk, a file
// made read-only or a closed database gives an error.
func (db *DB) Writable() error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
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
