package questions

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed icebreakers.txt
var icebreakersFile string

//go:embed feedback.txt
var feedbackFile string

// mustParse parses an embedded file; the tests guarantee it never panics.
func mustParse(name, file string) *Bank {
	b, err := Parse(strings.NewReader(file))
	if err != nil {
		panic("questions: embedded " + name + " is broken: " + err.Error())
	}
	return b
}

var (
	icebreakers = sync.OnceValue(func() *Bank { return mustParse("icebreakers.txt", icebreakersFile) })
	feedback    = sync.OnceValue(func() *Bank { return mustParse("feedback.txt", feedbackFile) })
)

// Icebreakers returns the built-in icebreaker bank, parsed once from the embedded icebreakers.txt.
// Coffee chats draw their conversation starters from it too, through ForCoffee.
func Icebreakers() *Bank { return icebreakers() }

// Feedback returns the built-in feedback bank, parsed once from the embedded feedback.txt: open
// questions and 1–5 pulse questions (those with a Scale).
func Feedback() *Bank { return feedback() }

// IcebreakersFile returns the text of the embedded icebreakers.txt, for a team that wants a copy
// to edit.
func IcebreakersFile() string { return icebreakersFile }

// FeedbackFile returns the text of the embedded feedback.txt, for a team that wants a copy to edit.
func FeedbackFile() string { return feedbackFile }

// DefaultCheckinQuestions returns the three questions a member is asked for the weekly digest,
// unless the team sets its own: progress; what's next and what changed or is at risk; and where
// help would be welcome. The slice is the caller's to change.
func DefaultCheckinQuestions() []string {
	return []string{
		"What moved forward for you this week?",
		"What's next, and has anything changed or started to look at risk?",
		"Where could you use a hand from the team?",
	}
}
