// Package trends gathers what the rituals did over the last weeks into figures a lead can read at a
// glance: participation week by week (check-ins shared out of those asked, coffee groups that met
// out of those formed, icebreaker answers, feedback answers released) and, for every 1–5 pulse
// question, the rating distribution of each released feedback batch.
//
// Everything here is an aggregate. Pulse figures come only from released batches (feedback.Release
// records, which exist only for batches that met their threshold) and never from answers: a held
// batch has no release, so it appears nowhere, and nothing is ever counted per person.
//
// The figures are data: the Slack edge renders them as a text table, and the charts package draws
// them as PNG charts.
package trends

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/questions"
)

// Ritual names the trends in message keys, logs and metrics.
const Ritual = "stats"

// KindCharts is a message with the figures (To: a channel, often ThreadOf a digest post, or a
// user; Data: Figures): the Slack edge posts them as a text table and uploads the charts.
const KindCharts = "stats.charts"

// DefaultWeeks is how many weeks the figures cover.
const DefaultWeeks = 12

// week is the length of one bucket.
const week = 7 * 24 * time.Hour

// Scope says which channels each ritual's figures are read from.
type Scope struct {
	Checkins    []string `json:"checkins,omitempty"`
	Coffee      []string `json:"coffee,omitempty"`
	Icebreakers []string `json:"icebreakers,omitempty"`
	Feedback    []string `json:"feedback,omitempty"`
}

// Channels lists every channel of the scope once, sorted.
func (s Scope) Channels() []string {
	all := slices.Concat(s.Checkins, s.Coffee, s.Icebreakers, s.Feedback)
	slices.Sort(all)
	return slices.Compact(all)
}

// Checkin is one digest week's check-ins: how many shared an update out of those asked.
type Checkin struct {
	// At is when the week's digest was (or will be) posted.
	At     time.Time
	Shared int
	Asked  int
}

// CoffeeRound is one coffee round: the groups formed and those that said they met.
type CoffeeRound struct {
	At     time.Time
	Groups int
	Met    int
}

// Icebreaker is one icebreaker question and how many answered it.
type Icebreaker struct {
	At      time.Time
	Answers int
}

// Source reads the rituals' records in a period (from, to]; the wiring implements it over the
// stores.
type Source interface {
	Checkins(ctx context.Context, channels []string, from, to time.Time) ([]Checkin, error)
	CoffeeRounds(ctx context.Context, channels []string, from, to time.Time) ([]CoffeeRound, error)
	Icebreakers(ctx context.Context, channels []string, from, to time.Time) ([]Icebreaker, error)
	// Releases returns the feedback batches released: only batches that met their threshold.
	Releases(ctx context.Context, channels []string, from, to time.Time) ([]feedback.Release, error)
}

// Week is what the rituals did in one week, (End-7 days, End].
type Week struct {
	End time.Time `json:"end"`
	// CheckinsShared of CheckinsAsked shared an update in the digest posted that week.
	CheckinsShared int `json:"checkins_shared"`
	CheckinsAsked  int `json:"checkins_asked"`
	// CoffeeMet of CoffeeGroups started that week said they met.
	CoffeeGroups int `json:"coffee_groups"`
	CoffeeMet    int `json:"coffee_met"`
	// IcebreakerAnswers counts the answers to the icebreakers posted that week.
	IcebreakerAnswers int `json:"icebreaker_answers"`
	// FeedbackAnswers counts the answers (notes included) of the FeedbackBatches released that week.
	FeedbackAnswers int `json:"feedback_answers"`
	FeedbackBatches int `json:"feedback_batches"`
}

// Batch is one released feedback batch's ratings.
type Batch struct {
	At time.Time `json:"at"`
	// Distribution counts the ratings 1 to 5 (index 0 is 1).
	Distribution [5]int `json:"distribution"`
}

// Count is the number of ratings in the batch.
func (b Batch) Count() int {
	n := 0
	for _, c := range b.Distribution {
		n += c
	}
	return n
}

// Mean is the batch's average rating; 0 when it has none.
func (b Batch) Mean() float64 {
	n, sum := 0, 0
	for i, c := range b.Distribution {
		n += c
		sum += (i + 1) * c
	}
	if n == 0 {
		return 0
	}
	return float64(sum) / float64(n)
}

// Pulse is one 1–5 question's released batches, oldest first.
type Pulse struct {
	Question string           `json:"question"`
	Scale    *questions.Scale `json:"scale,omitempty"`
	Batches  []Batch          `json:"batches"`
}

// Figures is what the rituals did over the weeks up to End, for one scope.
type Figures struct {
	// Channels are the scope's channels; All is set when the scope is every configured channel.
	Channels []string `json:"channels,omitempty"`
	All      bool     `json:"all,omitempty"`
	// Has says which rituals run in the scope; charts of the others are left out.
	Has Has `json:"has"`
	// End is the end of the last week.
	End time.Time `json:"end"`
	// Weeks are oldest first, each 7 days long.
	Weeks []Week `json:"weeks"`
	// Pulses hold every pulse question released in the period, in the order first released.
	Pulses []Pulse `json:"pulses,omitempty"`
}

