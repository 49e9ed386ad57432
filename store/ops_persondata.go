package store

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/icebreaker"
	"github.com/ritualbot/ritualbot/rituals/presence"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// PersonData is everything the database keeps about one person, structured for showing it to
// them. It holds nothing about anonymous feedback answers: nothing kept links an answer to anyone,
// so there is nothing to show, and what is shown is the same whether or not they answered.
type PersonData struct {
	// User is the person's user id.
	User string `json:"user"`
	// Coffee holds their coffee choices (joined, left, paused) per channel.
	Coffee []CoffeeChoice `json:"coffee,omitempty"`
	// CoffeeGroups lists the coffee groups they were in, oldest first, and the rounds in which they
	// had nobody to meet.
	CoffeeGroups []CoffeeGroup `json:"coffee_groups,omitempty"`
	// CoffeeHours are the working hours they set, if any.
	CoffeeHours *coffee.Hours `json:"coffee_hours,omitempty"`
	// CoffeeAvoiding counts the people they asked to be kept apart from; who is never shown, and
	// neither is whether anyone asked to be kept apart from them.
	CoffeeAvoiding int `json:"coffee_avoiding,omitempty"`
	// Updates holds their digest updates and skips, by channel and week.
	Updates []digest.Update `json:"updates,omitempty"`
	// Asked lists when they were asked for a digest update, by channel and week.
	Asked []digest.Asked `json:"asked,omitempty"`
	// KudosGiven and KudosReceived hold the kudos they gave and those naming them, oldest first.
	KudosGiven    []digest.Kudos `json:"kudos_given,omitempty"`
	KudosReceived []digest.Kudos `json:"kudos_received,omitempty"`
	// Away is their away record, in force or not.
	Away *presence.Away `json:"away,omitempty"`
	// Suggestions holds the icebreaker questions they suggested, oldest first.
	Suggestions []icebreaker.Suggestion `json:"suggestions,omitempty"`
	// SuggestionsDecided counts the suggestions they approved or rejected as an admin.
	SuggestionsDecided int `json:"suggestions_decided,omitempty"`
	// FeedbackPrompts lists the open feedback prompts sent to them (a closed prompt forgets its
	// recipients).
	FeedbackPrompts []FeedbackPrompt `json:"feedback_prompts,omitempty"`
	// FeedbackResponses holds the responses to released feedback they signed, oldest first.
	FeedbackResponses []feedback.Response `json:"feedback_responses,omitempty"`
	// Queued lists the messages waiting to be sent to them, alone or in a group.
	Queued []QueuedMessage `json:"queued,omitempty"`
	// Delivered counts the records of messages delivered to them that name them (where and when
	// each landed).
	Delivered int `json:"delivered,omitempty"`
	// Tasks lists the pending tasks that name them (e.g. when to ask them for their update).
	Tasks []PendingTask `json:"tasks,omitempty"`
	// Settings counts the settings made in Slack that name them: as an admin added in Slack, as
	// the admin who last changed a ritual, or as a responder to feedback.
	Settings int `json:"settings,omitempty"`
}

// Empty reports whether nothing is kept about the person.
func (p PersonData) Empty() bool {
	return len(p.Coffee) == 0 && len(p.CoffeeGroups) == 0 && p.CoffeeAvoiding == 0 && p.CoffeeHours == nil && len(p.Updates) == 0 &&
		len(p.Asked) == 0 && len(p.KudosGiven) == 0 && len(p.KudosReceived) == 0 && p.Away == nil &&
		len(p.Suggestions) == 0 && p.SuggestionsDecided == 0 && len(p.FeedbackPrompts) == 0 &&
		len(p.FeedbackResponses) == 0 && len(p.Queued) == 0 && p.Delivered == 0 && len(p.Tasks) == 0 &&
		p.Settings == 0
}

// CoffeeChoice is a person's coffee choices in one channel.
type CoffeeChoice struct {
	Channel string `json:"channel"`
	coffee.Membership
}

