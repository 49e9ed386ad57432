package store

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// The anonymous feedback buckets. None of them is written when an answer or a note arrives except
// bucketFbTokens (a token deleted) and bucketFbAnswers (an answer) or bucketFbCarry (a note) under
// a random key; no record in either names a person, and none holds a time finer than the prompt.
var (
	// bucketFbAsked maps "channel/question id" to when it was last asked (RFC 3339).
	bucketFbAsked = []byte("feedback_asked")
	// bucketFbPrompts maps a prompt id to a feedback.Prompt. Its recipients are written when the
	// prompt is created, never when someone answers, and cleared when it closes.
	bucketFbPrompts = []byte("feedback_prompts")
	// bucketFbOpen maps a channel to the id of its open prompt.
	bucketFbOpen = []byte("feedback_open")
	// bucketFbTokens holds the valid tokens: "prompt id/" + the raw 32-byte HMAC → 1. Key order
	// within a prompt is random and no insertion order exists.
	bucketFbTokens = []byte("feedback_tokens")
	// bucketFbAnswers maps "prompt id/" + 16 random bytes to a feedback.Answer.
	bucketFbAnswers = []byte("feedback_answers")
	// bucketFbCarry is a channel's pool: "channel/" + 16 random bytes → a feedback.Answer held from
	// a round too small to show, or a note (no question) waiting for the next release.
	bucketFbCarry = []byte("feedback_carry")
	// bucketFbReleases maps a release key to a feedback.Release.
	bucketFbReleases = []byte("feedback_releases")
	// bucketFbResponses maps "release key/response id" to a feedback.Response.
	bucketFbResponses = []byte("feedback_responses")
)

var _ = registerBuckets(bucketFbAsked, bucketFbPrompts, bucketFbOpen, bucketFbTokens, bucketFbAnswers,
	bucketFbCarry, bucketFbReleases, bucketFbResponses)

// tokenMark is the value of every token: the key is all there is.
var tokenMark = []byte{1}

// Feedback returns the anonymous feedback ritual's store.
func (db *DB) Feedback() Feedback { return Feedback{db} }

// Feedback implements feedback.Store.
type Feedback struct{ db *DB }

var _ feedback.Store = Feedback{}

// promptPrefix is the key prefix of a prompt's tokens and answers.
func promptPrefix(promptID string) []byte { return []byte(promptID + "/") }

// randomKey is prefix followed by 16 random bytes.
func randomKey(prefix []byte) []byte {
	k := make([]byte, len(prefix)+16)
	copy(k, prefix)
	_, _ = rand.Read(k[len(prefix):])
	return k
}

// Asked implements feedback.Store.
func (s Feedback) Asked(channel string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		prefix := []byte(channel + "/")
		c := tx.Bucket(bucketFbAsked).Cursor()
		for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
			var at time.Time
			if err := at.UnmarshalText(v); err != nil {
				return err
			}
			out[string(k[len(prefix):])] = at
		}
		return nil
	})
	return out, err
}

// CreatePrompt implements feedback.Store.
func (s Feedback) CreatePrompt(key schedule.Key, p feedback.Prompt, tokens [][]byte, msgs []rituals.Message, tasks []timers.Task) error {
	return s.db.commitRun(key, msgs, tasks, func(tx *bolt.Tx) error {
		open := tx.Bucket(bucketFbOpen)
		if open.Get([]byte(p.Channel)) != nil {
			return feedback.ErrPromptOpen
		}
		if tx.Bucket(bucketFbPrompts).Get([]byte(p.ID)) != nil {
			return fmt.Errorf("feedback prompt %s exists", p.ID)
		}
		at, err := p.OpenedAt.MarshalText()
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketFbAsked).Put([]byte(p.Channel+"/"+p.QuestionID), at); err != nil {
			return err
		}
		if err := putJSON(tx.Bucket(bucketFbPrompts), p.ID, p); err != nil {
			return err
		}
		if err := open.Put([]byte(p.Channel), []byte(p.ID)); err != nil {
			return err
		}
		return putTokens(tx, p.ID, tokens)
	})
}

// putTokens adds tokens to the prompt's set.
func putTokens(tx *bolt.Tx, promptID string, tokens [][]byte) error {
	b, prefix := tx.Bucket(bucketFbTokens), promptPrefix(promptID)
	for _, t := range tokens {
		if err := b.Put(append(slices.Clip(prefix), t...), tokenMark); err != nil {
			return err
		}
	}
	return nil
}

// getPrompt reads a prompt inside tx.
func getPrompt(tx *bolt.Tx, id string) (feedback.Prompt, bool, error) {
	var p feedback.Prompt
	v := tx.Bucket(bucketFbPrompts).Get([]byte(id))
	if v == nil {
		return p, false, nil
	}
	if err := json.Unmarshal(v, &p); err != nil {
		return p, false, fmt.Errorf("feedback prompt %s: %w", id, err)
	}
	return p, true, nil
}

