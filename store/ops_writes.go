package store

import (
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// boltDB is the bbolt database with the outcome of its writes remembered, for /healthz: a disk
// that fills up fails only the writes that need new pages, so a probe is not enough. Update
// shadows bbolt's, so every write the store makes is counted.
type boltDB struct {
	*bolt.DB
	now func() time.Time

	mu       sync.Mutex
	failed   error     // the last write's failure, nil once a write succeeds again
	failedAt time.Time // when it failed
}

// Update runs fn in a write transaction as bbolt's Update does, and remembers whether bbolt
// could write it. An error fn returns is the caller's, not a failed write.
func (b *boltDB) Update(fn func(*bolt.Tx) error) error {
	var fnErr error
	err := b.DB.Update(func(tx *bolt.Tx) error {
		fnErr = fn(tx)
		return fnErr
	})
	if err != nil && err == fnErr {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		b.failed = nil
	} else {
		b.failed, b.failedAt = err, b.now()
	}
	return err
}

// FailedWrite returns, when the last write the store made failed (a full disk, an I/O error),
// when that was and why; err is nil once a later write succeeded.
func (db *DB) FailedWrite() (at time.Time, err error) {
	db.bolt.mu.Lock()
	defer db.bolt.mu.Unlock()
	return db.bolt.failedAt, db.bolt.failed
}
