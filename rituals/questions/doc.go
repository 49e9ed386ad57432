// Package questions holds ritualbot's question banks and decides which question is asked next.
//
// Three banks ship with the bot: icebreakers (posted to a channel, and the conversation starters
// of coffee chats, see ForCoffee), feedback questions (open or 1–5 pulse, see Scale) and the three
// default check-in questions of the weekly digest (DefaultCheckinQuestions). The first two are
// plain-text files embedded in the binary, in the format Parse reads; a team can supply its own
// file in the same format to replace or extend a built-in bank (Merge).
//
// The file format, meant for people to edit:
//
//	# A comment: any line whose first non-blank character is "#".
//	## food
//	What's a dish you could eat every week without getting bored?
//	[1-5 Not at all|Completely] How supported did you feel by the team?
//
// A line starting with "##" begins a category; the questions below belong to it (questions before
// the first header are in DefaultCategory). Every other non-blank line is one question, 10 to 300
// characters, with runs of whitespace collapsed. A leading "[1-5 low|high]" marks a pulse question
// and names what 1 and 5 mean; "[1-5]" alone gives a scale without labels (any line starting with
// "[" and a digit is read as a scale marker, and only 1-5 is accepted). Blank lines are ignored.
// A question may not appear twice, ignoring case, punctuation and spacing (see Normalize).
//
// A question's ID comes from its normalised text, so editing a file keeps the history of the
// questions whose words did not change, and moving a question to another category keeps it too.
//
// Rotation (Next, Upcoming) is a pure function of the bank, the channel's history (question ID →
// when it was last asked) and a seed: questions never asked in the channel come first, then the
// least recently asked, so nothing repeats until everything has been asked. Suggestions from team
// members are checked and cleaned by ValidateSuggestion, whose errors are plain sentences meant to
// be shown to the person who made the suggestion.
//
// Banks are immutable and safe for concurrent use. This package knows nothing of Slack: text is
// kept as typed, and escaping for Slack is the job of the Slack edge.
package questions
