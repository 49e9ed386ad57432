package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals/presence"
)

// bucketPresenceAway maps a user id to their presence.Away. It holds user ids: erasing a person
// deletes their key here.
var bucketPresenceAway = []byte("presence_away")

var _ = registerBuckets(bucketPresenceAway)

// Presence returns the store of who is away.
func (db *DB) Presence() Presence { return Presence{db} }

// Presence implements presence.Store.
type Presence struct{ db *DB }

var _ presence.Store = Presence{}

// PutAway implements presence.Store.
func (s Presence) PutAway(a presence.Away) error {
	if a.User == "" {
		return fmt.Errorf("away record has no user")
	}
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPresenceAway).Put([]byte(a.User), v)
	})
}

// DeleteAway implements presence.Store.
func (s Presence) DeleteAway(user string) (bool, error) {
	var found bool
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPresenceAway)
		if b.Get([]byte(user)) == nil {
			return nil
		}
		found = true
		return b.Delete([]byte(user))
	})
	return found, err
}

// GetAway implements presence.Store.
func (s Presence) GetAway(user string) (presence.Away, bool, error) {
	var a presence.Away
	var found bool
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketPresenceAway).Get([]byte(user))
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &a)
	})
	return a, found, err
}

// GetAways implements presence.Store.
func (s Presence) GetAways(users []string) (map[string]presence.Away, error) {
	out := map[string]presence.Away{}
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPresenceAway)
		for _, u := range users {
			v := b.Get([]byte(u))
			if v == nil {
				continue
			}
			var a presence.Away
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("away record of %s: %w", u, err)
			}
			out[u] = a
		}
		return nil
	})
	return out, err
}
