// Package icebreaker posts one non-work question to a channel on schedule, invites answers in its
// thread, closes the round with a count of who answered, and takes suggestions for new questions.
package icebreaker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// Ritual is the ritual's name in run keys, logs and stats.
const Ritual = "icebreaker"

// Message and task kinds this ritual produces.
const (
	KindQuestion   = "icebreaker.question"
	KindClosing    = "icebreaker.closing"
	KindSuggestion = "icebreaker.suggestion"
	KindOutcome    = "icebreaker.outcome"
	TaskClose      = "icebreaker.close"
)

// Channel is one channel's icebreaker settings.
type Channel struct {
	ID string
	// CloseAfter is how long after the post the round is closed with a thank-you in the thread.
	CloseAfter time.Duration
	// Approval sends suggestions to the admins first; without it they join the rotation at once.
	Approval bool
	// Bank holds the questions asked here (the built-in bank, the team's own file, or both).
	Bank *questions.Bank
}

// Round is one question asked in one channel.
type Round struct {
	// ID is the run key that posted it.
	ID         string    `json:"id"`
	Channel    string    `json:"channel"`
	QuestionID string    `json:"question_id"`
	Question   string    `json:"question"`
	PostedAt   time.Time `json:"posted_at"`
	// PostKey is the outbox key of the post.
	PostKey string `json:"post_key"`
	Closed  bool   `json:"closed"`
	// Answers counts the people who answered in the thread, once closed; -1 if it was never posted.
	Answers int `json:"answers"`
}

