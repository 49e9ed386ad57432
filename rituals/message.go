// Package rituals is ritualbot's domain: who meets, what is asked, what is said and when. It knows
// nothing of Slack or bbolt; it declares the small interfaces it needs from them.
package rituals

import (
	"encoding/json"
	"errors"
	"time"
)

// Recipient says where a message goes: exactly one of its fields is set.
type Recipient struct {
	// Channel posts in a channel.
	Channel string `json:"channel,omitempty"`
	// User sends a direct message to one person.
	User string `json:"user,omitempty"`
	// Group opens a group DM with these people.
	Group []string `json:"group,omitempty"`
}

// Message is something the bot will say: decided by a ritual, rendered and sent by the Slack edge.
type Message struct {
	// Key is unique and deterministic for what the message is (run key + recipient), so a run
	// computed twice produces the same keys.
	Key string `json:"key"`
	// Ritual names the ritual that wants it sent, for logs and metrics.
	Ritual string `json:"ritual"`
	// Kind selects how it is rendered, e.g. "admin.note".
	Kind string `json:"kind"`
	// To is the recipient.
	To Recipient `json:"to"`
	// ThreadOf is the key of an earlier message this one replies to in its thread.
	ThreadOf string `json:"thread_of,omitempty"`
	// Data holds the kind's fields as JSON.
	Data json.RawMessage `json:"data,omitempty"`
}

// Validate reports a message the delivery worker could never send.
func (m Message) Validate() error {
	set := 0
	if m.To.Channel != "" {
		set++
	}
	if m.To.User != "" {
		set++
	}
	if len(m.To.Group) > 0 {
		set++
	}
	switch {
	case m.Key == "":
		return errors.New("message has no key")
	case m.Kind == "":
		return errors.New("message " + m.Key + " has no kind")
	case set != 1:
		return errors.New("message " + m.Key + " needs exactly one recipient")
	}
	return nil
}

// Delivery is where and when a message landed in Slack.
type Delivery struct {
	Channel string    `json:"channel"`
	TS      string    `json:"ts"`
	At      time.Time `json:"at"`
}

// OutboxItem is a message waiting in the outbox, with what delivery has learned so far.
type OutboxItem struct {
	Message
	// Seq orders items: lower first.
	Seq uint64 `json:"seq"`
	// Created is when the run that wrote it committed.
	Created time.Time `json:"created"`
	// Attempts counts send attempts begun; above zero the message may already be in Slack.
	Attempts int `json:"attempts"`
	// Channel is the conversation resolved for the recipient, once known.
	Channel string `json:"channel,omitempty"`
	// LastAttempt is when the latest attempt began, on the bot's clock.
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	// CheckFrom is a time on Slack's clock (the ts of a message Slack stored before the first
	// attempt began) before which no copy of this message can be in Slack: looking for it there
	// starts at CheckFrom. Zero means unknown: the search is bounded by pages instead.
	CheckFrom time.Time `json:"check_from,omitzero"`
	// Failures counts failed tries that count toward the retry cap (rate limiting does not).
	Failures int `json:"failures,omitempty"`
	// FirstFailure is when the first of those failures happened, on the bot's clock.
	FirstFailure time.Time `json:"first_failure,omitzero"`
	// LastError is the latest error of a message still being retried.
	LastError string `json:"last_error,omitempty"`
	// Failed holds a permanent error; such an item is never retried.
	Failed string `json:"failed,omitempty"`
}

// Outbox is the queue the delivery worker drains; the store implements it.
type Outbox interface {
	// Pending returns up to limit undelivered, unfailed items in order, starting after seq.
	Pending(after uint64, limit int) ([]OutboxItem, error)
	// BeginAttempt records that an attempt to send key to channel (empty if not yet known) starts now.
	// The first attempt also records the latest Slack time known as the item's CheckFrom.
	BeginAttempt(key, channel string, now time.Time) error
	// Retry records a failed try of key that counts toward its retry cap and returns the item as
	// updated.
	Retry(key, reason string, now time.Time) (OutboxItem, error)
	// Delivered moves key out of the queue, remembering where it landed.
	Delivered(key string, d Delivery) error
	// Fail records a permanent error for key; it stays visible to admins and is never retried.
	Fail(key, reason string, now time.Time) error
	// Lookup returns where an earlier message landed.
	Lookup(key string) (Delivery, bool, error)
	// Failure returns the permanent error of a message that could not be delivered.
	Failure(key string) (string, bool, error)
	// Stats summarises the queue.
	Stats() (OutboxStats, error)
}

// OutboxStats summarises the outbox for status and health.
type OutboxStats struct {
	Pending      int       `json:"pending"`
	Failed       int       `json:"failed"`
	Delivered    int       `json:"delivered"`
	OldestQueued time.Time `json:"oldest_queued,omitzero"`
	// Failures lists the most recent permanent failures, newest first.
	Failures []OutboxItem `json:"failures,omitempty"`
	// Retrying counts pending items whose last try failed and that are being retried.
	Retrying int `json:"retrying,omitempty"`
}
