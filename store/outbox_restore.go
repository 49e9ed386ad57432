package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
)

// SuspectPending marks every queued message as possibly sent since since, so delivery looks for it
// in Slack before sending. After a restore, the live bot may have sent messages that the backup
// still has queued: without this they would go out twice. It returns how many were marked.
func (db *DB) SuspectPending(since time.Time) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		queue := tx.Bucket(bucketOutbox)
		c := queue.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var item rituals.OutboxItem
			if err := json.Unmarshal(v, &item); err != nil {
				return err
			}
			if item.Failed != "" {
				continue
			}
			item.Attempts = max(item.Attempts, 1)
			if item.LastAttempt.IsZero() || item.LastAttempt.After(since) {
				item.LastAttempt = since
			}
			data, err := json.Marshal(item)
			if err != nil {
				return err
			}
			if err := queue.Put(clone(k), data); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
