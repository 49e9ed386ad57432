package trends

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
)

// SharedChart is a chart the Slack edge uploaded to a channel, remembered for the Home tab.
type SharedChart struct {
	// FileID is Slack's id of the file (F…).
	FileID  string    `json:"file_id"`
	Title   string    `json:"title"`
	Alt     string    `json:"alt"`
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
}

// Store queues messages and keeps the latest shared chart; the store package implements it.
type Store interface {
	// Enqueue adds messages to the outbox in one transaction.
	Enqueue(msgs ...rituals.Message) error
	// PutLatestChart remembers c as the latest chart shared.
	PutLatestChart(c SharedChart) error
	// LatestChart returns the latest chart shared, if any.
	LatestChart() (SharedChart, bool, error)
}

// Service answers the admins' questions about trends and gives the digest its charts.
type Service struct {
	Source Source
	Store  Store
	// Scope returns the scope of a channel (false when no ritual runs there); "" means every
	// configured channel.
	Scope func(channel string) (Scope, bool)
	// DigestScope returns what a digest in channel covers; nil means Scope(channel).
	DigestScope func(channel string) Scope
	// WeekEnd returns where the current week of scope ends, at now: the next digest post when a
	// digest is in scope, so that the weeks are the digest's; nil (or a time before now) means now.
	WeekEnd func(scope Scope, now time.Time) time.Time
	// Weeks is how many weeks the figures cover; 0 means DefaultWeeks.
	Weeks int
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Queued is called after messages were committed (wakes delivery).
	Queued func()
}

// ErrNoRitualHere is the person's mistake of asking for a channel where no ritual runs.
var ErrNoRitualHere = &rituals.PersonError{Err: errors.New("No ritual runs in that channel, so there is nothing to chart there. Name a channel a ritual runs in, or leave it out for all of them.")}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Figures collects the figures of channel ("" for every configured channel) for the weeks up to
// the current one.
func (s *Service) Figures(ctx context.Context, channel string) (Figures, error) {
	scope, ok := s.Scope(channel)
	if !ok {
		return Figures{}, ErrNoRitualHere
	}
	end := s.now()
	if s.WeekEnd != nil {
		if e := s.WeekEnd(scope, end); e.After(end) {
			end = e
		}
	}
	f, err := Collect(ctx, s.Source, scope, end, s.Weeks)
	if err != nil {
		return Figures{}, err
	}
	f.All = channel == ""
	return f, nil
}

// Send queues f for user in a direct message: the table, then the charts in its thread. The
// same request (person and scope) made twice in one minute is sent once: the figures are the same.
func (s *Service) Send(user string, f Figures) error {
	scope := "all"
	if !f.All {
		scope = strings.Join(f.Channels, ",")
	}
	key := Ritual + "/" + user + "/" + s.now().UTC().Truncate(time.Minute).Format("2006-01-02T15:04") + "/" + scope
	msg, err := Message(key, rituals.Recipient{User: user}, "", f)
	if err != nil {
		return err
	}
	if err := s.Store.Enqueue(msg); err != nil {
		return err
	}
	if s.Queued != nil {
		s.Queued()
	}
	return nil
}

// DigestThread returns the charts message for a digest of channel posted at end under postKey: the
// figures of the digest's scope, in the post's thread.
func (s *Service) DigestThread(ctx context.Context, channel string, end time.Time, postKey string) ([]rituals.Message, error) {
	scope, ok := s.Scope(channel)
	if s.DigestScope != nil {
		scope, ok = s.DigestScope(channel), true
	}
	if !ok {
		return nil, ErrNoRitualHere
	}
	f, err := Collect(ctx, s.Source, scope, end, s.Weeks)
	if err != nil {
		return nil, err
	}
	msg, err := Message(postKey+"/charts", rituals.Recipient{Channel: channel}, postKey, f)
	if err != nil {
		return nil, err
	}
	return []rituals.Message{msg}, nil
}

// Shared remembers the first of the charts just shared in a channel, for the Home tab.
func (s *Service) Shared(c SharedChart) error {
	if c.At.IsZero() {
		c.At = s.now()
	}
	return s.Store.PutLatestChart(c)
}

// Latest returns the latest chart shared in a channel, if any.
func (s *Service) Latest() (SharedChart, bool, error) { return s.Store.LatestChart() }