// openPromptTx returns the prompt id that can take answers, or the error saying why not.
func openPromptTx(tx *bolt.Tx, id string) (feedback.Prompt, error) {
	p, ok, err := getPrompt(tx, id)
	switch {
	case err != nil:
		return p, err
	case !ok:
		return p, feedback.ErrUnknownPrompt
	case p.Closed:
		return p, feedback.ErrClosed
	}
	return p, nil
}

// Prompt implements feedback.Store.
func (s Feedback) Prompt(id string) (feedback.Prompt, bool, error) {
	var p feedback.Prompt
	var ok bool
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		p, ok, err = getPrompt(tx, id)
		return err
	})
	return p, ok, err
}

// OpenPrompt implements feedback.Store.
func (s Feedback) OpenPrompt(channel string) (feedback.Prompt, bool, error) {
	var p feedback.Prompt
	var ok bool
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketFbOpen).Get([]byte(channel))
		if id == nil {
			return nil
		}
		var err error
		p, ok, err = getPrompt(tx, string(id))
		if err == nil && !ok {
			return fmt.Errorf("open feedback prompt %s of %s is missing", id, channel)
		}
		return err
	})
	return p, ok, err
}

// ResendPrompt implements feedback.Store.
func (s Feedback) ResendPrompt(p feedback.Prompt, tokens [][]byte, msgs []rituals.Message) error {
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		cur, err := openPromptTx(tx, p.ID)
		if err != nil {
			return err
		}
		if cur.Generation+1 != p.Generation {
			return fmt.Errorf("feedback prompt %s is at generation %d, not %d", p.ID, cur.Generation, p.Generation-1)
		}
		if err := deletePrefix(tx.Bucket(bucketFbTokens), promptPrefix(p.ID)); err != nil {
			return err
		}
		for _, u := range cur.Recipients {
			if _, err := dequeue(tx, cur.MessageKey(u)); err != nil {
				return err
			}
		}
		cur.Generation = p.Generation
		if err := putJSON(tx.Bucket(bucketFbPrompts), cur.ID, cur); err != nil {
			return err
		}
		if err := putTokens(tx, p.ID, tokens); err != nil {
			return err
		}
		return enqueue(tx, s.db.Now(), msgs)
	})
}

// HasToken implements feedback.Store.
func (s Feedback) HasToken(promptID string, token []byte) (bool, error) {
	var ok bool
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketFbTokens).Get(append(promptPrefix(promptID), token...)) != nil
		return nil
	})
	return ok, err
}

// delivering counts p's recipients whose prompt message of p's generation is still queued and has
// not failed.
func delivering(tx *bolt.Tx, p feedback.Prompt) (int, error) {
	keys, queue := tx.Bucket(bucketOutboxKeys), tx.Bucket(bucketOutbox)
	n := 0
	for _, u := range p.Recipients {
		sk := keys.Get([]byte(p.MessageKey(u)))
		if sk == nil {
			continue
		}
		var item rituals.OutboxItem
		if err := json.Unmarshal(queue.Get(sk), &item); err != nil {
			return 0, fmt.Errorf("outbox item of feedback prompt %s: %w", p.ID, err)
		}
		if item.Failed == "" {
			n++
		}
	}
	return n, nil
}

// Delivering implements feedback.Store.
func (s Feedback) Delivering(promptID string) (int, error) {
	n := 0
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		p, ok, err := getPrompt(tx, promptID)
		if err != nil || !ok {
			return err
		}
		n, err = delivering(tx, p)
		return err
	})
	return n, err
}

// PutAnswer implements feedback.Store.
func (s Feedback) PutAnswer(promptID string, token []byte, a feedback.Answer) error {
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		p, err := openPromptTx(tx, promptID)
		if err != nil {
			return err
		}
		if n, err := delivering(tx, p); err != nil {
			return err
		} else if n > 0 {
			return feedback.ErrDelivering
		}
		tokens := tx.Bucket(bucketFbTokens)
		tk := append(promptPrefix(promptID), token...)
		if tokens.Get(tk) == nil {
			return feedback.ErrAlreadyAnswered
		}
		if err := tokens.Delete(tk); err != nil {
			return err
		}
		return tx.Bucket(bucketFbAnswers).Put(randomKey(promptPrefix(promptID)), v)
	})
}

// AddNote implements feedback.Store.
func (s Feedback) AddNote(channel string, a feedback.Answer) error {
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFbCarry).Put(randomKey([]byte(channel+"/")), v)
	})
}

// CountAnswers implements feedback.Store.
func (s Feedback) CountAnswers(promptID string) (int, error) {
	n := 0
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		prefix := promptPrefix(promptID)
		c := tx.Bucket(bucketFbAnswers).Cursor()
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// readAnswers returns the answers under prefix in b, and their keys.
func readAnswers(b *bolt.Bucket, prefix []byte) ([]feedback.Answer, [][]byte, error) {
	var out []feedback.Answer
	var keys [][]byte
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		var a feedback.Answer
		if err := json.Unmarshal(v, &a); err != nil {
			return nil, nil, fmt.Errorf("feedback answer: %w", err)
		}
		out = append(out, a)
		keys = append(keys, clone(k))
	}
	return out, keys, nil
}

