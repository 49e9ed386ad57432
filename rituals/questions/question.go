package questions

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"unicode"
)

// DefaultCategory is the category of questions that name none: those above the first "##" header
// of a file, and those made by NewQuestion with an empty category.
const DefaultCategory = "general"

// ScaleMin and ScaleMax are the ends of the rating scale of a pulse question.
const (
	ScaleMin = 1
	ScaleMax = 5
)

// Question is one question of a bank.
type Question struct {
	// ID is stable: the first 12 hex digits of the SHA-256 of the normalised text (see Normalize),
	// so changes of case, punctuation or spacing keep it, and so does moving to another category.
	ID string `json:"id"`
	// Text is the question as written, with runs of whitespace collapsed to one space.
	Text string `json:"text"`
	// Category is the lower-case name of the question's category, e.g. "food".
	Category string `json:"category"`
	// Scale is non-nil for a 1–5 pulse question, nil for an open one.
	Scale *Scale `json:"scale,omitempty"`
}

// Scale describes the 1–5 rating of a pulse question.
type Scale struct {
	// Low says what 1 means, e.g. "Not at all"; empty when the file gives no labels.
	Low string `json:"low,omitempty"`
	// High says what 5 means, e.g. "Completely"; empty when the file gives no labels.
	High string `json:"high,omitempty"`
}

// NewQuestion makes an open question with its ID computed from text. The text has its whitespace
// collapsed; the category is lower-cased, and DefaultCategory when empty. NewQuestion does not
// validate: use ValidateSuggestion first for text that comes from people.
func NewQuestion(text, category string) Question {
	text = collapseSpace(text)
	return Question{ID: QuestionID(text), Text: text, Category: cleanCategory(category)}
}

// QuestionID returns the ID a question with this text has: the first 12 hex digits of the SHA-256
// of Normalize(text).
func QuestionID(text string) string {
	sum := sha256.Sum256([]byte(Normalize(text)))
	return hex.EncodeToString(sum[:6])
}

// Normalize returns the form in which two questions are compared for duplicates: lower case,
// letters, digits and combining marks only, words separated by single spaces. Apostrophes join
// (so "What's" and "Whats" are the same); any other punctuation or whitespace separates words.
func Normalize(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	gap := false
	for _, r := range text {
		switch {
		case isApostrophe(r):
			// Joins the letters around it.
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			if gap && b.Len() > 0 {
				b.WriteByte(' ')
			}
			gap = false
			b.WriteRune(unicode.ToLower(r))
		default:
			gap = true
		}
	}
	return b.String()
}

// isApostrophe reports the characters people type for an apostrophe.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '\u2018', '\u2019', '\u02bc', '\u00b4':
		return true
	}
	return false
}

// collapseSpace trims s and replaces every run of whitespace in it with one space.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// cleanCategory lower-cases a category name and collapses its whitespace; empty means DefaultCategory.
func cleanCategory(name string) string {
	name = strings.ToLower(collapseSpace(name))
	if name == "" {
		return DefaultCategory
	}
	return name
}

// Bank is an ordered set of questions with lookup by ID. A Bank is immutable; the zero Bank and a
// nil *Bank are empty.
type Bank struct {
	qs []Question
	// added marks questions appended by With: when never asked, they come first in rotation.
	added []bool
	byID  map[string]int
}

// add appends q unless a question with its ID is already there, reporting whether it did.
func (b *Bank) add(q Question, added bool) bool {
	if _, dup := b.byID[q.ID]; dup {
		return false
	}
	if b.byID == nil {
		b.byID = make(map[string]int)
	}
	b.byID[q.ID] = len(b.qs)
	b.qs = append(b.qs, q)
	b.added = append(b.added, added)
	return true
}

// clone returns a copy of b that can be added to without changing b.
func (b *Bank) clone() *Bank {
	c := &Bank{byID: make(map[string]int, b.Len())}
	if b != nil {
		c.qs = slices.Clone(b.qs)
		c.added = slices.Clone(b.added)
		for i, q := range c.qs {
			c.byID[q.ID] = i
		}
	}
	return c
}

