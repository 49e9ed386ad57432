// Package coffee pairs a channel's members on schedule, introduces each group in a group DM with a
// conversation starter, follows up once halfway, and keeps people's choices: join, leave, pause,
// and whom to keep apart.
package coffee

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/pairing"
	"github.com/ritualbot/ritualbot/rituals/presence"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// Ritual is the ritual's name in run keys, logs and stats.
const Ritual = "coffee"

// Message and task kinds this ritual produces.
const (
	KindIntro    = "coffee.intro"
	KindFollowUp = "coffee.followup"
	KindAlone    = "coffee.alone"
	KindPaused   = "coffee.paused"
	KindSummary  = "coffee.summary"
	TaskFollowUp = "coffee.followup"
	// TaskSend sends a message later: a group's intro at a good hour for all its members, the
	// round's summary once every intro is out.
	TaskSend = "coffee.send"
)

// Channel is one channel's coffee settings.
type Channel struct {
	ID string
	// GroupSize is 2 to 4.
	GroupSize int
	// FollowUpAfter is when groups without an answer get one gentle reminder.
	FollowUpAfter time.Duration
	// OptIn makes people join explicitly; otherwise every member takes part until they leave.
	OptIn bool
	// Guests lets multi- and single-channel guests take part.
	Guests bool
	// Summary posts one line in the channel after each round.
	Summary bool
	// Starters is the bank conversation starters come from.
	Starters *questions.Bank
	// Hours are the working hours of people who set none; zero means DefaultHours.
	Hours Hours
	// PauseAfterIgnored is how many rounds in a row without a sign of life (a button pressed, a
	// slot chosen, a message in the group DM) pause someone; 0 never pauses.
	PauseAfterIgnored int
	// Teams tells people's teams, so that groups prefer people of different teams (never at the
	// cost of a repeat); nil when the channel has none.
	Teams Teams
}

// Teams tells which team people belong to: Slack user groups through the edge, or a mapping in the
// configuration (TeamMap).
type Teams interface {
	// TeamsOf returns the team of each of ids that has one.
	TeamsOf(ctx context.Context, ids []string) (map[string]string, error)
}

// TeamMap is teams as the configuration lists them: person id to team name.
type TeamMap map[string]string

// TeamsOf implements Teams.
func (m TeamMap) TeamsOf(_ context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		if t, ok := m[id]; ok {
			out[id] = t
		}
	}
	return out, nil
}

// Membership is one person's choices in one channel.
type Membership struct {
	// Joined is set when they chose to take part (needed when the channel is opt-in).
	Joined bool `json:"joined,omitempty"`
	// Left is set when they chose to stop taking part.
	Left bool `json:"left,omitempty"`
	// PausedUntil skips rounds until then; it ends by itself.
	PausedUntil time.Time `json:"paused_until,omitzero"`
	// PausedForSilence is set when the pause came from three unanswered intros.
	PausedForSilence bool `json:"paused_for_silence,omitempty"`
	// Ignored counts intros in a row left without an answer.
	Ignored int `json:"ignored,omitempty"`
}

// In reports whether the person takes part at now, given the channel's opt-in rule.
func (m Membership) In(optIn bool, now time.Time) bool {
	if m.Left || now.Before(m.PausedUntil) {
		return false
	}
	return m.Joined || !optIn
}

// Round is one grouping in one channel.
type Round struct {
	// ID is the run key that made it.
	ID      string    `json:"id"`
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
	Groups  []Group   `json:"groups"`
	// Alone are participants who had nobody to meet.
	Alone []string `json:"alone,omitempty"`
}

// Group is one group of a round and what became of it.
type Group struct {
	// ID is the round id and the group's index.
	ID      string   `json:"id"`
	Members []string `json:"members"`
	Reason  string   `json:"reason"`
	Starter string   `json:"starter"`
	// StarterID is the starter's question id, for its rotation.
	StarterID string `json:"starter_id,omitempty"`
	// IntroKey is the outbox key of the intro.
	IntroKey string `json:"intro_key"`
	// Answer is "", AnswerMet or AnswerSkipped.
	Answer     string `json:"answer,omitempty"`
	AnsweredBy string `json:"answered_by,omitempty"`
	// IntroAt is when the intro goes out: the first good hour for every member.
	IntroAt time.Time `json:"intro_at,omitzero"`
	// FollowUpAt is when the group is asked whether they met, if they have not answered by then.
	FollowUpAt time.Time `json:"follow_up_at,omitzero"`
	// Proposed are the slots the intro proposed.
	Proposed []time.Time `json:"proposed,omitempty"`
	// Slot is the proposed time a member picked, and SlotBy who.
	Slot   time.Time `json:"slot,omitzero"`
	SlotBy string    `json:"slot_by,omitempty"`
	// Talked is set when a member wrote in the group DM.
	Talked bool `json:"talked,omitempty"`
}

