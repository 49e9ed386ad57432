package store

import (
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

var (
	// bucketRuns maps a run key to its runRecord.
	bucketRuns = []byte("runs")

	// bucketRunLast maps "ritual/channel" to the latest scheduled time recorded (RFC 3339).
	bucketRunLast = []byte("run_last")
)

var _ = registerBuckets(bucketRuns, bucketRunLast)

// runRecord is what the ledger keeps of one scheduled occurrence.
type runRecord struct {
	Outcome string    `json:"outcome"` // "ran" or "skipped"
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"` // when it was recorded
}

// Runs is the scheduler's ledger on top of the database; it implements schedule.Ledger.
type Runs struct{ db *DB }

// Runs returns the run ledger.
func (db *DB) Runs() Runs { return Runs{db} }

// Done implements schedule.Ledger.
func (r Runs) Done(key string) (bool, error) {
	var done bool
	err := r.db.bolt.View(func(tx *bolt.Tx) error {
		done = tx.Bucket(bucketRuns).Get([]byte(key)) != nil
		return nil
	})
	return done, err
}

// Skip implements schedule.Ledger.
func (r Runs) Skip(key schedule.Key, reason string, now time.Time) error {
	return r.db.bolt.Update(func(tx *bolt.Tx) error {
		err := recordRun(tx, key, runRecord{Outcome: "skipped", Reason: reason, At: now})
		if errors.Is(err, schedule.ErrAlreadyRan) {
			return nil
		}
		return err
	})
}

// Last implements schedule.Ledger.
func (r Runs) Last(ritual, channel string) (time.Time, bool, error) {
	var at time.Time
	var ok bool
	err := r.db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRunLast).Get([]byte(ritual + "/" + channel))
		if v == nil {
			return nil
		}
		ok = true
		return at.UnmarshalText(v)
	})
	return at, ok, err
}

// Start implements schedule.Ledger.
func (r Runs) Start(ritual, channel string, now time.Time) error {
	return r.db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRunLast)
		k := []byte(ritual + "/" + channel)
		if b.Get(k) != nil {
			return nil
		}
		v, err := now.MarshalText()
		if err != nil {
			return err
		}
		return b.Put(k, v)
	})
}

// recordRun marks key as done inside tx and moves the ritual's "last" mark forward.
func recordRun(tx *bolt.Tx, key schedule.Key, rec runRecord) error {
	runs := tx.Bucket(bucketRuns)
	k := []byte(key.String())
	if runs.Get(k) != nil {
		return schedule.ErrAlreadyRan
	}
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := runs.Put(k, v); err != nil {
		return err
	}
	if err := indexForRetention(tx, retainRun, rec.At, k); err != nil {
		return err
	}
	last := tx.Bucket(bucketRunLast)
	lk := []byte(key.Ritual + "/" + key.Channel)
	if prev := last.Get(lk); prev != nil {
		var at time.Time
		if err := at.UnmarshalText(prev); err == nil && !key.At.After(at) {
			return nil
		}
	}
	at, err := key.At.MarshalText()
	if err != nil {
		return err
	}
	return last.Put(lk, at)
}

// CommitRun records key as run and queues msgs and tasks in one transaction: either the run
// happened and its messages will be delivered, or nothing. It returns schedule.ErrAlreadyRan when
// key is recorded.
func (db *DB) CommitRun(key schedule.Key, msgs []rituals.Message, tasks ...timers.Task) error {
	return db.commitRun(key, msgs, tasks, nil)
}

// commitRun is CommitRun with the ritual's own writes, done in the same transaction.
func (db *DB) commitRun(key schedule.Key, msgs []rituals.Message, tasks []timers.Task, writes func(tx *bolt.Tx) error) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		now := db.Now()
		if err := recordRun(tx, key, runRecord{Outcome: "ran", At: now}); err != nil {
			return err
		}
		if writes != nil {
			if err := writes(tx); err != nil {
				return err
			}
		}
		if err := addTasks(tx, tasks); err != nil {
			return err
		}
		if err := expireRestoreCheck(tx, now); err != nil {
			return err
		}
		return enqueue(tx, now, msgs)
	})
}

// Rebase implements schedule.Ledger: it moves the baseline of ritual/channel forward to now.
func (r Runs) Rebase(ritual, channel string, now time.Time) error {
	return r.db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRunLast)
		k := []byte(ritual + "/" + channel)
		if prev := b.Get(k); prev != nil {
			var at time.Time
			if err := at.UnmarshalText(prev); err == nil && !now.After(at) {
				return nil
			}
		}
		v, err := now.MarshalText()
		if err != nil {
			return err
		}
		return b.Put(k, v)
	})
}
