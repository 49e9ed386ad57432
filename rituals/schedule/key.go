package schedule

import "time"

// KeyTimeLayout is how Key.String writes the scheduled time: the wall clock in the spec's zone, to
// the minute, without offset. Strings in this layout sort chronologically.
const KeyTimeLayout = "2006-01-02T15:04"

// Key identifies one scheduled run: a ritual, a channel and the occurrence's scheduled time. At is in
// the spec's Location (as Spec.Next returns it), so that its wall clock is the one the spec names.
type Key struct {
	Ritual, Channel string
	At              time.Time
}

// String returns the key's stable form, e.g. "coffee/C0123/2026-10-25T02:30": ritual, channel and
// At's wall clock in its own Location, without offset. The two instants of 02:30 on a night clocks
// go back therefore share one key, and a run can happen only once for them.
func (k Key) String() string {
	return k.Ritual + "/" + k.Channel + "/" + k.At.Format(KeyTimeLayout)
}