// heard reports whether the group showed any sign of life.
func (g Group) heard() bool { return g.Answer != "" || g.Talked || !g.Slot.IsZero() }

// Answers to "did you meet?".
const (
	AnswerMet     = "met"
	AnswerSkipped = "skipped"
)

// ErrAnswered is returned when a group already answered.
var ErrAnswered = errors.New("this group already answered")

// ErrNotInGroup is returned when someone answers for a group they are not in.
var ErrNotInGroup = errors.New("not a member of this group")

// Store keeps the ritual's records; the store package implements it.
type Store interface {
	History
	// Memberships returns everyone's choices in channel.
	Memberships(channel string) (map[string]Membership, error)
	// SetMembership stores one person's choices, queueing msgs in the same transaction.
	SetMembership(channel, user string, m Membership, msgs []rituals.Message) error
	// Rounds returns channel's rounds, newest first, at most limit (0: all).
	Rounds(channel string, limit int) ([]Round, error)
	// Round returns the round with id, and false if there is none (retention removed it).
	Round(id string) (Round, bool, error)
	// CommitRound records key as run, the round, the members' updated choices, messages and tasks,
	// in one transaction; schedule.ErrAlreadyRan if key is recorded.
	CommitRound(key schedule.Key, round Round, members map[string]Membership, msgs []rituals.Message, tasks []timers.Task) error
	// Answer records a group's answer; ErrAnswered if it has one.
	Answer(roundID, groupID, answer, by string) (Group, error)
	// UpdateGroup changes one group of a round in one transaction and returns it as stored.
	UpdateGroup(roundID, groupID string, change func(*Group) error) (Group, error)
	// CompleteTask completes a task and queues msgs, in one transaction; false if it was already
	// completed.
	CompleteTask(taskKey string, msgs []rituals.Message) (bool, error)
	// Hours returns the working hours people set, by id; people who set none are missing.
	Hours(users []string) (map[string]Hours, error)
	// SetHours stores a person's working hours; zero Hours clears them.
	SetHours(user string, h Hours) error
	// Avoids returns the people user asked to be kept apart from.
	Avoids(user string) ([]string, error)
	// SetAvoid adds or removes a pair kept apart.
	SetAvoid(user, other string, avoid bool) error
	// AllAvoids returns every pair kept apart.
	AllAvoids() ([][2]string, error)
	// StartersAsked returns when each conversation starter was last used in channel.
	StartersAsked(channel string) (map[string]time.Time, error)
}

// Presence tells who is away from every ritual; the presence ritual implements it.
type Presence interface {
	// Away reports whether user is away at now.
	Away(user string, now time.Time) (bool, error)
}

// Service runs the ritual.
type Service struct {
	Store     Store
	Directory interface {
		rituals.Directory
		People(ctx context.Context, ids []string) ([]rituals.Person, error)
	}
	Presence Presence
	Channels map[string]Channel
	// live is Channels as they are now (see Channel, SetChannel).
	live rituals.ChannelSet[Channel]
	// BotUserID is left out of every round.
	BotUserID string
	Logger    *slog.Logger
	Now       func() time.Time
	// Deliveries tells where an intro landed, to recognise its group DM.
	Deliveries interface {
		Lookup(key string) (rituals.Delivery, bool, error)
	}
	// Queued is called after messages or tasks were committed.
	Queued func()
}

