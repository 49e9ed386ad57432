// Package digest runs the weekly transparency digest: members of a channel are asked for a short
// update by DM, thank each other with kudos, and once a week one digest is posted to the channel
// with the help wanted, everyone's update, the kudos, the other rituals' numbers and the
// anonymous feedback released that week.
//
// # Weeks
//
// A week belongs to the digest's own schedule (Channel.Post). The week of an instant t is the
// period that ends with the first post at or after t: it runs from the previous post (exclusive) to
// this one (inclusive). Its ID is the ISO week of its post, read in the post schedule's zone, e.g.
// "2026-W48"; IDs sort chronologically. A post schedule must therefore fire at most once per ISO
// week (Channel.Validate checks it); every N weeks and monthly schedules are fine.
//
// What a person shares goes into the open week: the week of now, or the week after it when that
// week's digest is already out (an admin posted early, or the post ran before a late answer
// arrived). The store refuses a write into a posted week in the same transaction that checks it, so
// nothing anyone says is ever filed under a digest that was already posted.
//
// # Runs, tasks and keys
//
// Two scheduled jobs per channel (see Service.Jobs):
//   - RitualCheckin ("digest.checkin/C…/2026-11-26T10:00"): with LocalTime off it asks everyone at
//     once, writing the DMs to the outbox with the run key in one transaction. With LocalTime on it
//     runs on PlanSpec(Channel.Checkin), the same schedule in the earliest time zone (UTC+14), and
//     writes one TaskAsk per person, due at the schedule's wall-clock time on the same date in the
//     person's own zone, with the task key "digest.ask/C…/2026-W48/U…". A person's task is
//     completed in the same transaction as their DM, and a person already asked (or who already
//     answered) that week is never asked again, so a restart in the middle asks nobody twice.
//   - Ritual ("digest/C…/2026-11-27T16:00"): assembles and posts the week's digest, marking the
//     week posted in the same transaction.
//
// Either check-in run also writes the week's reminders (TaskRemind, "digest.remind/C…/2026-W48/0"),
// due the configured time before the post; a reminder goes only to people asked that week who have
// neither shared nor skipped, and are not away.
//
// # What is kept
//
// Updates, skips, kudos and who was asked are ordinary records, kept across weeks. Text is stored
// as typed (only blank space around it is trimmed; line breaks inside stay): the Slack edge escapes
// it on the way out. The digest says how many shared ("6 of 8"), never who did not.
package digest

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/presence"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// Ritual is the ritual's name in messages, logs and the post job's run keys.
const Ritual = "digest"

// RitualCheckin names the check-in job in run keys (a job per ritual and channel, so the check-in
// has a name of its own).
const RitualCheckin = "digest.checkin"

// Message kinds this ritual produces; each has a Data struct the Slack edge renders.
const (
	// KindCheckin is the weekly DM asking for an update (To: User; Data: CheckinData).
	KindCheckin = "digest.checkin"
	// KindReminder reminds someone who has not answered yet (To: User; Data: ReminderData).
	KindReminder = "digest.reminder"
	// KindKudos tells a person who thanked them and why (To: User; Data: KudosData).
	KindKudos = "digest.kudos"
	// KindPost is the digest posted to the channel (To: Channel; Data: Digest).
	KindPost = "digest.post"
)

// Task kinds this ritual leaves for the timers runner.
const (
	// TaskAsk asks one person for their update at their local check-in time.
	TaskAsk = "digest.ask"
	// TaskRemind reminds those who have not answered.
	TaskRemind = "digest.remind"
)

// Limits on what people type.
const (
	// MaxAnswer is the most characters (runes) one answer may have.
	MaxAnswer = 3000
	// MinReason and MaxReason bound a kudos reason, in characters (runes).
	MinReason = 3
	MaxReason = 500
	// MaxQuestions is the most check-in questions a channel may ask.
	MaxQuestions = 5
	// MaxQuestionLength is the longest question, in characters (a modal input label).
	MaxQuestionLength = 300
	// HistoryWeeks is how many weeks History goes back.
	HistoryWeeks = 8
)

// DefaultReminders is when the reminder goes when a channel configures none: four hours before
// the post.
var DefaultReminders = []time.Duration{4 * time.Hour}

// Role marks the check-in questions the digest treats specially.
type Role string

// Question roles.
const (
	// RoleNone is an ordinary question.
	RoleNone Role = ""
	// RoleNext is "what's next": its answer is shown to the person the following week.
	RoleNext Role = "next"
	// RoleHelp is "where could you use help": its answers open the digest, under help wanted. It
	// may be left blank.
	RoleHelp Role = "help"
)

// Question is one check-in question.
type Question struct {
	Text string `json:"text"`
	Role Role   `json:"role,omitempty"`
}

