package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// The digest's buckets. Channel, week (digest.Week.ID) and user ids contain no "/", so keys joined
// with "/" sort by their parts. Every one of them holds user ids (in keys or values): erasing a
// person reaches all but digest_posts.
var (
	// bucketDigestUpdates maps "channel/week/user" to a digest.Update (an update or a skip).
	bucketDigestUpdates = []byte("digest_updates")
	// bucketDigestUserWeeks maps "channel/user/week" to nothing: the index of a person's weeks.
	bucketDigestUserWeeks = []byte("digest_user_weeks")
	// bucketDigestAsked maps "channel/week/user" to a digest.Asked.
	bucketDigestAsked = []byte("digest_asked")
	// bucketDigestKudos maps "channel/week/at/id" (at in RFC 3339 UTC, fixed width) to a
	// digest.Kudos.
	bucketDigestKudos = []byte("digest_kudos")
	// bucketDigestPosts maps "channel/week" to a digestPost once that week's digest is out.
	bucketDigestPosts = []byte("digest_posts")
)

var _ = registerBuckets(bucketDigestUpdates, bucketDigestUserWeeks, bucketDigestAsked, bucketDigestKudos, bucketDigestPosts)

// digestPost records that a week's digest was posted.
type digestPost struct {
	// RunKey is the run that posted it.
	RunKey string    `json:"run_key"`
	At     time.Time `json:"at"`
}

// Digest returns the weekly digest's store.
func (db *DB) Digest() Digest { return Digest{db} }

// Digest implements digest.Store.
type Digest struct{ db *DB }

var _ digest.Store = Digest{}

// digestTimeLayout writes times in keys with a fixed width, so they sort.
const digestTimeLayout = "2006-01-02T15:04:05.000000000Z"

func digestKey(parts ...string) []byte {
	n := len(parts)
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			k = append(k, '/')
		}
		k = append(k, p...)
	}
	return k
}

// digestPrefix is digestKey(parts...) followed by "/".
func digestPrefix(parts ...string) []byte { return append(digestKey(parts...), '/') }

// Posted implements digest.Store.
func (s Digest) Posted(channel, week string) (bool, error) {
	var posted bool
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		posted = tx.Bucket(bucketDigestPosts).Get(digestKey(channel, week)) != nil
		return nil
	})
	return posted, err
}

// WeekRecords implements digest.Store.
func (s Digest) WeekRecords(channel, week string) (digest.WeekRecords, error) {
	var recs digest.WeekRecords
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		recs, err = digestWeekRecords(tx, channel, week)
		return err
	})
	return recs, err
}

// digestWeekRecords reads a week's records inside tx.
func digestWeekRecords(tx *bolt.Tx, channel, week string) (digest.WeekRecords, error) {
	var recs digest.WeekRecords
	prefix := digestPrefix(channel, week)
	recs.Posted = tx.Bucket(bucketDigestPosts).Get(digestKey(channel, week)) != nil
	err := digestScan(tx.Bucket(bucketDigestUpdates), prefix, func(v []byte) error {
		var u digest.Update
		if err := json.Unmarshal(v, &u); err != nil {
			return err
		}
		recs.Updates = append(recs.Updates, u)
		return nil
	})
	if err != nil {
		return recs, fmt.Errorf("digest updates of %s %s: %w", channel, week, err)
	}
	err = digestScan(tx.Bucket(bucketDigestAsked), prefix, func(v []byte) error {
		var a digest.Asked
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		recs.Asked = append(recs.Asked, a)
		return nil
	})
	if err != nil {
		return recs, fmt.Errorf("digest asks of %s %s: %w", channel, week, err)
	}
	err = digestScan(tx.Bucket(bucketDigestKudos), prefix, func(v []byte) error {
		var k digest.Kudos
		if err := json.Unmarshal(v, &k); err != nil {
			return err
		}
		recs.Kudos = append(recs.Kudos, k)
		return nil
	})
	if err != nil {
		return recs, fmt.Errorf("kudos of %s %s: %w", channel, week, err)
	}
	return recs, nil
}