// Participant is a person in an intro, with what the others need to know.
type Participant struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"tz"`
	// LocalTime is their wall clock when the intro goes out, "15:04".
	LocalTime string `json:"local_time"`
	// Hours are their working hours, for people: "09:00–17:00 Mon–Fri".
	Hours string `json:"hours,omitempty"`
}

// IntroData is the data of KindIntro and KindFollowUp messages.
type IntroData struct {
	RoundID      string        `json:"round_id"`
	GroupID      string        `json:"group_id"`
	Participants []Participant `json:"participants"`
	Reason       string        `json:"reason"`
	Starter      string        `json:"starter"`
	// Until is when the round ends (the next one starts).
	Until time.Time `json:"until,omitzero"`
	// Slots are proposed meeting times; Shared is false when they lie outside someone's working
	// hours because the group shares none.
	Slots  []Slot `json:"slots,omitempty"`
	Shared bool   `json:"shared,omitempty"`
}

// NoteData is the data of KindAlone, KindPaused and KindSummary messages.
type NoteData struct {
	Channel string `json:"channel"`
	// Groups and Zones are the summary's figures.
	Groups int `json:"groups,omitempty"`
	Zones  int `json:"zones,omitempty"`
}

// followUpData is the data of a TaskFollowUp task: a whole round (tasks written before intros
// waited for a good hour) or one group.
type followUpData struct {
	Channel string `json:"channel"`
	RoundID string `json:"round_id"`
	GroupID string `json:"group_id,omitempty"`
}

// sendTaskData is the data of a TaskSend task: the message to queue.
type sendTaskData struct {
	Message rituals.Message `json:"message"`
}

// seedFor makes a grouping reproducible. Pairing takes one seed per channel, the channel id, for
// every round: the layout of members, hence the design the rounds follow, stays the same from round
// to round (only churn re-plans), which is what keeps pairs from repeating; and a preview is
// exactly the round that then runs.
func seedFor(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int64(h.Sum64())
}

// Plan computes the groups a round in channel starting at at would make, sending nothing: with the
// same members, choices and history, the round that runs at at makes exactly these groups.
func (s *Service) Plan(ctx context.Context, channel string, at time.Time) (pairing.Result, map[string]rituals.Person, error) {
	changed, _, err := s.silence(channel, at)
	if err != nil {
		return pairing.Result{}, nil, err
	}
	res, people, err := s.plan(ctx, channel, at, changed)
	if err != nil {
		return res, people, err
	}
	hours, err := s.Store.Hours(slices.Collect(maps.Keys(people)))
	if err != nil {
		return res, people, err
	}
	for i, g := range res.Groups {
		res.Groups[i].Reason = withClocks(g.Reason, at, s.clocks(s.channelOrZero(channel), g.Members, people, hours))
	}
	return res, people, nil
}

// plan is Plan with membership changes not yet stored (pauses for silence) taken into account.
func (s *Service) plan(ctx context.Context, channel string, at time.Time, changed map[string]Membership) (pairing.Result, map[string]rituals.Person, error) {
	c, ok := s.Channel(channel)
	if !ok {
		return pairing.Result{}, nil, fmt.Errorf("coffee is not configured in %s", channel)
	}
	participants, people, err := s.participants(ctx, c, at, changed)
	if err != nil {
		return pairing.Result{}, nil, err
	}
	history, err := s.Store.PastGroups(channel)
	if err != nil {
		return pairing.Result{}, nil, err
	}
	avoids, err := s.Store.AllAvoids()
	if err != nil {
		return pairing.Result{}, nil, err
	}
	var teams map[string]string
	if c.Teams != nil {
		// Teams are a soft wish: without them the round still goes ahead, grouped as if nobody
		// had a team.
		if teams, err = c.Teams.TeamsOf(ctx, participants); err != nil {
			s.Logger.Warn("coffee groups this round without teams: they could not be read", "channel", channel, "err", err)
		}
	}
	type zone struct {
		name   string
		offset time.Duration
	}
	offsets := map[zone]time.Duration{} // standardOffset of each zone, loaded once per round
	members := make([]pairing.Member, 0, len(participants))
	for _, id := range participants {
		p := people[id]
		z := zone{p.TimeZone, p.UTCOffset}
		off, ok := offsets[z]
		if !ok {
			off = standardOffset(p, at)
			offsets[z] = off
		}
		members = append(members, pairing.Member{ID: id, UTCOffset: off, Team: teams[id]})
	}
	res, err := pairing.Plan(pairing.Input{Members: members, History: history, Exclusions: avoids, GroupSize: c.GroupSize, Seed: seedFor(channel), Now: at})
	return res, people, err
}

// participants lists who takes part in channel at now: members of the channel who are people, in,
// not paused and not away.
func (s *Service) participants(ctx context.Context, c Channel, now time.Time, changed map[string]Membership) ([]string, map[string]rituals.Person, error) {
	ids, err := s.Directory.Members(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return id == s.BotUserID })
	people, err := s.Directory.People(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	memberships, err := s.Store.Memberships(c.ID)
	if err != nil {
		return nil, nil, err
	}
	for id, m := range changed {
		memberships[id] = m
	}
	byID := map[string]rituals.Person{}
	var out []string
	for _, p := range rituals.Eligible(people, c.Guests) {
		if !memberships[p.ID].In(c.OptIn, now) {
			continue
		}
		if s.Presence != nil {
			away, err := s.Presence.Away(p.ID, now)
			if err != nil {
				return nil, nil, err
			}
			if away {
				continue
			}
		}
		byID[p.ID] = p
		out = append(out, p.ID)
	}
	return out, byID, nil
}

// Run starts a scheduled round in key's channel: the groups are planned now, and each group's
// intro goes out at the first good hour for all its members (see introTime); a note to one
// person (nobody to meet, paused for silence) at the start of their next working hour; the
// channel's summary once every intro is out.
func (s *Service) Run(ctx context.Context, key schedule.Key) error { return s.run(ctx, key, false) }

// RunNow starts a round an admin asked for: the intros go out at once.
func (s *Service) RunNow(ctx context.Context, key schedule.Key) error { return s.run(ctx, key, true) }

func (s *Service) run(ctx context.Context, key schedule.Key, immediate bool) error {
	c, ok := s.Channel(key.Channel)
	if !ok {
		return fmt.Errorf("coffee is not configured in %s", key.Channel)
	}
	now := s.Now()
	members, pauses, err := s.silence(key.Channel, now)
	if err != nil {
		return err
	}
	// Planned at the scheduled time, as a preview of this round was.
	at := key.At
	if at.IsZero() {
		at = now
	}
	res, people, err := s.plan(ctx, key.Channel, at, members)
	if err != nil {
		return err
	}
	round := Round{ID: key.String(), Channel: key.Channel, At: now, Alone: res.Alone}
	asked, err := s.Store.StartersAsked(key.Channel)
	if err != nil {
		return err
	}
	hours, err := s.Store.Hours(append(slices.Collect(maps.Keys(people)), pauses...))
	if err != nil {
		return err
	}
	starters := questions.Upcoming(c.Starters, asked, seedFor(key.Channel), max(1, len(res.Groups)))
	var msgs []rituals.Message
	var tasks []timers.Task
	// send queues m now, or leaves a task that queues it at due.
	send := func(m rituals.Message, due time.Time) {
		if due.After(now) {
			tasks = append(tasks, sendLater(m, due))
			return
		}
		msgs = append(msgs, m)
	}
	// goodHour is when a note to one person goes out: the start of their next working hour.
	goodHour := func(id string) time.Time {
		if immediate {
			return now
		}
		p, ok := people[id]
		if !ok && s.Directory != nil {
			p, _ = s.Directory.Person(ctx, id) // without it, UTC
		}
		return introTime(now, s.clocks(c, []string{id}, map[string]rituals.Person{id: p}, hours))
	}
	zones := map[string]bool{}
	lastIntro := now
	for i, g := range res.Groups {
		clocks := s.clocks(c, g.Members, people, hours)
		group := Group{ID: fmt.Sprintf("%s/%d", round.ID, i), Members: g.Members, Reason: withClocks(g.Reason, now, clocks),
			IntroKey: fmt.Sprintf("%s/intro/%d", round.ID, i), IntroAt: now}
		if !immediate {
			group.IntroAt = introTime(now, clocks)
		}
		if len(starters) > 0 {
			group.Starter, group.StarterID = starters[i%len(starters)].Text, starters[i%len(starters)].ID
		}
		data := IntroData{RoundID: round.ID, GroupID: group.ID, Reason: group.Reason, Starter: group.Starter}
		data.Slots, data.Shared = proposeSlots(group.IntroAt, clocks)
		for _, sl := range data.Slots {
			group.Proposed = append(group.Proposed, sl.At)
		}
		for j, id := range g.Members {
			p := people[id]
			zones[p.TimeZone] = true
			data.Participants = append(data.Participants, Participant{ID: id, Name: p.Name, TimeZone: p.TimeZone,
				LocalTime: group.IntroAt.In(clocks[j].Loc).Format("15:04"), Hours: clocks[j].Hours.Label()})
		}
		raw, _ := json.Marshal(data)
		intro := rituals.Message{Key: group.IntroKey, Ritual: Ritual, Kind: KindIntro, To: rituals.Recipient{Group: g.Members}, Data: raw}
		send(intro, group.IntroAt)
		lastIntro = later(lastIntro, group.IntroAt)
		if c.FollowUpAfter > 0 {
			fd, _ := json.Marshal(followUpData{Channel: key.Channel, RoundID: round.ID, GroupID: group.ID})
			group.FollowUpAt = followUpTime(group.IntroAt, c.FollowUpAfter, clocks)
			tasks = append(tasks, timers.Task{Key: group.ID + "/followup", Ritual: Ritual, Kind: TaskFollowUp, Due: group.FollowUpAt, Data: fd})
		}
		round.Groups = append(round.Groups, group)
	}
	note, _ := json.Marshal(NoteData{Channel: key.Channel, Groups: len(res.Groups), Zones: len(zones)})
	for _, id := range res.Alone {
		send(rituals.Message{Key: round.ID + "/alone/" + id, Ritual: Ritual, Kind: KindAlone, To: rituals.Recipient{User: id}, Data: note}, goodHour(id))
	}
	if c.Summary && len(res.Groups) > 0 {
		// Once every intro is out, so that the channel hears of the round after its groups do.
		summary := rituals.Message{Key: round.ID + "/summary", Ritual: Ritual, Kind: KindSummary, To: rituals.Recipient{Channel: key.Channel}, Data: note}
		send(summary, lastIntro.Add(time.Minute))
	}
	for _, id := range pauses {
		send(rituals.Message{Key: round.ID + "/paused/" + id, Ritual: Ritual, Kind: KindPaused, To: rituals.Recipient{User: id}, Data: note}, goodHour(id))
	}
	if err := s.Store.CommitRound(key, round, members, msgs, tasks); err != nil {
		return err
	}
	s.queued()
	s.Logger.Info("coffee round started", "channel", key.Channel, "groups", len(round.Groups), "alone", len(round.Alone), "paused_for_silence", len(pauses))
	return nil
}

// clocks returns the zone and working hours of each of ids, in order: the hours they set, else
// the channel's.
func (s *Service) clocks(c Channel, ids []string, people map[string]rituals.Person, set map[string]Hours) []clockOf {
	out := make([]clockOf, len(ids))
	for i, id := range ids {
		h, ok := set[id]
		switch {
		case ok && !h.IsZero():
		case !c.Hours.IsZero():
			h = c.Hours
		default:
			h = DefaultHours
		}
		out[i] = clockOf{ID: id, Loc: presence.Location(people[id], time.UTC), Hours: h}
	}
	return out
}

// sendLater is a task that queues msg at due.
func sendLater(msg rituals.Message, due time.Time) timers.Task {
	data, _ := json.Marshal(sendTaskData{Message: msg})
	return timers.Task{Key: msg.Key, Ritual: Ritual, Kind: TaskSend, Due: due, Data: data}
}

// Send is the handler of TaskSend: it queues the task's message, completing the task in the same
// transaction.
func (s *Service) Send(_ context.Context, t timers.Task) error {
	var d sendTaskData
	if err := json.Unmarshal(t.Data, &d); err != nil {
		return fmt.Errorf("send task %s: %w", t.Key, err)
	}
	done, err := s.Store.CompleteTask(t.Key, []rituals.Message{d.Message})
	if done {
		s.queued()
	}
	return err
}

// silence counts intros of the previous round that got no sign of life (no button, no chosen
// slot, no message in the group DM); whoever reaches the channel's PauseAfterIgnored in a row is
// paused (and returned, to be told how to come back).
func (s *Service) silence(channel string, now time.Time) (map[string]Membership, []string, error) {
	c := s.channelOrZero(channel)
	prev, err := s.Store.Rounds(channel, 1)
	if err != nil || len(prev) == 0 {
		return nil, nil, err
	}
	memberships, err := s.Store.Memberships(channel)
	if err != nil {
		return nil, nil, err
	}
	changed := map[string]Membership{}
	var paused []string
	for _, g := range prev[0].Groups {
		for _, id := range g.Members {
			m := memberships[id]
			switch {
			case g.heard():
				m.Ignored = 0
			case g.IntroAt.After(now):
				continue // the intro has not gone out yet
			default:
				m.Ignored++
			}
			if c.PauseAfterIgnored > 0 && m.Ignored >= c.PauseAfterIgnored && !now.Before(m.PausedUntil) {
				m.PausedUntil, m.PausedForSilence, m.Ignored = farFuture, true, 0
				paused = append(paused, id)
			}
			changed[id] = m
		}
	}
	return changed, paused, nil
}

// standardOffset is a person's offset from UTC outside daylight saving time, so that the plan,
// which is derived partly from offsets, does not change twice a year when clocks move.
func standardOffset(p rituals.Person, at time.Time) time.Duration {
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil || p.TimeZone == "" {
		return p.UTCOffset
	}
	_, jan := time.Date(at.Year(), time.January, 1, 12, 0, 0, 0, loc).Zone()
	_, jul := time.Date(at.Year(), time.July, 1, 12, 0, 0, 0, loc).Zone()
	return time.Duration(min(jan, jul)) * time.Second
}

// farFuture is the end of a pause that lasts until the person resumes.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// FollowUp sends one gentle "did you meet?" to each group of the round without an answer.
func (s *Service) FollowUp(_ context.Context, t timers.Task) error {
	var d followUpData
	if err := json.Unmarshal(t.Data, &d); err != nil {
		return fmt.Errorf("follow-up task %s: %w", t.Key, err)
	}
	r, ok, err := s.Store.Round(d.RoundID)
	if err != nil {
		return err
	}
	var msgs []rituals.Message
	if ok {
		for _, g := range r.Groups {
			if g.Answer != "" || (d.GroupID != "" && g.ID != d.GroupID) {
				continue
			}
			raw, _ := json.Marshal(IntroData{RoundID: r.ID, GroupID: g.ID})
			msgs = append(msgs, rituals.Message{Key: g.ID + "/followup", Ritual: Ritual, Kind: KindFollowUp, To: rituals.Recipient{Group: g.Members}, Data: raw})
		}
	}
	done, err := s.Store.CompleteTask(t.Key, msgs)
	if err != nil {
		return err
	}
	if done {
		s.queued()
		s.Logger.Info("coffee follow-ups queued", "channel", d.Channel, "groups", len(msgs))
	}
	return nil
}

// Answer records a group's "we met" or "can't make it" from one of its members.
func (s *Service) Answer(_ context.Context, userID, roundID, groupID string, met bool) (Group, error) {
	answer := AnswerSkipped
	if met {
		answer = AnswerMet
	}
	return s.Store.Answer(roundID, groupID, answer, userID)
}

func (s *Service) queued() {
	if s.Queued != nil {
		s.Queued()
	}
}

// ErrNotProposed is returned when someone picks a time their intro did not propose.
var ErrNotProposed = errors.New("that time was not proposed to this group")

// ErrSlotPassed is returned when someone picks a proposed time that has passed.
var ErrSlotPassed = errors.New("that time has passed")

// Choose records that user picked the proposed slot at for their group and returns the group.
func (s *Service) Choose(_ context.Context, user, roundID, groupID string, at time.Time) (Group, error) {
	return s.Store.UpdateGroup(roundID, groupID, func(g *Group) error {
		switch {
		case !slices.Contains(g.Members, user):
			return ErrNotInGroup
		case !slices.ContainsFunc(g.Proposed, at.Equal):
			return ErrNotProposed
		case !at.After(s.Now()):
			return ErrSlotPassed
		}
		g.Slot, g.SlotBy = at, user
		return nil
	})
}

// Talked records that user wrote in conversation; when it is the group DM of their group in a
// channel's latest round, that group counts as having answered. It reports whether it was.
func (s *Service) Talked(_ context.Context, user, conversation string) (bool, error) {
	if s.Deliveries == nil {
		return false, nil
	}
	for _, ch := range s.ChannelIDs() {
		rounds, err := s.Store.Rounds(ch, 1)
		if err != nil || len(rounds) == 0 {
			if err != nil {
				return false, err
			}
			continue
		}
		for _, g := range rounds[0].Groups {
			if !slices.Contains(g.Members, user) {
				continue
			}
			d, ok, err := s.Deliveries.Lookup(g.IntroKey)
			if err != nil {
				return false, err
			}
			if !ok || d.Channel != conversation {
				continue
			}
			if !g.Talked {
				if _, err := s.Store.UpdateGroup(rounds[0].ID, g.ID, func(g *Group) error { g.Talked = true; return nil }); err != nil {
					return false, err
				}
			}
			return true, nil
		}
	}
	return false, nil
}

// HoursOf returns user's working hours in channel and whether they set them themselves.
func (s *Service) HoursOf(channel, user string) (Hours, bool, error) {
	set, err := s.Store.Hours([]string{user})
	if err != nil {
		return Hours{}, false, err
	}
	if h, ok := set[user]; ok && !h.IsZero() {
		return h, true, nil
	}
	return s.clocks(s.channelOrZero(channel), []string{user}, nil, nil)[0].Hours, false, nil
}

// SetHours stores user's working hours (zero Hours: back to the channel's); they count from the
// next round.
func (s *Service) SetHours(_ context.Context, user string, h Hours) error {
	return s.Store.SetHours(user, h)
}
