package schedule

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests do not depend on the machine's zoneinfo
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		expr  string
		every int
		want  string // the whole error, or a part of it when partial
		part  bool
	}{
		{expr: "TZ=UTC", want: `"TZ=UTC" has a time zone but no schedule; write it as "CRON_TZ=UTC 0 9 * * MON"`},
		{expr: "CRON_TZ=Europe/Paris", want: `"CRON_TZ=Europe/Paris" has a time zone but no schedule; write it as "CRON_TZ=Europe/Paris 0 9 * * MON"`},
		{expr: "  TZ=UTC   ", want: `"TZ=UTC" has a time zone but no schedule`, part: true},
		{expr: "TZ= 0 9 * * *", want: `names no time zone after TZ=`, part: true},
		{expr: "CRON_TZ=Nowhere/Land 0 9 * * *", want: `unknown time zone "Nowhere/Land"`},
		{expr: "CRON_TZ=Europe/Pari 0 9 * * MON", want: `unknown time zone "Europe/Pari"`},
		{expr: "CRON_TZ=UTC TZ=UTC 0 9 * * *", want: "names a time zone twice", part: true},
		{expr: "0 9 * *", want: `"0 9 * *" needs 5 fields (minute hour day-of-month month day-of-week), found 4`},
		{expr: "CRON_TZ=UTC 0 9 * *", want: `"0 9 * *" needs 5 fields (minute hour day-of-month month day-of-week), found 4`},
		{expr: "0 0 9 * * MON", want: "found 6 (a seconds field is not supported)", part: true},
		{expr: "61 * * * *", want: `"61 * * * *": the minute field "61" is not valid (use 0-59`, part: true},
		{expr: "0 24 * * *", want: `the hour field "24" is not valid`, part: true},
		{expr: "0 9 0 * *", want: `the day-of-month field "0" is not valid`, part: true},
		{expr: "0 9 * 13 *", want: `the month field "13" is not valid`, part: true},
		{expr: "0 9 * * MOX", want: `the day-of-week field "MOX" is not valid`, part: true},
		{expr: "0 9 * * 1-", want: `the day-of-week field "1-" is not valid`, part: true},
		{expr: "*/0 9 * * *", want: `the minute field "*/0" is not valid`, part: true},
		{expr: "0 9 31 2 *", want: `"0 9 31 2 *" never fires`, part: true},
		{expr: "", want: "the schedule is empty", part: true},
		{expr: "   ", want: "the schedule is empty", part: true},
		{expr: "@every 1h", want: `"@every 1h" is not supported`, part: true},
		{expr: "@weekli", want: `unknown descriptor "@weekli"`, part: true},
		{expr: "@weekly 9", want: `unknown descriptor "@weekly 9"`, part: true},
		{expr: "0 9 * * MON", every: -1, want: "every -1 weeks is out of range; use 1 to 52"},
		{expr: "0 9 * * MON", every: 53, want: "every 53 weeks is out of range; use 1 to 52"},
	}
	for _, tt := range tests {
		s, err := Parse(tt.expr, tt.every, time.Time{}, time.UTC)
		switch {
		case err == nil:
			t.Errorf("Parse(%q) = %v, want error %q", tt.expr, s, tt.want)
		case tt.part && !strings.Contains(err.Error(), tt.want):
			t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.expr, err, tt.want)
		case !tt.part && err.Error() != tt.want:
			t.Errorf("Parse(%q) error = %q, want %q", tt.expr, err, tt.want)
		}
		if err != nil && !s.IsZero() {
			t.Errorf("Parse(%q) returned a non-zero Spec with its error", tt.expr)
		}
	}
}

func TestParseAccepts(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	tests := []struct {
		expr    string
		loc     *time.Location
		wantStr string
	}{
		{"0 9 * * MON", berlin, "CRON_TZ=Europe/Berlin 0 9 * * MON"},
		{"CRON_TZ=Europe/Paris 0 9 * * MON", berlin, "CRON_TZ=Europe/Paris 0 9 * * MON"},
		{"TZ=America/New_York   30  1 * * *", berlin, "CRON_TZ=America/New_York 30 1 * * *"},
		{"@weekly", nil, "CRON_TZ=UTC @weekly"},
		{"CRON_TZ=Asia/Kolkata @daily", nil, "CRON_TZ=Asia/Kolkata @daily"},
		{"0 9 29 2 *", nil, "CRON_TZ=UTC 0 9 29 2 *"},
		{"*/15 9-17 * * mon-fri", nil, "CRON_TZ=UTC */15 9-17 * * mon-fri"},
	}
	for _, tt := range tests {
		s, err := Parse(tt.expr, 0, time.Time{}, tt.loc)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		if got := s.String(); got != tt.wantStr {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.expr, got, tt.wantStr)
		}
		// String is accepted back and means the same.
		again, err := Parse(s.String(), 0, time.Time{}, nil)
		if err != nil {
			t.Errorf("Parse(%q) (from String): %v", s.String(), err)
			continue
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		a, b := s.NextN(from, 20), again.NextN(from, 20)
		for i := range a {
			if !a[i].Equal(b[i]) {
				t.Errorf("%q and its String %q disagree: %v vs %v", tt.expr, s, a[i], b[i])
				break
			}
		}
	}
	s := MustParse("0 9 * * MON", 2, time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), nil)
	if got, want := s.String(), "CRON_TZ=UTC 0 9 * * MON every 2 weeks from the week of 2026-03-02"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"TZ=UTC", "CRON_TZ=", "TZ=UTC 0 9 * * MON", "@weekly", "0 9 * *", "61 * * * *", "@every 1h", "1-2/3,4 * ? * SUN-SAT", "TZ=", "TZ= ", "CRON_TZ=Europe/Paris\t0 9 * * *"} {
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, expr string, every int) {
		s, err := Parse(expr, every, time.Time{}, time.UTC)
		if err == nil {
			_ = s.NextN(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 3)
		} else if err.Error() == "" {
			t.Fatal("empty error")
		}
	})
}

