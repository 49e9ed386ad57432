package coffee

import (
	"strings"
	"testing"
	"time"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("zone %s: %v", name, err)
	}
	return loc
}

func member(t *testing.T, id, tz string) clockOf {
	return clockOf{ID: id, Loc: zone(t, tz), Hours: DefaultHours}
}

// inHours reports whether [at, at+d) lies inside m's working hours.
func inHours(m clockOf, at time.Time, d time.Duration) bool {
	local := at.In(m.Loc)
	mins := local.Hour()*60 + local.Minute()
	return m.Hours.Works(local.Weekday()) && mins >= m.Hours.Start && mins+int(d/time.Minute) <= m.Hours.End
}

func TestParseHours(t *testing.T) {
	for text, want := range map[string]string{
		"08:00-16:00 mon-thu":       "08:00-16:00 mon-thu",
		"9-17":                      "09:00-17:00 mon-fri",
		"09:30 – 18:00 Mon,Tue,Fri": "09:30-18:00 mon-tue,fri",
		"10:00-14:00 sat-sun":       "10:00-14:00 sat-sun",
		"07:00-15:00 friday-monday": "07:00-15:00 mon,fri-sun",
		"8-16 weekdays":             "08:00-16:00 mon-fri",
	} {
		h, err := ParseHours(text)
		if err != nil || h.String() != want {
			t.Errorf("ParseHours(%q) = %v, %v; want %s", text, h, err, want)
		}
	}
	for text, want := range map[string]string{
		"":                   "Which hours?",
		"mornings":           "can't read",
		"17:00-09:00":        "past midnight",
		"09:00-09:00":        "start and end",
		"09:00-09:30":        "less than an hour",
		"25:00-26:00":        "not a time of day",
		"09:00-17:00 funday": "not a day I know",
		"09:61-17:00":        "not a time of day",
	} {
		_, err := ParseHours(text)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseHours(%q) = %v, want a mistake saying %q", text, err, want)
		}
	}
	if l := DefaultHours.Label(); l != "09:00–17:00 Mon–Fri" {
		t.Errorf("label %q", l)
	}
}

func TestIntroWaitsForEveryonesWorkingHours(t *testing.T) {
	berlin, london := member(t, "lena", "Europe/Berlin"), member(t, "sam", "Europe/London")
	// Monday 07:30 UTC: 08:30 in Berlin, 07:30 in London.
	now := time.Date(2026, 11, 30, 7, 30, 0, 0, time.UTC)
	if got, want := introTime(now, []clockOf{berlin, london}), time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("intro at %v, want %v (09:00 in London)", got, want)
	}
	// Inside both: at once.
	now = time.Date(2026, 11, 30, 10, 7, 0, 0, time.UTC)
	if got := introTime(now, []clockOf{berlin, london}); !got.Equal(now) {
		t.Errorf("intro at %v, want at once", got)
	}
	// Friday 16:45 in London: too late today; Monday 09:00.
	now = time.Date(2026, 12, 4, 16, 45, 0, 0, time.UTC)
	if got, want := introTime(now, []clockOf{berlin, london}), time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("intro at %v, want %v", got, want)
	}
}

func TestIntroWithoutSharedHoursNeverAtNight(t *testing.T) {
	group := []clockOf{member(t, "mei", "Asia/Tokyo"), member(t, "lena", "Europe/Berlin"), member(t, "eli", "America/New_York")}
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) // Monday 10:00 in Berlin
	at := introTime(now, group)
	if at.Before(now) || at.Sub(now) > 48*time.Hour {
		t.Fatalf("intro at %v, planned at %v", at, now)
	}
	for _, m := range group {
		if h := at.In(m.Loc).Hour(); h < awakeFrom || h >= awakeUntil {
			t.Errorf("intro at %s for %s: night", at.In(m.Loc).Format("Mon 15:04"), m.ID)
		}
	}
	if ny := at.In(group[2].Loc); ny.Hour() >= 12 {
		t.Errorf("intro at %s in New York, want the morning of the member whose day starts last", ny.Format("Mon 15:04"))
	}
}

