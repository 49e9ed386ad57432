package digest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/presence"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// askData is the data of a TaskAsk task.
type askData struct {
	Channel string `json:"channel"`
	Week    Week   `json:"week"`
	User    string `json:"user"`
}

// remindData is the data of a TaskRemind task.
type remindData struct {
	Channel string `json:"channel"`
	Week    Week   `json:"week"`
	Index   int    `json:"index"`
}

// AskTaskKey is the key of the task that asks user for week's update in channel.
func AskTaskKey(channel, week, user string) string {
	return TaskAsk + "/" + channel + "/" + week + "/" + user
}

// RemindTaskKey is the key of the i-th reminder of week in channel.
func RemindTaskKey(channel, week string, i int) string {
	return TaskRemind + "/" + channel + "/" + week + "/" + strconv.Itoa(i)
}

// CheckinKey is the outbox key of the check-in DM to user for week.
func CheckinKey(channel, week, user string) string {
	return KindCheckin + "/" + channel + "/" + week + "/" + user
}

// lastOneHour keeps a planned ask at least this long before the post.
const lastOneHour = time.Hour

// quietAfterAsk spares a reminder to someone asked less than this long ago.
const quietAfterAsk = 2 * time.Hour

// Checkin is the check-in job's run. With LocalTime off it asks every member now, in the run's
// transaction. With LocalTime on (the job runs on PlanSpec) it writes a TaskAsk per member, due at
// key.At's wall clock (date and time as read in key.At's own Location) in the member's zone, no
// later than an hour before the post; a member whose time passed more than CheckinGrace ago (a
// late catch-up) is not asked that week. Either way the week's reminder tasks are written too.
// Bots, deactivated accounts, guests (unless Channel.Guests) and people away are left out.
func (s *Service) Checkin(ctx context.Context, key schedule.Key) error {
	c, err := s.channel(key.Channel)
	if err != nil {
		return err
	}
	now := s.now()
	people, err := s.members(ctx, c, now)
	if err != nil {
		return err
	}
	if !c.LocalTime {
		week, err := s.openWeek(c, now)
		if err != nil {
			return err
		}
		asks, err := s.asks(c, week, people, now)
		if err != nil {
			return err
		}
		asked, err := s.Store.CommitCheckin(key, asks, s.reminderTasks(c, week, now))
		if err != nil {
			return err
		}
		s.queued()
		s.log().Info("digest check-in sent", "channel", c.ID, "week", week.ID, "asked", len(asked))
		return nil
	}

	y, m, d := key.At.Date()
	hh, mm, _ := key.At.Clock()
	week, err := s.openWeek(c, time.Date(y, m, d, hh, mm, 0, 0, c.Checkin.Location()))
	if err != nil {
		return err
	}
	latest := week.To.Add(-lastOneHour)
	tasks := s.reminderTasks(c, week, now)
	missed := 0
	for _, p := range people {
		due := time.Date(y, m, d, hh, mm, 0, 0, presence.Location(p, c.Checkin.Location()))
		if due.After(latest) {
			due = latest
		}
		if now.Sub(due) > max(c.CheckinGrace, schedule.MinGrace) {
			missed++
			continue
		}
		due = maxTime(due, now)
		data, _ := json.Marshal(askData{Channel: c.ID, Week: week, User: p.ID})
		tasks = append(tasks, timers.Task{Key: AskTaskKey(c.ID, week.ID, p.ID), Ritual: Ritual, Kind: TaskAsk, Due: due, Data: data})
	}
	if _, err := s.Store.CommitCheckin(key, nil, tasks); err != nil {
		return err
	}
	s.queued()
	s.log().Info("digest check-in planned", "channel", c.ID, "week", week.ID, "people", len(people)-missed, "missed", missed)
	if missed > 0 {
		s.log().Warn("check-in planned late: people whose time passed beyond the grace window are not asked this week", "channel", c.ID, "week", week.ID, "count", missed)
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// reminderTasks returns the week's reminder tasks still to come.
func (s *Service) reminderTasks(c Channel, week Week, now time.Time) []timers.Task {
	var tasks []timers.Task
	for i, before := range c.reminders() {
		due := week.To.Add(-before)
		if !due.After(now) {
			continue
		}
		data, _ := json.Marshal(remindData{Channel: c.ID, Week: week, Index: i})
		tasks = append(tasks, timers.Task{Key: RemindTaskKey(c.ID, week.ID, i), Ritual: Ritual, Kind: TaskRemind, Due: due, Data: data})
	}
	return tasks
}

// members returns the channel's members a check-in may ask at now: eligible and not away. A
// member the directory cannot describe is left out and logged.
func (s *Service) members(ctx context.Context, c Channel, now time.Time) ([]rituals.Person, error) {
	ids, err := s.Directory.Members(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", c.ID, err)
	}
	people := make([]rituals.Person, 0, len(ids))
	for _, id := range ids {
		p, err := s.Directory.Person(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.log().Warn("member left out of the check-in: cannot look them up", "channel", c.ID, "user", id, "err", err)
			continue
		}
		people = append(people, p)
	}
	people = rituals.Eligible(people, c.Guests)
	if s.Presence == nil {
		return people, nil
	}
	eligible := make([]string, len(people))
	for i, p := range people {
		eligible[i] = p.ID
	}
	here, err := s.Presence.Filter(eligible, now)
	if err != nil {
		return nil, err
	}
	keep := make(map[string]bool, len(here))
	for _, id := range here {
		keep[id] = true
	}
	out := people[:0]
	for _, p := range people {
		if keep[p.ID] {
			out = append(out, p)
		}
	}
	return out, nil
}

// asks builds the check-in DMs of people for week.
func (s *Service) asks(c Channel, week Week, people []rituals.Person, now time.Time) ([]Ask, error) {
	asks := make([]Ask, 0, len(people))
	for _, p := range people {
		a, err := s.ask(c, week, p.ID, now)
		if err != nil {
			return nil, err
		}
		asks = append(asks, a)
	}
	return asks, nil
}

// ask builds one person's check-in DM.
func (s *Service) ask(c Channel, week Week, user string, now time.Time) (Ask, error) {
	last, err := s.lastNext(c.ID, user, week.ID)
	if err != nil {
		return Ask{}, err
	}
	data, err := json.Marshal(CheckinData{Channel: c.ID, Week: week, Questions: c.questions(), LastNext: last})
	if err != nil {
		return Ask{}, err
	}
	return Ask{
		Asked:   Asked{Channel: c.ID, Week: week.ID, User: user, At: now},
		Message: rituals.Message{Key: CheckinKey(c.ID, week.ID, user), Ritual: Ritual, Kind: KindCheckin, To: rituals.Recipient{User: user}, Data: data},
	}, nil
}

// lastNext returns what user last said was next, in a week before week (within HistoryWeeks
// updates).
func (s *Service) lastNext(channel, user, week string) (*PreviousNext, error) {
	ups, err := s.Store.UserUpdates(channel, user, "", HistoryWeeks+1)
	if err != nil {
		return nil, err
	}
	for _, u := range ups {
		if u.Week >= week {
			continue
		}
		if a, ok := u.Next(); ok {
			return &PreviousNext{Week: u.Week, Question: a.Question, Text: a.Text}, nil
		}
	}
	return nil, nil
}

// Ask is the handler of TaskAsk: it sends one person's check-in DM, unless they were asked or
// answered already this week, are away, or the week's digest is out. The task is completed in the
// same transaction as the DM.
func (s *Service) Ask(_ context.Context, t timers.Task) error {
	var d askData
	if err := json.Unmarshal(t.Data, &d); err != nil {
		return fmt.Errorf("ask task %s: %w", t.Key, err)
	}
	c, err := s.channel(d.Channel)
	if err != nil {
		// The channel left the configuration: drop the task.
		_, err := s.Store.Ask([]string{t.Key}, nil, nil)
		return err
	}
	now := s.now()
	drop := !now.Before(d.Week.To)
	if !drop {
		if drop, err = s.Store.Posted(c.ID, d.Week.ID); err != nil {
			return err
		}
	}
	if !drop && s.Presence != nil {
		if _, drop, err = s.Presence.AwayUntil(d.User, now); err != nil {
			return err
		}
	}
	var asks []Ask
	if !drop {
		a, err := s.ask(c, d.Week, d.User, now)
		if err != nil {
			return err
		}
		asks = []Ask{a}
	}
	asked, err := s.Store.Ask([]string{t.Key}, asks, nil)
	if err != nil {
		return err
	}
	if len(asked) > 0 {
		s.queued()
	}
	return nil
}

// CheckinNow sends this week's check-in DMs at once (an admin's "checkin now") to every member not
// yet asked and without an answer, completing their pending ask tasks in the same transaction, and
// writes the week's reminders if they are still to come. It returns how many were asked.
func (s *Service) CheckinNow(ctx context.Context, channel string, now time.Time) (int, error) {
	c, err := s.channel(channel)
	if err != nil {
		return 0, err
	}
	people, err := s.members(ctx, c, now)
	if err != nil {
		return 0, err
	}
	week, err := s.openWeek(c, now)
	if err != nil {
		return 0, err
	}
	asks, err := s.asks(c, week, people, now)
	if err != nil {
		return 0, err
	}
	done := make([]string, len(people))
	for i, p := range people {
		done[i] = AskTaskKey(c.ID, week.ID, p.ID)
	}
	asked, err := s.Store.Ask(done, asks, s.reminderTasks(c, week, now))
	if err != nil {
		return 0, err
	}
	s.queued()
	s.log().Info("digest check-in sent now", "channel", c.ID, "week", week.ID, "asked", len(asked))
	return len(asked), nil
}

// Remind is the handler of TaskRemind: it DMs the people asked this week who have neither shared
// nor skipped, are not away, and were asked more than two hours ago. Nothing goes once the week's
// post time has come.
func (s *Service) Remind(_ context.Context, t timers.Task) error {
	var d remindData
	if err := json.Unmarshal(t.Data, &d); err != nil {
		return fmt.Errorf("remind task %s: %w", t.Key, err)
	}
	now := s.now()
	var candidates []string
	if now.Before(d.Week.To) {
		recs, err := s.Store.WeekRecords(d.Channel, d.Week.ID)
		if err != nil {
			return err
		}
		if !recs.Posted {
			answered := make(map[string]bool, len(recs.Updates))
			for _, u := range recs.Updates {
				answered[u.User] = true
			}
			for _, a := range recs.Asked {
				if !answered[a.User] && now.Sub(a.At) >= quietAfterAsk {
					candidates = append(candidates, a.User)
				}
			}
			sort.Strings(candidates)
			if s.Presence != nil && len(candidates) > 0 {
				var err error
				if candidates, err = s.Presence.Filter(candidates, now); err != nil {
					return err
				}
			}
		}
	}
	data, _ := json.Marshal(ReminderData{Channel: d.Channel, Week: d.Week})
	sent := 0
	done, err := s.Store.Remind(t.Key, d.Channel, d.Week.ID, candidates, func(users []string) []rituals.Message {
		msgs := make([]rituals.Message, len(users))
		for i, u := range users {
			msgs[i] = rituals.Message{Key: KindReminder + "/" + d.Channel + "/" + d.Week.ID + "/" + strconv.Itoa(d.Index) + "/" + u,
				Ritual: Ritual, Kind: KindReminder, To: rituals.Recipient{User: u}, Data: data}
		}
		sent = len(msgs)
		return msgs
	})
	if err != nil {
		return err
	}
	if done && sent > 0 {
		s.queued()
		s.log().Info("digest reminders sent", "channel", d.Channel, "week", d.Week.ID, "count", sent)
	}
	return nil
}

// Form is what the check-in modal shows a person.
type Form struct {
	Channel   string     `json:"channel"`
	Week      Week       `json:"week"`
	Questions []Question `json:"questions"`
	// LastNext is what they said last time was next, if anything.
	LastNext *PreviousNext `json:"last_next,omitempty"`
	// Current is what they already shared or skipped this week, to fill the inputs.
	Current *Update `json:"current,omitempty"`
}

// Form returns what the check-in modal shows user at now: the open week, the questions, what they
// said last time was next, and their current update if they already shared.
func (s *Service) Form(channel, user string, now time.Time) (Form, error) {
	c, err := s.channel(channel)
	if err != nil {
		return Form{}, err
	}
	week, err := s.openWeek(c, now)
	if err != nil {
		return Form{}, err
	}
	f := Form{Channel: c.ID, Week: week, Questions: c.questions()}
	if f.LastNext, err = s.lastNext(c.ID, user, week.ID); err != nil {
		return Form{}, err
	}
	pw, err := s.Store.PersonWeek(c.ID, week.ID, user)
	if err != nil {
		return Form{}, err
	}
	f.Current = pw.Update
	return f, nil
}

// Submit stores user's update for the open week, answers in the order of the channel's questions,
// replacing what they shared or skipped earlier that week. Each answer is kept as typed (blank
// space around it trimmed, line breaks kept) and may have up to MaxAnswer characters; every
// question but the help one needs an answer. A mistake is a *rituals.PersonError with a sentence per
// answer at fault, and nothing is stored.
func (s *Service) Submit(_ context.Context, channel, user string, answers []string, now time.Time) (Update, error) {
	c, err := s.channel(channel)
	if err != nil {
		return Update{}, err
	}
	qs := c.questions()
	if len(answers) != len(qs) {
		return Update{}, fmt.Errorf("the update has %d answers for %d questions", len(answers), len(qs))
	}
	u := Update{Channel: c.ID, User: user, At: now, Answers: make([]Answer, len(qs))}
	fields := map[int]string{}
	given := 0
	for i, q := range qs {
		text := strings.TrimSpace(answers[i])
		switch n := utf8.RuneCountInString(text); {
		case n == 0 && q.Role != RoleHelp:
			fields[i] = "Say something here, or use “Skip this week”."
		case n > MaxAnswer:
			fields[i] = fmt.Sprintf("This answer has %s characters; keep it to %s or fewer.", thousands(n), thousands(MaxAnswer))
		}
		if text != "" {
			given++
		}
		u.Answers[i] = Answer{Question: q.Text, Role: q.Role, Text: text}
	}
	if given == 0 {
		return Update{}, &rituals.PersonError{Err: errors.New("Say something, or use “Skip this week”."), Fields: fields}
	}
	if len(fields) > 0 {
		idx := make([]int, 0, len(fields))
		for i := range fields {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		msgs := make([]string, len(idx))
		for k, i := range idx {
			msgs[k] = fmt.Sprintf("%q: %s", qs[i].Text, fields[i])
		}
		return Update{}, &rituals.PersonError{Err: errors.New(strings.Join(msgs, " ")), Fields: fields}
	}
	return s.save(c, u, now)
}

// Skip records that user skips the open week, replacing an update they shared earlier that week.
func (s *Service) Skip(_ context.Context, channel, user string, now time.Time) (Update, error) {
	c, err := s.channel(channel)
	if err != nil {
		return Update{}, err
	}
	return s.save(c, Update{Channel: c.ID, User: user, Skipped: true, At: now}, now)
}

// save stores u in the open week, moving on to the next week if the digest went out meanwhile.
func (s *Service) save(c Channel, u Update, now time.Time) (Update, error) {
	week, err := s.openWeek(c, now)
	if err != nil {
		return Update{}, err
	}
	for range maxPostedWeeks {
		u.Week = week.ID
		saved, err := s.Store.SaveUpdate(u)
		if !errors.Is(err, ErrPosted) {
			return saved, err
		}
		if week, err = s.afterPosted(c, week); err != nil {
			return Update{}, err
		}
	}
	return Update{}, fmt.Errorf("the next %d digests of %s are already posted", maxPostedWeeks, c.ID)
}

// History returns what user shared or skipped in channel over the last HistoryWeeks weeks, newest
// first.
func (s *Service) History(channel, user string, now time.Time) ([]Update, error) {
	c, err := s.channel(channel)
	if err != nil {
		return nil, err
	}
	since, ok := WeekAt(c.Post, now.AddDate(0, 0, -7*(HistoryWeeks-1)))
	if !ok {
		return nil, nil
	}
	return s.Store.UserUpdates(c.ID, user, since.ID, HistoryWeeks)
}

// State is a person's check-in state in a week.
type State string

// Check-in states, as the Home tab shows them.
const (
	// StateUpdated: they shared an update.
	StateUpdated State = "updated"
	// StateSkipped: they skip this week.
	StateSkipped State = "skipped"
	// StateAway: they are away, so they are not asked.
	StateAway State = "away"
	// StateAsked: they were asked and have not answered yet.
	StateAsked State = "asked"
	// StateNotAsked: they have not been asked yet this week.
	StateNotAsked State = "not_asked"
)

// Status is a person's check-in status for the open week.
type Status struct {
	Channel string `json:"channel"`
	Week    Week   `json:"week"`
	State   State  `json:"state"`
	// Update is what they shared or skipped, for StateUpdated and StateSkipped.
	Update *Update `json:"update,omitempty"`
	// Away is their absence when they are away (also alongside an update shared before leaving).
	Away *presence.Away `json:"away,omitempty"`
}

// WeekStatus returns user's check-in status in channel for the open week at now, for the Home tab:
// updated or skipped if they answered, else away if they are, else asked or not yet asked.
func (s *Service) WeekStatus(channel, user string, now time.Time) (Status, error) {
	c, err := s.channel(channel)
	if err != nil {
		return Status{}, err
	}
	week, err := s.openWeek(c, now)
	if err != nil {
		return Status{}, err
	}
	st := Status{Channel: c.ID, Week: week, State: StateNotAsked}
	if s.Presence != nil {
		a, away, err := s.Presence.AwayUntil(user, now)
		if err != nil {
			return Status{}, err
		}
		if away {
			st.Away, st.State = &a, StateAway
		}
	}
	pw, err := s.Store.PersonWeek(c.ID, week.ID, user)
	if err != nil {
		return Status{}, err
	}
	switch {
	case pw.Update != nil && pw.Update.Skipped:
		st.Update, st.State = pw.Update, StateSkipped
	case pw.Update != nil:
		st.Update, st.State = pw.Update, StateUpdated
	case st.State == StateAway:
	case pw.Asked != nil:
		st.State = StateAsked
	}
	return st, nil
}

// thousands writes n with comma separators, e.g. 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