func TestNextHonoursZone(t *testing.T) {
	paris, ny := mustLoad(t, "Europe/Paris"), mustLoad(t, "America/New_York")
	from := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) // a Monday, 14:00 in Paris
	s := MustParse("CRON_TZ=Europe/Paris 0 9 * * MON", 0, time.Time{}, ny)
	got := s.Next(from)
	if want := time.Date(2026, 6, 8, 9, 0, 0, 0, paris); !got.Equal(want) {
		t.Errorf("Next = %v, want %v", got, want)
	}
	if got.Location() != s.Location() || s.Location().String() != "Europe/Paris" {
		t.Errorf("Next is in %v, spec in %v; want both Europe/Paris", got.Location(), s.Location())
	}
	// The default zone applies without a prefix; TZ= works like CRON_TZ=.
	if got, want := MustParse("0 9 * * MON", 0, time.Time{}, ny).Next(from), time.Date(2026, 6, 1, 9, 0, 0, 0, ny); !got.Equal(want) { // 08:00 in New York
		t.Errorf("default zone: Next = %v, want %v", got, want)
	}
	if got, want := MustParse("TZ=America/New_York 0 9 * * *", 0, time.Time{}, paris).Next(from), time.Date(2026, 6, 1, 9, 0, 0, 0, ny); !got.Equal(want) {
		t.Errorf("TZ=: Next = %v, want %v", got, want)
	}
	// The same 09:00 across a DST change stays 09:00 on the wall: 6 hours apart in UTC until
	// Europe changes on 2026-03-29, 5 hours during the week after it.
	be := MustParse("CRON_TZ=Europe/Berlin 0 9 * * *", 0, time.Time{}, nil)
	us := MustParse("CRON_TZ=America/New_York 0 9 * * *", 0, time.Time{}, nil)
	for _, c := range []struct {
		day  int
		diff time.Duration
	}{{7, 6 * time.Hour}, {10, 5 * time.Hour}, {30, 6 * time.Hour}} {
		after := time.Date(2026, 3, c.day, 0, 0, 0, 0, time.UTC)
		if d := us.Next(after).Sub(be.Next(after)); d != c.diff {
			t.Errorf("March %d: New York 09:00 - Berlin 09:00 = %v, want %v", c.day, d, c.diff)
		}
	}
	// NextN and the 5-year limit.
	if n := len(s.NextN(from, 10)); n != 10 {
		t.Errorf("NextN gave %d times, want 10", n)
	}
	if got := (Spec{}).Next(from); !got.IsZero() {
		t.Errorf("zero Spec Next = %v, want zero", got)
	}
	feb29 := MustParse("0 9 29 2 *", 0, time.Time{}, nil)
	if got, want := feb29.Next(from), time.Date(2028, 2, 29, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Feb 29: Next = %v, want %v", got, want)
	}
}

