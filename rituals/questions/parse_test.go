package questions

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParse(t *testing.T) {
	file := "\ufeff# A team's own file.\r\n" +
		"What is your favourite board game?\r\n" +
		"\r\n" +
		"##   Food & Drink  \r\n" +
		"  What's   a dish\tyou love <3 & why?  \r\n" +
		"   # an indented comment\n" +
		"### this-or-that\n" +
		"Tea or coffee, A & B?\n" +
		"## Pulse\n" +
		"[1-5 Not at all | Completely ] How supported did you feel?\n" +
		"[1\u20135]How clear are our priorities?\n" +
		"[Photo] Share the view from your window?\n"
	b, err := Parse(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []Question{
		{Text: "What is your favourite board game?", Category: DefaultCategory},
		{Text: "What's a dish you love <3 & why?", Category: "food & drink"},
		{Text: "Tea or coffee, A & B?", Category: "this-or-that"},
		{Text: "How supported did you feel?", Category: "pulse", Scale: &Scale{Low: "Not at all", High: "Completely"}},
		{Text: "How clear are our priorities?", Category: "pulse", Scale: &Scale{}},
		{Text: "[Photo] Share the view from your window?", Category: "pulse"},
	}
	got := b.Questions()
	if len(got) != len(want) {
		t.Fatalf("got %d questions, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Text != w.Text || g.Category != w.Category || g.ID != QuestionID(w.Text) ||
			(g.Scale == nil) != (w.Scale == nil) || (g.Scale != nil && *g.Scale != *w.Scale) {
			t.Errorf("question %d = %+v (scale %+v), want %+v (scale %+v)", i, g, g.Scale, w, w.Scale)
		}
	}
	if got := b.Categories(); strings.Join(got, ",") != "general,food & drink,this-or-that,pulse" {
		t.Errorf("categories %q", got)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"empty header", "What is your favourite season?\n##\n", "line 2: the category header has no name; write it like \"## food\""},
		{"too short", "## light\n\nTea?\n", "line 3: the question is too short (4 characters; at least 10)"},
		{"too long", "# c\n" + strings.Repeat("a", 301) + "?\n", "line 2: the question is too long (302 characters; at most 300)"},
		{"control", "What is your\x07 favourite song?\n", "line 1: the question contains a control character; remove it"},
		{"bidi override", "What is your \u202efavourite song?\n", "line 1: the question contains a control character; remove it"},
		{"not utf-8", "What is your favourite song?\nWhat is caf\xe9 food?\n", "line 2: the line is not valid UTF-8 text; save the file as UTF-8"},
		{"no words", "?!?!?!?!?!?!\n", "line 1: the question has no letters or digits"},
		{"duplicate", "What's your favourite song?\n\n## music\nwhats YOUR favourite song\n", "line 4: this question is already on line 1 (\u201cWhat's your favourite song?\u201d)"},
		{"unclosed scale", "[1-5 Low|High How are you today?\n", "line 1: the scale has no closing \"]\""},
		{"other range", "[1-10 Low|High] How are you today?\n", "line 1: only 1-5 scales are supported, not \u201c[1-10 Low|High]\u201d"},
		{"one label", "[1-5 Low] How are you today?\n", "line 1: a scale needs two labels separated by \"|\""},
		{"empty label", "[1-5 Low|] How are you today?\n", "line 1: a scale needs two labels"},
		{"scale only", "[1-5 Low|High]\n", "line 1: the scale has no question after it"},
		{"huge line", "What is your favourite song?\n" + strings.Repeat("x", 70000) + "\n", "line 2: the line is far too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Parse(strings.NewReader(tt.file))
			if err == nil {
				t.Fatalf("no error; bank %+v", b.Questions())
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want it to start with %q", err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line == 0 {
				t.Errorf("error %v is not a *ParseError with a line", err)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	file := "Short?\nWhat is your favourite song?\n##\n" + strings.Repeat("Tiny?\n", 30)
	_, err := Parse(strings.NewReader(file))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxParseErrors+1 {
		t.Fatalf("%d lines of error, want %d:\n%v", len(lines), maxParseErrors+1, err)
	}
	if lines[0] != "line 1: the question is too short (6 characters; at least 10)" ||
		!strings.HasPrefix(lines[1], "line 3: ") || lines[maxParseErrors] != "and 12 more problems" {
		t.Errorf("error:\n%v", err)
	}
}

func TestParseNothing(t *testing.T) {
	for _, file := range []string{"", "\n\n", "# only a comment\n## food\n"} {
		if _, err := Parse(strings.NewReader(file)); !errors.Is(err, ErrNoQuestions) {
			t.Errorf("Parse(%q) error %v, want ErrNoQuestions", file, err)
		}
	}
}

func TestParseReadError(t *testing.T) {
	boom := errors.New("boom")
	if _, err := Parse(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("error %v, want it to wrap the read error", err)
	}
}
