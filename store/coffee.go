package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

var (
	// bucketCoffeeMembers maps "channel/user" to a coffee.Membership.
	bucketCoffeeMembers = []byte("coffee_members")
	// bucketCoffeeRounds maps "channel/at (RFC 3339, UTC)/round id" to a coffee.Round.
	bucketCoffeeRounds = []byte("coffee_rounds")
	// bucketCoffeeRoundKeys maps a round id to its key in bucketCoffeeRounds.
	bucketCoffeeRoundKeys = []byte("coffee_round_keys")
	// bucketCoffeeAvoids maps "user/other" to nothing: user asked to be kept apart from other.
	bucketCoffeeAvoids = []byte("coffee_avoids")
	// bucketCoffeeStarters maps "channel/question id" to when it was last used as a starter.
	bucketCoffeeStarters = []byte("coffee_starters")
	// bucketCoffeeHours maps a user id to the working hours they set (a coffee.Hours).
	bucketCoffeeHours = []byte("coffee_hours")
)

var _ = registerBuckets(bucketCoffeeMembers, bucketCoffeeRounds, bucketCoffeeRoundKeys, bucketCoffeeAvoids, bucketCoffeeStarters, bucketCoffeeHours)

// Coffee returns the coffee ritual's store.
func (db *DB) Coffee() Coffee { return Coffee{db} }

// Coffee implements coffee.Store.
type Coffee struct{ db *DB }

var _ coffee.Store = Coffee{}

// Memberships implements coffee.Store.
func (s Coffee) Memberships(channel string) (map[string]coffee.Membership, error) {
	var out map[string]coffee.Membership
	err := s.db.bolt.View(func(tx *bolt.Tx) (err error) {
		out, err = jsonUnder[coffee.Membership](tx.Bucket(bucketCoffeeMembers), channel+"/")
		return err
	})
	return out, err
}

// SetMembership implements coffee.Store.
func (s Coffee) SetMembership(channel, user string, m coffee.Membership, msgs []rituals.Message) error {
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bucketCoffeeMembers), channel+"/"+user, m); err != nil {
			return err
		}
		return enqueue(tx, s.db.Now(), msgs)
	})
}

func coffeeRoundKey(r coffee.Round) []byte {
	return []byte(r.Channel + "/" + r.At.UTC().Format(time.RFC3339Nano) + "/" + r.ID)
}

// Rounds implements coffee.Store.
func (s Coffee) Rounds(channel string, limit int) ([]coffee.Round, error) {
	var out []coffee.Round
	err := s.db.bolt.View(func(tx *bolt.Tx) (err error) {
		out, err = newestUnder[coffee.Round](tx.Bucket(bucketCoffeeRounds), channel, limit)
		return err
	})
	return out, err
}

// CommitRound implements coffee.Store.
func (s Coffee) CommitRound(key schedule.Key, round coffee.Round, members map[string]coffee.Membership, msgs []rituals.Message, tasks []timers.Task) error {
	return s.db.commitRun(key, msgs, tasks, func(tx *bolt.Tx) error {
		for user, m := range members {
			if err := putJSON(tx.Bucket(bucketCoffeeMembers), round.Channel+"/"+user, m); err != nil {
				return err
			}
		}
		at, err := round.At.MarshalText()
		if err != nil {
			return err
		}
		for _, g := range round.Groups {
			if g.StarterID != "" {
				if err := tx.Bucket(bucketCoffeeStarters).Put([]byte(round.Channel+"/"+g.StarterID), at); err != nil {
					return err
				}
			}
		}
		k := coffeeRoundKey(round)
		if err := putJSON(tx.Bucket(bucketCoffeeRounds), string(k), round); err != nil {
			return err
		}
		return tx.Bucket(bucketCoffeeRoundKeys).Put([]byte(round.ID), k)
	})
}

