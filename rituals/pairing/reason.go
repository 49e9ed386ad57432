package pairing

import (
	"strconv"
	"time"
)

// reason says in one short plain sentence why this group: whether they have met (and when, if this
// is the freshest grouping available), how far apart their clocks are, and whether they come from
// different teams. It never mentions exclusions.
func (e *engine) reason(ranks []int32, g Group) string {
	var s string
	switch {
	case len(g.Repeats) == 0 && len(ranks) == 2:
		s = "you haven't met yet"
	case len(g.Repeats) == 0:
		s = "none of you have met yet"
	default:
		last := g.Repeats[0].LastMet
		for _, r := range g.Repeats[1:] {
			if r.LastMet.After(last) {
				last = r.LastMet
			}
		}
		who, what := "you", "pairing"
		if len(ranks) > 2 {
			what = "grouping"
			who = "some of you"
			if len(g.Repeats) == 1 {
				who = "two of you"
			}
		}
		s = who + " last met " + ago(e.nowTime().Sub(last)) + " — the freshest " + what + " available"
	}
	s += "; " + apart(g.HoursApart)
	if e.distinctTeams(ranks) {
		s += "; different teams"
	}
	return s
}

// distinctTeams reports whether every member of the group has a team label, all different.
func (e *engine) distinctTeams(ranks []int32) bool {
	for i, a := range ranks {
		if e.ros.team[a] < 0 {
			return false
		}
		for _, b := range ranks[i+1:] {
			if e.ros.team[a] == e.ros.team[b] {
				return false
			}
		}
	}
	return true
}

// apart words a gap between clocks: "same time zone", "1 h apart", "5.5 h apart".
func apart(hours float64) string {
	if hours == 0 {
		return "same time zone"
	}
	return strconv.FormatFloat(hours, 'f', -1, 64) + " h apart"
}

// ago words a past duration: "today", "yesterday", "3 days ago", "14 weeks ago", "2 years ago".
func ago(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	switch {
	case days < 1:
		return "today"
	case days == 1:
		return "yesterday"
	case days < 14:
		return strconv.Itoa(days) + " days ago"
	case days < 365:
		return strconv.Itoa(days/7) + " weeks ago"
	case days < 730:
		return "a year ago"
	}
	return strconv.Itoa(days/365) + " years ago"
}
