package coffee

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
)

// maxPause is the longest pause; longer means leaving.
const maxPause = 366 * 24 * time.Hour

func (s *Service) channel(id string) (Channel, error) {
	c, ok := s.Channel(id)
	if !ok {
		return Channel{}, fmt.Errorf("coffee is not configured in %s", id)
	}
	return c, nil
}

func (s *Service) update(channel, user string, change func(*Membership) error) (Membership, error) {
	all, err := s.Store.Memberships(channel)
	if err != nil {
		return Membership{}, err
	}
	m := all[user]
	if err := change(&m); err != nil {
		return m, err
	}
	return m, s.Store.SetMembership(channel, user, m, nil)
}

// Join makes user take part in channel's rounds again (ending a pause).
func (s *Service) Join(_ context.Context, channel, user string) error {
	_, err := s.update(channel, user, func(m *Membership) error {
		m.Joined, m.Left, m.PausedUntil, m.PausedForSilence, m.Ignored = true, false, time.Time{}, false, 0
		return nil
	})
	return err
}

// Leave stops user taking part until they join again.
func (s *Service) Leave(_ context.Context, channel, user string) error {
	_, err := s.update(channel, user, func(m *Membership) error {
		m.Joined, m.Left = false, true
		return nil
	})
	return err
}

// Resume ends a pause.
func (s *Service) Resume(ctx context.Context, channel, user string) error {
	_, err := s.update(channel, user, func(m *Membership) error {
		if m.Left {
			return rituals.Mistakef("You left coffee pairings here; join again with `coffee join`.")
		}
		m.PausedUntil, m.PausedForSilence, m.Ignored = time.Time{}, false, 0
		return nil
	})
	return err
}

var pauseFor = regexp.MustCompile(`^(\d{1,3})\s*(d|day|days|w|wk|week|weeks)$`)

// ParsePause reads "2w", "10d" or "until 2026-12-24" (a date in loc) and returns when the pause
// ends; mistakes come back as a *rituals.PersonError.
func ParsePause(text string, now time.Time, loc *time.Location) (time.Time, error) {
	text = strings.ToLower(strings.TrimSpace(text))
	const example = "Try `coffee pause 2w` (two weeks), `coffee pause 10d` or `coffee pause until 2026-12-24`."
	if text == "" {
		return time.Time{}, rituals.Mistakef("For how long? %s", example)
	}
	if date, ok := strings.CutPrefix(text, "until "); ok {
		day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(date), loc)
		if err != nil {
			return time.Time{}, rituals.Mistakef("%q is not a date I can read; write it as YYYY-MM-DD. %s", strings.TrimSpace(date), example)
		}
		end := day.AddDate(0, 0, 1) // paused through that whole day
		switch {
		case !end.After(now):
			return time.Time{}, rituals.Mistakef("%s has already passed; pick a date in the future.", day.Format("2 Jan 2006"))
		case end.Sub(now) > maxPause:
			return time.Time{}, rituals.Mistakef("That is more than a year away; use `coffee leave` instead, and `coffee join` when you are back.")
		}
		return end, nil
	}
	m := pauseFor.FindStringSubmatch(text)
	if m == nil {
		return time.Time{}, rituals.Mistakef("I can't read %q as a length of time. %s", text, example)
	}
	n, _ := strconv.Atoi(m[1])
	unit := 24 * time.Hour
	if strings.HasPrefix(m[2], "w") {
		unit *= 7
	}
	d := time.Duration(n) * unit
	switch {
	case n == 0:
		return time.Time{}, rituals.Mistakef("A pause of zero days is no pause. %s", example)
	case d > maxPause:
		return time.Time{}, rituals.Mistakef("That is more than a year; use `coffee leave` instead, and `coffee join` when you are back.")
	}
	return now.Add(d), nil
}