// deletePrefix deletes every key under prefix in b.
func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// deleteKeys deletes keys from b.
func deleteKeys(b *bolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// ClosePrompt implements feedback.Store.
func (s Feedback) ClosePrompt(promptID, taskKey string, decide func(feedback.Batch) (feedback.Outcome, error)) (feedback.Outcome, error) {
	var out feedback.Outcome
	var gone error
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		out, gone = feedback.Outcome{}, nil
		p, err := openPromptTx(tx, promptID)
		if errors.Is(err, feedback.ErrClosed) || errors.Is(err, feedback.ErrUnknownPrompt) {
			// Nothing left to close: complete the task so it is not tried again, and commit that.
			gone = err
			_, err := completeTask(tx, taskKey)
			return err
		}
		if err != nil {
			return err
		}
		answers, carry := tx.Bucket(bucketFbAnswers), tx.Bucket(bucketFbCarry)
		own, ownKeys, err := readAnswers(answers, promptPrefix(promptID))
		if err != nil {
			return err
		}
		pool, poolKeys, err := readAnswers(carry, []byte(p.Channel+"/"))
		if err != nil {
			return err
		}
		if out, err = decide(feedback.Batch{Prompt: p, Answers: own, Pool: pool}); err != nil {
			return err
		}
		if out.Keep {
			return nil
		}
		// The prompt's tokens go in every case: nobody can answer a closed prompt.
		if err := deletePrefix(tx.Bucket(bucketFbTokens), promptPrefix(promptID)); err != nil {
			return err
		}
		if out.Release != nil {
			p.Outcome = feedback.OutcomeReleased
			for _, i := range out.Shown {
				if i < 0 || i >= len(poolKeys) {
					return fmt.Errorf("feedback prompt %s: released pool entry %d of %d", p.ID, i, len(poolKeys))
				}
				if err := carry.Delete(poolKeys[i]); err != nil {
					return err
				}
			}
			if err := putJSON(tx.Bucket(bucketFbReleases), out.Release.Key, out.Release); err != nil {
				return err
			}
		} else {
			p.Outcome = feedback.OutcomeHeld
			// Carry the answers into the channel's pool, under new random keys.
			prefix := []byte(p.Channel + "/")
			for _, k := range ownKeys {
				if err := carry.Put(randomKey(prefix), clone(answers.Get(k))); err != nil {
					return err
				}
			}
		}
		if err := deleteKeys(answers, ownKeys); err != nil {
			return err
		}
		p.Closed, p.Recipients = true, nil
		if err := putJSON(tx.Bucket(bucketFbPrompts), p.ID, p); err != nil {
			return err
		}
		if err := tx.Bucket(bucketFbOpen).Delete([]byte(p.Channel)); err != nil {
			return err
		}
		if _, err := completeTask(tx, taskKey); err != nil {
			return err
		}
		return enqueue(tx, s.db.Now(), out.Msgs)
	})
	if err != nil {
		return feedback.Outcome{}, err
	}
	if gone != nil {
		return feedback.Outcome{}, gone
	}
	return out, nil
}

// Release implements feedback.Store.
func (s Feedback) Release(key string) (feedback.Release, bool, error) {
	var r feedback.Release
	var ok bool
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketFbReleases).Get([]byte(key))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &r)
	})
	return r, ok, err
}

// AddResponse implements feedback.Store.
func (s Feedback) AddResponse(r feedback.Response, msgs []rituals.Message) error {
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketFbReleases).Get([]byte(r.ReleaseKey)) == nil {
			return feedback.ErrUnknownRelease
		}
		if err := putJSON(tx.Bucket(bucketFbResponses), r.ReleaseKey+"/"+r.ID, r); err != nil {
			return err
		}
		return enqueue(tx, s.db.Now(), msgs)
	})
}

// Releases implements feedback.Store.
func (s Feedback) Releases(channel string, since time.Time) ([]feedback.Release, error) {
	var out []feedback.Release
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFbReleases).ForEach(func(_, v []byte) error {
			var r feedback.Release
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.Channel == channel && !r.At.Before(since) {
				out = append(out, r)
			}
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b feedback.Release) int { return a.At.Compare(b.At) })
	return out, err
}

// Responses implements feedback.Store.
func (s Feedback) Responses(channel string, since time.Time) ([]feedback.Response, error) {
	var out []feedback.Response
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFbResponses).ForEach(func(_, v []byte) error {
			var r feedback.Response
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.Channel == channel && !r.At.Before(since) {
				out = append(out, r)
			}
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b feedback.Response) int { return a.At.Compare(b.At) })
	return out, err
}