// digestScan calls fn with the value of every key in b starting with prefix, in key order.
func digestScan(b *bolt.Bucket, prefix []byte, fn func(v []byte) error) error {
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// digestPut stores v as JSON under key.
func digestPut(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// SaveUpdate implements digest.Store.
func (s Digest) SaveUpdate(u digest.Update) (digest.Update, error) {
	if u.Channel == "" || u.Week == "" || u.User == "" {
		return digest.Update{}, fmt.Errorf("digest update needs a channel, a week and a user")
	}
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketDigestPosts).Get(digestKey(u.Channel, u.Week)) != nil {
			return digest.ErrPosted
		}
		b := tx.Bucket(bucketDigestUpdates)
		k := digestKey(u.Channel, u.Week, u.User)
		u.First = u.At
		if old := b.Get(k); old != nil {
			var prev digest.Update
			if err := json.Unmarshal(old, &prev); err != nil {
				return fmt.Errorf("digest update %s: %w", k, err)
			}
			if !prev.First.IsZero() {
				u.First = prev.First
			}
			if err := unindexForRetention(tx, retainUpdate, prev.At, k); err != nil {
				return err
			}
		}
		if err := digestPut(b, k, u); err != nil {
			return err
		}
		if err := indexForRetention(tx, retainUpdate, u.At, k); err != nil {
			return err
		}
		return tx.Bucket(bucketDigestUserWeeks).Put(digestKey(u.Channel, u.User, u.Week), []byte{})
	})
	if err != nil {
		return digest.Update{}, err
	}
	return u, nil
}

// UserUpdates implements digest.Store.
func (s Digest) UserUpdates(channel, user, since string, limit int) ([]digest.Update, error) {
	var out []digest.Update
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		updates := tx.Bucket(bucketDigestUpdates)
		prefix := digestPrefix(channel, user)
		c := tx.Bucket(bucketDigestUserWeeks).Cursor()
		// Walk back from the end of the person's range: '/'+1 sorts after every week id.
		end := append(digestKey(channel, user), '/'+1)
		k, _ := c.Seek(end)
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, _ = c.Prev() {
			week := string(k[len(prefix):])
			if week < since {
				break
			}
			v := updates.Get(digestKey(channel, week, user))
			if v == nil {
				continue
			}
			var u digest.Update
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("digest update %s/%s/%s: %w", channel, week, user, err)
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// PersonWeek implements digest.Store.
func (s Digest) PersonWeek(channel, week, user string) (digest.PersonWeek, error) {
	var pw digest.PersonWeek
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		k := digestKey(channel, week, user)
		if v := tx.Bucket(bucketDigestUpdates).Get(k); v != nil {
			pw.Update = &digest.Update{}
			if err := json.Unmarshal(v, pw.Update); err != nil {
				return fmt.Errorf("digest update %s: %w", k, err)
			}
		}
		if v := tx.Bucket(bucketDigestAsked).Get(k); v != nil {
			pw.Asked = &digest.Asked{}
			if err := json.Unmarshal(v, pw.Asked); err != nil {
				return fmt.Errorf("digest ask %s: %w", k, err)
			}
		}
		return nil
	})
	return pw, err
}

// AddKudos implements digest.Store.
func (s Digest) AddKudos(k digest.Kudos, msgs []rituals.Message) error {
	if k.Channel == "" || k.Week == "" || k.ID == "" {
		return fmt.Errorf("kudos need a channel, a week and an id")
	}
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketDigestPosts).Get(digestKey(k.Channel, k.Week)) != nil {
			return digest.ErrPosted
		}
		key := digestKey(k.Channel, k.Week, k.At.UTC().Format(digestTimeLayout), k.ID)
		if err := digestPut(tx.Bucket(bucketDigestKudos), key, k); err != nil {
			return err
		}
		if err := indexForRetention(tx, retainKudos, k.At, key); err != nil {
			return err
		}
		return enqueue(tx, s.db.Now(), msgs)
	})
}

