package questions

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateSuggestion(t *testing.T) {
	b := bankOf("What's your favourite kind of weather?").With(NewQuestion("Which game do you always say yes to?", "suggested"))
	tests := []struct {
		name, in string
		kind     error
		want     string // the cleaned text, or the error message
	}{
		{"ok", "  What is a  song you\n\tknow by heart? ", nil, "What is a song you know by heart?"},
		{"keeps markup characters", "Which is better: <cats> & dogs?", nil, "Which is better: <cats> & dogs?"},
		{"exactly 10", "Why not 8?", nil, "Why not 8?"},
		{"exactly 300", strings.Repeat("é", 299) + "?", nil, strings.Repeat("é", 299) + "?"},
		{"emoji counts as one each", "Which 🍕 or 🍣 and why?", nil, "Which 🍕 or 🍣 and why?"},
		{"empty", "", ErrEmpty, "Please type the question you would like to suggest."},
		{"whitespace only", " \t\n\u00a0 ", ErrEmpty, "Please type the question you would like to suggest."},
		{"too short", "  Why  so?  ", ErrTooShort, "That question is too short (7 characters). Please write at least 10 characters."},
		{"one character", "?", ErrTooShort, "That question is too short (1 character). Please write at least 10 characters."},
		{"too long", strings.Repeat("ab ", 100) + "?", ErrTooLong, "That question is too long (301 characters). Please keep it to 300 characters or fewer."},
		{"control", "What is your\x00 favourite fruit?", ErrControlCharacter, "Your question contains a hidden control character, which sometimes comes along when text is copied and pasted. Please type it again and resend it."},
		{"escape", "What is \x1b[31mred\x1b[0m to you?", ErrControlCharacter, "Your question contains a hidden control character, which sometimes comes along when text is copied and pasted. Please type it again and resend it."},
		{"bidi override", "Which \u202eword\u202c reads backwards?", ErrControlCharacter, "Your question contains a hidden control character, which sometimes comes along when text is copied and pasted. Please type it again and resend it."},
		{"not utf-8", "What is your favourite caf\xe9?", ErrControlCharacter, "Your question contains characters that could not be read. Please type it again and resend it."},
		{"no words", "?? !! ?? !! ??", ErrNoWords, "That question has no letters or digits in it. Please write it out in words."},
		{"duplicate", "whats your FAVOURITE kind of weather", ErrDuplicate, "We already have that question: \u201cWhat's your favourite kind of weather?\u201d Please suggest a different one."},
		{"duplicate punctuation", "What\u2019s your favourite... kind of weather!?", ErrDuplicate, "We already have that question: \u201cWhat's your favourite kind of weather?\u201d Please suggest a different one."},
		{"duplicate of an extra", "Which game do you ALWAYS say yes to", ErrDuplicate, "We already have that question: \u201cWhich game do you always say yes to?\u201d Please suggest a different one."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ValidateSuggestion(tt.in, b)
			if tt.kind == nil {
				if err != nil || got != tt.want {
					t.Errorf("ValidateSuggestion(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateSuggestion(%q) = %q, want an error", tt.in, got)
			}
			if got != "" || err.Error() != tt.want || !errors.Is(err, tt.kind) {
				t.Errorf("ValidateSuggestion(%q) = %q, %q; want %q (%v)", tt.in, got, err, tt.want, tt.kind)
			}
		})
	}

	_, err := ValidateSuggestion("What's your favourite kind of weather?", b)
	var se *SuggestionError
	if !errors.As(err, &se) || se.Existing.ID != QuestionID("What's your favourite kind of weather?") {
		t.Errorf("duplicate error %#v does not carry the existing question", err)
	}
	// The built-in bank refuses its own questions, and a nil bank checks only the text.
	if _, err := ValidateSuggestion("sunrise or SUNSET", Icebreakers()); !errors.Is(err, ErrDuplicate) {
		t.Errorf("a built-in question was accepted: %v", err)
	}
	if _, err := ValidateSuggestion("sunrise or SUNSET", nil); err != nil {
		t.Errorf("nil bank: %v", err)
	}
}
