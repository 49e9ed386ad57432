package questions

import (
	"unicode"
	"unicode/utf8"
)

// MinLength and MaxLength bound the length of a question, in characters (runes), after
// surrounding whitespace is trimmed and inner runs of whitespace are collapsed.
const (
	MinLength = 10
	MaxLength = 300
)

// problem is what is wrong with a question's text, before it is worded for a file or a person.
type problem int

const (
	fine problem = iota
	badEncoding
	controlChar
	empty
	tooShort
	tooLong
	noWords
)

// checkText cleans a question's text (trims it, collapses whitespace) and checks it: valid UTF-8,
// no control characters, MinLength to MaxLength characters, at least one letter or digit. It
// returns the cleaned text, the problem if any, and the cleaned length in runes.
func checkText(raw string) (string, problem, int) {
	if !utf8.ValidString(raw) {
		return "", badEncoding, 0
	}
	for _, r := range raw {
		if isControl(r) {
			return "", controlChar, 0
		}
	}
	text := collapseSpace(raw)
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0:
		return text, empty, n
	case n < MinLength:
		return text, tooShort, n
	case n > MaxLength:
		return text, tooLong, n
	case Normalize(text) == "":
		return text, noWords, n
	}
	return text, fine, n
}

// isControl reports characters a question may not contain: control characters other than
// whitespace (tabs and line breaks are whitespace, and are collapsed instead), and the invisible
// bidirectional embedding, override and isolate characters that can make text display in an order
// other than the one it is stored in.
func isControl(r rune) bool {
	switch {
	case unicode.IsSpace(r):
		return false
	case unicode.IsControl(r):
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// plural returns "1 character" or "n characters".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return itoa(n) + " " + word + "s"
}
