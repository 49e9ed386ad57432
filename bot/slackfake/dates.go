package slackfake

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date formatting (<!date^UNIX^TOKENS^optional_link|fallback>): Slack shows the moment in each
// reader's own time zone. The transcript does the same: a message is shown as each of its readers
// sees it, and where readers in different zones see different text, each version is given with
// their names, e.g. "tomorrow at 09:00 (ana) / today at 20:00 (eli)".

// now is the clock that words like "today" and "tomorrow" are judged by.
func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// renderForLocked runs render with date tokens shown to readers (user ids).
func (s *Server) renderForLocked(readers []string, render func() string) string {
	s.readers = readers
	defer func() { s.readers = nil }()
	return render()
}

// channelReadersLocked lists the people (not bots) who read a conversation.
func (s *Server) channelReadersLocked(c *channel) []string {
	var out []string
	for _, id := range c.members {
		if u := s.ws.users[id]; u != nil && !u.IsBot && !u.Deleted {
			out = append(out, id)
		}
	}
	return out
}

// dateLocked renders a date token for the current readers; with none known, its fallback.
func (s *Server) dateLocked(inner, fallback string, hasFallback bool) string {
	parts := strings.Split(strings.TrimPrefix(inner, "!date^"), "^")
	unix, err := strconv.ParseInt(parts[0], 10, 64)
	if len(parts) < 2 || err != nil || len(s.readers) == 0 {
		if hasFallback {
			return fallback
		}
		return "(date)"
	}
	at := time.Unix(unix, 0)
	var versions []string
	who := map[string][]string{}
	for _, id := range s.readers {
		zone := "America/Los_Angeles"
		if u := s.ws.users[id]; u != nil && u.TZ != "" {
			zone = u.TZ
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			loc = time.UTC
		}
		text := formatDate(at, parts[1], loc, s.now())
		if _, ok := who[text]; !ok {
			versions = append(versions, text)
		}
		who[text] = append(who[text], s.userNameLocked(id))
	}
	if len(versions) == 1 {
		return versions[0]
	}
	out := make([]string, len(versions))
	for i, v := range versions {
		out[i] = v + " (" + strings.Join(who[v], ", ") + ")"
	}
	return strings.Join(out, " / ")
}

var dateToken = regexp.MustCompile(`\{[a-z_]+\}`)

// formatDate fills Slack's date tokens for a reader in loc, with 24-hour times.
func formatDate(t time.Time, tokens string, loc *time.Location, now time.Time) string {
	t, now = t.In(loc), now.In(loc)
	relative := func() string {
		days := dayNumber(t) - dayNumber(now)
		return map[int]string{-1: "yesterday", 0: "today", 1: "tomorrow"}[days]
	}
	long := t.Format("Monday, January ") + ordinal(t.Day())
	return dateToken.ReplaceAllStringFunc(tokens, func(tok string) string {
		switch tok {
		case "{date_num}":
			return t.Format("2006-01-02")
		case "{date_slash}":
			return t.Format("02/01/2006")
		case "{date_long}":
			return long + t.Format(", 2006")
		case "{date_long_full}":
			return t.Format("January ") + ordinal(t.Day()) + t.Format(", 2006")
		case "{date}":
			return t.Format("January ") + ordinal(t.Day()) + t.Format(", 2006")
		case "{date_short}":
			return t.Format("Jan 2, 2006")
		case "{date_pretty}":
			if r := relative(); r != "" {
				return r
			}
			return t.Format("January ") + ordinal(t.Day()) + t.Format(", 2006")
		case "{date_short_pretty}":
			if r := relative(); r != "" {
				return r
			}
			return t.Format("Jan 2, 2006")
		case "{date_long_pretty}":
			if r := relative(); r != "" {
				return r
			}
			return long + t.Format(", 2006")
		case "{day_divider_pretty}":
			switch r := relative(); {
			case r != "":
				return r
			case t.Year() == now.Year():
				return long
			}
			return long + t.Format(", 2006")
		case "{time}":
			return t.Format("15:04")
		case "{time_secs}":
			return t.Format("15:04:05")
		}
		return tok
	})
}

// dayNumber counts calendar days, so that two dates in one zone can be compared.
func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}
