package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/ritualbot/ritualbot/bot"
	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// upcomingInSlack lists the next scheduled runs for Slack: each reader sees them in their own
// clock, with loc (the configuration's zone) as the fallback.
func upcomingInSlack(runs []schedule.Upcoming, loc *time.Location) string {
	return formatUpcoming(runs, "Next scheduled runs:", func(t time.Time) string { return bot.When(t, bot.DateTime, loc) })
}

// upcomingOnTerminal lists the next scheduled runs for a terminal, in loc (the configuration's
// zone), and says so.
func upcomingOnTerminal(runs []schedule.Upcoming, loc *time.Location) string {
	return formatUpcoming(runs, "Next scheduled runs (times in "+loc.String()+"):", func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 15:04") })
}

// formatUpcoming lists the next scheduled runs under title, each moment written by when.
func formatUpcoming(runs []schedule.Upcoming, title string, when func(time.Time) string) string {
	if len(runs) == 0 {
		return "Nothing is scheduled: no ritual is configured.\n"
	}
	var b strings.Builder
	b.WriteString(title + "\n")
	for _, u := range runs {
		if u.Channel == storeJobs {
			fmt.Fprintf(&b, "  • database %s: %s\n", u.Ritual, when(u.At))
			continue
		}
		fmt.Fprintf(&b, "  • %s in <#%s>: %s\n", u.Ritual, u.Channel, when(u.At))
	}
	return b.String()
}

// formatOutboxStats describes the delivery backlog in a few lines a person reads.
func formatOutboxStats(s rituals.OutboxStats, now time.Time) string {
	var b strings.Builder
	switch {
	case s.Pending == 0:
		fmt.Fprintf(&b, "Outbox: nothing waiting; %d messages delivered so far.\n", s.Delivered)
	default:
		fmt.Fprintf(&b, "Outbox: %d messages waiting, the oldest for %s; %d delivered so far.\n",
			s.Pending, now.Sub(s.OldestQueued).Round(time.Second), s.Delivered)
	}
	if s.Retrying > 0 {
		fmt.Fprintf(&b, "%d of them failed their last try and are being retried; each is given up after failing for %s.\n",
			s.Retrying, bot.DefaultGiveUpAfter)
	}
	if s.Failed > 0 {
		fmt.Fprintf(&b, "%d messages could not be delivered and will not be retried:\n", s.Failed)
		for _, f := range s.Failures {
			fmt.Fprintf(&b, "  • %s (%s): %s\n", f.Key, f.Ritual, f.Failed)
		}
	}
	return b.String()
}
