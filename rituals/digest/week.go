package digest

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// WeekAt returns the week an instant belongs to: the one ending with post's first occurrence at
// or after t (see the package documentation). ok is false when post never fires again.
func WeekAt(post schedule.Spec, t time.Time) (w Week, ok bool) {
	to := post.Next(t.Add(-time.Nanosecond))
	if to.IsZero() {
		return Week{}, false
	}
	return weekEnding(post, to), true
}

// WeekID returns the ID of the week whose post is at to: its ISO week in to's Location.
func WeekID(to time.Time) string {
	y, w := to.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// weekEnding returns the week whose post is to, an occurrence of post.
func weekEnding(post schedule.Spec, to time.Time) Week {
	to = to.In(post.Location())
	return Week{ID: WeekID(to), From: previous(post, to), To: to}
}

// previous returns the occurrence of post before to, or a week before to if there is none within
// two years.
func previous(post schedule.Spec, to time.Time) time.Time {
	for back := 8 * 24 * time.Hour; back <= 2*366*24*time.Hour; back *= 2 {
		t := post.Next(to.Add(-back))
		if t.IsZero() || !t.Before(to) {
			continue
		}
		for {
			n := post.Next(t)
			if n.IsZero() || !n.Before(to) {
				return t
			}
			t = n
		}
	}
	return to.AddDate(0, 0, -7)
}

// earliestZone is UTC+14, the first zone to reach any wall-clock time of a day.
var earliestZone = time.FixedZone("UTC+14", 14*3600)

// zoneSpread is how much later than in earliestZone a wall-clock time comes round in the latest
// zone (UTC−12).
const zoneSpread = 26 * time.Hour

// PlanSpec returns the schedule the check-in job runs on when people are asked in their own time
// zone: checkin's wall-clock times and weeks, read in UTC+14, the first zone to reach them. A run
// at "Thursday 10:00" there writes everyone's "Thursday 10:00" in their own zone as a task.
func PlanSpec(checkin schedule.Spec) (schedule.Spec, error) {
	str := checkin.String() // "CRON_TZ=Zone expr[ every N weeks from the week of 2024-01-01]"
	if str == "" {
		return schedule.Spec{}, errors.New("the check-in schedule is empty")
	}
	_, rest, _ := strings.Cut(str, " ")
	expr, anchor := rest, time.Time{}
	if i := strings.Index(rest, " every "); i >= 0 {
		expr = rest[:i]
		_, date, ok := strings.Cut(rest[i:], " from the week of ")
		a, err := time.Parse("2006-01-02", strings.TrimSpace(date))
		if !ok || err != nil {
			return schedule.Spec{}, fmt.Errorf("cannot read the week cadence of %q", str)
		}
		anchor = a
	}
	return schedule.Parse(expr, checkin.EveryWeeks(), anchor, earliestZone)
}

// DefaultQuestions returns questions.DefaultCheckinQuestions with their roles: progress; what's
// next (RoleNext); where help would be welcome (RoleHelp, the last one).
func DefaultQuestions() []Question {
	texts := questions.DefaultCheckinQuestions()
	out := make([]Question, len(texts))
	for i, t := range texts {
		out[i] = Question{Text: t}
	}
	out[1].Role = RoleNext
	out[len(out)-1].Role = RoleHelp
	return out
}

// questions returns the channel's questions, the defaults when none are configured.
func (c Channel) questions() []Question {
	if c.Questions == nil {
		return DefaultQuestions()
	}
	return c.Questions
}

// reminders returns how long before the post the reminders go.
func (c Channel) reminders() []time.Duration {
	if c.Reminders == nil {
		return DefaultReminders
	}
	return c.Reminders
}

// Validate reports settings that cannot work, as sentences naming what to change.
func (c Channel) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.ID == "" {
		add("the digest needs a channel")
	}
	if c.Post.IsZero() {
		add("the digest needs a schedule for its weekly post")
	} else {
		seen := map[string]time.Time{}
		for _, t := range c.Post.NextN(time.Date(2026, time.January, 1, 0, 0, 0, 0, c.Post.Location()), 120) {
			id := WeekID(t)
			if prev, dup := seen[id]; dup {
				add("the digest schedule %q fires twice in one week (%s and %s); post it at most once a week", c.Post.String(), prev.Format("Mon 2 Jan 15:04"), t.Format("Mon 2 Jan 15:04"))
				break
			}
			seen[id] = t
		}
	}
	if c.Checkin.IsZero() {
		add("the digest needs a check-in schedule: when people are asked for their update")
	} else if c.LocalTime {
		if _, err := PlanSpec(c.Checkin); err != nil {
			add("the check-in schedule cannot be read in people's own time zones: %v", err)
		}
	}
	if c.Questions != nil {
		if n := len(c.Questions); n < 1 || n > MaxQuestions {
			add("the digest asks 1 to %d questions; %d are configured", MaxQuestions, n)
		}
		roles := map[Role]int{}
		for i, q := range c.Questions {
			switch n := utf8.RuneCountInString(strings.TrimSpace(q.Text)); {
			case n == 0:
				add("check-in question %d is empty", i+1)
			case n > MaxQuestionLength:
				add("check-in question %d has %d characters; keep it to %d", i+1, n, MaxQuestionLength)
			}
			switch q.Role {
			case RoleNone, RoleNext, RoleHelp:
			default:
				add("check-in question %d has the role %q; use %q, %q or none", i+1, q.Role, RoleNext, RoleHelp)
			}
			roles[q.Role]++
		}
		for _, r := range []Role{RoleNext, RoleHelp} {
			if roles[r] > 1 {
				add("%d check-in questions are marked %q; mark one at most", roles[r], r)
			}
		}
		if roles[RoleNone]+roles[RoleNext] == 0 && len(c.Questions) > 0 {
			add("the only check-in question is the help one; add a question about the week")
		}
	}
	for _, d := range c.Reminders {
		if d <= 0 || d >= 7*24*time.Hour {
			add("a reminder %s before the post is out of range; use a duration between 1m and 6d", d)
		}
	}
	if c.PostGrace < 0 || c.CheckinGrace < 0 {
		add("a grace window cannot be negative")
	}
	return errors.Join(errs...)
}

