package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
)

// EngineHistory is how long the engine remembers delivered messages and past runs. Older delivery
// records are no longer needed to thread replies or to avoid a resend, and older run keys can no
// longer be caught up; without a limit both grow for as long as the bot runs.
const EngineHistory = 180 * 24 * time.Hour

// PruneEngine removes delivery records and run records older than keep at now, in one
// transaction, and returns how many of each it removed. The latest run mark of each job is kept.
func (db *DB) PruneEngine(now time.Time, keep time.Duration) (deliveries, runs int, err error) {
	cutoff := now.Add(-keep)
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		var stale [][]byte
		if err := tx.Bucket(bucketOutboxDone).ForEach(func(k, v []byte) error {
			var d rituals.Delivery
			if json.Unmarshal(v, &d) == nil && !d.At.IsZero() && d.At.Before(cutoff) {
				stale = append(stale, clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range stale {
			if err := tx.Bucket(bucketOutboxDone).Delete(k); err != nil {
				return err
			}
		}
		deliveries = len(stale)
		stale = stale[:0]
		if err := tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
			var r runRecord
			if json.Unmarshal(v, &r) == nil && !r.At.IsZero() && r.At.Before(cutoff) {
				stale = append(stale, clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range stale {
			if err := tx.Bucket(bucketRuns).Delete(k); err != nil {
				return err
			}
		}
		runs = len(stale)
		return nil
	})
	return deliveries, runs, err
}