// Channel is one channel's digest settings.
type Channel struct {
	// ID is the channel: its members are asked, and the digest is posted there.
	ID string
	// Post is when the digest is posted; it defines the weeks.
	Post schedule.Spec
	// PostGrace is how late a missed post may still be caught up.
	PostGrace time.Duration
	// Checkin is when people are asked, e.g. Thursdays 10:00.
	Checkin schedule.Spec
	// CheckinGrace is how late a missed check-in run may still be caught up.
	CheckinGrace time.Duration
	// LocalTime asks each person at Checkin's wall-clock time in their own time zone rather than in
	// Checkin's.
	LocalTime bool
	// Questions are asked in order, 1 to MaxQuestions; nil means DefaultQuestions().
	Questions []Question
	// Reminders says how long before the post each reminder goes; nil means DefaultReminders and
	// an empty non-nil slice means no reminder.
	Reminders []time.Duration
	// Guests includes guest accounts.
	Guests bool
}

// Store keeps the digest's records; the store package implements it. Week arguments are Week.ID.
type Store interface {
	// Posted reports whether channel's digest for week was posted.
	Posted(channel, week string) (bool, error)
	// WeekRecords returns everything kept for channel's week.
	WeekRecords(channel, week string) (WeekRecords, error)
	// SaveUpdate stores an update or a skip, replacing the person's earlier one that week but
	// keeping its First (First is u.At for a first answer), and returns it as stored; ErrPosted,
	// storing nothing, when the week's digest is already out.
	SaveUpdate(u Update) (Update, error)
	// UserUpdates returns user's updates and skips in channel for weeks at or after since (all
	// when empty), newest week first, at most limit.
	UserUpdates(channel, user, since string, limit int) ([]Update, error)
	// AddKudos stores k and queues msgs in one transaction; ErrPosted, storing nothing, when k's
	// week is already out.
	AddKudos(k Kudos, msgs []rituals.Message) error
	// CommitCheckin records key as run and, in the same transaction, the asks (as Ask does) and
	// tasks. It returns the users asked, or schedule.ErrAlreadyRan when key is recorded.
	CommitCheckin(key schedule.Key, asks []Ask, tasks []timers.Task) ([]string, error)
	// Ask completes the tasks done (those still pending) and, for each ask whose person was not
	// yet asked that week and has not answered, records the ask and queues its message, and adds
	// tasks, all in one transaction. It returns the users asked.
	Ask(done []string, asks []Ask, tasks []timers.Task) ([]string, error)
	// PersonWeek returns what user shared or skipped in channel's week, and whether they were
	// asked.
	PersonWeek(channel, week, user string) (PersonWeek, error)
	// Remind completes the task; in the same transaction it keeps those of candidates who still
	// have no update or skip for the week and queues build's messages for them. It returns false,
	// queuing nothing, when the task was already completed.
	Remind(taskKey, channel, week string, candidates []string, build func(users []string) []rituals.Message) (bool, error)
	// CommitPost records key as run; unless channel's week is already posted, it marks it posted,
	// completes the tasks done and queues the messages build makes from the week's records, all in
	// one transaction. posted is false when the week was already out (the key is still recorded).
	// schedule.ErrAlreadyRan when key is recorded.
	CommitPost(key schedule.Key, channel, week string, done []string, build func(WeekRecords) ([]rituals.Message, error)) (posted bool, err error)
}

// ErrPosted is returned by the Store when a week's digest is already out.
var ErrPosted = errors.New("this week's digest is already posted")

// Presence says who is away; *presence.Service implements it.
type Presence interface {
	// Filter returns ids without the people away at now.
	Filter(ids []string, now time.Time) ([]string, error)
	// AwayUntil returns user's absence if it is in force at now.
	AwayUntil(user string, now time.Time) (presence.Away, bool, error)
}

// Stats reads what the other rituals did in a period; the wiring implements it over their stores.
type Stats interface {
	// WeekStats returns the numbers and released feedback for channel's digest covering
	// (from, to].
	WeekStats(ctx context.Context, channel string, from, to time.Time) (RitualStats, error)
}

// RitualStats is what the other rituals did in a digest's week.
type RitualStats struct {
	Numbers
	// Feedback is the anonymous feedback released, with any response to it.
	Feedback []FeedbackRelease `json:"feedback,omitempty"`
}

// Numbers counts what the other rituals did in a week.
type Numbers struct {
	// CoffeeGroups counts the coffee groups started.
	CoffeeGroups int `json:"coffee_groups"`
	// CoffeeMet counts the groups that said they met.
	CoffeeMet int `json:"coffee_met"`
	// IcebreakerAnswers counts the answers to icebreakers.
	IcebreakerAnswers int `json:"icebreaker_answers"`
	// FeedbackAnswers counts the anonymous feedback answers released.
	FeedbackAnswers int `json:"feedback_answers"`
}

