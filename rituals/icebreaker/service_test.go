package icebreaker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/icebreaker"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

const channel = "C0RANDOM"

var wednesday = time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC)

// fakeStore keeps the ritual's records in memory; a round, its messages and its task are committed
// together, as in the bbolt store.
type fakeStore struct {
	asked       map[string]time.Time
	rounds      []icebreaker.Round // newest first
	suggestions []icebreaker.Suggestion
	msgs        []rituals.Message
	tasks       []timers.Task
	closed      map[string]bool
}

func newFakeStore() *fakeStore {
	return &fakeStore{asked: map[string]time.Time{}, closed: map[string]bool{}}
}

func (f *fakeStore) Asked(string) (map[string]time.Time, error) { return f.asked, nil }

func (f *fakeStore) Approved(string) ([]icebreaker.Suggestion, error) {
	return f.withStatus(icebreaker.StatusApproved), nil
}

func (f *fakeStore) Pending(string) ([]icebreaker.Suggestion, error) {
	return f.withStatus(icebreaker.StatusPending), nil
}

func (f *fakeStore) withStatus(status string) []icebreaker.Suggestion {
	var out []icebreaker.Suggestion
	for _, s := range f.suggestions {
		if s.Status == status {
			out = append(out, s)
		}
	}
	return out
}

func (f *fakeStore) CommitRound(key schedule.Key, round icebreaker.Round, msgs []rituals.Message, tasks []timers.Task) error {
	for _, r := range f.rounds {
		if r.ID == key.String() {
			return schedule.ErrAlreadyRan
		}
	}
	f.asked[round.QuestionID] = round.PostedAt
	f.rounds = append([]icebreaker.Round{round}, f.rounds...)
	f.msgs = append(f.msgs, msgs...)
	f.tasks = append(f.tasks, tasks...)
	return nil
}

func (f *fakeStore) CloseRound(taskKey, _, roundID string, answers int, msgs []rituals.Message) (bool, error) {
	if f.closed[taskKey] {
		return false, nil
	}
	f.closed[taskKey] = true
	for i := range f.rounds {
		if f.rounds[i].ID == roundID {
			f.rounds[i].Closed, f.rounds[i].Answers = true, answers
		}
	}
	f.msgs = append(f.msgs, msgs...)
	return true, nil
}

func (f *fakeStore) Rounds(_ string, limit int) ([]icebreaker.Round, error) {
	return slices.Clone(f.rounds[:min(limit, len(f.rounds))]), nil
}

func (f *fakeStore) AddSuggestion(s icebreaker.Suggestion, msgs []rituals.Message) error {
	f.suggestions = append(f.suggestions, s)
	f.msgs = append(f.msgs, msgs...)
	return nil
}

func (f *fakeStore) DecideSuggestion(id, status, by string, outcome func(icebreaker.Suggestion) []rituals.Message) (icebreaker.Suggestion, error) {
	for i := range f.suggestions {
		s := &f.suggestions[i]
		if s.ID != id {
			continue
		}
		if s.Status != icebreaker.StatusPending {
			return *s, icebreaker.ErrDecided
		}
		s.Status, s.DecidedBy = status, by
		f.msgs = append(f.msgs, outcome(*s)...)
		return *s, nil
	}
	return icebreaker.Suggestion{}, fmt.Errorf("no suggestion %s", id)
}

