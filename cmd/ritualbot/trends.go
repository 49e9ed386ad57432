package main

import (
	"context"
	"slices"
	"time"

	"github.com/ritualbot/ritualbot/bot"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/trends"
)

// trendSource reads the rituals' records for the trends, from their stores.
type trendSource struct{ m *Main }

var _ trends.Source = trendSource{}

// Checkins implements trends.Source: each digest week whose post falls in (from, to], the open
// one included when to reaches its post (see weekEnd).
func (s trendSource) Checkins(_ context.Context, channels []string, from, to time.Time) ([]trends.Checkin, error) {
	var out []trends.Checkin
	for i := range s.m.Config.Digest {
		c := s.m.Config.Digest[i].channel()
		if !slices.Contains(channels, c.ID) {
			continue
		}
		seen := map[string]bool{}
		for t := to; t.After(from); t = t.Add(-7 * 24 * time.Hour) {
			w, ok := digest.WeekAt(c.Post, t)
			if !ok || seen[w.ID] || !within(w.To, from, to) {
				continue
			}
			seen[w.ID] = true
			recs, err := s.m.DB.Digest().WeekRecords(c.ID, w.ID)
			if err != nil {
				return nil, err
			}
			d := digest.Build(c.ID, w, recs, nil)
			out = append(out, trends.Checkin{At: w.To, Shared: d.Shared, Asked: d.Asked})
		}
	}
	return out, nil
}

// CoffeeRounds implements trends.Source.
func (s trendSource) CoffeeRounds(_ context.Context, channels []string, from, to time.Time) ([]trends.CoffeeRound, error) {
	var out []trends.CoffeeRound
	for _, ch := range channels {
		rounds, err := s.m.DB.Coffee().Rounds(ch, 0)
		if err != nil {
			return nil, err
		}
		for _, r := range rounds {
			if !within(r.At, from, to) {
				continue
			}
			cr := trends.CoffeeRound{At: r.At, Groups: len(r.Groups)}
			for _, g := range r.Groups {
				if g.Answer == "met" {
					cr.Met++
				}
			}
			out = append(out, cr)
		}
	}
	return out, nil
}

// Icebreakers implements trends.Source: the people who answered each question posted.
func (s trendSource) Icebreakers(_ context.Context, channels []string, from, to time.Time) ([]trends.Icebreaker, error) {
	var out []trends.Icebreaker
	for _, ch := range channels {
		rounds, err := s.m.DB.Icebreakers().Rounds(ch, 0)
		if err != nil {
			return nil, err
		}
		for _, r := range rounds {
			if within(r.PostedAt, from, to) && r.Answers > 0 {
				out = append(out, trends.Icebreaker{At: r.PostedAt, Answers: r.Answers})
			}
		}
	}
	return out, nil
}

// Releases implements trends.Source: the release records, which exist only for batches that met
// their threshold. Answers are never read.
func (s trendSource) Releases(_ context.Context, channels []string, from, to time.Time) ([]feedback.Release, error) {
	var out []feedback.Release
	for _, ch := range channels {
		rels, err := s.m.DB.Feedback().Releases(ch, from)
		if err != nil {
			return nil, err
		}
		for _, r := range rels {
			if within(r.At, from, to) {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// within reports whether t is in (from, to].
func within(t, from, to time.Time) bool { return t.After(from) && !t.After(to) }

// trendScope is the channels of each ritual that channel names ("" for all of them); false when
// no ritual runs in channel.
func (m *Main) trendScope(channel string) (trends.Scope, bool) {
	pick := func(ids []string) []string {
		if channel == "" {
			return ids
		}
		if slices.Contains(ids, channel) {
			return []string{channel}
		}
		return nil
	}
	var s trends.Scope
	for _, r := range m.Config.Rituals() {
		var ids []string
		for _, rc := range r.Channels {
			ids = append(ids, rc.Channel)
		}
		switch r.Name {
		case "coffee":
			s.Coffee = pick(ids)
		case "icebreaker":
			s.Icebreakers = pick(ids)
		case "digest":
			s.Checkins = pick(ids)
		case "feedback":
			s.Feedback = pick(ids)
		}
	}
	return s, len(s.Channels()) > 0
}

// digestScope is what a digest in channel covers, as its numbers do (ritualStats): its own
// check-ins, coffee and icebreakers everywhere, and feedback released in the channel, or
// everywhere when feedback runs elsewhere.
func (m *Main) digestScope(channel string) trends.Scope {
	all, _ := m.trendScope("")
	s := trends.Scope{Checkins: []string{channel}, Coffee: all.Coffee, Icebreakers: all.Icebreakers, Feedback: all.Feedback}
	if slices.Contains(all.Feedback, channel) {
		s.Feedback = []string{channel}
	}
	return s
}

// weekEnd is where the current week ends for scope: the next post of its first digest, so that the
// figures' weeks are the digest's (the open one so far); now when no digest is in scope.
func (m *Main) weekEnd(scope trends.Scope, now time.Time) time.Time {
	for i := range m.Config.Digest {
		c := m.Config.Digest[i].channel()
		if slices.Contains(scope.Checkins, c.ID) {
			if w, ok := digest.WeekAt(c.Post, now); ok {
				return w.To
			}
		}
	}
	return now
}

// wireCharts registers the trends: `stats`, the admins' Home summary, the charts renderer and the
// digest's thread of charts.
func (m *Main) wireCharts() error {
	svc := &trends.Service{Source: trendSource{m}, Store: m.DB.Charts(), Scope: m.trendScope, DigestScope: m.digestScope, WeekEnd: m.weekEnd,
		Now: m.Now, Queued: m.Delivery.Wake}
	var channels []string
	for _, r := range m.Config.Rituals() {
		for _, rc := range r.Channels {
			channels = append(channels, rc.Channel)
		}
	}
	if len(channels) == 0 {
		return nil
	}
	bot.RegisterCharts(m.Bot, m.Delivery, svc, bot.ChartsOptions{Upload: m.Config.ChartsOn(), Channels: channels})
	m.Trends = svc
	return nil
}