// Jobs returns the scheduled jobs of every configured channel, for the scheduler: the check-in
// (RitualCheckin, on PlanSpec when LocalTime is on) and the post (Ritual). A local-time check-in
// job's grace is CheckinGrace plus the 26 hours between the first and the last zone, since the
// run plans asks that are still to come; each person's ask still honours CheckinGrace.
func (s *Service) Jobs() ([]schedule.Job, error) {
	var jobs []schedule.Job
	for _, id := range s.ChannelIDs() {
		more, err := s.JobsOf(id)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, more...)
	}
	return jobs, nil
}

// JobsOf returns the scheduled jobs of channel id, as Jobs does, or none if it has no digest.
func (s *Service) JobsOf(id string) ([]schedule.Job, error) {
	var jobs []schedule.Job
	if c, ok := s.Channel(id); ok {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("digest in %s: %w", id, err)
		}
		checkin, grace := c.Checkin, c.CheckinGrace
		if c.LocalTime {
			spec, err := PlanSpec(c.Checkin)
			if err != nil {
				return nil, fmt.Errorf("digest in %s: %w", id, err)
			}
			checkin, grace = spec, grace+zoneSpread
		}
		jobs = append(jobs,
			schedule.Job{Ritual: RitualCheckin, Channel: id, Spec: checkin, Grace: grace, Run: s.Checkin},
			schedule.Job{Ritual: Ritual, Channel: id, Spec: c.Post, Grace: c.PostGrace, Run: s.Post},
		)
	}
	return jobs, nil
}

// channel returns a configured channel.
func (s *Service) channel(id string) (Channel, error) {
	c, ok := s.Channel(id)
	if !ok {
		return Channel{}, fmt.Errorf("the digest is not configured in %s", id)
	}
	return c, nil
}

// maxPostedWeeks bounds how many posted weeks openWeek steps over.
const maxPostedWeeks = 4

// OpenWeek returns the week what is shared at now goes into: the week of now, or a later one when
// that week's digest is already posted.
func (s *Service) OpenWeek(channel string, now time.Time) (Week, error) {
	c, err := s.channel(channel)
	if err != nil {
		return Week{}, err
	}
	return s.openWeek(c, now)
}

func (s *Service) openWeek(c Channel, t time.Time) (Week, error) {
	w, ok := WeekAt(c.Post, t)
	for range maxPostedWeeks {
		if !ok {
			return Week{}, fmt.Errorf("the digest schedule of %s never fires again", c.ID)
		}
		posted, err := s.Store.Posted(c.ID, w.ID)
		if err != nil || !posted {
			return w, err
		}
		w, ok = WeekAt(c.Post, w.To.Add(time.Minute))
	}
	return Week{}, fmt.Errorf("the next %d digests of %s are already posted", maxPostedWeeks, c.ID)
}

// afterPosted returns the week after w, for a write refused because w was posted meanwhile.
func (s *Service) afterPosted(c Channel, w Week) (Week, error) {
	return s.openWeek(c, w.To.Add(time.Minute))
}
