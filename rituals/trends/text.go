package trends

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Chart names one chart the figures make, with its words: the picture is drawn by the charts
// package, and the alt text says the same numbers for people who cannot see it.
type Chart struct {
	// Name is unique among the charts of one Figures, e.g. "checkins" or "pulse-1".
	Name  string
	Title string
	Alt   string
	// Pulse is the index in Figures.Pulses of a pulse chart, -1 otherwise.
	Pulse int
}

// Chart names.
const (
	ChartCheckins      = "checkins"
	ChartCoffee        = "coffee"
	ChartConversations = "conversations"
	chartPulse         = "pulse-"
)

// maxAlt is the longest alt text Slack keeps for a file.
const maxAlt = 1000

// Charts lists the charts of f, for the rituals that run in its scope and every pulse question.
func (f Figures) Charts() []Chart {
	var out []Chart
	n := strconv.Itoa(len(f.Weeks))
	if f.Has.Checkins {
		out = append(out, Chart{Name: ChartCheckins, Pulse: -1, Title: "Check-ins shared out of those asked, last " + n + " weeks",
			Alt: f.alt("Check-ins shared out of those asked, by week", func(w Week) string {
				return fmt.Sprintf("%d of %d", w.CheckinsShared, w.CheckinsAsked)
			})})
	}
	if f.Has.Coffee {
		out = append(out, Chart{Name: ChartCoffee, Pulse: -1, Title: "Coffee groups that met out of those formed, last " + n + " weeks",
			Alt: f.alt("Coffee groups that met out of those formed, by week", func(w Week) string {
				return fmt.Sprintf("%d of %d", w.CoffeeMet, w.CoffeeGroups)
			})})
	}
	if f.Has.Icebreakers || f.Has.Feedback {
		out = append(out, Chart{Name: ChartConversations, Pulse: -1, Title: "Icebreaker answers and feedback answers released, last " + n + " weeks",
			Alt: f.alt("Icebreaker answers and anonymous feedback answers released, by week", func(w Week) string {
				return fmt.Sprintf("%d icebreaker, %d feedback", w.IcebreakerAnswers, w.FeedbackAnswers)
			})})
	}
	for i, p := range f.Pulses {
		var b strings.Builder
		fmt.Fprintf(&b, "Ratings of %q (1 to 5%s) in each released feedback batch:", p.Question, scaleWords(p))
		for _, batch := range p.Batches {
			fmt.Fprintf(&b, " %s: %s (%d answers, mean %.1f);", day(batch.At), counts(batch.Distribution), batch.Count(), batch.Mean())
		}
		out = append(out, Chart{Name: chartPulse + strconv.Itoa(i+1), Pulse: i, Title: "Pulse: " + p.Question,
			Alt: cut(strings.TrimSuffix(b.String(), ";"), maxAlt)})
	}
	return out
}

// alt lists each week's figure after a heading, within Slack's limit; weeks with nothing are
// counted rather than read out one by one.
func (f Figures) alt(heading string, figure func(Week) string) string {
	parts := make([]string, 0, len(f.Weeks)+1)
	quiet := 0
	for _, w := range f.Weeks {
		got := figure(w)
		if got == figure(Week{End: w.End}) {
			quiet++
			continue
		}
		parts = append(parts, "week to "+day(w.End)+": "+got)
	}
	switch {
	case len(parts) == 0 && quiet == 1:
		parts = append(parts, "nothing that week")
	case len(parts) == 0:
		parts = append(parts, fmt.Sprintf("nothing in any of the %d weeks", quiet))
	case quiet == 1:
		parts = append(parts, "nothing in the other week")
	case quiet > 1:
		parts = append(parts, fmt.Sprintf("nothing in the other %d weeks", quiet))
	}
	return cut(heading+": "+strings.Join(parts, "; ")+".", maxAlt)
}

// Table is the figures as a plain-text table, the same numbers the charts show; put it in a code
// block. It is the source of truth when charts cannot be uploaded.
func (f Figures) Table() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	cols := []string{"Week to"}
	var cells []func(Week) string
	if f.Has.Checkins {
		cols = append(cols, "Check-ins")
		cells = append(cells, func(w Week) string { return fmt.Sprintf("%d/%d", w.CheckinsShared, w.CheckinsAsked) })
	}
	if f.Has.Coffee {
		cols = append(cols, "Coffee met")
		cells = append(cells, func(w Week) string { return fmt.Sprintf("%d/%d", w.CoffeeMet, w.CoffeeGroups) })
	}
	if f.Has.Icebreakers {
		cols = append(cols, "Icebreaker")
		cells = append(cells, func(w Week) string { return strconv.Itoa(w.IcebreakerAnswers) })
	}
	if f.Has.Feedback {
		cols = append(cols, "Feedback")
		cells = append(cells, func(w Week) string { return strconv.Itoa(w.FeedbackAnswers) })
	}
	fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t")
	for _, w := range f.Weeks {
		row := []string{day(w.End)}
		for _, c := range cells {
			row = append(row, c(w))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	_ = tw.Flush()
	for _, p := range f.Pulses {
		fmt.Fprintf(&b, "\nPulse: %s (1 to 5%s)\n", p.Question, scaleWords(p))
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "Released\t1\t2\t3\t4\t5\tAnswers\tMean\t")
		for _, batch := range p.Batches {
			d := batch.Distribution
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t\n", day(batch.At), d[0], d[1], d[2], d[3], d[4], batch.Count(), batch.Mean())
		}
		_ = tw.Flush()
	}
	if f.Has.Feedback && len(f.Pulses) == 0 {
		b.WriteString("\nNo pulse question was released in these weeks (a batch shows only once enough people answered).\n")
	}
	return b.String()
}

// scaleWords names the ends of a pulse question's scale, when it has words for them.
func scaleWords(p Pulse) string {
	if p.Scale == nil || (p.Scale.Low == "" && p.Scale.High == "") {
		return ""
	}
	return ": 1 " + p.Scale.Low + ", 5 " + p.Scale.High
}

// counts writes a distribution as "1×0 2×1 3×4 4×2 5×1".
func counts(d [5]int) string {
	parts := make([]string, 5)
	for i, n := range d {
		parts[i] = fmt.Sprintf("%d×%d", i+1, n)
	}
	return strings.Join(parts, " ")
}

// day formats a date the way the table and the charts label weeks.
func day(t time.Time) string { return t.Format("Jan 2") }

// Label is how a week or a batch is labelled on a chart's axis.
func Label(t time.Time) string { return day(t) }

// cut shortens s to n characters, marking the cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
