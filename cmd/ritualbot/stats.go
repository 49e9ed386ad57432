package main

import (
	"context"
	"time"

	"github.com/ritualbot/ritualbot/rituals/digest"
)

// ritualStats gives the digest what the other rituals did in a week, read from their stores.
type ritualStats struct{ m *Main }

// WeekStats implements digest.Stats: coffee and icebreakers across all their channels; feedback
// released in the digest's channel (or everywhere, when feedback runs elsewhere).
func (s ritualStats) WeekStats(_ context.Context, channel string, from, to time.Time) (digest.RitualStats, error) {
	var out digest.RitualStats
	in := func(t time.Time) bool { return t.After(from) && !t.After(to) }
	for _, c := range s.m.Config.Coffee {
		rounds, err := s.m.DB.Coffee().Rounds(c.Channel, 0)
		if err != nil {
			return out, err
		}
		for _, r := range rounds {
			if !in(r.At) {
				continue
			}
			out.CoffeeGroups += len(r.Groups)
			for _, g := range r.Groups {
				if g.Answer == "met" {
					out.CoffeeMet++
				}
			}
		}
	}
	for _, c := range s.m.Config.Icebreakers {
		rounds, err := s.m.DB.Icebreakers().Rounds(c.Channel, 0)
		if err != nil {
			return out, err
		}
		for _, r := range rounds {
			if in(r.PostedAt) && r.Answers > 0 {
				out.IcebreakerAnswers += r.Answers
			}
		}
	}
	if s.m.Feedback == nil {
		return out, nil
	}
	channels := []string{channel}
	if _, ok := s.m.Feedback.Channel(channel); !ok {
		channels = s.m.Feedback.ChannelIDs()
	}
	for _, ch := range channels {
		releases, err := s.m.Feedback.Releases(ch, from)
		if err != nil {
			return out, err
		}
		responses, err := s.m.Feedback.Responses(ch, from)
		if err != nil {
			return out, err
		}
		for _, r := range releases {
			if !in(r.At) {
				continue
			}
			out.FeedbackAnswers += r.Answers
			fr := digest.FeedbackRelease{Question: r.Question}
			for _, resp := range responses {
				if resp.ReleaseKey == r.Key {
					fr.Responses = append(fr.Responses, digest.FeedbackResponse{User: resp.By, Text: resp.Text})
				}
			}
			out.Feedback = append(out.Feedback, fr)
		}
	}
	return out, nil
}
