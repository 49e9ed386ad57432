package questions

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := map[string]string{
		"What's your favourite food?":       "whats your favourite food",
		"  WHATS   your\tfavourite FOOD!!!": "whats your favourite food",
		"What\u2019s your favourite food":   "whats your favourite food",
		"Tea, coffee... or neither?":        "tea coffee or neither",
		"this-or-that":                      "this or that",
		"<b>Bold</b> & 42":                  "b bold b 42",
		"Café crème?":                       "café crème",
		"日本の 食べ物は？":                         "日本の 食べ物は",
		"🙂 ?!":                              "",
	}
	for in, want := range tests {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewQuestion(t *testing.T) {
	q := NewQuestion("  What's your   favourite\nsong?  ", " Music ")
	if q.Text != "What's your favourite song?" || q.Category != "music" || q.Scale != nil {
		t.Errorf("NewQuestion = %+v", q)
	}
	if len(q.ID) != 12 || strings.Trim(q.ID, "0123456789abcdef") != "" {
		t.Errorf("ID %q is not 12 hex digits", q.ID)
	}
	// The ID survives edits of case, punctuation and spacing, and a change of category.
	if other := NewQuestion("whats your favourite song", "light"); other.ID != q.ID {
		t.Errorf("ID changed with punctuation: %q vs %q", other.ID, q.ID)
	}
	if other := NewQuestion("What's your favourite film?", "music"); other.ID == q.ID {
		t.Error("different questions share an ID")
	}
	if NewQuestion("Anything at all here?", "").Category != DefaultCategory {
		t.Error("empty category is not DefaultCategory")
	}
}

func bankOf(texts ...string) *Bank {
	qs := make([]Question, len(texts))
	for i, s := range texts {
		qs[i] = NewQuestion(s, "test")
	}
	return (&Bank{}).merge(qs)
}

// merge adds qs as if they came from a file (not as With extras).
func (b *Bank) merge(qs []Question) *Bank {
	c := b.clone()
	for _, q := range qs {
		c.add(q, false)
	}
	return c
}

func TestBankWithAndGet(t *testing.T) {
	b := bankOf("What is question one?", "What is question two?")
	c := b.With(
		NewQuestion("What is question three?", "new"),
		Question{Text: "What is question four?", Category: "new"}, // ID computed
		NewQuestion("what is QUESTION one", "new"),                // duplicate of the bank
		NewQuestion("What is question three!", "new"),             // duplicate of an extra
	)
	if b.Len() != 2 {
		t.Errorf("With changed the original bank: %d questions", b.Len())
	}
	if c.Len() != 4 {
		t.Fatalf("With gave %d questions, want 4: %+v", c.Len(), c.Questions())
	}
	q, ok := c.Get(QuestionID("What is question four?"))
	if !ok || q.Text != "What is question four?" || q.ID == "" {
		t.Errorf("Get = %+v, %v", q, ok)
	}
	if q, _ := c.Get(QuestionID("What is question one?")); q.Category != "test" {
		t.Errorf("the duplicate replaced the original: %+v", q)
	}
	if _, ok := c.Get("nope"); ok {
		t.Error("Get found an unknown ID")
	}
	var nilBank *Bank
	if nilBank.Len() != 0 || nilBank.Questions() != nil || nilBank.With(NewQuestion("What is question five?", "")).Len() != 1 {
		t.Error("a nil bank does not behave as empty")
	}
}

func TestBankIsImmutable(t *testing.T) {
	b, err := Parse(strings.NewReader("[1-5 Low|High] How was your week overall?\n"))
	if err != nil {
		t.Fatal(err)
	}
	qs := b.Questions()
	qs[0].Text = "changed"
	qs[0].Scale.Low = "changed"
	q, _ := b.Get(qs[0].ID)
	q.Scale.High = "changed"
	again := b.Questions()[0]
	if again.Text == "changed" || again.Scale.Low == "changed" || again.Scale.High == "changed" {
		t.Errorf("the bank was changed through a copy: %+v %+v", again, *again.Scale)
	}
}

func TestMerge(t *testing.T) {
	base := bankOf("What is built in one?", "What is built in two?")
	own := bankOf("What is our own one?", "What is built-in two")
	if got := Merge(base, own, true); got != own {
		t.Error("replace did not give the team's own bank")
	}
	if got := Merge(base, nil, true); got != base {
		t.Error("a nil own bank did not leave base")
	}
	got := Merge(base, own, false)
	var texts []string
	for _, q := range got.Questions() {
		texts = append(texts, q.Text)
	}
	if strings.Join(texts, "|") != "What is built in one?|What is built in two?|What is our own one?" {
		t.Errorf("extend gave %q", texts)
	}
}

func TestFilters(t *testing.T) {
	b, err := Parse(strings.NewReader("## light\nWhat is a light one?\n## this-or-that\nThis one or that one?\n## food\nWhat is a food one?\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := b.InCategories("FOOD", "light").Len(); got != 2 {
		t.Errorf("InCategories kept %d, want 2", got)
	}
	coffee := ForCoffee(b)
	if coffee.Len() != 1 || coffee.Questions()[0].Category != "food" {
		t.Errorf("ForCoffee kept %+v", coffee.Questions())
	}
	onlyQuick := b.InCategories("light", "this-or-that")
	if ForCoffee(onlyQuick) != onlyQuick {
		t.Error("ForCoffee emptied a bank made only of quick questions")
	}
	if got := CoffeeExcludedCategories(); strings.Join(got, ",") != "light,this-or-that" {
		t.Errorf("CoffeeExcludedCategories = %q", got)
	}
}
