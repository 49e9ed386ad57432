// Package presence keeps who is away. A person who says `away until 2026-12-24` is left out of
// every ritual (no check-ins, no feedback prompts, no coffee) through the end of that day in their
// own time zone; being away ends by itself, or earlier when they say they are back.
//
// Rituals ask Filter(ids, now) before involving people, and AwayUntil(user, now) to show a
// person's status. An away record whose day has passed is simply not in force: nothing needs to
// clean it up for the person to count as back.
package presence

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
)

// DateLayout is how an away date is written and stored: a calendar date without a zone.
const DateLayout = "2006-01-02"

// MaxAhead is how far ahead a person may be away: at most this long from today.
const MaxAhead = 366 * 24 * time.Hour

// Away is one person's absence.
type Away struct {
	// User is the person's user id.
	User string `json:"user"`
	// Until is the last day away (DateLayout), in Zone: the person is away through its end.
	Until string `json:"until"`
	// Zone is the IANA name (or fixed offset) the date is read in.
	Zone string `json:"zone"`
	// Ends is the instant the absence ends: midnight after Until in Zone.
	Ends time.Time `json:"ends"`
	// Set is when the person said so.
	Set time.Time `json:"set"`
}

// InForce reports whether the absence still holds at now.
func (a Away) InForce(now time.Time) bool { return now.Before(a.Ends) }

// Store keeps away records; the store package implements it.
type Store interface {
	// PutAway stores a, replacing the person's earlier record.
	PutAway(a Away) error
	// DeleteAway removes user's record, reporting whether there was one.
	DeleteAway(user string) (bool, error)
	// GetAway returns user's record, in force or not.
	GetAway(user string) (Away, bool, error)
	// GetAways returns the records of those of users who have one, in force or not, by user id.
	GetAways(users []string) (map[string]Away, error)
}

// Service answers and changes who is away.
type Service struct {
	Store Store
}

// SetAway marks p away through the end of the day until names, read as a date in p's time zone
// (see Location). until is written like 2026-12-24; "24 Dec 2026", "December 24, 2026" and,
// without a year, "Dec 24" or "24 December" (the next such day) are read too. Today is
// allowed (away for the rest of today); a past date, a date more than a year ahead or text that is
// not a date is a *rituals.PersonError and nothing is stored.
func (s *Service) SetAway(p rituals.Person, until string, now time.Time) (Away, error) {
	loc := Location(p, time.UTC)
	today := dateOf(now.In(loc))
	day, err := ParseDate(until, today)
	if err != nil {
		return Away{}, err
	}
	if day.Before(today) {
		return Away{}, rituals.Mistakef("%s is in the past; give the last day you will be away, today or later.", day.Format(DateLayout))
	}
	if day.Sub(today) > MaxAhead {
		return Away{}, rituals.Mistakef("%s is more than a year ahead; pick a date within a year, and set it again later if you need to.", day.Format(DateLayout))
	}
	y, m, d := day.Date()
	a := Away{
		User:  p.ID,
		Until: day.Format(DateLayout),
		Zone:  loc.String(),
		Ends:  time.Date(y, m, d+1, 0, 0, 0, 0, loc),
		Set:   now,
	}
	if err := s.Store.PutAway(a); err != nil {
		return Away{}, err
	}
	return a, nil
}

// Back ends user's absence now, reporting whether they were away.
func (s *Service) Back(user string, now time.Time) (bool, error) {
	a, ok, err := s.Store.GetAway(user)
	if err != nil || !ok {
		return false, err
	}
	if _, err := s.Store.DeleteAway(user); err != nil {
		return false, err
	}
	return a.InForce(now), nil
}

// AwayUntil returns user's absence if it is in force at now; an absence whose last day has passed
// means the person is back.
func (s *Service) AwayUntil(user string, now time.Time) (Away, bool, error) {
	a, ok, err := s.Store.GetAway(user)
	if err != nil || !ok || !a.InForce(now) {
		return Away{}, false, err
	}
	return a, true, nil
}

// Filter returns ids without the people away at now, in the same order.
func (s *Service) Filter(ids []string, now time.Time) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	aways, err := s.Store.GetAways(ids)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if a, ok := aways[id]; ok && a.InForce(now) {
			continue
		}
		out = append(out, id)
	}
	return out, nil
}

// dateOf returns t's calendar date at midnight UTC, for counting days.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// withYear are the layouts ParseDate accepts with a year.
var withYear = []string{
	DateLayout, "2006/01/02", "2 Jan 2006", "2 January 2006", "Jan 2 2006", "January 2 2006",
	"Jan 2, 2006", "January 2, 2006", "Mon 2 Jan 2006", "Monday 2 January 2006",
}

// withoutYear are the layouts ParseDate accepts without a year: the next such day is meant.
var withoutYear = []string{"2 Jan", "2 January", "Jan 2", "January 2"}

// ParseDate reads a calendar date as a person types it (see SetAway) and returns it at midnight
// UTC. today (midnight UTC) settles dates written without a year: the next such day, today
// included. Text that is not a date is a *rituals.PersonError.
func ParseDate(text string, today time.Time) (time.Time, error) {
	clean := strings.Join(strings.Fields(strings.TrimSpace(text)), " ")
	clean = strings.TrimSuffix(clean, ".")
	if clean == "" {
		return time.Time{}, rituals.Mistakef("Say until when, with a date like %s.", today.AddDate(0, 0, 7).Format(DateLayout))
	}
	for _, layout := range withYear {
		if t, err := time.Parse(layout, clean); err == nil {
			return t, nil
		}
	}
	for _, layout := range withoutYear {
		if t, err := time.Parse(layout, clean); err == nil {
			t = time.Date(today.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			if t.Before(today) {
				t = t.AddDate(1, 0, 0)
			}
			return t, nil
		}
	}
	return time.Time{}, rituals.Mistakef("I can't read %q as a date; write the last day you will be away like %s.", text, today.AddDate(0, 0, 7).Format(DateLayout))
}

// zones caches loaded locations: time.LoadLocation reads the zone file on every call.
var zones sync.Map // string → *time.Location

// Location returns p's time zone: their IANA zone when it loads, else a fixed zone at their
// current UTC offset when they have a zone name or a non-zero offset, else fallback.
func Location(p rituals.Person, fallback *time.Location) *time.Location {
	if p.TimeZone != "" {
		if l, ok := zones.Load(p.TimeZone); ok {
			return l.(*time.Location)
		}
		if l, err := time.LoadLocation(p.TimeZone); err == nil {
			zones.Store(p.TimeZone, l)
			return l
		}
	}
	if p.TimeZone != "" || p.UTCOffset != 0 {
		return time.FixedZone(fixedName(p.UTCOffset), int(p.UTCOffset/time.Second))
	}
	if fallback == nil {
		return time.UTC
	}
	return fallback
}

// fixedName names a fixed offset like "UTC+05:30".
func fixedName(off time.Duration) string {
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return fmt.Sprintf("UTC%s%02d:%02d", sign, int(off.Hours()), int(off.Minutes())%60)
}
