package digest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// fakeStats is a hand-written digest.Stats.
type fakeStats struct {
	from, to time.Time
	stats    digest.RitualStats
	err      error
}

func (f *fakeStats) WeekStats(_ context.Context, _ string, from, to time.Time) (digest.RitualStats, error) {
	f.from, f.to = from, to
	return f.stats, f.err
}

func TestDigestHelpWantedFirstAndHowManyShared(t *testing.T) {
	stats := &fakeStats{stats: digest.RitualStats{
		Numbers:  digest.Numbers{CoffeeGroups: 4, CoffeeMet: 3, IcebreakerAnswers: 11, FeedbackAnswers: 5},
		Feedback: []digest.FeedbackRelease{{Question: "What should we stop doing?", Answers: []string{"Friday deploys", "Long standups"}, Responses: []digest.FeedbackResponse{{User: "UADMIN", Text: "Agreed on deploys."}}}},
	}}
	e := newEnv(t, berlinChannel(t, false), monday)
	e.stats = stats
	e.restart()
	for i := 1; i <= 8; i++ {
		e.dir.add(person(fmt.Sprintf("U%d", i), fmt.Sprintf("P%d", i), "Europe/Berlin"))
	}
	e.runJob(digest.RitualCheckin)
	ctx := context.Background()
	at := e.clock.Now()
	for i := 1; i <= 6; i++ {
		help := ""
		if i == 2 || i == 5 {
			help = fmt.Sprintf("Could use a second pair of eyes on PR %d", i)
		}
		at = at.Add(time.Minute)
		if _, err := e.svc.Submit(ctx, chanID, fmt.Sprintf("U%d", i), answers(fmt.Sprintf("progress %d", i), fmt.Sprintf("next %d", i), help), at); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Skip(ctx, chanID, "U7", at); err != nil {
		t.Fatal(err)
	}
	// U8 says nothing.
	if _, err := e.svc.Kudos(ctx, chanID, person("U1", "P1", ""), []rituals.Person{person("U3", "P3", ""), person("U4", "P4", "")}, "for untangling the release", at); err != nil {
		t.Fatal(err)
	}

	key := e.runJob(digest.Ritual)
	if got := key.String(); got != "digest/"+chanID+"/2026-11-27T16:00" {
		t.Errorf("post key = %s", got)
	}
	posts := e.outbox(digest.KindPost)
	if len(posts) != 1 || posts[0].To.Channel != chanID || posts[0].Key != digest.PostKey(key) {
		t.Fatalf("posts = %+v", posts)
	}
	d := decode[digest.Digest](t, posts[0].Data)
	if d.Week.ID != "2026-W48" || !d.Week.To.Equal(key.At) || !d.Week.From.Equal(time.Date(2026, time.November, 20, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("week = %+v", d.Week)
	}
	if d.Shared != 6 || d.Asked != 8 {
		t.Errorf("shared %d of %d, want 6 of 8", d.Shared, d.Asked)
	}
	if len(d.HelpWanted) != 2 || d.HelpWanted[0].User != "U2" || d.HelpWanted[1].User != "U5" || d.HelpWanted[0].Text != "Could use a second pair of eyes on PR 2" {
		t.Errorf("help wanted = %+v", d.HelpWanted)
	}
	if len(d.Updates) != 6 || d.Updates[0].User != "U1" || d.Updates[5].User != "U6" {
		t.Fatalf("updates = %+v", d.Updates)
	}
	for _, u := range d.Updates {
		for _, a := range u.Answers {
			if a.Role == digest.RoleHelp {
				t.Errorf("%s's help answer is repeated in their update", u.User)
			}
		}
	}
	if len(d.Kudos) != 1 || d.Kudos[0].Reason != "for untangling the release" || !slices.Equal(d.Kudos[0].To, []string{"U3", "U4"}) {
		t.Errorf("kudos = %+v", d.Kudos)
	}
	if d.Stats == nil || d.Stats.CoffeeGroups != 4 || d.Stats.IcebreakerAnswers != 11 || len(d.Feedback) != 1 || d.Feedback[0].Responses[0].Text != "Agreed on deploys." {
		t.Errorf("stats %+v feedback %+v", d.Stats, d.Feedback)
	}
	if !stats.from.Equal(d.Week.From) || !stats.to.Equal(d.Week.To) {
		t.Errorf("stats asked for %s–%s", stats.from, stats.to)
	}
	// Transparency, not monitoring: who skipped or said nothing is not in the post.
	raw := string(posts[0].Data)
	for _, quiet := range []string{`"U7"`, `"U8"`} {
		if strings.Contains(raw, quiet) {
			t.Errorf("the digest names %s, who did not share", quiet)
		}
	}
	// Help wanted comes first in the structure the edge renders in order.
	if strings.Index(raw, `"help_wanted"`) > strings.Index(raw, `"updates"`) {
		t.Errorf("help wanted is not before the updates: %s", raw[:200])
	}

	// The post completed the week's reminder, and what is shared now goes into next week.
	for _, task := range e.tasks() {
		if task.Kind == digest.TaskRemind {
			t.Errorf("reminder left after the post: %s", task.Key)
		}
	}
	u, err := e.svc.Submit(ctx, chanID, "U8", answers("late", "next", ""), key.At.Add(time.Minute))
	if err != nil || u.Week != "2026-W49" {
		t.Fatalf("late update went to %s (%v), want 2026-W49", u.Week, err)
	}
}

func TestDigestNowThenTheScheduledPostPostsNothing(t *testing.T) {
	e := newEnv(t, berlinChannel(t, false), monday)
	team(e)
	e.runJob(digest.RitualCheckin)
	ctx := context.Background()
	if _, err := e.svc.Submit(ctx, chanID, "UBERLIN", answers("a", "b", "c"), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	preview, err := e.svc.Preview(ctx, chanID, e.clock.Now())
	if err != nil || preview.Shared != 1 || preview.Asked != 3 {
		t.Fatalf("preview = %+v, %v", preview, err)
	}
	if n := len(e.outbox(digest.KindPost)); n != 0 {
		t.Fatalf("preview posted %d", n)
	}
	d, err := e.svc.PostNow(ctx, chanID, e.clock.Now())
	if err != nil || d.Week.ID != "2026-W48" || d.Shared != 1 {
		t.Fatalf("digest now = %+v, %v", d, err)
	}
	// Shared after the early post: next week's.
	u, err := e.svc.Submit(ctx, chanID, "UTOKYO", answers("a", "b", ""), e.clock.Now().Add(time.Hour))
	if err != nil || u.Week != "2026-W49" {
		t.Fatalf("update after digest now went to %s (%v)", u.Week, err)
	}
	e.runJob(digest.Ritual)
	if n := len(e.outbox(digest.KindPost)); n != 1 {
		t.Fatalf("%d posts; the scheduled post of a week already posted must post nothing", n)
	}
	// Running the same occurrence again is refused by its key.
	j := e.job(digest.Ritual)
	at := j.Spec.Next(monday)
	if err := e.svc.Post(ctx, schedule.Key{Ritual: digest.Ritual, Channel: chanID, At: at}); !errors.Is(err, schedule.ErrAlreadyRan) {
		t.Fatalf("second post run: %v", err)
	}
}

func TestKudosValidationAndOneDMPerPerson(t *testing.T) {
	e := newEnv(t, berlinChannel(t, false), monday)
	ctx := context.Background()
	raj := person("URAJ", "Raj", "Asia/Kolkata")
	ana := person("UANA", "Ana", "Europe/Lisbon")
	me := person("UME", "Me", "Europe/Berlin")
	bot := rituals.Person{ID: "UBOT", Name: "ritualbot", Bot: true}
	gone := rituals.Person{ID: "UGONE", Name: "Gone", Deleted: true}
	cases := []struct {
		name   string
		to     []rituals.Person
		reason string
		want   string
	}{
		{"nobody", nil, "for the help", "Say who"},
		{"yourself", []rituals.Person{ana, me}, "for the help", "yourself"},
		{"a bot", []rituals.Person{bot}, "for the help", "ritualbot is a bot"},
		{"deactivated", []rituals.Person{gone}, "for the help", "deactivated"},
		{"twice", []rituals.Person{ana, raj, ana}, "for the help", "named Ana twice"},
		{"no reason", []rituals.Person{ana}, "   ", "Say what"},
		{"short reason", []rituals.Person{ana}, "ok", "at least 3"},
		{"long reason", []rituals.Person{ana}, strings.Repeat("x", 501), "500 characters"},
	}
	for _, c := range cases {
		_, err := e.svc.Kudos(ctx, chanID, me, c.to, c.reason, monday)
		if !rituals.IsPersonError(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a sentence with %q", c.name, err, c.want)
		}
	}
	if recs := e.records("2026-W48"); len(recs.Kudos) != 0 {
		t.Fatalf("bad kudos stored: %+v", recs.Kudos)
	}
	if items, _ := e.db.Pending(0, 100); len(items) != 0 {
		t.Fatalf("bad kudos queued %d messages", len(items))
	}

	reason := "  for untangling the release\n(again) & <!here>  "
	k, err := e.svc.Kudos(ctx, chanID, me, []rituals.Person{ana, raj}, reason, monday)
	if err != nil {
		t.Fatal(err)
	}
	if k.Reason != "for untangling the release\n(again) & <!here>" || k.Week != "2026-W48" {
		t.Errorf("kudos = %+v", k)
	}
	dms := e.outbox(digest.KindKudos)
	if len(dms) != 2 {
		t.Fatalf("%d kudos DMs, want 2", len(dms))
	}
	for _, dm := range dms {
		d := decode[digest.KudosData](t, dm.Data)
		if d.From != "UME" || d.Reason != k.Reason || len(d.Also) != 1 || d.Also[0] == dm.To.User {
			t.Errorf("DM to %s: %+v", dm.To.User, d)
		}
	}
	if got := e.recipients(digest.KindKudos); !slices.Equal(got, []string{"UANA", "URAJ"}) {
		t.Errorf("DMs to %v", got)
	}
	if recs := e.records("2026-W48"); len(recs.Kudos) != 1 {
		t.Errorf("%d kudos stored", len(recs.Kudos))
	}
}

func TestStatsFailureStillPosts(t *testing.T) {
	e := newEnv(t, berlinChannel(t, false), monday)
	e.stats = &fakeStats{err: errors.New("coffee store unavailable")}
	e.restart()
	d, err := e.svc.PostNow(context.Background(), chanID, monday)
	if err != nil || d.Stats != nil {
		t.Fatalf("digest = %+v, %v", d, err)
	}
}

func TestBuildIsEmptyForAQuietWeek(t *testing.T) {
	d := digest.Build(chanID, digest.Week{ID: "2026-W48"}, digest.WeekRecords{}, nil)
	if d.Shared != 0 || d.Asked != 0 || len(d.HelpWanted)+len(d.Updates)+len(d.Kudos) != 0 || d.Stats != nil {
		t.Fatalf("digest = %+v", d)
	}
}

// blindStore does not see posted weeks before writing, as when a post commits between reading and
// writing: the store's own check must catch it.
type blindStore struct{ digest.Store }

func (blindStore) Posted(string, string) (bool, error) { return false, nil }

func TestAWriteRacingThePostMovesToTheNextWeek(t *testing.T) {
	e := newEnv(t, berlinChannel(t, false), monday)
	ctx := context.Background()
	if _, err := e.svc.PostNow(ctx, chanID, monday); err != nil {
		t.Fatal(err)
	}
	e.svc.Store = blindStore{e.db.Digest()}
	u, err := e.svc.Submit(ctx, chanID, "U1", answers("a", "b", ""), monday.Add(time.Hour))
	if err != nil || u.Week != "2026-W49" {
		t.Fatalf("update went to %q (%v), want 2026-W49", u.Week, err)
	}
	k, err := e.svc.Kudos(ctx, chanID, person("U1", "One", ""), []rituals.Person{person("U2", "Two", "")}, "for the review", monday.Add(time.Hour))
	if err != nil || k.Week != "2026-W49" {
		t.Fatalf("kudos went to %q (%v), want 2026-W49", k.Week, err)
	}
	if recs := e.records("2026-W48"); len(recs.Updates)+len(recs.Kudos) != 0 {
		t.Fatalf("written into the posted week: %+v", recs)
	}
}