// FeedbackRelease is one batch of anonymous answers to a question, released together.
type FeedbackRelease struct {
	Question string `json:"question"`
	// Answers are as typed, in the (shuffled) order they were released.
	Answers []string `json:"answers"`
	// Responses are what the team said back, e.g. an admin's reply.
	Responses []FeedbackResponse `json:"responses,omitempty"`
}

// FeedbackResponse is a named response to released feedback.
type FeedbackResponse struct {
	User string `json:"user"`
	Text string `json:"text"`
}

// Week is one digest period.
type Week struct {
	// ID is the ISO week of the post in the post schedule's zone, e.g. "2026-W48".
	ID string `json:"id"`
	// From is the previous post: the week covers what happened after it.
	From time.Time `json:"from"`
	// To is this week's post, in the post schedule's zone.
	To time.Time `json:"to"`
}

// Answer is one answer of an update.
type Answer struct {
	// Question is the question's text when it was answered.
	Question string `json:"question"`
	Role     Role   `json:"role,omitempty"`
	// Text is as typed, line breaks kept; empty for a help question left blank.
	Text string `json:"text"`
}

// Update is what one person shared (or that they skipped) in one week. A second submission in the
// same week replaces the first.
type Update struct {
	Channel string `json:"channel"`
	Week    string `json:"week"`
	User    string `json:"user"`
	// Answers follow the questions asked; nil for a skip.
	Answers []Answer `json:"answers,omitempty"`
	Skipped bool     `json:"skipped,omitempty"`
	// At is when this version was saved.
	At time.Time `json:"at"`
	// First is when the person first shared or skipped that week.
	First time.Time `json:"first"`
}

// Next returns the answer to the RoleNext question, if there is one and it is not blank.
func (u Update) Next() (Answer, bool) {
	for _, a := range u.Answers {
		if a.Role == RoleNext && a.Text != "" {
			return a, true
		}
	}
	return Answer{}, false
}

// Kudos is one thank-you, to one or more people.
type Kudos struct {
	ID      string    `json:"id"`
	Channel string    `json:"channel"`
	Week    string    `json:"week"`
	From    string    `json:"from"`
	To      []string  `json:"to"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
}

// Asked records that a person was asked for their update.
type Asked struct {
	Channel string    `json:"channel"`
	Week    string    `json:"week"`
	User    string    `json:"user"`
	At      time.Time `json:"at"`
}

// Ask is a person to ask and the DM that asks them.
type Ask struct {
	Asked
	Message rituals.Message
}

// PersonWeek is what is kept of one person in one week.
type PersonWeek struct {
	// Update is their update or skip, nil if they have not answered.
	Update *Update
	// Asked is when they were asked, nil if they were not.
	Asked *Asked
}

// WeekRecords is everything kept for one channel's week.
type WeekRecords struct {
	// Updates holds the updates and skips, in no particular order.
	Updates []Update
	// Asked lists who was asked, in no particular order.
	Asked []Asked
	// Kudos holds the week's kudos, oldest first.
	Kudos []Kudos
	// Posted is true once the week's digest is out.
	Posted bool
}

// CheckinData is the data of a KindCheckin message.
type CheckinData struct {
	Channel   string     `json:"channel"`
	Week      Week       `json:"week"`
	Questions []Question `json:"questions"`
	// LastNext is what the person said last time was next, if anything.
	LastNext *PreviousNext `json:"last_next,omitempty"`
}

// PreviousNext is a person's answer to the "what's next" question in an earlier week.
type PreviousNext struct {
	Week     string `json:"week"`
	Question string `json:"question"`
	Text     string `json:"text"`
}

// ReminderData is the data of a KindReminder message.
type ReminderData struct {
	Channel string `json:"channel"`
	Week    Week   `json:"week"`
}

// KudosData is the data of a KindKudos message.
type KudosData struct {
	Channel string `json:"channel"`
	KudosID string `json:"kudos_id"`
	// From is the user id of the person who said thank you.
	From string `json:"from"`
	// Reason is as typed.
	Reason string `json:"reason"`
	// Also lists the others thanked in the same kudos.
	Also []string `json:"also,omitempty"`
}

// Service runs the digest.
type Service struct {
	Store     Store
	Directory rituals.Directory
	Presence  Presence
	// Stats may be nil: the digest then has no stats or feedback section.
	Stats Stats
	// Thread, when set, gives messages to post in the digest's thread (the charts of the last
	// weeks), queued with the post; a failure is logged and the digest goes without them.
	Thread func(ctx context.Context, channel string, end time.Time, postKey string) ([]rituals.Message, error)
	// Channels are the configured channels by id.
	Channels map[string]Channel
	// live is Channels as they are now (see Channel, SetChannel).
	live   rituals.ChannelSet[Channel]
	Logger *slog.Logger
	Now    func() time.Time
	// Queued is called after messages or tasks were committed (wakes delivery and timers).
	Queued func()
}

func (s *Service) queued() {
	if s.Queued != nil {
		s.Queued()
	}
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
