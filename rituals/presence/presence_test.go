package presence_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/presence"
)

// memStore is a hand-written presence.Store.
type memStore struct {
	mu sync.Mutex
	m  map[string]presence.Away
}

func (s *memStore) PutAway(a presence.Away) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]presence.Away{}
	}
	s.m[a.User] = a
	return nil
}

func (s *memStore) DeleteAway(user string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[user]
	delete(s.m, user)
	return ok, nil
}

func (s *memStore) GetAway(user string) (presence.Away, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.m[user]
	return a, ok, nil
}

func (s *memStore) GetAways(users []string) (map[string]presence.Away, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]presence.Away{}
	for _, u := range users {
		if a, ok := s.m[u]; ok {
			out[u] = a
		}
	}
	return out, nil
}

func load(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestAwayEndsByItselfAtTheEndOfTheDayInTheirZone(t *testing.T) {
	st := &memStore{}
	svc := &presence.Service{Store: st}
	tokyo := load(t, "Asia/Tokyo")
	aiko := rituals.Person{ID: "UAIKO", Name: "Aiko", TimeZone: "Asia/Tokyo"}
	now := time.Date(2026, time.December, 1, 9, 0, 0, 0, tokyo)
	a, err := svc.SetAway(aiko, "2026-12-24", now)
	if err != nil {
		t.Fatal(err)
	}
	if a.Until != "2026-12-24" || a.Zone != "Asia/Tokyo" || !a.Ends.Equal(time.Date(2026, time.December, 25, 0, 0, 0, 0, tokyo)) {
		t.Fatalf("away = %+v", a)
	}
	for _, c := range []struct {
		at   time.Time
		away bool
	}{
		{now, true},
		{time.Date(2026, time.December, 24, 23, 59, 0, 0, tokyo), true},
		{time.Date(2026, time.December, 25, 0, 0, 0, 0, tokyo), false},
		{time.Date(2027, time.January, 5, 0, 0, 0, 0, tokyo), false},
	} {
		_, away, err := svc.AwayUntil("UAIKO", c.at)
		if err != nil || away != c.away {
			t.Errorf("at %s away = %v (%v), want %v", c.at, away, err, c.away)
		}
	}
	got, err := svc.Filter([]string{"U1", "UAIKO", "U2"}, now)
	if err != nil || !slices.Equal(got, []string{"U1", "U2"}) {
		t.Errorf("Filter = %v, %v", got, err)
	}
	got, _ = svc.Filter([]string{"U1", "UAIKO"}, time.Date(2026, time.December, 26, 0, 0, 0, 0, tokyo))
	if !slices.Equal(got, []string{"U1", "UAIKO"}) {
		t.Errorf("after the date Filter = %v", got)
	}
	back, err := svc.Back("UAIKO", now)
	if err != nil || !back {
		t.Fatalf("back = %v, %v", back, err)
	}
	if _, away, _ := svc.AwayUntil("UAIKO", now); away {
		t.Error("still away after Back")
	}
	if back, _ := svc.Back("UAIKO", now); back {
		t.Error("back twice")
	}
}

func TestSetAwayRefusesBadDatesAndStoresNothing(t *testing.T) {
	st := &memStore{}
	svc := &presence.Service{Store: st}
	berlin := load(t, "Europe/Berlin")
	ben := rituals.Person{ID: "UBEN", TimeZone: "Europe/Berlin"}
	now := time.Date(2026, time.November, 25, 23, 30, 0, 0, berlin) // already the 26th in UTC+14, still the 25th here
	for _, c := range []struct{ until, want string }{
		{"2026-11-24", "in the past"},
		{"2025-12-24", "in the past"},
		{"2027-11-27", "more than a year"},
		{"next week", "can't read"},
		{"2026-13-01", "can't read"},
		{"", "Say until when"},
		{"24/12/2026", "can't read"},
	} {
		_, err := svc.SetAway(ben, c.until, now)
		if !rituals.IsPersonError(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want a sentence with %q", c.until, err, c.want)
		}
	}
	if len(st.m) != 0 {
		t.Fatalf("stored %v", st.m)
	}
	for until, want := range map[string]string{
		"2026-11-25":        "2026-11-25", // today: away for the rest of the day
		"24 Dec 2026":       "2026-12-24",
		"December 24, 2026": "2026-12-24",
		"Dec 24":            "2026-12-24",
		"3 January":         "2027-01-03", // without a year: the next one
		"2027-11-25":        "2027-11-25",
	} {
		a, err := svc.SetAway(ben, until, now)
		if err != nil || a.Until != want {
			t.Errorf("%q: %+v, %v; want until %s", until, a, err, want)
		}
	}
}

func TestLocation(t *testing.T) {
	fallback := load(t, "Europe/Berlin")
	cases := []struct {
		p    rituals.Person
		want string
		off  int
	}{
		{rituals.Person{TimeZone: "America/New_York"}, "America/New_York", -5 * 3600},
		{rituals.Person{TimeZone: "Mars/Olympus", UTCOffset: 5*time.Hour + 30*time.Minute}, "UTC+05:30", 5*3600 + 1800},
		{rituals.Person{}, "Europe/Berlin", 3600},
	}
	at := time.Date(2026, time.November, 26, 12, 0, 0, 0, time.UTC)
	for _, c := range cases {
		l := presence.Location(c.p, fallback)
		if _, off := at.In(l).Zone(); l.String() != c.want || off != c.off {
			t.Errorf("Location(%+v) = %s %d, want %s %d", c.p, l, off, c.want, c.off)
		}
	}
}