// digestAsk records the asks whose person was neither asked nor answered that week, and queues
// their messages, inside tx. It returns the users asked.
func digestAsk(tx *bolt.Tx, now time.Time, asks []digest.Ask) ([]string, error) {
	asked, updates, posts := tx.Bucket(bucketDigestAsked), tx.Bucket(bucketDigestUpdates), tx.Bucket(bucketDigestPosts)
	var users []string
	var msgs []rituals.Message
	for _, a := range asks {
		if a.Channel == "" || a.Week == "" || a.User == "" {
			return nil, fmt.Errorf("digest ask needs a channel, a week and a user")
		}
		k := digestKey(a.Channel, a.Week, a.User)
		if asked.Get(k) != nil || updates.Get(k) != nil || posts.Get(digestKey(a.Channel, a.Week)) != nil {
			continue
		}
		if err := digestPut(asked, k, a.Asked); err != nil {
			return nil, err
		}
		if err := indexForRetention(tx, retainAsk, a.At, k); err != nil {
			return nil, err
		}
		users = append(users, a.User)
		msgs = append(msgs, a.Message)
	}
	return users, enqueue(tx, now, msgs)
}

// CommitCheckin implements digest.Store.
func (s Digest) CommitCheckin(key schedule.Key, asks []digest.Ask, tasks []timers.Task) ([]string, error) {
	var users []string
	err := s.db.commitRun(key, nil, tasks, func(tx *bolt.Tx) error {
		var err error
		users, err = digestAsk(tx, s.db.Now(), asks)
		return err
	})
	if err != nil {
		return nil, err
	}
	return users, nil
}

// Ask implements digest.Store.
func (s Digest) Ask(done []string, asks []digest.Ask, tasks []timers.Task) ([]string, error) {
	var users []string
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		for _, key := range done {
			if _, err := completeTask(tx, key); err != nil {
				return err
			}
		}
		var err error
		if users, err = digestAsk(tx, s.db.Now(), asks); err != nil {
			return err
		}
		return addTasks(tx, tasks)
	})
	if err != nil {
		return nil, err
	}
	return users, nil
}

// Remind implements digest.Store.
func (s Digest) Remind(taskKey, channel, week string, candidates []string, build func(users []string) []rituals.Message) (bool, error) {
	var done bool
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		var err error
		if done, err = completeTask(tx, taskKey); err != nil || !done {
			return err
		}
		if tx.Bucket(bucketDigestPosts).Get(digestKey(channel, week)) != nil {
			return nil
		}
		updates := tx.Bucket(bucketDigestUpdates)
		var keep []string
		for _, u := range candidates {
			if updates.Get(digestKey(channel, week, u)) == nil {
				keep = append(keep, u)
			}
		}
		if len(keep) == 0 {
			return nil
		}
		return enqueue(tx, s.db.Now(), build(keep))
	})
	return done, err
}

// CommitPost implements digest.Store.
func (s Digest) CommitPost(key schedule.Key, channel, week string, done []string, build func(digest.WeekRecords) ([]rituals.Message, error)) (bool, error) {
	var posted bool
	err := s.db.commitRun(key, nil, nil, func(tx *bolt.Tx) error {
		posts := tx.Bucket(bucketDigestPosts)
		pk := digestKey(channel, week)
		if posts.Get(pk) != nil {
			return nil
		}
		for _, t := range done {
			if _, err := completeTask(tx, t); err != nil {
				return err
			}
		}
		recs, err := digestWeekRecords(tx, channel, week)
		if err != nil {
			return err
		}
		msgs, err := build(recs)
		if err != nil {
			return err
		}
		if err := digestPut(posts, pk, digestPost{RunKey: key.String(), At: s.db.Now()}); err != nil {
			return err
		}
		posted = true
		return enqueue(tx, s.db.Now(), msgs)
	})
	return posted, err
}