func (f *fakeStore) messagesOf(kind string) []rituals.Message {
	var out []rituals.Message
	for _, m := range f.msgs {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// fakeSlack is where posts landed and who replied in their threads.
type fakeSlack struct {
	landed   map[string]rituals.Delivery
	failed   map[string]string
	repliers map[string][]string // by ts
}

func (s *fakeSlack) Lookup(key string) (rituals.Delivery, bool, error) {
	d, ok := s.landed[key]
	return d, ok, nil
}

func (s *fakeSlack) Failure(key string) (string, bool, error) {
	r, ok := s.failed[key]
	return r, ok, nil
}

func (s *fakeSlack) Repliers(_ context.Context, _, ts string) ([]string, error) {
	return s.repliers[ts], nil
}

type fixture struct {
	store *fakeStore
	slack *fakeSlack
	svc   *icebreaker.Service
	now   time.Time
}

// ownQuestions is a small bank, so that a test sees the rotation come round.
const ownQuestions = `## ours
What is the best thing you cooked this year?
Which place would you show a visitor in your town?
What did you learn recently just for fun?
Which song do you never skip?
What is a small thing that made you smile this week?
`

func newFixture(t *testing.T, approval bool) *fixture {
	t.Helper()
	bank, err := questions.Parse(strings.NewReader(ownQuestions))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: newFakeStore(), slack: &fakeSlack{landed: map[string]rituals.Delivery{}, failed: map[string]string{}, repliers: map[string][]string{}}, now: wednesday}
	f.svc = &icebreaker.Service{
		Store: f.store, Deliveries: f.slack, Threads: f.slack, Admins: []string{"UADMIN1", "UADMIN2"},
		Channels: map[string]icebreaker.Channel{channel: {ID: channel, CloseAfter: 24 * time.Hour, Approval: approval, Bank: bank}},
		Logger:   slog.New(slog.DiscardHandler), Now: func() time.Time { return f.now },
	}
	return f
}

// ask runs the next weekly round and returns the question it posted.
func (f *fixture) ask(t *testing.T) icebreaker.Round {
	t.Helper()
	if len(f.store.rounds) > 0 {
		f.now = f.now.Add(7 * 24 * time.Hour)
	}
	if err := f.svc.Run(context.Background(), schedule.Key{Ritual: icebreaker.Ritual, Channel: channel, At: f.now}); err != nil {
		t.Fatalf("round at %s: %v", f.now, err)
	}
	return f.store.rounds[0]
}

func TestQuestionsRotateWithoutRepeatsUntilAllWereAsked(t *testing.T) {
	f := newFixture(t, true)
	var asked []string
	for range 5 {
		asked = append(asked, f.ask(t).Question)
	}
	distinct := slices.Clone(asked)
	slices.Sort(distinct)
	if len(slices.Compact(distinct)) != 5 {
		t.Fatalf("five rounds over five questions repeated one: %q", asked)
	}
	if sixth := f.ask(t).Question; sixth != asked[0] {
		t.Errorf("once all were asked, the one asked longest ago comes back: got %q, want %q", sixth, asked[0])
	}
}

func TestARoundPostsOneQuestionAndClosesItLater(t *testing.T) {
	f := newFixture(t, true)
	r := f.ask(t)
	posts := f.store.messagesOf(icebreaker.KindQuestion)
	if len(posts) != 1 || posts[0].To.Channel != channel {
		t.Fatalf("want one question posted to the channel, got %+v", posts)
	}
	var data icebreaker.QuestionData
	if err := json.Unmarshal(posts[0].Data, &data); err != nil || data.Question != r.Question {
		t.Errorf("the post carries %q, the round %q (%v)", data.Question, r.Question, err)
	}
	if len(f.store.tasks) != 1 || !f.store.tasks[0].Due.Equal(f.now.Add(24*time.Hour)) {
		t.Errorf("want the round closed after close_after (24h), got tasks %+v", f.store.tasks)
	}
}

func TestClosingThanksInTheThreadWithTheNumberWhoAnswered(t *testing.T) {
	f := newFixture(t, true)
	r := f.ask(t)
	task := f.store.tasks[0]
	if err := f.svc.Close(context.Background(), task); err == nil {
		t.Fatal("closing a round whose question is not in Slack yet must wait (the task stays), not close it")
	}
	if len(f.store.messagesOf(icebreaker.KindClosing)) != 0 {
		t.Fatal("a thank-you was queued for a question nobody could see yet")
	}
	f.slack.landed[r.PostKey] = rituals.Delivery{Channel: channel, TS: "1764672000.000100"}
	f.slack.repliers["1764672000.000100"] = []string{"U01", "U02", "U03"}
	for range 2 { // a task run twice (a restart) thanks once
		if err := f.svc.Close(context.Background(), task); err != nil {
			t.Fatal(err)
		}
	}
	closing := f.store.messagesOf(icebreaker.KindClosing)
	if len(closing) != 1 || closing[0].ThreadOf != r.PostKey {
		t.Fatalf("want one thank-you in the question's thread, got %+v", closing)
	}
	var data icebreaker.ClosingData
	if err := json.Unmarshal(closing[0].Data, &data); err != nil || data.Answers != 3 {
		t.Errorf("thank-you counts %d people (%v), want 3", data.Answers, err)
	}
	if got := f.store.rounds[0]; !got.Closed || got.Answers != 3 {
		t.Errorf("round after closing: %+v", got)
	}
}

func TestARoundWhoseQuestionNeverWentOutClosesWithoutAThankYou(t *testing.T) {
	f := newFixture(t, true)
	r := f.ask(t)
	f.slack.failed[r.PostKey] = "channel_not_found"
	if err := f.svc.Close(context.Background(), f.store.tasks[0]); err != nil {
		t.Fatal(err)
	}
	if n := len(f.store.messagesOf(icebreaker.KindClosing)); n != 0 {
		t.Errorf("a thank-you for a question nobody saw: %d", n)
	}
	if got := f.store.rounds[0]; !got.Closed || got.Answers != -1 {
		t.Errorf("round = %+v; want closed, marked never posted", got)
	}
}

func TestSuggestionGoesToEveryAdminThenIntoTheRotationWhenApproved(t *testing.T) {
	f := newFixture(t, true)
	res, err := f.svc.Suggest(context.Background(), "U05", channel, "  What is   the best view from a window you have had?  ")
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted {
		t.Fatal("with approval on, a suggestion must wait for an admin")
	}
	var to []string
	for _, m := range f.store.messagesOf(icebreaker.KindSuggestion) {
		to = append(to, m.To.User)
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"UADMIN1", "UADMIN2"}) {
		t.Errorf("the suggestion went to %v, want each admin once", to)
	}
	if q := f.ask(t).Question; strings.Contains(q, "window") {
		t.Fatal("a pending suggestion was asked before an admin approved it")
	}
	if _, err := f.svc.Decide(context.Background(), "UADMIN2", res.Suggestion.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Decide(context.Background(), "UADMIN1", res.Suggestion.ID, false); !errors.Is(err, icebreaker.ErrDecided) {
		t.Errorf("a second admin's decision: want ErrDecided, got %v", err)
	}
	outcome := f.store.messagesOf(icebreaker.KindOutcome)
	if len(outcome) != 1 || outcome[0].To.User != "U05" {
		t.Errorf("the suggester should hear the outcome once: %+v", outcome)
	}
	if q := f.ask(t).Question; q != "What is the best view from a window you have had?" {
		t.Errorf("an approved suggestion is asked next, cleaned; got %q", q)
	}
}

func TestSuggestionWithoutApprovalJoinsAtOnce(t *testing.T) {
	f := newFixture(t, false)
	res, err := f.svc.Suggest(context.Background(), "U05", channel, "Which board game would you play tonight?")
	if err != nil || !res.Accepted {
		t.Fatalf("approval off: %+v, %v", res, err)
	}
	if n := len(f.store.messagesOf(icebreaker.KindSuggestion)); n != 0 {
		t.Errorf("approval off, yet %d admins were asked", n)
	}
	if q := f.ask(t).Question; q != "Which board game would you play tonight?" {
		t.Errorf("next question = %q, want the accepted suggestion", q)
	}
}

func TestSuggestionsAlreadyInTheBankOrWaitingAreRefusedAsMistakes(t *testing.T) {
	f := newFixture(t, true)
	if _, err := f.svc.Suggest(context.Background(), "U05", channel, "which SONG do you never skip"); !rituals.IsPersonError(err) {
		t.Errorf("a question from the bank, in other case and punctuation: want a sentence for the person, got %v", err)
	}
	if _, err := f.svc.Suggest(context.Background(), "U05", channel, "What would you name a pet dragon?"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Suggest(context.Background(), "U06", channel, "What would you name a pet dragon"); !rituals.IsPersonError(err) {
		t.Errorf("the same as a waiting suggestion: want a sentence for the person, got %v", err)
	}
	if _, err := f.svc.Suggest(context.Background(), "U06", channel, "Why?"); !rituals.IsPersonError(err) {
		t.Errorf("too short: want a sentence for the person, got %v", err)
	}
	if n := len(f.store.suggestions); n != 1 {
		t.Errorf("refused suggestions were stored: %d stored, want 1", n)
	}
}