func TestNextDST(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	daily := MustParse("CRON_TZ=Europe/Berlin 30 2 * * *", 0, time.Time{}, nil)
	keys := func(s Spec, from time.Time, n int) []string {
		var out []string
		for _, at := range s.NextN(from, n) {
			out = append(out, Key{"r", "C", at}.String())
		}
		return out
	}
	// Spring: 02:00 becomes 03:00 on 2026-03-29, so 02:30 does not happen that day.
	got := strings.Join(keys(daily, time.Date(2026, 3, 27, 12, 0, 0, 0, berlin), 3), " ")
	if want := "r/C/2026-03-28T02:30 r/C/2026-03-30T02:30 r/C/2026-03-31T02:30"; got != want {
		t.Errorf("spring: %s, want %s", got, want)
	}
	// Autumn: 03:00 becomes 02:00 on 2026-10-25; 02:30 happens twice on the wall, once as a run.
	occ := daily.NextN(time.Date(2026, 10, 24, 12, 0, 0, 0, berlin), 2)
	if want := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC); !occ[0].Equal(want) { // 02:30 CEST
		t.Errorf("autumn: first occurrence %v, want the first 02:30 (%v)", occ[0], want)
	}
	if want := time.Date(2026, 10, 26, 2, 30, 0, 0, berlin); !occ[1].Equal(want) {
		t.Errorf("autumn: second occurrence %v, want %v", occ[1], want)
	}
	// An hourly spec across the autumn change: 01:30, 02:30, 03:30 on the wall, each once.
	hourly := MustParse("30 * * * *", 0, time.Time{}, berlin)
	got = strings.Join(keys(hourly, time.Date(2026, 10, 25, 1, 0, 0, 0, berlin), 3), " ")
	if want := "r/C/2026-10-25T01:30 r/C/2026-10-25T02:30 r/C/2026-10-25T03:30"; got != want {
		t.Errorf("hourly in autumn: %s, want %s", got, want)
	}
	// Starting between the two 02:30s, the second is not a new occurrence.
	between := time.Date(2026, 10, 25, 0, 45, 0, 0, time.UTC) // 02:45 CEST
	if got, want := hourly.Next(between), time.Date(2026, 10, 25, 3, 30, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("hourly from 02:45 CEST: %v, want %v", got, want)
	}
	// New York goes back on 2026-11-01 from 02:00 to 01:00.
	ny := MustParse("CRON_TZ=America/New_York 30 1 * * *", 0, time.Time{}, nil)
	got = strings.Join(keys(ny, time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC), 3), " ")
	if want := "r/C/2026-11-01T01:30 r/C/2026-11-02T01:30 r/C/2026-11-03T01:30"; got != want {
		t.Errorf("New York autumn: %s, want %s", got, want)
	}
}

func TestEveryTwoWeeks(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	// Zero anchor: weeks counted from Monday 2024-01-01.
	s := MustParse("CRON_TZ=Europe/Paris 0 9 * * MON", 2, time.Time{}, nil)
	got := s.NextN(time.Date(2023, 12, 31, 0, 0, 0, 0, paris), 4)
	for i, want := range []time.Time{
		time.Date(2024, 1, 1, 9, 0, 0, 0, paris),
		time.Date(2024, 1, 15, 9, 0, 0, 0, paris),
		time.Date(2024, 1, 29, 9, 0, 0, 0, paris),
		time.Date(2024, 2, 12, 9, 0, 0, 0, paris),
	} {
		if !got[i].Equal(want) {
			t.Errorf("occurrence %d = %v, want %v", i, got[i], want)
		}
	}
	// A year on, across both DST changes: always 14 days apart on the wall, always 09:00.
	prev := time.Time{}
	for _, at := range s.NextN(time.Date(2026, 1, 1, 0, 0, 0, 0, paris), 30) {
		if at.Hour() != 9 || at.Weekday() != time.Monday {
			t.Errorf("occurrence %v is not Monday 09:00", at)
		}
		if !prev.IsZero() {
			py, pm, pd := prev.Date()
			if want := time.Date(py, pm, pd+14, 9, 0, 0, 0, paris); !at.Equal(want) {
				t.Errorf("after %v came %v, want %v", prev, at, want)
			}
		}
		prev = at
	}
	// An anchor on a Wednesday picks its week; Monday and Friday of every other week fire.
	anchor := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	s = MustParse("0 9 * * MON,FRI", 2, anchor, paris)
	var days []string
	for _, at := range s.NextN(time.Date(2026, 2, 20, 0, 0, 0, 0, paris), 6) {
		days = append(days, at.Format("Mon 01-02"))
	}
	if got, want := strings.Join(days, ", "), "Fri 02-20, Mon 03-02, Fri 03-06, Mon 03-16, Fri 03-20, Mon 03-30"; got != want {
		t.Errorf("every 2 weeks from the week of 2026-03-02: %s, want %s", got, want)
	}
	// Every 3 weeks, daily spec: 7 days on, 14 off.
	s = MustParse("0 9 * * *", 3, time.Time{}, time.UTC)
	n := 0
	for _, at := range s.NextN(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), 21) {
		if at.Before(time.Date(2024, 1, 8, 0, 0, 0, 0, time.UTC)) || !at.Before(time.Date(2024, 1, 22, 0, 0, 0, 0, time.UTC)) {
			n++
		} else {
			t.Errorf("every 3 weeks: %v is in an off week", at)
		}
	}
	if n != 21 {
		t.Errorf("got %d occurrences in on weeks, want 21", n)
	}
}

func TestKeyString(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	first := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC) // 02:30 CEST
	second := first.Add(time.Hour)                          // 02:30 CET
	a := Key{"coffee", "C0123", first.In(berlin)}
	b := Key{"coffee", "C0123", second.In(berlin)}
	if a.String() != "coffee/C0123/2026-10-25T02:30" || a.String() != b.String() {
		t.Errorf("keys %q and %q, want both coffee/C0123/2026-10-25T02:30", a, b)
	}
}
