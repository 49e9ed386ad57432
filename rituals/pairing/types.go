package pairing

import (
	"errors"
	"time"
)

// ErrInvalid is wrapped by every error Plan returns: the input itself is wrong (a group size out of
// range, an empty or duplicate member id, a UTC offset beyond ±24 h). A grouping that exclusions make impossible is not an
// error; see Result.Alone.
var ErrInvalid = errors.New("pairing: invalid input")

// Member is one person taking part in a round.
type Member struct {
	// ID identifies the member (a Slack user id, for the bot); non-empty and unique in an Input.
	ID string
	// UTCOffset is the member's offset from UTC; groups prefer offsets close together, so that
	// working hours overlap. Pass a stable offset (the zone's standard one, not today's daylight
	// saving one): an offset change that reorders members re-plans the schedule, as churn does.
	UTCOffset time.Duration
	// Team is an optional label; when labels exist, groups prefer people from different teams.
	Team string
}

// PastGroup is a group that met in an earlier round.
type PastGroup struct {
	// Members are the ids of those who met; ids of people no longer members are ignored.
	Members []string
	// At is when they met (the round's date).
	At time.Time
}

// Input is everything Plan needs to group one round. Plan keeps nothing between calls: the whole
// history is passed every time.
type Input struct {
	// Members are the people to group, in any order.
	Members []Member
	// History is every past group, in any order.
	History []PastGroup
	// Exclusions are pairs that must never be in the same group. They are never revealed: no
	// reason or error mentions them. Pairs naming non-members are ignored.
	Exclusions [][2]string
	// GroupSize is the size of the groups, 2 to 4; leftovers make some groups one larger.
	GroupSize int
	// Seed makes the grouping reproducible: the same Input gives the same Result.
	Seed int64
	// Now dates the round, for reasons ("you last met 14 weeks ago") and for weighing old
	// meetings against recent ones. Zero means the latest time in History.
	Now time.Time
}

// Group is one group of the round.
type Group struct {
	// Members are the ids of the group, sorted.
	Members []string
	// Reason is a short plain-text sentence saying why this group, e.g.
	// "you haven't met yet; 2 h apart".
	Reason string
	// Repeats lists pairs in this group that met before, with when they last met.
	Repeats []Repeat
	// HoursApart is the largest UTC-offset gap inside the group, in hours, measured around the
	// clock (UTC+12 and UTC-11 are 1 h apart).
	HoursApart float64
}

// Repeat is a pair of a group that met before.
type Repeat struct {
	// A and B are the pair's ids, A < B.
	A, B string
	// LastMet is when they last met, as given in History.
	LastMet time.Time
}

// Result is the grouping of one round.
type Result struct {
	// Groups are the round's groups, sorted by their first member.
	Groups []Group
	// Alone are members who could not be grouped, sorted: a lone participant, or someone whom
	// only excluded pairs could have placed. The bot should tell them kindly that there was
	// nobody to meet this time, without saying why.
	Alone []string
}
