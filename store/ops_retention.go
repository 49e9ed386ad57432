package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/digest"
)

// Retention says how long history is kept; a zero duration keeps it forever.
type Retention struct {
	// Checkins is how long a digest check-in is kept after it was last saved: the person's update
	// or skip, and the record that they were asked.
	Checkins time.Duration
	// Kudos is how long kudos are kept after they were given.
	Kudos time.Duration
	// Coffee is how long coffee rounds (who met whom, and whether they met) are kept after the
	// round started.
	Coffee time.Duration
}

// MinRetention is the shortest limit Retention accepts: shorter ones could remove a week's
// check-ins and kudos before its digest is written, or a round people still answer.
const MinRetention = 14 * 24 * time.Hour

// Validate reports a limit that is negative or shorter than MinRetention.
func (r Retention) Validate() error {
	for _, l := range []struct {
		name string
		d    time.Duration
	}{{"checkins", r.Checkins}, {"kudos", r.Kudos}, {"coffee", r.Coffee}} {
		if l.d != 0 && l.d < MinRetention {
			return fmt.Errorf("retention of %s is %s: keep at least %s, or 0 to keep forever", l.name, l.d, MinRetention)
		}
	}
	return nil
}

// PruneReport counts what Prune removed.
type PruneReport struct {
	// Updates counts digest updates and skips.
	Updates int `json:"updates"`
	// Asks counts records that someone was asked for an update.
	Asks int `json:"asks"`
	// Kudos counts kudos.
	Kudos int `json:"kudos"`
	// CoffeeRounds counts coffee rounds.
	CoffeeRounds int `json:"coffee_rounds"`
}

// Prune removes, in one transaction, the history older than r's limits at now, and nothing else:
// digest updates and skips (with their index) and asks older than r.Checkins, kudos older than
// r.Kudos, coffee rounds older than r.Coffee (with their index). Two guards keep what rituals
// still use whatever its age: a digest week's records go only once that week's digest, or a
// later one, is posted in the channel, and each channel's latest coffee round stays (its
// follow-up and "did you meet?" answers may still come). Run records, the outbox, tasks, rotation
// marks, memberships and feedback are never touched.
func (db *DB) Prune(now time.Time, r Retention) (PruneReport, error) {
	if err := r.Validate(); err != nil {
		return PruneReport{}, err
	}
	var rep PruneReport
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		rep = PruneReport{}
		posted := latestPosted(tx)
		// prunable reports whether a record of channel's week saved at "at" may go.
		prunable := func(limit time.Duration, channel, week string, at time.Time) bool {
			last, ok := posted[channel]
			return limit > 0 && ok && week <= last && at.Before(now.Add(-limit))
		}
		var err error
		if rep.Updates, err = pruneUpdates(tx, func(u digest.Update) bool { return prunable(r.Checkins, u.Channel, u.Week, u.At) }); err != nil {
			return fmt.Errorf("prune digest updates: %w", err)
		}
		if rep.Asks, err = pruneJSON(tx.Bucket(bucketDigestAsked), func(_ []byte, a digest.Asked) bool { return prunable(r.Checkins, a.Channel, a.Week, a.At) }); err != nil {
			return fmt.Errorf("prune digest asks: %w", err)
		}
		if rep.Kudos, err = pruneJSON(tx.Bucket(bucketDigestKudos), func(_ []byte, k digest.Kudos) bool { return prunable(r.Kudos, k.Channel, k.Week, k.At) }); err != nil {
			return fmt.Errorf("prune kudos: %w", err)
		}
		if r.Coffee > 0 {
			if rep.CoffeeRounds, err = pruneCoffeeRounds(tx, now.Add(-r.Coffee)); err != nil {
				return fmt.Errorf("prune coffee rounds: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return PruneReport{}, err
	}
	return rep, nil
}

// latestPosted maps each channel to the latest week whose digest is posted. Week ids
// ("2026-W48") sort in time order.
func latestPosted(tx *bolt.Tx) map[string]string {
	out := map[string]string{}
	_ = tx.Bucket(bucketDigestPosts).ForEach(func(k, _ []byte) error {
		if p := personKeyParts(k); len(p) == 2 && p[1] > out[p[0]] {
			out[p[0]] = p[1]
		}
		return nil
	})
	return out
}

// pruneJSON deletes the records of b, decoded as T, for which old is true, and counts them.
func pruneJSON[T any](b *bolt.Bucket, old func(k []byte, rec T) bool) (int, error) {
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if v == nil {
			return nil
		}
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("record %q: %w", k, err)
		}
		if old(k, rec) {
			keys = append(keys, clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(keys), deleteKeys(b, keys)
}

// pruneUpdates deletes the updates for which old is true, and their entries in the index of a
// person's weeks.
func pruneUpdates(tx *bolt.Tx, old func(digest.Update) bool) (int, error) {
	index := tx.Bucket(bucketDigestUserWeeks)
	var gone []digest.Update
	n, err := pruneJSON(tx.Bucket(bucketDigestUpdates), func(_ []byte, u digest.Update) bool {
		if old(u) {
			gone = append(gone, u)
			return true
		}
		return false
	})
	if err != nil {
		return 0, err
	}
	for _, u := range gone {
		if err := index.Delete(digestKey(u.Channel, u.User, u.Week)); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// pruneCoffeeRounds deletes the rounds started before cutoff, except each channel's latest, and
// their entries in the index of round ids.
func pruneCoffeeRounds(tx *bolt.Tx, cutoff time.Time) (int, error) {
	rounds, index := tx.Bucket(bucketCoffeeRounds), tx.Bucket(bucketCoffeeRoundKeys)
	type old struct {
		key         []byte
		id, channel string
	}
	var gone []old
	latest := map[string][]byte{} // channel → key of its latest round
	err := rounds.ForEach(func(k, v []byte) error {
		var r coffee.Round
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("coffee round %q: %w", k, err)
		}
		// Keys sort by channel, then time: the last one seen per channel is its latest.
		latest[r.Channel] = clone(k)
		if r.At.Before(cutoff) {
			gone = append(gone, old{clone(k), r.ID, r.Channel})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range gone {
		if string(latest[o.channel]) == string(o.key) {
			continue
		}
		if err := rounds.Delete(o.key); err != nil {
			return 0, err
		}
		if string(index.Get([]byte(o.id))) == string(o.key) {
			if err := index.Delete([]byte(o.id)); err != nil {
				return 0, err
			}
		}
		n++
	}
	return n, nil
}