// Suggestion is a question someone proposed.
type Suggestion struct {
	ID        string    `json:"id"`
	Channel   string    `json:"channel"`
	Text      string    `json:"text"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Status    string    `json:"status"` // pending, approved or rejected
	DecidedBy string    `json:"decided_by,omitempty"`
}

// Suggestion statuses.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusRejected = "rejected"
)

// ErrDecided is returned when a suggestion was already approved or rejected.
var ErrDecided = errors.New("suggestion already decided")

// Store keeps the ritual's records; the store package implements it.
type Store interface {
	// Asked returns when each question was last asked in channel.
	Asked(channel string) (map[string]time.Time, error)
	// Approved returns the suggestions approved for channel, oldest first.
	Approved(channel string) ([]Suggestion, error)
	// CommitRound records key as run, the question as asked, the round, its messages and its
	// closing task, in one transaction; schedule.ErrAlreadyRan if key is recorded.
	CommitRound(key schedule.Key, round Round, msgs []rituals.Message, tasks []timers.Task) error
	// CloseRound stores the answer count, queues msgs and completes the task, in one transaction;
	// false if the task was already completed.
	CloseRound(taskKey string, channel, roundID string, answers int, msgs []rituals.Message) (bool, error)
	// Rounds returns channel's rounds, newest first, at most limit.
	Rounds(channel string, limit int) ([]Round, error)
	// AddSuggestion stores a suggestion and queues msgs in one transaction.
	AddSuggestion(s Suggestion, msgs []rituals.Message) error
	// Pending returns channel's suggestions waiting for an admin.
	Pending(channel string) ([]Suggestion, error)
	// DecideSuggestion sets a pending suggestion's status and queues the messages outcome builds
	// from the decided suggestion, in one transaction; ErrDecided if it was not pending.
	DecideSuggestion(id, status, by string, outcome func(Suggestion) []rituals.Message) (Suggestion, error)
}

// Deliveries tells where a message landed; the outbox implements it.
type Deliveries interface {
	Lookup(key string) (rituals.Delivery, bool, error)
	// Failure returns the permanent error of a message that could not be delivered.
	Failure(key string) (string, bool, error)
}

// Service runs the ritual.
type Service struct {
	Store      Store
	Deliveries Deliveries
	Threads    rituals.Threads
	// Admins receive suggestions to approve.
	Admins []string
	// AdminsNow, when set, replaces Admins: the admins as they are now (some are added in Slack).
	AdminsNow func() []string
	// Channels are the configured channels by id.
	Channels map[string]Channel
	// live is Channels as they are now (see Channel, SetChannel).
	live   rituals.ChannelSet[Channel]
	Logger *slog.Logger
	Now    func() time.Time
	// Queued is called after messages or tasks were committed (wakes delivery and timers).
	Queued func()
}

// QuestionData is the data of a KindQuestion message.
type QuestionData struct {
	Question   string        `json:"question"`
	Category   string        `json:"category"`
	CloseAfter time.Duration `json:"close_after"`
}

// ClosingData is the data of a KindClosing message.
type ClosingData struct {
	Answers int `json:"answers"`
}

// SuggestionData is the data of KindSuggestion and KindOutcome messages.
type SuggestionData struct {
	Suggestion Suggestion `json:"suggestion"`
	// Approval tells the suggester whether admins will look at it first (outcome of a new suggestion).
	Approval bool `json:"approval,omitempty"`
}

// closeData is the data of a TaskClose task.
type closeData struct {
	Channel string `json:"channel"`
	RoundID string `json:"round_id"`
	PostKey string `json:"post_key"`
}

// Bank returns the questions asked in channel: its bank plus approved suggestions.
func (s *Service) Bank(channel string) (*questions.Bank, error) {
	c, ok := s.Channel(channel)
	if !ok {
		return nil, fmt.Errorf("icebreakers are not configured in %s", channel)
	}
	approved, err := s.Store.Approved(channel)
	if err != nil {
		return nil, err
	}
	extra := make([]questions.Question, 0, len(approved))
	for _, a := range approved {
		extra = append(extra, questions.NewQuestion(a.Text, "suggested"))
	}
	return c.Bank.With(extra...), nil
}

// seedFor makes each channel's rotation its own, and stable.
func seedFor(channel string) int64 {
	h := fnv.New64a()
	h.Write([]byte(channel))
	return int64(h.Sum64())
}

// Run posts the next question in key's channel: the scheduled run, or an admin's "now".
func (s *Service) Run(_ context.Context, key schedule.Key) error {
	c, ok := s.Channel(key.Channel)
	if !ok {
		return fmt.Errorf("icebreakers are not configured in %s", key.Channel)
	}
	bank, err := s.Bank(key.Channel)
	if err != nil {
		return err
	}
	asked, err := s.Store.Asked(key.Channel)
	if err != nil {
		return err
	}
	q, ok := questions.Next(bank, asked, seedFor(key.Channel))
	if !ok {
		return errors.New("the question bank is empty")
	}
	round := Round{ID: key.String(), Channel: key.Channel, QuestionID: q.ID, Question: q.Text, PostedAt: s.Now(), PostKey: key.String() + "/post"}
	data, _ := json.Marshal(QuestionData{Question: q.Text, Category: q.Category, CloseAfter: c.CloseAfter})
	post := rituals.Message{Key: round.PostKey, Ritual: Ritual, Kind: KindQuestion, To: rituals.Recipient{Channel: key.Channel}, Data: data}
	td, _ := json.Marshal(closeData{Channel: key.Channel, RoundID: round.ID, PostKey: round.PostKey})
	closing := timers.Task{Key: key.String() + "/close", Ritual: Ritual, Kind: TaskClose, Due: s.Now().Add(c.CloseAfter), Data: td}
	if err := s.Store.CommitRound(key, round, []rituals.Message{post}, []timers.Task{closing}); err != nil {
		return err
	}
	s.queued()
	s.Logger.Info("icebreaker posted", "channel", key.Channel, "question", q.ID)
	return nil
}

// errNotPostedYet keeps the closing task for later.
var errNotPostedYet = errors.New("the question is not in Slack yet")

// Close closes a round: it counts the people who answered in the thread and thanks them there.
func (s *Service) Close(ctx context.Context, t timers.Task) error {
	var d closeData
	if err := json.Unmarshal(t.Data, &d); err != nil {
		return fmt.Errorf("close task %s: %w", t.Key, err)
	}
	where, ok, err := s.Deliveries.Lookup(d.PostKey)
	if err != nil {
		return err
	}
	if !ok {
		if reason, failed, err := s.Deliveries.Failure(d.PostKey); err != nil {
			return err
		} else if failed {
			s.Logger.Warn("icebreaker was never posted; closing the round without a count", "channel", d.Channel, "reason", reason)
			_, err := s.Store.CloseRound(t.Key, d.Channel, d.RoundID, -1, nil)
			return err
		}
		return errNotPostedYet
	}
	people, err := s.Threads.Repliers(ctx, where.Channel, where.TS)
	if err != nil {
		return err
	}
	data, _ := json.Marshal(ClosingData{Answers: len(people)})
	msg := rituals.Message{Key: d.RoundID + "/closing", Ritual: Ritual, Kind: KindClosing, To: rituals.Recipient{Channel: d.Channel}, ThreadOf: d.PostKey, Data: data}
	done, err := s.Store.CloseRound(t.Key, d.Channel, d.RoundID, len(people), []rituals.Message{msg})
	if err != nil {
		return err
	}
	if done {
		s.queued()
		s.Logger.Info("icebreaker closed", "channel", d.Channel, "answers", len(people))
	}
	return nil
}

func (s *Service) queued() {
	if s.Queued != nil {
		s.Queued()
	}
}

// Overview is what an admin sees of a channel's rotation.
type Overview struct {
	Channel string
	// BankSize counts the questions in rotation, approved suggestions included.
	BankSize int
	// AskedSinceReset counts the questions already asked in the current pass through the bank.
	AskedSinceReset int
	Upcoming        []questions.Question
	Recent          []Round
	Pending         []Suggestion
}

// Overview lists the next n questions and the last n rounds in channel.
func (s *Service) Overview(channel string, n int) (Overview, error) {
	bank, err := s.Bank(channel)
	if err != nil {
		return Overview{}, err
	}
	asked, err := s.Store.Asked(channel)
	if err != nil {
		return Overview{}, err
	}
	recent, err := s.Store.Rounds(channel, n)
	if err != nil {
		return Overview{}, err
	}
	pending, err := s.Store.Pending(channel)
	if err != nil {
		return Overview{}, err
	}
	inBank := 0
	for _, q := range bank.Questions() {
		if _, ok := asked[q.ID]; ok {
			inBank++
		}
	}
	return Overview{
		Channel: channel, BankSize: bank.Len(), AskedSinceReset: inBank,
		Upcoming: questions.Upcoming(bank, asked, seedFor(channel), n), Recent: recent, Pending: pending,
	}, nil
}
