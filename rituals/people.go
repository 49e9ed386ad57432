package rituals

import (
	"context"
	"time"
)

// Person is what rituals know about a workspace member.
type Person struct {
	ID       string
	Name     string // display name, for people to read
	TimeZone string // IANA name
	// UTCOffset is the person's current offset from UTC.
	UTCOffset time.Duration
	Bot       bool
	Deleted   bool
	// Guest is a multi- or single-channel guest.
	Guest bool
}

// Directory answers who is in a channel and who they are; the Slack edge implements it.
type Directory interface {
	// Members lists the user ids in a channel, the bot included if it is a member.
	Members(ctx context.Context, channel string) ([]string, error)
	// Person returns one member.
	Person(ctx context.Context, userID string) (Person, error)
}

// Threads reads conversation threads; the Slack edge implements it.
type Threads interface {
	// Repliers lists the distinct people (not bots) who replied in the thread of the message ts.
	Repliers(ctx context.Context, channel, ts string) ([]string, error)
}

// Eligible keeps the people a ritual may involve: not bots, not deactivated, and guests only when
// guestsAllowed.
func Eligible(people []Person, guestsAllowed bool) []Person {
	out := people[:0:0]
	for _, p := range people {
		if p.Bot || p.Deleted || (p.Guest && !guestsAllowed) {
			continue
		}
		out = append(out, p)
	}
	return out
}
