package coffee

import (
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Slot is a proposed 30-minute meeting.
type Slot struct {
	At time.Time `json:"at"`
	// Early and Late list the members for whom the slot falls before or after their working hours
	// (only when the group shares none).
	Early []string `json:"early,omitempty"`
	Late  []string `json:"late,omitempty"`
}

// SlotLength is how long a proposed meeting lasts.
const SlotLength = 30 * time.Minute

// clockOf is one member's zone and working hours.
type clockOf struct {
	ID    string
	Loc   *time.Location
	Hours Hours
}

const (
	// introHorizon is how far ahead an intro may wait for a good hour.
	introHorizon = 8 * 24 * time.Hour
	// slotHorizon is how far ahead slots are proposed.
	slotHorizon = 14 * 24 * time.Hour
	// slotLead is the least time between an intro and the first slot it proposes.
	slotLead = time.Hour
	// maxSlots is how many slots an intro proposes.
	maxSlots = 3
	// awakeFrom and awakeUntil bound the part of a day (local hours) when nobody is woken up.
	awakeFrom, awakeUntil = 7, 22
)

// shared returns the spans inside everyone's working hours between from and to.
func shared(members []clockOf, from, to time.Time) []span {
	var common []span
	for i, m := range members {
		spans := workSpans(m.Hours, m.Loc, from, to)
		if i == 0 {
			common = spans
			continue
		}
		common = intersect(common, spans)
	}
	return common
}

// awake reports whether t is daytime for everyone.
func awake(members []clockOf, t time.Time) bool {
	for _, m := range members {
		if h := t.In(m.Loc).Hour(); h < awakeFrom || h >= awakeUntil {
			return false
		}
	}
	return true
}

// introTime is when a group's intro goes out, for a round planned at now: at once when everyone is
// inside their working hours with half an hour to spare; else at the start of the first half hour
// that is. With no such time in the coming week, in the morning of the member whose day starts
// last (the one furthest west), at the first moment nobody is asleep; failing that, at the first
// half hour when nobody is asleep and someone is at work; failing that (people spread around the
// globe), at the start of the westernmost member's working day.
func introTime(now time.Time, members []clockOf) time.Time {
	for _, s := range shared(members, now, now.Add(introHorizon)) {
		if at := later(s.From, now); s.To.Sub(at) >= SlotLength {
			return at
		}
	}
	last := members[0]
	for _, m := range members[1:] {
		if offset(m.Loc, now) < offset(last.Loc, now) {
			last = m
		}
	}
	starts := workSpans(last.Hours, last.Loc, now, now.Add(introHorizon))
	for _, s := range starts {
		local := s.From.In(last.Loc)
		morning := time.Date(local.Year(), local.Month(), local.Day(), min(awakeFrom, last.Hours.Start/60), 0, 0, 0, last.Loc)
		for t := morning; t.Before(s.From.Add(3 * time.Hour)); t = t.Add(SlotLength) {
			if !t.Before(now) && awake(members, t) {
				return t
			}
		}
	}
	for t := halfHour(now); t.Before(now.Add(introHorizon)); t = t.Add(SlotLength) {
		if awake(members, t) && slices.ContainsFunc(members, func(m clockOf) bool { return working(m, t) }) {
			return t
		}
	}
	for _, s := range starts {
		if !s.To.Before(now.Add(SlotLength)) {
			return later(s.From, now)
		}
	}
	return now
}

// working reports whether t is inside m's working hours.
func working(m clockOf, t time.Time) bool {
	local := t.In(m.Loc)
	mins := local.Hour()*60 + local.Minute()
	return m.Hours.Works(local.Weekday()) && mins >= m.Hours.Start && mins < m.Hours.End
}

// followUpTime is when a group introduced at intro is asked whether they met: the first good hour
// (as for the intro) after intro+after; when that is far later (a weekend, no shared hours), the
// first one after intro+after/2, so that it stays within the round.
func followUpTime(intro time.Time, after time.Duration, members []clockOf) time.Time {
	due := intro.Add(after)
	if t := introTime(due, members); t.Sub(due) <= after/2 {
		return t
	}
	return introTime(intro.Add(after/2), members)
}

func offset(loc *time.Location, at time.Time) int {
	_, off := at.In(loc).Zone()
	return off
}

// halfHour rounds t up to the next :00 or :30 (of UTC, which is the local half hour in every zone
// whose offset is a whole or half hour).
func halfHour(t time.Time) time.Time {
	r := t.Truncate(SlotLength)
	if r.Before(t) {
		r = r.Add(SlotLength)
	}
	return r
}

// proposeSlots returns up to three 30-minute slots, on different days, inside everyone's working
// hours, the first at least an hour after after; each sits in the middle of the group's shared
// hours that day, far from anyone's first and last minutes. With no shared half hour in the next
// two weeks it returns the least bad slot instead (fewest minutes outside working hours, nobody
// asleep if that can be), naming who it is early or late for, and ok is false.
func proposeSlots(after time.Time, members []clockOf) (slots []Slot, ok bool) {
	from := halfHour(after.Add(slotLead))
	for _, s := range shared(members, from, from.Add(slotHorizon)) {
		start := halfHour(later(s.From, from))
		fit := int(s.To.Sub(start) / SlotLength)
		if fit < 1 {
			continue
		}
		slots = append(slots, Slot{At: start.Add(time.Duration((fit-1)/2) * SlotLength)})
		if len(slots) == maxSlots {
			break
		}
	}
	if len(slots) > 0 {
		return slots, true
	}
	return []Slot{leastBad(from, members)}, false
}

// leastBad scores every half hour of the next week by how far outside their working hours it
// falls for each member (a day off or a night counts heavily) and returns the best.
func leastBad(from time.Time, members []clockOf) Slot {
	var best Slot
	bestCost := -1
	for t := from; t.Before(from.Add(7 * 24 * time.Hour)); t = t.Add(SlotLength) {
		cost := 0
		var early, late []string
		for _, m := range members {
			local := t.In(m.Loc)
			mins := local.Hour()*60 + local.Minute()
			switch {
			case !m.Hours.Works(local.Weekday()):
				cost += 24 * 60
			case mins < m.Hours.Start:
				cost += m.Hours.Start - mins
				early = append(early, m.ID)
			case mins+int(SlotLength/time.Minute) > m.Hours.End:
				cost += mins + int(SlotLength/time.Minute) - m.Hours.End
				late = append(late, m.ID)
			}
			if h := local.Hour(); h < awakeFrom || h >= awakeUntil {
				cost += 24 * 60
			}
		}
		if bestCost < 0 || cost < bestCost {
			best, bestCost = Slot{At: t, Early: early, Late: late}, cost
		}
	}
	return best
}

// sharedHours is the longest stretch of working hours the group shares on one day of the coming
// week.
func sharedHours(now time.Time, members []clockOf) time.Duration {
	var longest time.Duration
	for _, s := range shared(members, now, now.Add(7*24*time.Hour)) {
		longest = max(longest, s.To.Sub(s.From))
	}
	return longest
}

// clocksApart is the real difference between the members' clocks at now, in hours: the earliest
// and latest clock, not the short way round the globe.
func clocksApart(now time.Time, members []clockOf) float64 {
	var offs []int
	for _, m := range members {
		offs = append(offs, offset(m.Loc, now))
	}
	return float64(slices.Max(offs)-slices.Min(offs)) / 3600
}

// clockWords says how far apart the group's clocks are and how much working time they share:
// "same clock; 8 h of shared working hours", "clocks 15 h apart; no shared working hours".
func clockWords(now time.Time, members []clockOf) string {
	var s string
	if h := clocksApart(now, members); h == 0 {
		s = "same clock"
	} else {
		s = "clocks " + strconv.FormatFloat(h, 'f', -1, 64) + " h apart"
	}
	switch d := sharedHours(now, members).Truncate(SlotLength); {
	case d == 0:
		return s + "; no shared working hours"
	case d < time.Hour:
		return s + "; 30 min of shared working hours"
	default:
		return s + "; " + strconv.FormatFloat(d.Hours(), 'f', -1, 64) + " h of shared working hours"
	}
}

// pairingClocks matches the pairing library's clause about offsets, which it measures around the
// globe (UTC+12 and UTC-11 are "1 h apart"): right for planning, wrong for people's clocks.
var pairingClocks = regexp.MustCompile(`; (same time zone|\d+(\.\d+)? h apart)`)

// withClocks puts the group's real clock difference and shared hours into a pairing reason.
func withClocks(reason string, now time.Time, members []clockOf) string {
	words := "; " + clockWords(now, members)
	if pairingClocks.MatchString(reason) {
		return pairingClocks.ReplaceAllLiteralString(reason, words)
	}
	return reason + words
}