// Has says which rituals run in a scope.
type Has struct {
	Checkins    bool `json:"checkins,omitempty"`
	Coffee      bool `json:"coffee,omitempty"`
	Icebreakers bool `json:"icebreakers,omitempty"`
	Feedback    bool `json:"feedback,omitempty"`
}

// Collect reads the figures of scope for the weeks weeks up to end (DefaultWeeks when weeks <= 0).
func Collect(ctx context.Context, src Source, scope Scope, end time.Time, weeks int) (Figures, error) {
	if weeks <= 0 {
		weeks = DefaultWeeks
	}
	from := end.Add(-time.Duration(weeks) * week)
	var ev Events
	var err error
	if len(scope.Checkins) > 0 {
		if ev.Checkins, err = src.Checkins(ctx, scope.Checkins, from, end); err != nil {
			return Figures{}, err
		}
	}
	if len(scope.Coffee) > 0 {
		if ev.Coffee, err = src.CoffeeRounds(ctx, scope.Coffee, from, end); err != nil {
			return Figures{}, err
		}
	}
	if len(scope.Icebreakers) > 0 {
		if ev.Icebreakers, err = src.Icebreakers(ctx, scope.Icebreakers, from, end); err != nil {
			return Figures{}, err
		}
	}
	if len(scope.Feedback) > 0 {
		if ev.Releases, err = src.Releases(ctx, scope.Feedback, from, end); err != nil {
			return Figures{}, err
		}
	}
	f := Bucket(end, weeks, ev)
	f.Channels = scope.Channels()
	f.Has = Has{Checkins: len(scope.Checkins) > 0, Coffee: len(scope.Coffee) > 0,
		Icebreakers: len(scope.Icebreakers) > 0, Feedback: len(scope.Feedback) > 0}
	return f, nil
}

// Events are the records Bucket sorts into weeks.
type Events struct {
	Checkins    []Checkin
	Coffee      []CoffeeRound
	Icebreakers []Icebreaker
	Releases    []feedback.Release
}

// Bucket sorts events into weeks weeks of 7 days ending at end; events outside are ignored. It is
// pure: the same events give the same figures.
func Bucket(end time.Time, weeks int, ev Events) Figures {
	f := Figures{End: end, Weeks: make([]Week, weeks)}
	for i := range f.Weeks {
		f.Weeks[i].End = end.Add(-time.Duration(weeks-1-i) * week)
	}
	// A week is (its end - 7 days, its end]: t belongs to the week k weeks back from the last.
	at := func(t time.Time) (*Week, bool) {
		d := end.Sub(t)
		if d < 0 || d >= time.Duration(weeks)*week {
			return nil, false
		}
		return &f.Weeks[weeks-1-int(d/week)], true
	}
	for _, c := range ev.Checkins {
		if w, ok := at(c.At); ok {
			w.CheckinsShared += c.Shared
			w.CheckinsAsked += c.Asked
		}
	}
	for _, r := range ev.Coffee {
		if w, ok := at(r.At); ok {
			w.CoffeeGroups += r.Groups
			w.CoffeeMet += r.Met
		}
	}
	for _, q := range ev.Icebreakers {
		if w, ok := at(q.At); ok {
			w.IcebreakerAnswers += q.Answers
		}
	}
	releases := slices.Clone(ev.Releases)
	slices.SortStableFunc(releases, func(a, b feedback.Release) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Key, b.Key)) })
	pulses := map[string]int{}
	for _, r := range releases {
		w, ok := at(r.At)
		if !ok {
			continue
		}
		w.FeedbackAnswers += r.Answers
		w.FeedbackBatches++
		if r.Distribution == nil {
			continue
		}
		id := pulseID(r.Question, r.Scale)
		i, seen := pulses[id]
		if !seen {
			i = len(f.Pulses)
			pulses[id] = i
			f.Pulses = append(f.Pulses, Pulse{Question: r.Question, Scale: r.Scale})
		}
		f.Pulses[i].Batches = append(f.Pulses[i].Batches, Batch{At: r.At, Distribution: *r.Distribution})
	}
	return f
}

// pulseID tells pulse questions apart: the same words on another scale are another question.
func pulseID(question string, s *questions.Scale) string {
	if s == nil {
		return question
	}
	return question + "\x00" + s.Low + "\x00" + s.High
}

// Latest is the last week with anything in it, and whether there is one.
func (f Figures) Latest() (Week, bool) {
	for i := len(f.Weeks) - 1; i >= 0; i-- {
		if w := f.Weeks[i]; w != (Week{End: w.End}) {
			return w, true
		}
	}
	return Week{}, false
}

// Message is a KindCharts message with f, keyed key, to to, in the thread of threadOf when set.
func Message(key string, to rituals.Recipient, threadOf string, f Figures) (rituals.Message, error) {
	data, err := json.Marshal(f)
	if err != nil {
		return rituals.Message{}, err
	}
	return rituals.Message{Key: key, Ritual: Ritual, Kind: KindCharts, To: to, ThreadOf: threadOf, Data: data}, nil
}
