package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/robfig/cron/v3"
)

// parser reads the 5-field cron dialect ritualbot accepts: minute hour day-of-month month
// day-of-week, or a descriptor such as @weekly.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// fieldNames and fieldHelp describe the five fields in the order they are written, for errors.
var (
	fieldNames = [5]string{"minute", "hour", "day-of-month", "month", "day-of-week"}
	fieldHelp  = [5]string{
		"0-59",
		"0-23",
		"1-31",
		"1-12 or JAN-DEC",
		"0-6 with 0 for Sunday, or SUN-SAT",
	}
)

// descriptors are the @names accepted in place of five fields.
var descriptors = map[string]bool{
	"@yearly": true, "@annually": true, "@monthly": true, "@weekly": true,
	"@daily": true, "@midnight": true, "@hourly": true,
}

// defaultAnchor is the Monday weeks are counted from when Parse gets a zero anchor.
var defaultAnchor = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// MaxEveryWeeks is the largest "every N weeks" Parse accepts.
const MaxEveryWeeks = 52

// Spec is a parsed, validated schedule: a cron spec in one time zone, optionally restricted to every
// N-th week. The zero Spec never fires.
//
// Times are wall-clock times in the spec's zone, as cron has always read them. Around daylight
// saving changes this means: a time inside the hour skipped in spring does not occur that day (a
// daily 02:30 in Europe/Berlin does not fire on the last Sunday of March), and a time inside the hour
// repeated in autumn occurs once, at its first instance (the second 02:30 is the same wall-clock
// time, so it is the same run; see Key).
type Spec struct {
	sched      *cron.SpecSchedule
	loc        *time.Location
	expr       string // the schedule without its zone prefix, as written
	everyWeeks int
	anchorWeek int64 // days since 1970-01-01 of the Monday of the anchor week
}

