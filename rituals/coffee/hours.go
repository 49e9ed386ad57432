package coffee

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/ritualbot/ritualbot/rituals"
)

// Hours is a working week in a person's own clock: the days they work and the part of the day.
type Hours struct {
	// Days has bit d set when time.Weekday(d) is a working day.
	Days uint8 `json:"days"`
	// Start and End are minutes after local midnight; Start < End.
	Start int `json:"start"`
	End   int `json:"end"`
}

// DefaultHours is Monday to Friday, 09:00 to 17:00.
var DefaultHours = Hours{Days: weekdays, Start: 9 * 60, End: 17 * 60}

const weekdays = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday

// IsZero reports hours that were never set.
func (h Hours) IsZero() bool { return h == Hours{} }

// Works reports whether d is a working day.
func (h Hours) Works(d time.Weekday) bool { return h.Days&(1<<d) != 0 }

// String writes the hours the way ParseHours reads them: "09:00-17:00 mon-fri".
func (h Hours) String() string {
	return clock(h.Start) + "-" + clock(h.End) + " " + h.days()
}

// Label writes the hours for people: "09:00–17:00 Mon–Fri".
func (h Hours) Label() string {
	days := []byte(h.days())
	for i := range days {
		if i == 0 || days[i-1] == '-' || days[i-1] == ',' {
			days[i] = byte(unicode.ToUpper(rune(days[i])))
		}
	}
	return clock(h.Start) + "–" + clock(h.End) + " " + strings.ReplaceAll(strings.ReplaceAll(string(days), "-", "–"), ",", ", ")
}

func clock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// days writes the working days as ranges in Monday-first order: "mon-fri", "mon,wed,fri".
func (h Hours) days() string {
	order := []time.Weekday{1, 2, 3, 4, 5, 6, 0}
	var parts []string
	for i := 0; i < len(order); {
		if !h.Works(order[i]) {
			i++
			continue
		}
		j := i
		for j+1 < len(order) && h.Works(order[j+1]) {
			j++
		}
		switch {
		case j == i:
			parts = append(parts, dayNames[order[i]])
		default:
			parts = append(parts, dayNames[order[i]]+"-"+dayNames[order[j]])
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

var hoursPattern = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?(?:\s+(.+))?$`)

// hoursExample is shown with every mistake.
const hoursExample = "Write them like `08:00-16:00 mon-thu` (the days are optional: Monday to Friday when left out)."

// ParseHours reads working hours written like "08:00-16:00 mon-thu", "9-17" or
// "09:30-18:00 mon,tue,thu-sat"; mistakes come back as PersonError.
func ParseHours(text string) (Hours, error) {
	text = strings.ToLower(strings.Join(strings.Fields(text), " "))
	if text == "" {
		return Hours{}, rituals.Mistakef("Which hours? %s", hoursExample)
	}
	m := hoursPattern.FindStringSubmatch(text)
	if m == nil {
		return Hours{}, rituals.Mistakef("I can't read %q as working hours. %s", text, hoursExample)
	}
	start, err := minutes(m[1], m[2])
	if err != nil {
		return Hours{}, err
	}
	end, err := minutes(m[3], m[4])
	if err != nil {
		return Hours{}, err
	}
	switch {
	case end == start:
		return Hours{}, rituals.Mistakef("Your day can't start and end at %s. %s", clock(start), hoursExample)
	case end < start:
		return Hours{}, rituals.Mistakef("%s is before %s: working hours that run past midnight aren't supported; give the part of the day you work, e.g. `%s-23:59`.", clock(end), clock(start), clock(start))
	case end-start < 60:
		return Hours{}, rituals.Mistakef("%s to %s is less than an hour; give at least one hour so there is time to meet.", clock(start), clock(end))
	}
	h := Hours{Start: start, End: end, Days: weekdays}
	if m[5] != "" {
		if h.Days, err = parseDays(m[5]); err != nil {
			return Hours{}, err
		}
	}
	return h, nil
}

func minutes(hh, mm string) (int, error) {
	h, _ := strconv.Atoi(hh)
	m := 0
	if mm != "" {
		m, _ = strconv.Atoi(mm)
	}
	switch {
	case h == 24 && m == 0:
		return 24 * 60, nil
	case h > 23 || m > 59:
		return 0, rituals.Mistakef("%s:%02d is not a time of day; use 00:00 to 24:00. %s", hh, m, hoursExample)
	}
	return h*60 + m, nil
}

// parseDays reads "mon-thu", "mon,wed,fri", "sat-sun" or "weekdays".
func parseDays(text string) (uint8, error) {
	if text == "weekdays" {
		return weekdays, nil
	}
	var days uint8
	for part := range strings.SplitSeq(strings.ReplaceAll(text, " ", ","), ",") {
		if part == "" {
			continue
		}
		from, to, isRange := strings.Cut(part, "-")
		a, err := weekday(from)
		if err != nil {
			return 0, err
		}
		b := a
		if isRange {
			if b, err = weekday(to); err != nil {
				return 0, err
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			days |= 1 << d
			if d == b {
				break
			}
		}
	}
	if days == 0 {
		return 0, rituals.Mistakef("Name at least one day. %s", hoursExample)
	}
	return days, nil
}

func weekday(s string) (time.Weekday, error) {
	s = strings.TrimSpace(s)
	if len(s) >= 3 {
		for i, n := range dayNames {
			if strings.HasPrefix(s, n) && strings.HasPrefix(strings.ToLower(time.Weekday(i).String()), s) {
				return time.Weekday(i), nil
			}
		}
	}
	return 0, rituals.Mistakef("%q is not a day I know; use mon, tue, wed, thu, fri, sat or sun. %s", s, hoursExample)
}

// span is an interval of time [From, To).
type span struct{ From, To time.Time }

// workSpans returns the working spans of h in loc that end after from and start before to.
func workSpans(h Hours, loc *time.Location, from, to time.Time) []span {
	var out []span
	day := from.In(loc)
	y, m, d := day.Date()
	for date := time.Date(y, m, d-1, 0, 0, 0, 0, loc); date.Before(to); date = time.Date(date.Year(), date.Month(), date.Day()+1, 0, 0, 0, 0, loc) {
		if !h.Works(date.Weekday()) {
			continue
		}
		s := time.Date(date.Year(), date.Month(), date.Day(), h.Start/60, h.Start%60, 0, 0, loc)
		e := time.Date(date.Year(), date.Month(), date.Day(), h.End/60, h.End%60, 0, 0, loc)
		if e.After(from) && s.Before(to) {
			out = append(out, span{s, e})
		}
	}
	return out
}

// intersect returns the spans common to a and b, both sorted and non-overlapping.
func intersect(a, b []span) []span {
	var out []span
	for i, j := 0, 0; i < len(a) && j < len(b); {
		from, to := later(a[i].From, b[j].From), earlier(a[i].To, b[j].To)
		if from.Before(to) {
			out = append(out, span{from, to})
		}
		if a[i].To.Before(b[j].To) {
			i++
		} else {
			j++
		}
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
