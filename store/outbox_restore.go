package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
)

// keyRestoreCheck (in bucketMeta) marks a database restored from a backup: see MarkRestored.
var keyRestoreCheck = []byte("restore_check")

// restoreCheck is what a restore leaves for the bot.
type restoreCheck struct {
	// Window is how long after the restored bot's first message a run due before it may still be
	// caught up.
	Window time.Duration `json:"window"`
	// StartedAt is when the restored database first queued a message, on the bot's clock (the
	// restore command may run elsewhere). The bot that ran on after the backup had stopped by
	// then, so only runs and tasks due until then can have sent anything.
	StartedAt time.Time `json:"started_at,omitzero"`
	// Until is StartedAt+Window: a run due before StartedAt can no longer be caught up after it.
	Until time.Time `json:"until,omitzero"`
	// CheckFrom is the backup's latest Slack time: whatever was sent after the backup is newer.
	CheckFrom time.Time `json:"check_from,omitzero"`
}

// MarkRestored prepares a database just restored from a backup. The bot that ran on after the
// backup was taken may have sent messages the backup knows nothing of: those queued in it, and
// those that runs and tasks newer than the backup will compute again when the bot catches up. So
// every message queued now, and every message queued later while such a catch-up is possible (for
// catchUp after the restored bot queues its first message, and while a task due by then is left),
// is looked for in Slack before it is sent, as far back as the backup's latest Slack time. It
// returns how many queued messages were marked.
func (db *DB) MarkRestored(catchUp time.Duration) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		from, err := latestSlackTime(tx)
		if err != nil {
			return err
		}
		mark := restoreCheck{Window: catchUp, CheckFrom: from}
		if err := putRestoreCheck(tx, mark); err != nil {
			return err
		}
		queue := tx.Bucket(bucketOutbox)
		c := queue.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var item rituals.OutboxItem
			if err := json.Unmarshal(v, &item); err != nil {
				return fmt.Errorf("outbox item %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if item.Failed != "" {
				continue
			}
			mark.apply(&item)
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

// apply makes delivery look for item in Slack, from the backup's time on, before sending it.
func (r restoreCheck) apply(item *rituals.OutboxItem) {
	if item.Attempts == 0 || item.CheckFrom.IsZero() || r.CheckFrom.Before(item.CheckFrom) {
		item.CheckFrom = r.CheckFrom
	}
	item.Attempts = max(item.Attempts, 1)
}

// restoreCheckFor returns the restore mark that applies to messages queued now: the first message
// queued after a restore starts its catch-up window.
func restoreCheckFor(tx *bolt.Tx, now time.Time) (restoreCheck, bool, error) {
	r, ok, err := getRestoreCheck(tx)
	if err != nil || !ok || !r.StartedAt.IsZero() {
		return r, ok, err
	}
	r.StartedAt, r.Until = now, now.Add(r.Window)
	return r, true, putRestoreCheck(tx, r)
}

// expireRestoreCheck removes a restore mark that can no longer apply: its catch-up window is over
// and no task due before the restored bot started is left. Writes that complete a task do not call
// it, as they remove that task before queueing its messages.
func expireRestoreCheck(tx *bolt.Tx, now time.Time) error {
	r, ok, err := getRestoreCheck(tx)
	if err != nil || !ok || r.StartedAt.IsZero() || !now.After(r.Until) {
		return err
	}
	if k, _ := tx.Bucket(bucketTasks).Cursor().First(); k != nil && int64(binary.BigEndian.Uint64(k[:8])) <= r.StartedAt.UnixNano() {
		return nil // a task due before the restored bot started has yet to run
	}
	return tx.Bucket(bucketMeta).Delete(keyRestoreCheck)
}

func getRestoreCheck(tx *bolt.Tx) (restoreCheck, bool, error) {
	var r restoreCheck
	v := tx.Bucket(bucketMeta).Get(keyRestoreCheck)
	if v == nil {
		return r, false, nil
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return r, false, fmt.Errorf("meta %s: %w", keyRestoreCheck, err)
	}
	return r, true, nil
}

func putRestoreCheck(tx *bolt.Tx, r restoreCheck) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put(keyRestoreCheck, v)
}

// latestSlackTime is the latest Slack time the database knows: the mark delivery keeps, or (in a
// database older than it) the latest ts of a delivered message.
func latestSlackTime(tx *bolt.Tx) (time.Time, error) {
	seen, err := slackSeen(tx)
	if err != nil || !seen.IsZero() {
		return seen, err
	}
	err = tx.Bucket(bucketOutboxDone).ForEach(func(_, v []byte) error {
		var d rituals.Delivery
		if json.Unmarshal(v, &d) != nil {
			return nil
		}
		if at, err := parseSlackTS(d.TS); err == nil && at.After(seen) {
			seen = at
		}
		return nil
	})
	return seen, err
}
