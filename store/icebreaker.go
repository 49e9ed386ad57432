package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/icebreaker"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

var (
	// bucketIceAsked maps "channel/question id" to when it was last asked (RFC 3339).
	bucketIceAsked = []byte("icebreaker_asked")

	// bucketIceRounds maps "channel/posted-at/round id" to an icebreaker.Round.
	bucketIceRounds = []byte("icebreaker_rounds")
	// bucketIceRoundKeys maps a round id to its key in bucketIceRounds.
	bucketIceRoundKeys = []byte("icebreaker_round_keys")
	// bucketIceSuggestions maps a suggestion id to an icebreaker.Suggestion.
	bucketIceSuggestions = []byte("icebreaker_suggestions")
)

var _ = registerBuckets(bucketIceAsked, bucketIceRounds, bucketIceRoundKeys, bucketIceSuggestions)

// Icebreakers returns the icebreaker ritual's store.
func (db *DB) Icebreakers() Icebreakers { return Icebreakers{db} }

// Icebreakers implements icebreaker.Store.
type Icebreakers struct{ db *DB }

var _ icebreaker.Store = Icebreakers{}

// Asked implements icebreaker.Store.
func (s Icebreakers) Asked(channel string) (map[string]time.Time, error) {
	var out map[string]time.Time
	err := s.db.bolt.View(func(tx *bolt.Tx) (err error) {
		out, err = timesUnder(tx.Bucket(bucketIceAsked), channel+"/")
		return err
	})
	return out, err
}

func hasPrefix(k, prefix []byte) bool {
	return len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix)
}

// CommitRound implements icebreaker.Store.
func (s Icebreakers) CommitRound(key schedule.Key, round icebreaker.Round, msgs []rituals.Message, tasks []timers.Task) error {
	return s.db.commitRun(key, msgs, tasks, func(tx *bolt.Tx) error {
		at, err := round.PostedAt.MarshalText()
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketIceAsked).Put([]byte(round.Channel+"/"+round.QuestionID), at); err != nil {
			return err
		}
		return putRound(tx, round)
	})
}

func roundKey(r icebreaker.Round) []byte {
	return []byte(r.Channel + "/" + r.PostedAt.UTC().Format(time.RFC3339Nano) + "/" + r.ID)
}

func putRound(tx *bolt.Tx, r icebreaker.Round) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	k := roundKey(r)
	if err := tx.Bucket(bucketIceRounds).Put(k, v); err != nil {
		return err
	}
	return tx.Bucket(bucketIceRoundKeys).Put([]byte(r.ID), k)
}

// CloseRound implements icebreaker.Store.
func (s Icebreakers) CloseRound(taskKey, channel, roundID string, answers int, msgs []rituals.Message) (bool, error) {
	var done bool
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		var err error
		if done, err = completeTask(tx, taskKey); err != nil || !done {
			return err
		}
		k := tx.Bucket(bucketIceRoundKeys).Get([]byte(roundID))
		if k == nil {
			return fmt.Errorf("icebreaker round %s not found", roundID)
		}
		var r icebreaker.Round
		if err := json.Unmarshal(tx.Bucket(bucketIceRounds).Get(k), &r); err != nil {
			return err
		}
		r.Closed, r.Answers = true, answers
		if err := putRound(tx, r); err != nil {
			return err
		}
		return enqueue(tx, s.db.Now(), msgs)
	})
	return done, err
}

// Rounds implements icebreaker.Store.
func (s Icebreakers) Rounds(channel string, limit int) ([]icebreaker.Round, error) {
	var out []icebreaker.Round
	err := s.db.bolt.View(func(tx *bolt.Tx) (err error) {
		out, err = newestUnder[icebreaker.Round](tx.Bucket(bucketIceRounds), channel, limit)
		return err
	})
	return out, err
}

// AddSuggestion implements icebreaker.Store.
func (s Icebreakers) AddSuggestion(sg icebreaker.Suggestion, msgs []rituals.Message) error {
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bucketIceSuggestions), sg.ID, sg); err != nil {
			return err
		}
		return enqueue(tx, s.db.Now(), msgs)
	})
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}

// suggestions returns channel's suggestions with status, oldest first.
func (s Icebreakers) suggestions(channel, status string) ([]icebreaker.Suggestion, error) {
	var out []icebreaker.Suggestion
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIceSuggestions).ForEach(func(_, v []byte) error {
			var sg icebreaker.Suggestion
			if err := json.Unmarshal(v, &sg); err != nil {
				return err
			}
			if sg.Channel == channel && sg.Status == status {
				out = append(out, sg)
			}
			return nil
		})
	})
	sortSuggestions(out)
	return out, err
}

func sortSuggestions(s []icebreaker.Suggestion) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].At.Before(s[j-1].At); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// Approved implements icebreaker.Store.
func (s Icebreakers) Approved(channel string) ([]icebreaker.Suggestion, error) {
	return s.suggestions(channel, icebreaker.StatusApproved)
}

// Pending implements icebreaker.Store.
func (s Icebreakers) Pending(channel string) ([]icebreaker.Suggestion, error) {
	return s.suggestions(channel, icebreaker.StatusPending)
}

// DecideSuggestion implements icebreaker.Store.
func (s Icebreakers) DecideSuggestion(id, status, by string, outcome func(icebreaker.Suggestion) []rituals.Message) (icebreaker.Suggestion, error) {
	var sg icebreaker.Suggestion
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIceSuggestions)
		v := b.Get([]byte(id))
		if v == nil {
			return fmt.Errorf("suggestion %s not found", id)
		}
		if err := json.Unmarshal(v, &sg); err != nil {
			return err
		}
		if sg.Status != icebreaker.StatusPending {
			return icebreaker.ErrDecided
		}
		sg.Status, sg.DecidedBy = status, by
		if err := putJSON(b, id, sg); err != nil {
			return err
		}
		return enqueue(tx, s.db.Now(), outcome(sg))
	})
	return sg, err
}