func TestSlotsInsideEveryonesHoursAcrossDST(t *testing.T) {
	// Europe leaves summer time on 25 Oct 2026, New York on 1 Nov: for a week the clocks are 5 h
	// apart instead of 6, and the shared hours move.
	group := []clockOf{member(t, "lena", "Europe/Berlin"), member(t, "eli", "America/New_York")}
	for _, now := range []time.Time{
		time.Date(2026, 10, 22, 14, 0, 0, 0, time.UTC),
		time.Date(2026, 10, 29, 14, 0, 0, 0, time.UTC),
	} {
		slots, ok := proposeSlots(now, group)
		if !ok || len(slots) != 3 {
			t.Fatalf("from %v: %d slots, shared %v", now, len(slots), ok)
		}
		days := map[string]bool{}
		for _, s := range slots {
			days[s.At.In(group[0].Loc).Format("2006-01-02")] = true
			for _, m := range group {
				if !inHours(m, s.At, SlotLength) {
					t.Errorf("slot %s is outside %s's hours (%s there)", s.At, m.ID, s.At.In(m.Loc).Format("Mon 15:04 MST"))
				}
			}
			if s.At.Sub(now) < slotLead {
				t.Errorf("slot %v less than an hour after the intro", s.At)
			}
		}
		if len(days) != 3 {
			t.Errorf("slots not on three days: %v", slots)
		}
	}
}

func TestLeastBadSlotNamesWhoStretches(t *testing.T) {
	group := []clockOf{member(t, "mei", "Asia/Tokyo"), member(t, "eli", "America/New_York")}
	slots, ok := proposeSlots(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), group)
	if ok || len(slots) != 1 {
		t.Fatalf("Tokyo and New York share no hours: want one least bad slot, got %v (shared %v)", slots, ok)
	}
	s := slots[0]
	if len(s.Early)+len(s.Late) == 0 {
		t.Errorf("slot %v stretches nobody", s)
	}
	for _, m := range group {
		if h := s.At.In(m.Loc).Hour(); h < awakeFrom || h >= awakeUntil {
			t.Errorf("least bad slot is at night for %s: %s", m.ID, s.At.In(m.Loc).Format("Mon 15:04"))
		}
	}
}

func TestWhyYouSaysTheRealClockDifference(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	far := []clockOf{member(t, "jose", "America/Mexico_City"), member(t, "mei", "Asia/Tokyo")}
	if got := withClocks("you haven't met yet; 9 h apart", now, far); got != "you haven't met yet; clocks 15 h apart; no shared working hours" {
		t.Errorf("Mexico City and Tokyo: %q", got)
	}
	near := []clockOf{member(t, "lena", "Europe/Berlin"), member(t, "noor", "Asia/Dubai")}
	if got := withClocks("two of you last met 3 weeks ago — the freshest grouping available; 3 h apart; different teams", now, near); got != "two of you last met 3 weeks ago — the freshest grouping available; clocks 3 h apart; 5 h of shared working hours; different teams" {
		t.Errorf("Berlin and Dubai: %q", got)
	}
}

func TestIntroForPeopleFifteenHoursApartIsDaytimeForBoth(t *testing.T) {
	group := []clockOf{member(t, "mei", "Asia/Tokyo"), member(t, "jose", "America/Mexico_City")}
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	at := introTime(now, group)
	for _, m := range group {
		if h := at.In(m.Loc).Hour(); h < awakeFrom || h >= awakeUntil {
			t.Errorf("intro at %s for %s: night", at.In(m.Loc).Format("Mon 15:04"), m.ID)
		}
	}
	if !working(group[0], at) && !working(group[1], at) {
		t.Errorf("intro at %v: nobody at work", at)
	}
	if at.Sub(now) > 24*time.Hour {
		t.Errorf("intro waits %v", at.Sub(now))
	}
}

func TestFollowUpStaysInsideTheRound(t *testing.T) {
	group := []clockOf{member(t, "mei", "Asia/Tokyo"), member(t, "eli", "America/New_York")}
	for day := range 5 {
		intro := introTime(time.Date(2026, 11, 30+day, 9, 0, 0, 0, time.UTC), group)
		if f := followUpTime(intro, 84*time.Hour, group); f.Sub(intro) > 6*24*time.Hour || f.Sub(intro) < 42*time.Hour {
			t.Errorf("intro %v: follow-up %v", intro, f)
		}
	}
}

// BenchmarkGroupTimes measures what a round adds per group: the intro's hour, the slots and the
// clock words, for a group with shared hours and for one without (the slowest case).
func BenchmarkGroupTimes(b *testing.B) {
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			b.Fatal(err)
		}
		return loc
	}
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for name, zones := range map[string][]string{
		"shared":     {"Europe/Berlin", "Europe/London"},
		"no-overlap": {"Asia/Tokyo", "Europe/Berlin", "America/New_York"},
	} {
		var group []clockOf
		for i, z := range zones {
			group = append(group, clockOf{ID: string(rune('a' + i)), Loc: load(z), Hours: DefaultHours})
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				at := introTime(now, group)
				proposeSlots(at, group)
				followUpTime(at, 84*time.Hour, group)
				withClocks("you haven't met yet; 9 h apart", now, group)
			}
		})
	}
}
