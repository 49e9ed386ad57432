package icebreaker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/questions"
)

// SuggestResult tells the person what happened to their suggestion.
type SuggestResult struct {
	Suggestion Suggestion
	// Accepted is true when no approval was needed and the question joined the rotation.
	Accepted bool
}

// Suggest validates and records a question someone proposes for channel. A mistake comes back as
// an error whose text is meant for the person.
func (s *Service) Suggest(_ context.Context, userID, channel, text string) (SuggestResult, error) {
	c, ok := s.Channel(channel)
	if !ok {
		return SuggestResult{}, fmt.Errorf("icebreakers are not configured in %s", channel)
	}
	bank, err := s.Bank(channel)
	if err != nil {
		return SuggestResult{}, err
	}
	pending, err := s.pendingBank(channel)
	if err != nil {
		return SuggestResult{}, err
	}
	clean, err := questions.ValidateSuggestion(text, bank.With(pending...))
	if err != nil {
		return SuggestResult{}, &rituals.PersonError{Err: err}
	}
	sg := Suggestion{ID: newID(), Channel: channel, Text: clean, By: userID, At: s.Now(), Status: StatusPending}
	var msgs []rituals.Message
	if admins := rituals.Current(s.Admins, s.AdminsNow); c.Approval && len(admins) > 0 {
		data, _ := json.Marshal(SuggestionData{Suggestion: sg})
		for _, admin := range admins {
			msgs = append(msgs, rituals.Message{Key: "icebreaker.suggestion/" + sg.ID + "/" + admin, Ritual: Ritual, Kind: KindSuggestion, To: rituals.Recipient{User: admin}, Data: data})
		}
	} else {
		sg.Status = StatusApproved
		sg.DecidedBy = "auto"
	}
	if err := s.Store.AddSuggestion(sg, msgs); err != nil {
		return SuggestResult{}, err
	}
	s.queued()
	return SuggestResult{Suggestion: sg, Accepted: sg.Status == StatusApproved}, nil
}

// pendingBank returns the channel's pending suggestions as questions, so the same one cannot be
// suggested twice while it waits.
func (s *Service) pendingBank(channel string) ([]questions.Question, error) {
	pending, err := s.Store.Pending(channel)
	if err != nil {
		return nil, err
	}
	out := make([]questions.Question, 0, len(pending))
	for _, p := range pending {
		out = append(out, questions.NewQuestion(p.Text, "pending"))
	}
	return out, nil
}

// Decide approves or rejects a suggestion for an admin and tells the suggester. ErrDecided when
// another admin was first.
func (s *Service) Decide(_ context.Context, adminID, id string, approve bool) (Suggestion, error) {
	status := StatusRejected
	if approve {
		status = StatusApproved
	}
	sg, err := s.Store.DecideSuggestion(id, status, adminID, func(sg Suggestion) []rituals.Message {
		data, _ := json.Marshal(SuggestionData{Suggestion: sg})
		return []rituals.Message{{Key: "icebreaker.outcome/" + sg.ID, Ritual: Ritual, Kind: KindOutcome, To: rituals.Recipient{User: sg.By}, Data: data}}
	})
	if err != nil {
		return sg, err
	}
	s.queued()
	return sg, nil
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
