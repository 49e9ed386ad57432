package store

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/icebreaker"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// A year of a 500-person team, written through the store's own methods in the order the bot
// writes it, week after week: every ritual's run, its messages queued and then delivered one by
// one, the answers coming in one transaction each. The benchmarks in year_bench_test.go run on
// it.
const (
	yearPeople = 500
	yearWeeks  = 52
	yearKudos  = 5000 // about 96 a week
	// yearVersion names the builder in the cached file's name: change it when the builder
	// changes, so benchmarks do not run on a stale year.
	yearVersion = 3
)

// yearStart is the Monday the year begins; yearEnd the Monday after its last week.
var (
	yearStart = time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC)
	yearEnd   = yearStart.Add(yearWeeks * 7 * day)
)

const (
	yearTeam     = "C0YEARTEAM"
	yearFeedback = "C0YEARPULS"
)

// yearWords makes n words of plausible update text, with a line break now and then.
func yearWords(r *rand.Rand, n int) string {
	vocab := strings.Fields("release migration review exporter importer pipeline flaky test docs customer " +
		"onboarding incident retro latency dashboard alert rollout config schema backlog refactor pairing " +
		"design spike budget hiring interview roadmap quarter billing search cache")
	var b strings.Builder
	for i := range n {
		if i > 0 {
			if r.IntN(12) == 0 {
				b.WriteString("\n- ")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(vocab[r.IntN(len(vocab))])
	}
	return b.String()
}

func yearUser(i int) string { return fmt.Sprintf("U0Y%06d", i) }

// yearBuilder writes the year.
type yearBuilder struct {
	tb  testing.TB
	db  *DB
	r   *rand.Rand
	now time.Time
}

func (y *yearBuilder) must(err error) {
	y.tb.Helper()
	if err != nil {
		y.tb.Fatal(err)
	}
}

// deliverAll plays the delivery worker: every queued message lands, one transaction each.
func (y *yearBuilder) deliverAll() {
	y.tb.Helper()
	for {
		items, err := y.db.Pending(0, 1000)
		y.must(err)
		if len(items) == 0 {
			return
		}
		for _, it := range items {
			ch := it.To.Channel
			if ch == "" {
				ch = "D0" + strings.TrimPrefix(it.Key[len(it.Key)-8:], "/")
			}
			ts := fmt.Sprintf("%d.%06d", y.now.Unix(), it.Seq%1_000_000)
			y.must(y.db.BeginAttempt(it.Key, ch, y.now))
			y.must(y.db.Delivered(it.Key, rituals.Delivery{Channel: ch, TS: ts, At: y.now}))
		}
	}
}

func yearMsg(key, ritual, kind string, to rituals.Recipient, data any) rituals.Message {
	raw, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	return rituals.Message{Key: key, Ritual: ritual, Kind: kind, To: to, Data: raw}
}

// week writes week w (0-based) of every ritual.
func (y *yearBuilder) week(w, kudos int) {
	y.tb.Helper()
	monday := yearStart.Add(time.Duration(w) * 7 * day)
	week := digest.Week{ID: fmt.Sprintf("%d-W%02d", monday.Year(), w+1), From: monday, To: monday.Add(7 * day)}
	y.now = monday
	y.digestCheckins(week)
	y.coffeeRound(w, monday)
	y.icebreaker(w, monday.Add(2*day))
	y.kudos(week, w, kudos)
	y.feedback(w, monday.Add(3*day))
	y.digestPost(week)
}

func (y *yearBuilder) digestCheckins(week digest.Week) {
	y.tb.Helper()
	dg := y.db.Digest()
	qs := digest.DefaultQuestions()
	key := schedule.Key{Ritual: digest.Ritual, Channel: yearTeam, At: week.From}
	asks := make([]digest.Ask, yearPeople)
	for i := range yearPeople {
		u := yearUser(i)
		data := digest.CheckinData{Channel: yearTeam, Week: week, Questions: qs, LastNext: &digest.PreviousNext{Week: week.ID, Text: yearWords(y.r, 20)}}
		asks[i] = digest.Ask{Asked: digest.Asked{Channel: yearTeam, Week: week.ID, User: u, At: y.now},
			Message: yearMsg(digest.CheckinKey(yearTeam, week.ID, u), digest.Ritual, digest.KindCheckin, rituals.Recipient{User: u}, data)}
	}
	_, err := dg.CommitCheckin(key, asks, []timers.Task{{Key: digest.TaskRemind + "/" + yearTeam + "/" + week.ID, Ritual: digest.Ritual, Kind: digest.TaskRemind, Due: week.From.Add(3 * day)}})
	y.must(err)
	y.deliverAll()
	// Everyone answers over the next days, one transaction each; a tenth skip.
	for i := range yearPeople {
		y.now = week.From.Add(time.Duration(i) * 8 * time.Minute)
		u := digest.Update{Channel: yearTeam, Week: week.ID, User: yearUser(i), At: y.now}
		if i%10 == 9 {
			u.Skipped = true
		} else {
			help := ""
			if i%3 == 0 {
				help = yearWords(y.r, 20+y.r.IntN(40))
			}
			texts := []string{yearWords(y.r, 40+y.r.IntN(80)), yearWords(y.r, 20+y.r.IntN(60)), help}
			for j, q := range qs {
				u.Answers = append(u.Answers, digest.Answer{Question: q.Text, Role: q.Role, Text: texts[j]})
			}
		}
		_, err := dg.SaveUpdate(u)
		y.must(err)
	}
}

func (y *yearBuilder) digestPost(week digest.Week) {
	y.tb.Helper()
	y.now = week.From.Add(4*day + 8*time.Hour)
	key := schedule.Key{Ritual: digest.Ritual, Channel: yearTeam, At: y.now}
	_, err := y.db.Digest().CommitPost(key, yearTeam, week.ID, nil, func(recs digest.WeekRecords) ([]rituals.Message, error) {
		d := digest.Build(yearTeam, week, recs, &digest.RitualStats{})
		return []rituals.Message{yearMsg(digest.KindPost+"/"+yearTeam+"/"+week.ID, digest.Ritual, digest.KindPost, rituals.Recipient{Channel: yearTeam}, d)}, nil
	})
	y.must(err)
	y.deliverAll()
}

func (y *yearBuilder) coffeeRound(w int, at time.Time) {
	y.tb.Helper()
	cs := y.db.Coffee()
	key := schedule.Key{Ritual: coffee.Ritual, Channel: yearTeam, At: at}
	id := key.String()
	perm := y.r.Perm(yearPeople)
	round := coffee.Round{ID: id, Channel: yearTeam, At: at}
	var msgs []rituals.Message
	for g := 0; g+1 < yearPeople; g += 2 {
		a, b := yearUser(perm[g]), yearUser(perm[g+1])
		grp := coffee.Group{ID: fmt.Sprintf("%s/%d", id, g/2), Members: []string{a, b}, Reason: "you have not met yet",
			Starter: "What is a small thing that made your week?", StarterID: fmt.Sprintf("s%03d", w%90), IntroKey: fmt.Sprintf("%s/intro/%d", id, g/2)}
		round.Groups = append(round.Groups, grp)
		msgs = append(msgs, yearMsg(grp.IntroKey, coffee.Ritual, coffee.KindIntro, rituals.Recipient{Group: grp.Members}, coffee.IntroData{
			RoundID: id, GroupID: grp.ID, Reason: grp.Reason, Starter: grp.Starter, Until: at.Add(7 * day),
			Participants: []coffee.Participant{{ID: a, Name: "Ana " + a, TimeZone: "Europe/Berlin", LocalTime: "10:00"}, {ID: b, Name: "Raj " + b, TimeZone: "Asia/Kolkata", LocalTime: "14:30"}}}))
	}
	y.must(cs.CommitRound(key, round, nil, msgs, []timers.Task{{Key: id + "/followup", Ritual: coffee.Ritual, Kind: coffee.TaskFollowUp, Due: at.Add(3 * day)}}))
	y.deliverAll()
	// Seven groups in ten answer.
	for i, g := range round.Groups {
		if i%10 < 7 {
			_, err := cs.Answer(id, g.ID, coffee.AnswerMet, g.Members[0])
			y.must(err)
		}
	}
	y.now = at.Add(3 * day)
	_, err := cs.CompleteTask(id+"/followup", nil)
	y.must(err)
}

func (y *yearBuilder) icebreaker(w int, at time.Time) {
	y.tb.Helper()
	ib := y.db.Icebreakers()
	key := schedule.Key{Ritual: icebreaker.Ritual, Channel: yearTeam, At: at}
	postKey := icebreaker.KindQuestion + "/" + key.String()
	round := icebreaker.Round{ID: key.String(), Channel: yearTeam, QuestionID: fmt.Sprintf("q%03d", w), Question: "What did you want to be as a child?", PostedAt: at, PostKey: postKey}
	msg := yearMsg(postKey, icebreaker.Ritual, icebreaker.KindQuestion, rituals.Recipient{Channel: yearTeam}, round)
	closeKey := key.String() + "/close"
	y.must(ib.CommitRound(key, round, []rituals.Message{msg}, []timers.Task{{Key: closeKey, Ritual: icebreaker.Ritual, Kind: icebreaker.KindClosing, Due: at.Add(2 * day)}}))
	y.deliverAll()
	_, err := ib.CloseRound(closeKey, yearTeam, round.ID, 40+y.r.IntN(60), nil)
	y.must(err)
}

func (y *yearBuilder) kudos(week digest.Week, w, n int) {
	y.tb.Helper()
	for i := range n {
		y.now = week.From.Add(time.Duration(i) * 30 * time.Minute)
		from, to := yearUser(y.r.IntN(yearPeople)), yearUser(y.r.IntN(yearPeople))
		k := digest.Kudos{ID: fmt.Sprintf("k%d-%03d", w, i), Channel: yearTeam, Week: week.ID, From: from, To: []string{to}, Reason: "for " + yearWords(y.r, 5+y.r.IntN(15)), At: y.now}
		msg := yearMsg(digest.KindKudos+"/"+k.ID+"/"+to, digest.Ritual, digest.KindKudos, rituals.Recipient{User: to}, digest.KudosData{Channel: yearTeam, KudosID: k.ID, From: from, Reason: k.Reason})
		y.must(y.db.Digest().AddKudos(k, []rituals.Message{msg}))
	}
	y.deliverAll()
}

func (y *yearBuilder) feedback(w int, at time.Time) {
	y.tb.Helper()
	fb := y.db.Feedback()
	key := schedule.Key{Ritual: feedback.Ritual, Channel: yearFeedback, At: at}
	p := feedback.Prompt{ID: key.String(), Channel: yearFeedback, QuestionID: fmt.Sprintf("f%03d", w), Question: "What should we stop doing?",
		Asked: yearPeople, MinAnswers: 5, OpenedAt: at, ClosesAt: at.Add(3 * day)}
	tokens := make([][]byte, yearPeople)
	var msgs []rituals.Message
	for i := range yearPeople {
		u := yearUser(i)
		p.Recipients = append(p.Recipients, u)
		tokens[i] = make([]byte, 32)
		for j := range tokens[i] {
			tokens[i][j] = byte(y.r.IntN(256))
		}
		msgs = append(msgs, yearMsg(p.ID+"/dm/"+u, feedback.Ritual, feedback.KindPrompt, rituals.Recipient{User: u},
			feedback.PromptData{PromptID: p.ID, Channel: yearFeedback, Question: p.Question, ClosesAt: p.ClosesAt, MinAnswers: 5, Explanation: "Nobody, not even the admins, can see who answered."}))
	}
	closeKey := p.ID + "/close"
	y.must(fb.CreatePrompt(key, p, tokens, msgs, []timers.Task{{Key: closeKey, Ritual: feedback.Ritual, Kind: "feedback.close", Due: p.ClosesAt}}))
	y.deliverAll()
	for i := range 60 + y.r.IntN(60) {
		y.must(fb.PutAnswer(p.ID, tokens[i], feedback.Answer{Text: yearWords(y.r, 10+y.r.IntN(50)), Question: p.Question}))
	}
	y.now = p.ClosesAt
	_, err := fb.ClosePrompt(p.ID, closeKey, func(b feedback.Batch) (feedback.Outcome, error) {
		rel := &feedback.Release{Key: feedback.KindRelease + "/" + p.ID, PromptID: p.ID, Channel: yearFeedback, Question: p.Question, Answers: len(b.Answers), At: y.now}
		data := feedback.ReleaseData{PromptID: p.ID, Question: p.Question, Count: len(b.Answers)}
		for _, a := range b.Answers {
			data.Answers = append(data.Answers, a.Text)
		}
		return feedback.Outcome{Release: rel, Count: len(b.Answers), Msgs: []rituals.Message{yearMsg(rel.Key, feedback.Ritual, feedback.KindRelease, rituals.Recipient{Channel: yearFeedback}, data)}}, nil
	})
	y.must(err)
	y.deliverAll()
}

// newYearRand returns the builder's random source: the same year every time.
func newYearRand() *rand.Rand { return rand.New(rand.NewPCG(2026, 13)) }

// buildYear writes the first weeks of the year into a new database at path.
func buildYear(tb testing.TB, path string, weeks int) {
	tb.Helper()
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	y := &yearBuilder{tb: tb, db: db, r: newYearRand()}
	db.Now = func() time.Time { return y.now }
	for i := range yearPeople {
		y.must(db.Coffee().SetMembership(yearTeam, yearUser(i), coffee.Membership{Joined: true}, nil))
	}
	left := yearKudos
	for w := range weeks {
		n := left / (yearWeeks - w)
		left -= n
		y.week(w, n)
	}
	y.must(db.Close())
}

// yearFile returns a copy, in a fresh temporary directory, of the database of the year's first
// weeks: built once and cached in the system's temporary directory (a year takes half a minute
// to build), named after the builder's version and the schema.
func yearFile(tb testing.TB, weeks int) string {
	tb.Helper()
	cache := filepath.Join(os.TempDir(), fmt.Sprintf("ritualbot-year-v%d-schema%d-%dw.db", yearVersion, SchemaVersion(), weeks))
	if _, err := os.Stat(cache); err != nil {
		start := time.Now()
		tmp := cache + fmt.Sprintf(".%d.tmp", os.Getpid())
		os.Remove(tmp)
		buildYear(tb, tmp, weeks)
		if err := os.Rename(tmp, cache); err != nil {
			tb.Fatal(err)
		}
		tb.Logf("built %d weeks of data in %s: %s", weeks, time.Since(start).Round(time.Millisecond), cache)
	}
	path := filepath.Join(tb.TempDir(), "year.db")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	err = copyFrom(f, cache)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
	return path
}
