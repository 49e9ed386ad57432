package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

var (
	// bucketTasks holds pending tasks by due time (8 bytes, big-endian unix nanoseconds) + key.
	bucketTasks = []byte("tasks")

	// bucketTaskKeys maps a task key to its key in bucketTasks.
	bucketTaskKeys = []byte("task_keys")
)

var _ = registerBuckets(bucketTasks, bucketTaskKeys)

func taskSortKey(t timers.Task) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(t.Due.UnixNano())), t.Key...)
}

// addTasks stores tasks inside tx; a task whose key exists is replaced.
func addTasks(tx *bolt.Tx, tasks []timers.Task) error {
	byDue, byKey := tx.Bucket(bucketTasks), tx.Bucket(bucketTaskKeys)
	for _, t := range tasks {
		if t.Key == "" || t.Kind == "" || t.Due.IsZero() {
			return fmt.Errorf("task %q needs a key, a kind and a due time", t.Key)
		}
		if old := byKey.Get([]byte(t.Key)); old != nil {
			if err := byDue.Delete(clone(old)); err != nil {
				return err
			}
		}
		v, err := json.Marshal(t)
		if err != nil {
			return err
		}
		sk := taskSortKey(t)
		if err := byDue.Put(sk, v); err != nil {
			return err
		}
		if err := byKey.Put([]byte(t.Key), sk); err != nil {
			return err
		}
	}
	return nil
}

// completeTask removes key inside tx, returning false if it was not pending.
func completeTask(tx *bolt.Tx, key string) (bool, error) {
	byKey := tx.Bucket(bucketTaskKeys)
	sk := byKey.Get([]byte(key))
	if sk == nil {
		return false, nil
	}
	if err := tx.Bucket(bucketTasks).Delete(clone(sk)); err != nil {
		return false, err
	}
	return true, byKey.Delete([]byte(key))
}

// DueTasks returns up to limit tasks due at or before now, earliest first.
func (db *DB) DueTasks(now time.Time, limit int) ([]timers.Task, error) {
	return db.DueTasksAfter(now, nil, limit)
}

// DueTasksAfter implements timers.Store.
func (db *DB) DueTasksAfter(now time.Time, after *timers.Task, limit int) ([]timers.Task, error) {
	var out []timers.Task
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketTasks).Cursor()
		k, v := c.First()
		if after != nil {
			from := taskSortKey(*after)
			if k, v = c.Seek(from); k != nil && bytes.Equal(k, from) {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			if int64(binary.BigEndian.Uint64(k[:8])) > now.UnixNano() {
				break
			}
			var t timers.Task
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("task %q: %w", k[8:], err)
			}
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// NextDue implements timers.Store.
func (db *DB) NextDue() (time.Time, bool, error) {
	var at time.Time
	var ok bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketTasks).Cursor().First()
		if k != nil {
			at, ok = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))), true
		}
		return nil
	})
	return at, ok, err
}

// CompleteTask removes the task key and queues msgs in one transaction. It returns false, and
// queues nothing, when the task was already completed.
func (db *DB) CompleteTask(key string, msgs []rituals.Message) (bool, error) {
	var done bool
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		var err error
		if done, err = completeTask(tx, key); err != nil || !done {
			return err
		}
		return enqueue(tx, db.Now(), msgs)
	})
	return done, err
}
