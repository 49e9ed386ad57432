package questions

import (
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEmbeddedBanksParse(t *testing.T) {
	for name, file := range map[string]string{"icebreakers.txt": icebreakersFile, "feedback.txt": feedbackFile} {
		if _, err := Parse(strings.NewReader(file)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The accessors parse once and hand everyone the same bank, race-free.
	var wg sync.WaitGroup
	banks := make([]*Bank, 8)
	for i := range banks {
		wg.Go(func() { banks[i] = Icebreakers() })
	}
	wg.Wait()
	for _, b := range banks {
		if b != banks[0] {
			t.Fatal("Icebreakers() returned different banks")
		}
	}
}

// checkWellFormed checks what every built-in question must look like.
func checkWellFormed(t *testing.T, qs []Question) {
	t.Helper()
	seen := map[string]string{}
	for _, q := range qs {
		if prev, dup := seen[Normalize(q.Text)]; dup {
			t.Errorf("duplicate: %q and %q", prev, q.Text)
		}
		seen[Normalize(q.Text)] = q.Text
		if !strings.HasSuffix(q.Text, "?") {
			t.Errorf("%q does not end with a question mark", q.Text)
		}
		if first, _ := utf8.DecodeRuneInString(q.Text); !unicode.IsUpper(first) {
			t.Errorf("%q does not start with a capital letter", q.Text)
		}
		if n := utf8.RuneCountInString(q.Text); n < MinLength || n > MaxLength {
			t.Errorf("%q is %d characters long", q.Text, n)
		}
		if q.ID != QuestionID(q.Text) || len(q.ID) != 12 {
			t.Errorf("%q has ID %q", q.Text, q.ID)
		}
		if strings.Contains(q.Text, "  ") || q.Text != strings.TrimSpace(q.Text) {
			t.Errorf("%q has stray spaces", q.Text)
		}
	}
}

// offLimits are words that point to topics the built-in icebreakers stay away from: work, money,
// religion, politics, bodies, family or relationship status, drinking, embarrassment.
var offLimits = []string{
	"work", "job", "boss", "office", "meeting", "deadline", "career", "colleague", "coworker", "salary",
	"money", "rich", "lottery", "million", "dollars", "afford", "expensive", "cheap",
	"god", "church", "pray", "religion", "religious", "christmas", "politics", "political", "vote", "election",
	"weight", "diet", "body", "tall", "fit", "gym",
	"husband", "wife", "spouse", "partner", "boyfriend", "girlfriend", "married", "wedding", "dating",
	"kids", "children", "parents", "mom", "mum", "dad", "mother", "father", "brother", "sister", "sibling", "siblings",
	"alcohol", "beer", "wine", "cocktail", "drunk", "hangover", "bar", "pub",
	"embarrassing", "embarrassed", "guilty", "crush", "worst", "weird", "ugly",
}

func TestIcebreakers(t *testing.T) {
	b := Icebreakers()
	if b.Len() < 150 {
		t.Errorf("%d icebreakers, want at least 150", b.Len())
	}
	checkWellFormed(t, b.Questions())

	counts := map[string]int{}
	for _, q := range b.Questions() {
		counts[q.Category]++
		if q.Scale != nil {
			t.Errorf("icebreaker %q has a scale", q.Text)
		}
		for _, w := range strings.Fields(Normalize(q.Text)) {
			for _, bad := range offLimits {
				if w == bad {
					t.Errorf("icebreaker %q uses %q", q.Text, bad)
				}
			}
		}
	}
	cats := b.Categories()
	if len(cats) < 7 {
		t.Errorf("%d categories, want at least 7", len(cats))
	}
	for _, want := range []string{"light", "reflective", "food", "travel", "childhood", "this-or-that", "hobbies"} {
		if counts[want] < 10 {
			t.Errorf("category %q has %d questions, want at least 10", want, counts[want])
		}
	}
	for _, c := range cats {
		t.Logf("%-14s %d", c, counts[c])
	}

	coffee := ForCoffee(b)
	if coffee.Len() < 100 || coffee.Len() >= b.Len() {
		t.Errorf("ForCoffee kept %d of %d", coffee.Len(), b.Len())
	}
	for _, q := range coffee.Questions() {
		if q.Category == "light" || q.Category == "this-or-that" {
			t.Errorf("coffee starter %q is in %q", q.Text, q.Category)
		}
	}
}

func TestFeedback(t *testing.T) {
	b := Feedback()
	if b.Len() < 15 || b.Len() > 30 {
		t.Errorf("%d feedback questions, want about 20", b.Len())
	}
	checkWellFormed(t, b.Questions())
	open, scale := 0, 0
	for _, q := range b.Questions() {
		if q.Scale == nil {
			open++
			continue
		}
		scale++
		if q.Scale.Low == "" || q.Scale.High == "" || q.Scale.Low == q.Scale.High {
			t.Errorf("%q has scale labels %q|%q", q.Text, q.Scale.Low, q.Scale.High)
		}
	}
	if open < 5 || scale < 5 {
		t.Errorf("%d open and %d scale questions, want at least 5 of each", open, scale)
	}
	if _, ok := b.Get(QuestionID("What should we start, stop or keep doing?")); !ok {
		t.Error("the start/stop/keep question is missing")
	}
}

func TestDefaultCheckinQuestions(t *testing.T) {
	qs := DefaultCheckinQuestions()
	if len(qs) != 3 {
		t.Fatalf("%d check-in questions, want 3", len(qs))
	}
	for _, q := range qs {
		if !strings.HasSuffix(q, "?") || utf8.RuneCountInString(q) > 80 {
			t.Errorf("check-in question %q is not a short question", q)
		}
	}
	if !strings.Contains(qs[2], "hand") && !strings.Contains(qs[2], "help") {
		t.Errorf("third question %q is not about help", qs[2])
	}
	qs[0] = "changed"
	if DefaultCheckinQuestions()[0] == "changed" {
		t.Error("DefaultCheckinQuestions shares its slice")
	}
}
