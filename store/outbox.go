package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
)

var (
	// bucketOutbox holds queued items by sequence number (8 bytes, big-endian).
	bucketOutbox = []byte("outbox")

	// bucketOutboxKeys maps a queued item's key to its sequence number.
	bucketOutboxKeys = []byte("outbox_keys")
	// bucketOutboxDone maps a delivered item's key to its rituals.Delivery.
	bucketOutboxDone = []byte("outbox_done")
)

var _ = registerBuckets(bucketOutbox, bucketOutboxKeys, bucketOutboxDone)

// maxFailuresShown bounds the failures Stats returns.
const maxFailuresShown = 20

// enqueue adds msgs to the outbox inside tx. A key already queued or delivered is left alone, so a
// run computed twice cannot send twice.
func enqueue(tx *bolt.Tx, now time.Time, msgs []rituals.Message) error {
	queue, keys, done := tx.Bucket(bucketOutbox), tx.Bucket(bucketOutboxKeys), tx.Bucket(bucketOutboxDone)
	if len(msgs) == 0 {
		return nil
	}
	restored, checkRestore, err := restoreCheckFor(tx, now)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if err := m.Validate(); err != nil {
			return err
		}
		k := []byte(m.Key)
		if keys.Get(k) != nil || done.Get(k) != nil {
			continue
		}
		seq, err := queue.NextSequence()
		if err != nil {
			return err
		}
		item := rituals.OutboxItem{Message: m, Seq: seq, Created: now}
		if checkRestore {
			restored.apply(&item)
		}
		v, err := json.Marshal(item)
		if err != nil {
			return err
		}
		sk := seqKey(seq)
		if err := queue.Put(sk, v); err != nil {
			return err
		}
		if err := keys.Put(k, sk); err != nil {
			return err
		}
	}
	return nil
}

// Enqueue writes messages that belong to no scheduled run (replies to commands, notes to admins).
func (db *DB) Enqueue(msgs ...rituals.Message) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		now := db.Now()
		if err := expireRestoreCheck(tx, now); err != nil {
			return err
		}
		return enqueue(tx, now, msgs)
	})
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// Pending implements rituals.Outbox.
func (db *DB) Pending(after uint64, limit int) ([]rituals.OutboxItem, error) {
	var items []rituals.OutboxItem
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(items) < limit; k, v = c.Next() {
			var item rituals.OutboxItem
			if err := json.Unmarshal(v, &item); err != nil {
				return fmt.Errorf("outbox item %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if item.Failed == "" {
				items = append(items, item)
			}
		}
		return nil
	})
	return items, err
}

// updateItem rewrites the queued item with key through fn.
func updateItem(tx *bolt.Tx, key string, fn func(*rituals.OutboxItem)) error {
	sk := tx.Bucket(bucketOutboxKeys).Get([]byte(key))
	if sk == nil {
		return fmt.Errorf("outbox item %q is not queued", key)
	}
	queue := tx.Bucket(bucketOutbox)
	var item rituals.OutboxItem
	if err := json.Unmarshal(queue.Get(sk), &item); err != nil {
		return fmt.Errorf("outbox item %q: %w", key, err)
	}
	fn(&item)
	v, err := json.Marshal(item)
	if err != nil {
		return err
	}
	return queue.Put(clone(sk), v)
}

// BeginAttempt implements rituals.Outbox.
func (db *DB) BeginAttempt(key, channel string, now time.Time) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		seen, err := slackSeen(tx)
		if err != nil {
			return err
		}
		return updateItem(tx, key, func(item *rituals.OutboxItem) {
			if item.Attempts == 0 {
				// Whatever this attempt posts gets a ts after the latest one Slack already gave.
				item.CheckFrom = seen
			}
			item.Attempts++
			item.LastAttempt = now
			if channel != "" {
				item.Channel = channel
			}
		})
	})
}

// Retry implements rituals.Outbox.
func (db *DB) Retry(key, reason string, now time.Time) (rituals.OutboxItem, error) {
	var out rituals.OutboxItem
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return updateItem(tx, key, func(item *rituals.OutboxItem) {
			if item.Failures == 0 {
				item.FirstFailure = now
			}
			item.Failures++
			item.LastError = reason
			out = *item
		})
	})
	return out, err
}

// Fail implements rituals.Outbox.
func (db *DB) Fail(key, reason string, now time.Time) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		return updateItem(tx, key, func(item *rituals.OutboxItem) {
			item.Failed = reason
			item.LastAttempt = now
		})
	})
}

// dequeue removes key's item from the queue (queued or failed), reporting whether it was there;
// a delivered item is not in the queue and is left alone.
func dequeue(tx *bolt.Tx, key string) (bool, error) {
	keys := tx.Bucket(bucketOutboxKeys)
	sk := keys.Get([]byte(key))
	if sk == nil {
		return false, nil
	}
	if err := tx.Bucket(bucketOutbox).Delete(clone(sk)); err != nil {
		return false, err
	}
	return true, keys.Delete([]byte(key))
}

// Delivered implements rituals.Outbox.
func (db *DB) Delivered(key string, d rituals.Delivery) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		if found, err := dequeue(tx, key); err != nil {
			return err
		} else if !found {
			return fmt.Errorf("outbox item %q is not queued", key)
		}
		if err := noteSlackTime(tx, d.TS); err != nil {
			return err
		}
		v, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketOutboxDone).Put([]byte(key), v); err != nil {
			return err
		}
		return indexForRetention(tx, retainDelivery, d.At, []byte(key))
	})
}

// Lookup implements rituals.Outbox.
func (db *DB) Lookup(key string) (rituals.Delivery, bool, error) {
	var d rituals.Delivery
	var found bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOutboxDone).Get([]byte(key))
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &d)
	})
	return d, found, err
}

// Stats implements rituals.Outbox.
func (db *DB) Stats() (rituals.OutboxStats, error) {
	var s rituals.OutboxStats
	err := db.bolt.View(func(tx *bolt.Tx) error {
		s.Delivered = tx.Bucket(bucketOutboxDone).Stats().KeyN
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			var item rituals.OutboxItem
			if err := json.Unmarshal(v, &item); err != nil {
				return fmt.Errorf("outbox item %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if item.Failed != "" {
				s.Failed++
				s.Failures = append([]rituals.OutboxItem{item}, s.Failures...)
				if len(s.Failures) > maxFailuresShown {
					s.Failures = s.Failures[:maxFailuresShown]
				}
				return nil
			}
			s.Pending++
			if item.LastError != "" {
				s.Retrying++
			}
			if s.OldestQueued.IsZero() || item.Created.Before(s.OldestQueued) {
				s.OldestQueued = item.Created
			}
			return nil
		})
	})
	return s, err
}

// Failure returns the permanent error recorded for a queued message, if any.
func (db *DB) Failure(key string) (string, bool, error) {
	var reason string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		sk := tx.Bucket(bucketOutboxKeys).Get([]byte(key))
		if sk == nil {
			return nil
		}
		var item rituals.OutboxItem
		if err := json.Unmarshal(tx.Bucket(bucketOutbox).Get(sk), &item); err != nil {
			return fmt.Errorf("outbox item %q: %w", key, err)
		}
		reason = item.Failed
		return nil
	})
	return reason, reason != "", err
}
