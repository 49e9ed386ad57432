package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// EngineHistory is how long the engine remembers delivered messages and past runs. Older delivery
// records are no longer needed to thread replies or to avoid a resend, and older run keys can no
// longer be caught up; without a limit both grow for as long as the bot runs.
const EngineHistory = 180 * 24 * time.Hour

// PruneEngine removes delivery records and run records older than keep at now, in one
// transaction, and returns how many of each it removed. The latest run mark of each job is kept.
// Like Prune, it reads only what expired, through bucketRetention.
func (db *DB) PruneEngine(now time.Time, keep time.Duration) (deliveries, runs int, err error) {
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		deliveries, runs, err = pruneEngine(tx, now.Add(-keep))
		return err
	})
	return deliveries, runs, err
}

// pruneEngine is PruneEngine inside tx, for records dated before cutoff.
func pruneEngine(tx *bolt.Tx, cutoff time.Time) (deliveries, runs int, err error) {
	always := func([]byte) bool { return false }
	if deliveries, err = pruneIndexed(tx, retainDelivery, cutoff, always, deleteRecord(tx.Bucket(bucketOutboxDone))); err != nil {
		return 0, 0, fmt.Errorf("prune delivery records: %w", err)
	}
	if runs, err = pruneIndexed(tx, retainRun, cutoff, always, deleteRecord(tx.Bucket(bucketRuns))); err != nil {
		return 0, 0, fmt.Errorf("prune run records: %w", err)
	}
	return deliveries, runs, nil
}