// Pause skips user's rounds in channel until until.
func (s *Service) Pause(_ context.Context, channel, user string, until time.Time) error {
	_, err := s.update(channel, user, func(m *Membership) error {
		if m.Left {
			return rituals.Mistakef("You left coffee pairings here; nothing to pause. Join again with `coffee join`.")
		}
		m.PausedUntil, m.PausedForSilence = until, false
		return nil
	})
	return err
}

// Status is what a person sees of their own coffee settings in one channel.
type Status struct {
	Channel     string
	In          bool
	Left        bool
	OptIn       bool
	PausedUntil time.Time // zero when not paused
	// Indefinite is a pause that lasts until they resume.
	Indefinite bool
	Avoiding   int
	// Current is their group in the latest round, if any.
	Current *Group
	// NextRound is filled by the caller that knows the schedule.
	NextRound time.Time
}

// StatusOf returns user's settings in channel.
func (s *Service) StatusOf(_ context.Context, channel, user string) (Status, error) {
	c, err := s.channel(channel)
	if err != nil {
		return Status{}, err
	}
	all, err := s.Store.Memberships(channel)
	if err != nil {
		return Status{}, err
	}
	m := all[user]
	now := s.Now()
	st := Status{Channel: channel, In: m.In(c.OptIn, now), Left: m.Left, OptIn: c.OptIn}
	if now.Before(m.PausedUntil) {
		st.PausedUntil = m.PausedUntil
		st.Indefinite = m.PausedUntil.Equal(farFuture)
	}
	avoids, err := s.Store.Avoids(user)
	if err != nil {
		return Status{}, err
	}
	st.Avoiding = len(avoids)
	rounds, err := s.Store.Rounds(channel, 1)
	if err != nil {
		return Status{}, err
	}
	if len(rounds) > 0 {
		for _, g := range rounds[0].Groups {
			if slices.Contains(g.Members, user) {
				st.Current = &g
				break
			}
		}
	}
	return st, nil
}

// Meeting is one past group of a person's history.
type Meeting struct {
	At     time.Time
	Others []string
	Answer string
}

// History returns the groups user was in, newest first, at most limit.
func (s *Service) History(_ context.Context, channel, user string, limit int) ([]Meeting, error) {
	rounds, err := s.Store.Rounds(channel, 0)
	if err != nil {
		return nil, err
	}
	var out []Meeting
	for _, r := range rounds {
		for _, g := range r.Groups {
			if !slices.Contains(g.Members, user) {
				continue
			}
			others := slices.DeleteFunc(slices.Clone(g.Members), func(id string) bool { return id == user })
			out = append(out, Meeting{At: r.At, Others: others, Answer: g.Answer})
		}
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}

// Avoid keeps user and other apart in every channel; it is private and never shown to anyone.
func (s *Service) Avoid(ctx context.Context, user, other string, avoid bool) error {
	if other == user {
		return rituals.Mistakef("You can't avoid yourself — though we all wish we could some days.")
	}
	if s.Directory != nil {
		p, err := s.Directory.Person(ctx, other)
		if err != nil {
			return rituals.Mistakef("I can't find that person in this workspace.")
		}
		if p.Bot {
			return rituals.Mistakef("Bots never take part in coffee, so there is no need to avoid one.")
		}
	}
	return s.Store.SetAvoid(user, other, avoid)
}

// Stats are a channel's coffee figures.
type Stats struct {
	Rounds, Groups, Met, Skipped int
	Since                        time.Time
}

// StatsOf counts channel's rounds, groups and answers since since (zero: all).
func (s *Service) StatsOf(channel string, since time.Time) (Stats, error) {
	rounds, err := s.Store.Rounds(channel, 0)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Since: since}
	for _, r := range rounds {
		if r.At.Before(since) {
			continue
		}
		st.Rounds++
		for _, g := range r.Groups {
			st.Groups++
			switch g.Answer {
			case AnswerMet:
				st.Met++
			case AnswerSkipped:
				st.Skipped++
			}
		}
	}
	return st, nil
}
