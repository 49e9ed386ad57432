package bot

import (
	"strconv"
	"time"
)

// WhenStyle chooses how much of a moment When shows.
type WhenStyle int

// Styles of When.
const (
	// DateTime shows the day and the time: "tomorrow at 09:30", "Dec 3, 2026 at 09:30".
	DateTime WhenStyle = iota
	// Date shows the day only.
	Date
	// DayTime shows the weekday too: "Thursday, December 3rd at 09:30", or "tomorrow at 09:30".
	DayTime
	// Time shows the time of day only.
	Time
)

// whenStyles are Slack's date formatting tokens for each style, and the fallback layout.
var whenStyles = map[WhenStyle]struct{ tokens, layout string }{
	DateTime: {"{date_short_pretty} at {time}", "Mon 2 Jan 2006 15:04"},
	Date:     {"{date_short_pretty}", "Mon 2 Jan 2006"},
	DayTime:  {"{day_divider_pretty} at {time}", "Monday 2 January 2006 15:04"},
	Time:     {"{time}", "15:04"},
}

// When writes t for Slack mrkdwn so that every reader sees it in their own time zone and
// language: Slack replaces <!date^…> with the reader's local date and time. Where it cannot (a
// notification, an old client), the fallback shows t in loc (UTC when nil) and names the zone.
// Use it for every moment a person reads in Slack; never in plain_text fields (buttons, headers),
// which Slack does not format.
func When(t time.Time, style WhenStyle, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	s, ok := whenStyles[style]
	if !ok {
		s = whenStyles[DateTime]
	}
	fallback := t.In(loc).Format(s.layout)
	if style != Date {
		fallback += " " + zoneName(loc)
	}
	return "<!date^" + strconv.FormatInt(t.Unix(), 10) + "^" + s.tokens + "|" + fallback + ">"
}

// zoneName names loc for a fallback: "UTC", "Europe/Paris".
func zoneName(loc *time.Location) string {
	if n := loc.String(); n != "Local" {
		return n
	}
	return "local time"
}

// when is When in the bot's configured zone.
func (b *Bot) when(t time.Time, style WhenStyle) string { return When(t, style, b.opts.Location) }
