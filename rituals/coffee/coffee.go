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
	"slices"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/pairing"
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
)

// ignoredBeforePause is how many intros in a row someone may leave unanswered before a pause.
const ignoredBeforePause = 3

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
}

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
	// Memberships returns everyone's choices in channel.
	Memberships(channel string) (map[string]Membership, error)
	// SetMembership stores one person's choices, queueing msgs in the same transaction.
	SetMembership(channel, user string, m Membership, msgs []rituals.Message) error
	// Rounds returns channel's rounds, newest first, at most limit (0: all).
	Rounds(channel string, limit int) ([]Round, error)
	// CommitRound records key as run, the round, the members' updated choices, messages and tasks,
	// in one transaction; schedule.ErrAlreadyRan if key is recorded.
	CommitRound(key schedule.Key, round Round, members map[string]Membership, msgs []rituals.Message, tasks []timers.Task) error
	// Answer records a group's answer; ErrAnswered if it has one.
	Answer(roundID, groupID, answer, by string) (Group, error)
	// CompleteFollowUp completes the follow-up task and queues msgs, in one transaction; false if
	// it was already completed.
	CompleteFollowUp(taskKey string, msgs []rituals.Message) (bool, error)
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
	// Queued is called after messages or tasks were committed.
	Queued func()
}

// Participant is a person in an intro, with what the others need to know.
type Participant struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"tz"`
	// LocalTime is their wall clock when the intro was written, "15:04".
	LocalTime string `json:"local_time"`
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
}

// NoteData is the data of KindAlone, KindPaused and KindSummary messages.
type NoteData struct {
	Channel string `json:"channel"`
	// Groups and Zones are the summary's figures.
	Groups int `json:"groups,omitempty"`
	Zones  int `json:"zones,omitempty"`
}

// followUpData is the data of a TaskFollowUp task.
type followUpData struct {
	Channel string `json:"channel"`
	RoundID string `json:"round_id"`
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
	return s.plan(ctx, channel, at, changed)
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
	rounds, err := s.Store.Rounds(channel, 0)
	if err != nil {
		return pairing.Result{}, nil, err
	}
	var history []pairing.PastGroup
	for _, r := range rounds {
		for _, g := range r.Groups {
			history = append(history, pairing.PastGroup{Members: g.Members, At: r.At})
		}
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

// Run starts a round in key's channel: the scheduled run, or an admin's "now".
func (s *Service) Run(ctx context.Context, key schedule.Key) error {
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
	starters := questions.Upcoming(c.Starters, asked, seedFor(key.Channel), max(1, len(res.Groups)))
	var msgs []rituals.Message
	zones := map[string]bool{}
	for i, g := range res.Groups {
		group := Group{ID: fmt.Sprintf("%s/%d", round.ID, i), Members: g.Members, Reason: g.Reason, IntroKey: fmt.Sprintf("%s/intro/%d", round.ID, i)}
		if len(starters) > 0 {
			group.Starter, group.StarterID = starters[i%len(starters)].Text, starters[i%len(starters)].ID
		}
		round.Groups = append(round.Groups, group)
		data := IntroData{RoundID: round.ID, GroupID: group.ID, Reason: g.Reason, Starter: group.Starter}
		for _, id := range g.Members {
			p := people[id]
			zones[p.TimeZone] = true
			data.Participants = append(data.Participants, Participant{ID: id, Name: p.Name, TimeZone: p.TimeZone, LocalTime: localTime(now, p)})
		}
		raw, _ := json.Marshal(data)
		msgs = append(msgs, rituals.Message{Key: group.IntroKey, Ritual: Ritual, Kind: KindIntro, To: rituals.Recipient{Group: g.Members}, Data: raw})
	}
	note, _ := json.Marshal(NoteData{Channel: key.Channel, Groups: len(res.Groups), Zones: len(zones)})
	for _, id := range res.Alone {
		msgs = append(msgs, rituals.Message{Key: round.ID + "/alone/" + id, Ritual: Ritual, Kind: KindAlone, To: rituals.Recipient{User: id}, Data: note})
	}
	if c.Summary && len(res.Groups) > 0 {
		msgs = append(msgs, rituals.Message{Key: round.ID + "/summary", Ritual: Ritual, Kind: KindSummary, To: rituals.Recipient{Channel: key.Channel}, Data: note})
	}
	for _, id := range pauses {
		msgs = append(msgs, rituals.Message{Key: round.ID + "/paused/" + id, Ritual: Ritual, Kind: KindPaused, To: rituals.Recipient{User: id}, Data: note})
	}
	var tasks []timers.Task
	if len(round.Groups) > 0 && c.FollowUpAfter > 0 {
		fd, _ := json.Marshal(followUpData{Channel: key.Channel, RoundID: round.ID})
		tasks = append(tasks, timers.Task{Key: round.ID + "/followup", Ritual: Ritual, Kind: TaskFollowUp, Due: now.Add(c.FollowUpAfter), Data: fd})
	}
	if err := s.Store.CommitRound(key, round, members, msgs, tasks); err != nil {
		return err
	}
	s.queued()
	s.Logger.Info("coffee round started", "channel", key.Channel, "groups", len(round.Groups), "alone", len(round.Alone), "paused_for_silence", len(pauses))
	return nil
}

// silence counts unanswered intros of the previous round; whoever reaches three in a row is
// paused (and returned, to be told how to come back).
func (s *Service) silence(channel string, now time.Time) (map[string]Membership, []string, error) {
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
			if g.Answer != "" {
				m.Ignored = 0
			} else {
				m.Ignored++
			}
			if m.Ignored >= ignoredBeforePause && !now.Before(m.PausedUntil) {
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

// localTime is a person's wall clock at now.
func localTime(now time.Time, p rituals.Person) string {
	if loc, err := time.LoadLocation(p.TimeZone); err == nil && p.TimeZone != "" {
		return now.In(loc).Format("15:04")
	}
	return now.Add(p.UTCOffset).UTC().Format("15:04")
}

// FollowUp sends one gentle "did you meet?" to each group of the round without an answer.
func (s *Service) FollowUp(_ context.Context, t timers.Task) error {
	var d followUpData
	if err := json.Unmarshal(t.Data, &d); err != nil {
		return fmt.Errorf("follow-up task %s: %w", t.Key, err)
	}
	rounds, err := s.Store.Rounds(d.Channel, 0)
	if err != nil {
		return err
	}
	var msgs []rituals.Message
	for _, r := range rounds {
		if r.ID != d.RoundID {
			continue
		}
		for _, g := range r.Groups {
			if g.Answer != "" {
				continue
			}
			raw, _ := json.Marshal(IntroData{RoundID: r.ID, GroupID: g.ID})
			msgs = append(msgs, rituals.Message{Key: g.ID + "/followup", Ritual: Ritual, Kind: KindFollowUp, To: rituals.Recipient{Group: g.Members}, Data: raw})
		}
	}
	done, err := s.Store.CompleteFollowUp(t.Key, msgs)
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