// Parse parses a 5-field cron spec (optionally prefixed "CRON_TZ=Zone " or "TZ=Zone ", or a
// descriptor like @weekly) in zone defaultLoc unless the prefix names one; a nil defaultLoc means UTC.
//
// everyWeeks >= 1 (0 is treated as 1, the most is MaxEveryWeeks). With everyWeeks > 1 only
// occurrences in weeks whose index since the anchor week is a multiple of everyWeeks fire: weeks run
// Monday 00:00 to Sunday 24:00 in the spec's zone, the anchor week is the one containing anchor's
// calendar date (year, month and day as they read in anchor's own Location), and it fires, as do
// every everyWeeks-th week after and before it. A zero anchor means Monday 2024-01-01. So
// Parse("0 9 * * MON", 2, time.Time{}, loc) fires on 2024-01-01, 2024-01-15, ..., and
// Parse("0 9 * * MON,FRI", 2, …) on the Monday and Friday of those same weeks. Anchoring on a date
// rather than on "the first run after start-up" keeps the cadence the same across restarts and
// config reloads.
//
// Parse never panics. Its errors are sentences a person can act on, such as
// `unknown time zone "Europe/Pari"`. "@every" durations are refused: runs are keyed by their
// wall-clock time, which a duration counted from start-up does not have.
func Parse(expr string, everyWeeks int, anchor time.Time, defaultLoc *time.Location) (spec Spec, err error) {
	defer func() {
		// The cron parser has panicked on malformed zone prefixes before; never let it take the
		// process down while a config file is being validated.
		if r := recover(); r != nil {
			spec = Spec{}
			err = fmt.Errorf("%q is not a schedule this bot understands (%v); write a 5-field cron spec such as \"CRON_TZ=Europe/Paris 0 9 * * MON\"", expr, r)
		}
	}()
	loc := defaultLoc
	if loc == nil {
		loc = time.UTC
	}
	body := strings.TrimSpace(expr)
	if body == "" {
		return Spec{}, errors.New(`the schedule is empty; write a 5-field cron spec such as "0 9 * * MON" (minute hour day-of-month month day-of-week), optionally prefixed by "CRON_TZ=Europe/Paris "`)
	}
	if prefix := zonePrefix(body); prefix != "" {
		rest := body[len(prefix):]
		zone := rest
		body = ""
		if i := strings.IndexFunc(rest, unicode.IsSpace); i >= 0 {
			zone, body = rest[:i], strings.TrimSpace(rest[i:])
		}
		if zone == "" {
			return Spec{}, fmt.Errorf("%q names no time zone after %s; write it as \"CRON_TZ=Europe/Paris 0 9 * * MON\"", strings.TrimSpace(expr), prefix)
		}
		if body == "" {
			return Spec{}, fmt.Errorf("%q has a time zone but no schedule; write it as \"CRON_TZ=%s 0 9 * * MON\"", strings.TrimSpace(expr), zone)
		}
		if zonePrefix(body) != "" {
			return Spec{}, fmt.Errorf("%q names a time zone twice; keep one CRON_TZ= prefix", strings.TrimSpace(expr))
		}
		l, err := time.LoadLocation(zone)
		if err != nil {
			return Spec{}, fmt.Errorf("unknown time zone %q", zone)
		}
		loc = l
	}
	switch {
	case everyWeeks == 0:
		everyWeeks = 1
	case everyWeeks < 0 || everyWeeks > MaxEveryWeeks:
		return Spec{}, fmt.Errorf("every %d weeks is out of range; use 1 to %d", everyWeeks, MaxEveryWeeks)
	}
	if strings.HasPrefix(body, "@") {
		name := strings.Fields(body)[0]
		switch {
		case name == "@every":
			return Spec{}, fmt.Errorf("%q is not supported: runs are keyed by their calendar time; write a cron spec such as \"0 * * * *\" (hourly)", body)
		case !descriptors[name] || name != body:
			return Spec{}, fmt.Errorf("unknown descriptor %q; use @yearly, @monthly, @weekly, @daily or @hourly, or 5 cron fields", body)
		}
	} else {
		fields := strings.Fields(body)
		if len(fields) != 5 {
			hint := ""
			if len(fields) == 6 {
				hint = " (a seconds field is not supported)"
			}
			return Spec{}, fmt.Errorf("%q needs 5 fields (minute hour day-of-month month day-of-week), found %d%s", body, len(fields), hint)
		}
		// Try each field on its own so the error can name the one that is wrong.
		for i, f := range fields {
			probe := []string{"*", "*", "*", "*", "*"}
			probe[i] = f
			if _, err := parser.Parse(strings.Join(probe, " ")); err != nil {
				return Spec{}, fmt.Errorf("%q: the %s field %q is not valid (use %s, *, a range a-b, a step */n or a list a,b): %v", body, fieldNames[i], f, fieldHelp[i], err)
			}
		}
		body = strings.Join(fields, " ")
	}
	parsed, err := parser.Parse(body)
	if err != nil {
		return Spec{}, fmt.Errorf("%q is not a valid cron spec: %v", body, err)
	}
	sched, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return Spec{}, fmt.Errorf("%q is not a calendar schedule; write a cron spec such as \"0 9 * * MON\"", body)
	}
	sched.Location = loc
	if anchor.IsZero() {
		anchor = defaultAnchor
	}
	spec = Spec{
		sched:      sched,
		loc:        loc,
		expr:       body,
		everyWeeks: everyWeeks,
		anchorWeek: mondayOf(anchor),
	}
	ref := time.Date(2024, time.January, 1, 0, 0, 0, 0, loc)
	if spec.Next(ref).IsZero() {
		return Spec{}, fmt.Errorf("%q never fires (is the day in that month?); check the day-of-month and month fields", body)
	}
	return spec, nil
}

// MustParse is Parse for schedules fixed in code and tests: it panics on an error.
func MustParse(expr string, everyWeeks int, anchor time.Time, defaultLoc *time.Location) Spec {
	s, err := Parse(expr, everyWeeks, anchor, defaultLoc)
	if err != nil {
		panic(err)
	}
	return s
}