// CoffeeGroup is one coffee group a person was in, or a round in which they had nobody to meet.
type CoffeeGroup struct {
	Channel string    `json:"channel"`
	RoundID string    `json:"round_id"`
	At      time.Time `json:"at"`
	// With lists the other members; empty when Alone.
	With []string `json:"with,omitempty"`
	// Alone is set when they had nobody to meet that round.
	Alone   bool   `json:"alone,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Starter string `json:"starter,omitempty"`
	// Answer is the group's answer to "did you meet?" (coffee.AnswerMet, coffee.AnswerSkipped or
	// ""), and AnsweredBy who gave it.
	Answer     string `json:"answer,omitempty"`
	AnsweredBy string `json:"answered_by,omitempty"`
}

// FeedbackPrompt is an open feedback prompt sent to a person.
type FeedbackPrompt struct {
	ID       string    `json:"id"`
	Channel  string    `json:"channel"`
	Question string    `json:"question"`
	ClosesAt time.Time `json:"closes_at"`
}

// QueuedMessage is a message waiting in the outbox for a person.
type QueuedMessage struct {
	Key     string    `json:"key"`
	Ritual  string    `json:"ritual"`
	Kind    string    `json:"kind"`
	Created time.Time `json:"created"`
	// Failed holds the permanent error that stopped it, if any.
	Failed string `json:"failed,omitempty"`
}

// PendingTask is a task that names a person.
type PendingTask struct {
	Key    string    `json:"key"`
	Ritual string    `json:"ritual"`
	Kind   string    `json:"kind"`
	Due    time.Time `json:"due"`
}

// PersonData returns everything the database keeps about user, read in one transaction from
// every bucket personBuckets says can hold it.
func (db *DB) PersonData(user string) (PersonData, error) {
	if err := validUserID(user); err != nil {
		return PersonData{}, fmt.Errorf("person data: %w", err)
	}
	if _, err := personPolicies(); err != nil {
		return PersonData{}, fmt.Errorf("person data: %w", err)
	}
	d := PersonData{User: user}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := &collector{tx: tx, user: user, id: []byte(user), d: &d}
		for _, pb := range personBuckets {
			b := tx.Bucket(pb.name)
			if pb.collect == nil || b == nil {
				continue
			}
			if err := pb.collect(c, b); err != nil {
				return fmt.Errorf("person data in %s: %w", pb.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return PersonData{}, err
	}
	d.sort()
	return d, nil
}

// sort puts every list in a stable order for display.
func (p *PersonData) sort() {
	slices.SortFunc(p.Coffee, func(a, b CoffeeChoice) int { return cmp.Compare(a.Channel, b.Channel) })
	slices.SortFunc(p.CoffeeGroups, func(a, b CoffeeGroup) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.RoundID, b.RoundID))
	})
	slices.SortFunc(p.Updates, func(a, b digest.Update) int {
		return cmp.Or(cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Week, b.Week))
	})
	slices.SortFunc(p.Asked, func(a, b digest.Asked) int {
		return cmp.Or(cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Week, b.Week))
	})
	byTime := func(a, b digest.Kudos) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID)) }
	slices.SortFunc(p.KudosGiven, byTime)
	slices.SortFunc(p.KudosReceived, byTime)
	slices.SortFunc(p.Suggestions, func(a, b icebreaker.Suggestion) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID))
	})
	slices.SortFunc(p.FeedbackPrompts, func(a, b FeedbackPrompt) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(p.FeedbackResponses, func(a, b feedback.Response) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID))
	})
	slices.SortFunc(p.Tasks, func(a, b PendingTask) int { return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.Key, b.Key)) })
}

// collector is one PersonData's transaction and result.
type collector struct {
	tx   *bolt.Tx
	user string
	id   []byte
	d    *PersonData
}

// names reports whether b holds the person's id as a whole word.
func (c *collector) names(b []byte) bool { return namesID(b, c.id) }

// eachJSON decodes every record of b that names the person into a T and calls fn with it.
func eachJSON[T any](c *collector, b *bolt.Bucket, fn func(k []byte, rec T)) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil || !c.names(v) {
			return nil
		}
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("record %q: %w", k, err)
		}
		fn(k, rec)
		return nil
	})
}

// eachKeyPart decodes every record of b whose "/"-joined key has parts parts and the person's id
// as part i into a T and calls fn with it and the key's parts.
func eachKeyPart[T any](c *collector, b *bolt.Bucket, parts, i int, fn func(p []string, rec T)) error {
	return b.ForEach(func(k, v []byte) error {
		p := personKeyParts(k)
		if v == nil || len(p) != parts || p[i] != c.user {
			return nil
		}
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("record %q: %w", k, err)
		}
		fn(p, rec)
		return nil
	})
}

// The collect functions below read, each from its bucket, what it keeps about the person; see
// personBuckets for which bucket holds what.

// collectOutbox lists the queued messages to the person, alone or in a group.
func collectOutbox(c *collector, b *bolt.Bucket) error {
	return eachJSON(c, b, func(_ []byte, item rituals.OutboxItem) {
		if item.To.User == c.user || slices.Contains(item.To.Group, c.user) {
			c.d.Queued = append(c.d.Queued, QueuedMessage{Key: item.Key, Ritual: item.Ritual, Kind: item.Kind, Created: item.Created, Failed: item.Failed})
		}
	})
}

// collectDelivered counts the delivered-message records whose key names the person.
func collectDelivered(c *collector, b *bolt.Bucket) error {
	return b.ForEach(func(k, _ []byte) error {
		if c.names(k) {
			c.d.Delivered++
		}
		return nil
	})
}

// collectTasks lists the pending tasks whose key or data names the person.
func collectTasks(c *collector, b *bolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if len(k) < 8 || (!c.names(k[8:]) && !c.names(v)) {
			return nil
		}
		var t timers.Task
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("task %q: %w", k[8:], err)
		}
		c.d.Tasks = append(c.d.Tasks, PendingTask{Key: t.Key, Ritual: t.Ritual, Kind: t.Kind, Due: t.Due})
		return nil
	})
}

// collectCoffeeMembers reads the person's coffee choices per channel.
func collectCoffeeMembers(c *collector, b *bolt.Bucket) error {
	return eachKeyPart(c, b, 2, 1, func(p []string, m coffee.Membership) {
		c.d.Coffee = append(c.d.Coffee, CoffeeChoice{Channel: p[0], Membership: m})
	})
}

// collectCoffeeRounds lists the coffee groups the person was in, and the rounds they were alone.
func collectCoffeeRounds(c *collector, b *bolt.Bucket) error {
	return eachJSON(c, b, func(_ []byte, r coffee.Round) {
		for _, g := range r.Groups {
			if !slices.Contains(g.Members, c.user) {
				continue
			}
			with := slices.DeleteFunc(slices.Clone(g.Members), func(u string) bool { return u == c.user })
			c.d.CoffeeGroups = append(c.d.CoffeeGroups, CoffeeGroup{
				Channel: r.Channel, RoundID: r.ID, At: r.At, With: with,
				Reason: g.Reason, Starter: g.Starter, Answer: g.Answer, AnsweredBy: g.AnsweredBy,
			})
		}
		if slices.Contains(r.Alone, c.user) {
			c.d.CoffeeGroups = append(c.d.CoffeeGroups, CoffeeGroup{Channel: r.Channel, RoundID: r.ID, At: r.At, Alone: true})
		}
	})
}

// collectCoffeeHours reads the working hours the person set.
func collectCoffeeHours(c *collector, b *bolt.Bucket) error {
	v := b.Get([]byte(c.user))
	if v == nil {
		return nil
	}
	var h coffee.Hours
	if err := json.Unmarshal(v, &h); err != nil {
		return fmt.Errorf("working hours: %w", err)
	}
	c.d.CoffeeHours = &h
	return nil
}

// collectCoffeeAvoids counts the people the person asked to be kept apart from.
func collectCoffeeAvoids(c *collector, b *bolt.Bucket) error {
	return b.ForEach(func(k, _ []byte) error {
		if p := personKeyParts(k); len(p) == 2 && p[0] == c.user {
			c.d.CoffeeAvoiding++
		}
		return nil
	})
}

// collectSuggestions lists the person's suggestions and counts those they decided.
func collectSuggestions(c *collector, b *bolt.Bucket) error {
	done := c.tx.Bucket(bucketOutboxDone)
	return eachJSON(c, b, func(_ []byte, sg icebreaker.Suggestion) {
		if sg.By == c.user {
			c.d.Suggestions = append(c.d.Suggestions, sg)
			if done.Get([]byte(suggestionOutcomeKey(sg.ID))) != nil {
				c.d.Delivered++
			}
		}
		if sg.DecidedBy == c.user {
			c.d.SuggestionsDecided++
		}
	})
}

// collectDigestUpdates lists the person's updates and skips.
func collectDigestUpdates(c *collector, b *bolt.Bucket) error {
	return eachKeyPart(c, b, 3, 2, func(_ []string, u digest.Update) { c.d.Updates = append(c.d.Updates, u) })
}

// collectDigestAsked lists when the person was asked for an update.
func collectDigestAsked(c *collector, b *bolt.Bucket) error {
	return eachKeyPart(c, b, 3, 2, func(_ []string, a digest.Asked) { c.d.Asked = append(c.d.Asked, a) })
}

// collectKudos lists the kudos the person gave and those naming them.
func collectKudos(c *collector, b *bolt.Bucket) error {
	return eachJSON(c, b, func(_ []byte, k digest.Kudos) {
		if k.From == c.user {
			c.d.KudosGiven = append(c.d.KudosGiven, k)
		}
		if slices.Contains(k.To, c.user) {
			c.d.KudosReceived = append(c.d.KudosReceived, k)
		}
	})
}

// collectAway reads the person's away record.
func collectAway(c *collector, b *bolt.Bucket) error {
	v := b.Get(c.id)
	if v == nil {
		return nil
	}
	var a presence.Away
	if err := json.Unmarshal(v, &a); err != nil {
		return fmt.Errorf("away record: %w", err)
	}
	c.d.Away = &a
	return nil
}

// collectPrompts lists the open feedback prompts sent to the person.
func collectPrompts(c *collector, b *bolt.Bucket) error {
	return eachJSON(c, b, func(_ []byte, p feedback.Prompt) {
		if slices.Contains(p.Recipients, c.user) {
			c.d.FeedbackPrompts = append(c.d.FeedbackPrompts, FeedbackPrompt{ID: p.ID, Channel: p.Channel, Question: p.Question, ClosesAt: p.ClosesAt})
		}
	})
}

// collectResponses lists the responses the person signed.
func collectResponses(c *collector, b *bolt.Bucket) error {
	return eachJSON(c, b, func(_ []byte, r feedback.Response) {
		if r.By == c.user {
			c.d.FeedbackResponses = append(c.d.FeedbackResponses, r)
		}
	})
}