// Len returns the number of questions in the bank.
func (b *Bank) Len() int {
	if b == nil {
		return 0
	}
	return len(b.qs)
}

// Questions returns the bank's questions in order, as a copy the caller may change.
func (b *Bank) Questions() []Question {
	if b == nil {
		return nil
	}
	out := make([]Question, len(b.qs))
	for i, q := range b.qs {
		out[i] = q.copy()
	}
	return out
}

// Get returns the question with this ID.
func (b *Bank) Get(id string) (Question, bool) {
	if b == nil {
		return Question{}, false
	}
	i, ok := b.byID[id]
	if !ok {
		return Question{}, false
	}
	return b.qs[i].copy(), true
}

// Categories returns the bank's category names in the order they first appear.
func (b *Bank) Categories() []string {
	var cats []string
	for _, q := range b.all() {
		if !slices.Contains(cats, q.Category) {
			cats = append(cats, q.Category)
		}
	}
	return cats
}

// With returns a new bank: b's questions followed by extra, such as approved suggestions. An extra
// question whose ID is empty gets it computed from its text; one whose ID is already in the bank
// (or earlier in extra) is ignored. Questions added this way are asked before the bank's other
// never-asked questions, in the order given, so an approved suggestion comes up promptly.
func (b *Bank) With(extra ...Question) *Bank {
	c := b.clone()
	for _, q := range extra {
		if q.ID == "" {
			q.ID = QuestionID(q.Text)
		}
		c.add(q.copy(), true)
	}
	return c
}

// Filter returns a new bank with the questions for which keep returns true, in the same order.
func (b *Bank) Filter(keep func(Question) bool) *Bank {
	c := &Bank{}
	if b == nil {
		return c
	}
	for i, q := range b.qs {
		if keep(q.copy()) {
			c.add(q, b.added[i])
		}
	}
	return c
}

// InCategories returns a new bank with the questions of the named categories (compared
// case-insensitively), in the bank's order.
func (b *Bank) InCategories(names ...string) *Bank {
	want := make([]string, len(names))
	for i, n := range names {
		want[i] = cleanCategory(n)
	}
	return b.Filter(func(q Question) bool { return slices.Contains(want, q.Category) })
}

// all returns the questions without copying, for reading inside the package.
func (b *Bank) all() []Question {
	if b == nil {
		return nil
	}
	return b.qs
}

// copy returns q with its own copy of the scale.
func (q Question) copy() Question {
	if q.Scale != nil {
		s := *q.Scale
		q.Scale = &s
	}
	return q
}

// Merge returns the bank a team uses: its own bank instead of the built-in one when replace is
// true, otherwise the built-in questions followed by the team's (a team question whose ID is
// already in base is ignored, keeping base's wording and category). A nil or empty own bank leaves
// base as it is.
func Merge(base, own *Bank, replace bool) *Bank {
	if own.Len() == 0 {
		return base
	}
	if replace {
		return own
	}
	c := base.clone()
	for i, q := range own.qs {
		c.add(q, own.added[i])
	}
	return c
}

// coffeeExcluded are the icebreaker categories left out of coffee chats: their answers are a word
// or a pick between two, which suits a busy channel thread but ends a conversation of two.
var coffeeExcluded = []string{"light", "this-or-that"}

// CoffeeExcludedCategories returns the categories ForCoffee leaves out.
func CoffeeExcludedCategories() []string {
	return slices.Clone(coffeeExcluded)
}

// ForCoffee returns the questions of b that make good coffee-chat starters: all but those in
// CoffeeExcludedCategories, which invite one-word answers. If that would leave nothing (a team's
// own bank made only of such categories), it returns b unchanged. Coffee chats rotate through the
// result with their own history, separate from the channel's icebreaker history.
func ForCoffee(b *Bank) *Bank {
	c := b.Filter(func(q Question) bool { return !slices.Contains(coffeeExcluded, q.Category) })
	if c.Len() == 0 {
		return b
	}
	return c
}