// zonePrefix returns the zone prefix expr starts with ("CRON_TZ=" or "TZ="), or "".
func zonePrefix(expr string) string {
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if strings.HasPrefix(expr, p) {
			return p
		}
	}
	return ""
}

// Next returns the first occurrence strictly after after, in the spec's Location, or the zero time
// if there is none within 5 years.
func (s Spec) Next(after time.Time) time.Time {
	if s.sched == nil {
		return time.Time{}
	}
	limit := after.AddDate(5, 0, 0)
	t := after
	for {
		// Occurrences fall on whole minutes: let the cron code start at the next one rather than
		// step through the seconds up to it (each step is a zone lookup).
		c := s.sched.Next(t.Truncate(time.Minute).Add(59 * time.Second).In(s.loc))
		if c.IsZero() || c.After(limit) || !c.After(t) {
			return time.Time{}
		}
		c = c.In(s.loc)
		if repeatedWallClock(c) {
			// The second instance of a wall-clock time on a night clocks go back: the first
			// instance, an hour earlier, was this occurrence already.
			t = c
			continue
		}
		if s.everyWeeks > 1 {
			monday := mondayOf(c)
			if off := floorMod((monday-s.anchorWeek)/7, int64(s.everyWeeks)); off != 0 {
				// Jump to the start of the next week that fires.
				y, m, d := civil(monday + 7*(int64(s.everyWeeks)-off))
				t = time.Date(y, m, d, 0, 0, 0, 0, s.loc).Add(-time.Second)
				continue
			}
		}
		return c
	}
}

// NextN returns the next n occurrences after after, fewer if the schedule ends within 5 years.
func (s Spec) NextN(after time.Time, n int) []time.Time {
	var out []time.Time
	for t := after; len(out) < n; {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// Location returns the spec's time zone: the one its prefix named, or Parse's defaultLoc.
func (s Spec) Location() *time.Location {
	if s.loc == nil {
		return time.UTC
	}
	return s.loc
}

// EveryWeeks returns N of "every N weeks" (1 for every week).
func (s Spec) EveryWeeks() int {
	if s.everyWeeks == 0 {
		return 1
	}
	return s.everyWeeks
}

// IsZero reports whether s is the zero Spec, which never fires.
func (s Spec) IsZero() bool { return s.sched == nil }

// String returns the spec in a form Parse accepts back (with its zone made explicit), followed by
// its week cadence when it is not every week, e.g.
// "CRON_TZ=Europe/Paris 0 9 * * MON every 2 weeks from the week of 2024-01-01".
func (s Spec) String() string {
	if s.sched == nil {
		return ""
	}
	str := "CRON_TZ=" + s.loc.String() + " " + s.expr
	if s.everyWeeks > 1 {
		y, m, d := civil(s.anchorWeek)
		str += fmt.Sprintf(" every %d weeks from the week of %04d-%02d-%02d", s.everyWeeks, y, m, d)
	}
	return str
}

// repeatedWallClock reports whether t is the second instant to show its wall-clock time, which
// happens in the hour (or half hour) repeated when clocks go back.
func repeatedWallClock(t time.Time) bool {
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return false
	}
	_, off := t.Zone()
	_, prevOff := start.Add(-time.Nanosecond).Zone()
	back := time.Duration(prevOff-off) * time.Second
	return back > 0 && t.Sub(start) < back
}

// mondayOf returns the days since 1970-01-01 of the Monday starting t's week, by t's calendar date in
// its own Location.
func mondayOf(t time.Time) int64 {
	y, m, d := t.Date()
	days := floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400)
	return days - int64((t.Weekday()+6)%7)
}

// civil returns the calendar date days after 1970-01-01.
func civil(days int64) (int, time.Month, int) {
	return time.Unix(days*86400, 0).UTC().Date()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
