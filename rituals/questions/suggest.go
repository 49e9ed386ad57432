package questions

import (
	"errors"
	"fmt"
)

// The kinds of problem ValidateSuggestion reports; test for them with errors.Is.
var (
	// ErrEmpty is a suggestion with nothing but whitespace.
	ErrEmpty = errors.New("empty question")
	// ErrControlCharacter is a suggestion with a control character or bytes that are not UTF-8.
	ErrControlCharacter = errors.New("question contains a control character or unreadable text")
	// ErrTooShort is a suggestion under MinLength characters.
	ErrTooShort = errors.New("question too short")
	// ErrTooLong is a suggestion over MaxLength characters.
	ErrTooLong = errors.New("question too long")
	// ErrNoWords is a suggestion with neither letters nor digits.
	ErrNoWords = errors.New("question has no letters or digits")
	// ErrDuplicate is a suggestion with the same words as a question already in the bank.
	ErrDuplicate = errors.New("question already in the bank")
)

// SuggestionError is why a suggested question was refused. Its Error is a plain sentence meant to
// be shown to the person who suggested it; it unwraps to one of the Err… kinds above.
type SuggestionError struct {
	// Kind is ErrEmpty, ErrTooShort, ErrTooLong, ErrControlCharacter, ErrNoWords or ErrDuplicate.
	Kind error
	// Msg is the sentence for the person.
	Msg string
	// Existing is the question already in the bank, for ErrDuplicate.
	Existing Question
}

// Error returns the message for the person who made the suggestion.
func (e *SuggestionError) Error() string { return e.Msg }

// Unwrap returns the kind of problem.
func (e *SuggestionError) Unwrap() error { return e.Kind }

// ValidateSuggestion checks a question suggested by a team member and returns it cleaned: trimmed,
// with runs of whitespace (line breaks included) collapsed to one space, otherwise exactly as typed
// (characters such as <, > and & are kept; escaping them for Slack is the Slack edge's job).
//
// It refuses text with control characters, fewer than MinLength or more than MaxLength characters
// once cleaned, no letters or digits, or the same words as a question in b, ignoring case,
// punctuation and spacing (pass b.With(…) to check against extra questions, such as other
// suggestions). The error is a *SuggestionError whose message can be shown as it is.
func ValidateSuggestion(text string, b *Bank) (string, error) {
	cleaned, p, n := checkText(text)
	refuse := func(kind error, msg string) (string, error) {
		return "", &SuggestionError{Kind: kind, Msg: msg}
	}
	switch p {
	case badEncoding:
		return refuse(ErrControlCharacter, "Your question contains characters that could not be read. Please type it again and resend it.")
	case controlChar:
		return refuse(ErrControlCharacter, "Your question contains a hidden control character, which sometimes comes along when text is copied and pasted. Please type it again and resend it.")
	case empty:
		return refuse(ErrEmpty, "Please type the question you would like to suggest.")
	case tooShort:
		return refuse(ErrTooShort, fmt.Sprintf("That question is too short (%s). Please write at least %d characters.", plural(n, "character"), MinLength))
	case tooLong:
		return refuse(ErrTooLong, fmt.Sprintf("That question is too long (%s). Please keep it to %d characters or fewer.", plural(n, "character"), MaxLength))
	case noWords:
		return refuse(ErrNoWords, "That question has no letters or digits in it. Please write it out in words.")
	}
	norm := Normalize(cleaned)
	for _, q := range b.all() {
		if Normalize(q.Text) == norm {
			return "", &SuggestionError{
				Kind:     ErrDuplicate,
				Msg:      "We already have that question: " + quote(q.Text) + " Please suggest a different one.",
				Existing: q.copy(),
			}
		}
	}
	return cleaned, nil
}