// Answer implements coffee.Store; only a member of the group may answer for it.
func (s Coffee) Answer(roundID, groupID, answer, by string) (coffee.Group, error) {
	var before coffee.Group
	g, err := s.UpdateGroup(roundID, groupID, func(g *coffee.Group) error {
		before = *g
		switch {
		case !slices.Contains(g.Members, by):
			return coffee.ErrNotInGroup
		case g.Answer != "":
			return coffee.ErrAnswered
		}
		g.Answer, g.AnsweredBy = answer, by
		return nil
	})
	if err != nil {
		return before, err
	}
	return g, nil
}

// UpdateGroup implements coffee.Store.
func (s Coffee) UpdateGroup(roundID, groupID string, change func(*coffee.Group) error) (coffee.Group, error) {
	var group coffee.Group
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		k := tx.Bucket(bucketCoffeeRoundKeys).Get([]byte(roundID))
		if k == nil {
			return fmt.Errorf("coffee round %s not found", roundID)
		}
		rounds := tx.Bucket(bucketCoffeeRounds)
		var r coffee.Round
		if err := json.Unmarshal(rounds.Get(k), &r); err != nil {
			return err
		}
		for i := range r.Groups {
			g := &r.Groups[i]
			if g.ID != groupID {
				continue
			}
			if err := change(g); err != nil {
				return err
			}
			group = *g
			return putJSON(rounds, string(clone(k)), r)
		}
		return fmt.Errorf("coffee group %s not found", groupID)
	})
	return group, err
}

// CompleteTask implements coffee.Store.
func (s Coffee) CompleteTask(taskKey string, msgs []rituals.Message) (bool, error) {
	return s.db.CompleteTask(taskKey, msgs)
}

// Hours implements coffee.Store.
func (s Coffee) Hours(users []string) (map[string]coffee.Hours, error) {
	out := map[string]coffee.Hours{}
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCoffeeHours)
		for _, u := range users {
			v := b.Get([]byte(u))
			if v == nil {
				continue
			}
			var h coffee.Hours
			if err := json.Unmarshal(v, &h); err != nil {
				return fmt.Errorf("working hours of %s: %w", u, err)
			}
			out[u] = h
		}
		return nil
	})
	return out, err
}

// SetHours implements coffee.Store.
func (s Coffee) SetHours(user string, h coffee.Hours) error {
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		if h.IsZero() {
			return tx.Bucket(bucketCoffeeHours).Delete([]byte(user))
		}
		return putJSON(tx.Bucket(bucketCoffeeHours), user, h)
	})
}

// Avoids implements coffee.Store.
func (s Coffee) Avoids(user string) ([]string, error) {
	var out []string
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		return eachUnder(tx.Bucket(bucketCoffeeAvoids), user+"/", func(other string, _ []byte) error {
			out = append(out, other)
			return nil
		})
	})
	return out, err
}

// SetAvoid implements coffee.Store.
func (s Coffee) SetAvoid(user, other string, avoid bool) error {
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		k := []byte(user + "/" + other)
		if avoid {
			return tx.Bucket(bucketCoffeeAvoids).Put(k, []byte{})
		}
		return tx.Bucket(bucketCoffeeAvoids).Delete(k)
	})
}

// AllAvoids implements coffee.Store.
func (s Coffee) AllAvoids() ([][2]string, error) {
	var out [][2]string
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCoffeeAvoids).ForEach(func(k, _ []byte) error {
			a, b, _ := strings.Cut(string(k), "/")
			out = append(out, [2]string{a, b})
			return nil
		})
	})
	return out, err
}

// StartersAsked implements coffee.Store.
func (s Coffee) StartersAsked(channel string) (map[string]time.Time, error) {
	var out map[string]time.Time
	err := s.db.bolt.View(func(tx *bolt.Tx) (err error) {
		out, err = timesUnder(tx.Bucket(bucketCoffeeStarters), channel+"/")
		return err
	})
	return out, err
}
