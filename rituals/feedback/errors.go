package feedback

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
)

// Errors whose text is a sentence meant for the person (each a *rituals.PersonError); compare
// with errors.Is.
var (
	// ErrAlreadyAnswered: the token is not (or no longer) valid. It cannot say which, by design.
	ErrAlreadyAnswered error = rituals.Mistakef("You have already answered this prompt, or it is closed: each person answers once.")
	// ErrClosed: the prompt has closed and takes no more answers.
	ErrClosed error = rituals.Mistakef("This feedback prompt has closed, so it no longer takes answers. Thank you all the same!")
	// ErrDelivering: the prompt is still being sent. Answers are taken only once every recipient's
	// prompt message is delivered (or has failed for good), so that when an answer was written
	// (which bbolt's free pages may betray) cannot narrow its author down to those who had the
	// prompt by then.
	ErrDelivering error = rituals.Mistakef("This prompt is still on its way to the rest of the team. Answers open once everyone has it, so that the moment you answer says nothing about you: please try again in a few minutes.")
	// ErrUnknownPrompt: no such prompt in the database.
	ErrUnknownPrompt error = rituals.Mistakef("This feedback prompt is unknown here; it may come from an older installation.")
	// ErrReplaced: the button of a prompt DM that was sent again, to everyone, after the bot
	// restarted while delivering it; only the newest message's button works.
	ErrReplaced error = rituals.Mistakef("This prompt was sent again after a restart, and this button no longer works: use the button in the newest message about it.")
	// ErrPromptOpen: a channel has one open prompt at a time.
	ErrPromptOpen error = rituals.Mistakef("A feedback prompt is already open in this channel; release it, or wait until it closes.")
	// ErrNoOpenPrompt: nothing to release or to report on.
	ErrNoOpenPrompt error = rituals.Mistakef("No feedback prompt is open in this channel.")
	// ErrNotResponder: only admins or configured responders may respond to released feedback.
	ErrNotResponder error = rituals.Mistakef("Only the admins, or the people set as responders, can respond to released feedback.")
	// ErrUnknownRelease: a Respond button of a release the database does not know.
	ErrUnknownRelease error = rituals.Mistakef("This released feedback is unknown here; it may come from an older installation.")
)

// NoteChannelError refuses a note typed where it cannot go: notes come only from members of a
// channel with anonymous feedback.
type NoteChannelError struct {
	// Channels are the feedback channels the person is a member of, where they can send it.
	Channels []string
}

// Error says where the note can go, or that it can go nowhere.
func (e *NoteChannelError) Error() string {
	if len(e.Channels) == 0 {
		return "Anonymous notes come only from members of a channel with anonymous feedback, and you are not in one."
	}
	return "Anonymous notes are sent from the channel they are for: type the command in " + strings.Join(e.Channels, " or ") + "."
}

// LengthError is a text too short or too long.
type LengthError struct {
	// What names the text, e.g. "answer", "note" or "response".
	What string
	// Length is the text's length in characters, after trimming.
	Length   int
	Min, Max int
}

// Error says what is wrong, with the counts.
func (e *LengthError) Error() string {
	switch {
	case e.Length == 0:
		return fmt.Sprintf("Your %s is empty: write at least %s.", e.What, chars(e.Min))
	case e.Length < e.Min:
		return fmt.Sprintf("Your %s is too short (%s; at least %s).", e.What, chars(e.Length), thousands(e.Min))
	default:
		return fmt.Sprintf("Your %s is too long (%s; at most %s).", e.What, chars(e.Length), thousands(e.Max))
	}
}

// ScaleError is a rating out of range, missing, or given to a question without a scale.
type ScaleError struct {
	Scale int
	// Wanted is true when the question has a scale.
	Wanted bool
}

// Error says what is wrong with the rating.
func (e *ScaleError) Error() string {
	if !e.Wanted {
		return "This question takes no rating; leave it out."
	}
	if e.Scale == 0 {
		return "Pick a rating from 1 to 5."
	}
	return fmt.Sprintf("%d is not a rating from 1 to 5; pick one of 1, 2, 3, 4 or 5.", e.Scale)
}

// RateError refuses a note beyond the per-person limit.
type RateError struct {
	Limit  int
	Window time.Duration
	// RetryIn is how long until another note is accepted.
	RetryIn time.Duration
}

// Error says how many notes were sent and when another is welcome.
func (e *RateError) Error() string {
	return fmt.Sprintf("You have sent %d notes in the last %s; you can send another %s.", e.Limit, span(e.Window), in(e.RetryIn))
}

// TooFewPeopleError refuses a prompt that could never reach its threshold.
type TooFewPeopleError struct {
	Channel    string
	People     int
	MinAnswers int
}

// Error says how many people could be asked.
func (e *TooFewPeopleError) Error() string {
	return fmt.Sprintf("Only %d people can be asked in this channel; anonymous feedback needs at least %d, so that nobody can be singled out.", e.People, e.MinAnswers)
}

// chars formats "1 character", "2,000 characters".
func chars(n int) string {
	if n == 1 {
		return "1 character"
	}
	return thousands(n) + " characters"
}

// thousands writes n with comma separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// span writes a window like "24 hours" or "90 minutes".
func span(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d >= time.Minute:
		return plural(int(d/time.Minute), "minute")
	}
	return plural(max(1, int(d/time.Second)), "second")
}

// in writes a wait like "in about 5 hours" or "in a minute".
func in(d time.Duration) string {
	switch {
	case d <= time.Minute:
		return "in a minute"
	case d < time.Hour:
		return "in about " + plural(int((d+time.Minute-1)/time.Minute), "minute")
	}
	return "in about " + plural(int((d+time.Hour/2)/time.Hour), "hour")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
