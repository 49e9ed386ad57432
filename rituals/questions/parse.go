package questions

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNoQuestions is returned by Parse for a file without a single question.
var ErrNoQuestions = errors.New("the file has no questions: write one question per line")

// maxCategoryLength and maxLabelLength bound category names and scale labels, in characters.
const (
	maxCategoryLength = 50
	maxLabelLength    = 40
)

// maxParseErrors is how many problems Parse reports before summing up the rest.
const maxParseErrors = 20

// ParseError is a problem on one line of a question file.
type ParseError struct {
	// Line is the 1-based number of the line.
	Line int
	// Msg says what is wrong, as a plain sentence fragment.
	Msg string
}

// Error returns "line N: what is wrong".
func (e *ParseError) Error() string {
	return "line " + itoa(e.Line) + ": " + e.Msg
}

// Parse reads a question file (see the package documentation for its format). Every problem is
// reported, up to 20, each as a *ParseError naming its line, joined with errors.Join; a file with
// no questions gives ErrNoQuestions. A UTF-8 byte order mark and Windows line endings are accepted.
func Parse(r io.Reader) (*Bank, error) {
	b := &Bank{}
	var errs []error
	more := 0
	fail := func(line int, format string, args ...any) {
		if len(errs) < maxParseErrors {
			errs = append(errs, &ParseError{Line: line, Msg: fmt.Sprintf(format, args...)})
		} else {
			more++
		}
	}
	lineOf := make(map[string]int) // question ID → line it is on
	category := DefaultCategory

	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if !utf8.ValidString(line) {
			fail(n, "the line is not valid UTF-8 text; save the file as UTF-8")
			continue
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "##"):
			name := strings.TrimSpace(strings.TrimLeft(line, "#"))
			switch {
			case name == "":
				fail(n, "the category header has no name; write it like \"## food\"")
			case hasControl(name):
				fail(n, "the category name contains a control character")
			case utf8.RuneCountInString(name) > maxCategoryLength:
				fail(n, "the category name is too long (%s; at most %d)", plural(utf8.RuneCountInString(name), "character"), maxCategoryLength)
			default:
				category = cleanCategory(name)
			}
			continue
		case strings.HasPrefix(line, "#"):
			continue
		}

		var scale *Scale
		if isScaleMarker(line) {
			var msg string
			scale, line, msg = parseScale(line)
			if msg != "" {
				fail(n, "%s", msg)
				continue
			}
		}
		text, p, length := checkText(line)
		switch p {
		case controlChar:
			fail(n, "the question contains a control character; remove it")
			continue
		case empty:
			fail(n, "the scale has no question after it")
			continue
		case tooShort:
			fail(n, "the question is too short (%s; at least %d)", plural(length, "character"), MinLength)
			continue
		case tooLong:
			fail(n, "the question is too long (%s; at most %d)", plural(length, "character"), MaxLength)
			continue
		case noWords:
			fail(n, "the question has no letters or digits")
			continue
		}
		q := Question{ID: QuestionID(text), Text: text, Category: category, Scale: scale}
		if first, dup := lineOf[q.ID]; dup {
			fail(n, "this question is already on line %d (%s)", first, quote(b.qs[b.byID[q.ID]].Text))
			continue
		}
		lineOf[q.ID] = n
		b.add(q, false)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			fail(n+1, "the line is far too long; a question has at most %d characters", MaxLength)
		} else {
			return nil, fmt.Errorf("reading questions: %w", err)
		}
	}
	if len(errs) > 0 {
		if more > 0 {
			word := "problems"
			if more == 1 {
				word = "problem"
			}
			errs = append(errs, fmt.Errorf("and %d more %s", more, word))
		}
		return nil, errors.Join(errs...)
	}
	if b.Len() == 0 {
		return nil, ErrNoQuestions
	}
	return b, nil
}

// isScaleMarker reports whether a line starts with a scale marker: "[" then a digit.
func isScaleMarker(line string) bool {
	rest, ok := strings.CutPrefix(line, "[")
	rest = strings.TrimLeft(rest, " \t")
	return ok && rest != "" && rest[0] >= '0' && rest[0] <= '9'
}

// parseScale reads the "[1-5 low|high]" marker at the start of line. It returns the scale and the
// rest of the line, or a message saying what is wrong with the marker.
func parseScale(line string) (*Scale, string, string) {
	const how = `write it like "[1-5 Not at all|Completely] How ...?" or "[1-5] How ...?"`
	end := strings.IndexByte(line, ']')
	if end < 0 {
		return nil, "", "the scale has no closing \"]\"; " + how
	}
	inner, rest := strings.TrimSpace(line[1:end]), line[end+1:]
	rng, labels, _ := strings.Cut(inner, " ")
	rng = strings.ReplaceAll(strings.ReplaceAll(rng, "\u2013", "-"), "\u2014", "-")
	lo, hi, ok := strings.Cut(rng, "-")
	if !ok || strings.TrimSpace(lo) != strconv.Itoa(ScaleMin) || strings.TrimSpace(hi) != strconv.Itoa(ScaleMax) {
		return nil, "", fmt.Sprintf("only 1-5 scales are supported, not %s; %s", quote("["+inner+"]"), how)
	}
	labels = strings.TrimSpace(labels)
	if labels == "" {
		return &Scale{}, rest, ""
	}
	low, high, ok := strings.Cut(labels, "|")
	low, high = collapseSpace(low), collapseSpace(high)
	switch {
	case !ok || low == "" || high == "" || strings.Contains(high, "|"):
		return nil, "", "a scale needs two labels separated by \"|\", what 1 means and what 5 means; " + how
	case hasControl(low) || hasControl(high):
		return nil, "", "a scale label contains a control character"
	case utf8.RuneCountInString(low) > maxLabelLength || utf8.RuneCountInString(high) > maxLabelLength:
		return nil, "", fmt.Sprintf("a scale label is too long (at most %d characters)", maxLabelLength)
	}
	return &Scale{Low: low, High: high}, rest, ""
}

// hasControl reports whether s contains a character isControl rejects.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, isControl)
}

// quote puts text in typographic double quotes, for messages.
func quote(text string) string {
	return "\u201c" + text + "\u201d"
}

// itoa formats n in decimal.
func itoa(n int) string {
	return strconv.Itoa(n)
}
