package store

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
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
//
// It reads only what expired: the digest's records through their entries in bucketRetention,
// coffee rounds through their keys (which start with the channel and the time); nothing is
// decoded. Records a guard keeps are looked at again the next night, by their index entry only.
func (db *DB) Prune(now time.Time, r Retention) (PruneReport, error) {
	if err := r.Validate(); err != nil {
		return PruneReport{}, err
	}
	var rep PruneReport
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		var err error
		rep, err = prune(tx, now, r)
		return err
	})
	if err != nil {
		return PruneReport{}, err
	}
	return rep, nil
}

// prune is Prune inside tx.
func prune(tx *bolt.Tx, now time.Time, r Retention) (PruneReport, error) {
	var rep PruneReport
	posted := latestPosted(tx)
	// keep reports whether the week of a "channel/week/…" key still waits for its digest.
	keep := func(key []byte) bool {
		channel, rest, _ := bytes.Cut(key, []byte("/"))
		week, _, _ := bytes.Cut(rest, []byte("/"))
		last, ok := posted[string(channel)]
		return !ok || string(week) > last
	}
	asked, kudos := tx.Bucket(bucketDigestAsked), tx.Bucket(bucketDigestKudos)
	var err error
	if r.Checkins > 0 {
		cutoff := now.Add(-r.Checkins)
		if rep.Updates, err = pruneIndexed(tx, retainUpdate, cutoff, keep, func(k []byte) (bool, error) { return deleteUpdate(tx, k) }); err != nil {
			return PruneReport{}, fmt.Errorf("prune digest updates: %w", err)
		}
		if rep.Asks, err = pruneIndexed(tx, retainAsk, cutoff, keep, deleteRecord(asked)); err != nil {
			return PruneReport{}, fmt.Errorf("prune digest asks: %w", err)
		}
	}
	if r.Kudos > 0 {
		if rep.Kudos, err = pruneIndexed(tx, retainKudos, now.Add(-r.Kudos), keep, deleteRecord(kudos)); err != nil {
			return PruneReport{}, fmt.Errorf("prune kudos: %w", err)
		}
	}
	if r.Coffee > 0 {
		if rep.CoffeeRounds, err = pruneCoffeeRounds(tx, now.Add(-r.Coffee)); err != nil {
			return PruneReport{}, fmt.Errorf("prune coffee rounds: %w", err)
		}
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

// deleteUpdate deletes the update or skip under "channel/week/user" and its entry in the index
// of a person's weeks, and reports whether it was there.
func deleteUpdate(tx *bolt.Tx, key []byte) (bool, error) {
	updates := tx.Bucket(bucketDigestUpdates)
	if updates.Get(key) == nil {
		return false, nil
	}
	p := personKeyParts(key)
	if len(p) != 3 {
		return false, fmt.Errorf("digest update key %q is malformed", key)
	}
	if err := updates.Delete(key); err != nil {
		return false, err
	}
	return true, tx.Bucket(bucketDigestUserWeeks).Delete(digestKey(p[0], p[2], p[1]))
}

// pruneCoffeeRounds deletes the rounds started before cutoff, except each channel's latest, and
// their entries in the index of round ids. It reads keys only ("channel/at/round id"; a
// channel's keys sort by time), and only a channel's rounds up to the first one it keeps.
func pruneCoffeeRounds(tx *bolt.Tx, cutoff time.Time) (int, error) {
	rounds, index := tx.Bucket(bucketCoffeeRounds), tx.Bucket(bucketCoffeeRoundKeys)
	var gone [][]byte
	c := rounds.Cursor()
	for k, _ := c.First(); k != nil; {
		channel, _, _ := bytes.Cut(k, []byte("/"))
		prefix := append(clone(channel), '/')
		var old [][]byte
		for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			at, _, err := coffeeRoundKeyParts(k)
			if err != nil {
				return 0, err
			}
			if !at.Before(cutoff) {
				break
			}
			old = append(old, clone(k))
		}
		if k == nil || !bytes.HasPrefix(k, prefix) {
			old = old[:max(len(old)-1, 0)] // every round is old: the latest stays
		}
		gone = append(gone, old...)
		// On to the next channel: '0' is the byte after '/'.
		k, _ = c.Seek(append(clone(channel), '0'))
	}
	for _, k := range gone {
		_, id, _ := coffeeRoundKeyParts(k)
		if err := rounds.Delete(k); err != nil {
			return 0, err
		}
		if bytes.Equal(index.Get(id), k) {
			if err := index.Delete(id); err != nil {
				return 0, err
			}
		}
	}
	return len(gone), nil
}

// coffeeRoundKeyParts returns the time and the round id in a key of bucketCoffeeRounds.
func coffeeRoundKeyParts(k []byte) (time.Time, []byte, error) {
	parts := bytes.SplitN(k, []byte("/"), 3)
	if len(parts) != 3 {
		return time.Time{}, nil, fmt.Errorf("coffee round key %q is malformed", k)
	}
	at, err := time.Parse(time.RFC3339Nano, string(parts[1]))
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("coffee round key %q: %w", k, err)
	}
	return at, parts[2], nil
}
