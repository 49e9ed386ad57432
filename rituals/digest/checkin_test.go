package digest_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// team adds three people in three zones and the members a check-in must leave out.
func team(e *env) {
	e.dir.add(
		person("UTOKYO", "Aiko", "Asia/Tokyo"),
		person("UBERLIN", "Ben", "Europe/Berlin"),
		person("UNEWYORK", "Nia", "America/New_York"),
		rituals.Person{ID: "UBOT", Name: "ritualbot", Bot: true},
		rituals.Person{ID: "UGONE", Name: "Gone", Deleted: true, TimeZone: "Europe/Berlin"},
		rituals.Person{ID: "UGUEST", Name: "Guest", Guest: true, TimeZone: "Europe/Berlin"},
		person("UAWAY", "Ana", "Europe/Lisbon"),
	)
	if _, err := e.away.SetAway(person("UAWAY", "Ana", "Europe/Lisbon"), "2026-12-24", e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
}

func TestLocalCheckinPlansOneTaskPerPersonAtTheirOwnTen(t *testing.T) {
	e := newEnv(t, berlinChannel(t, true), monday)
	team(e)
	key := e.runJob(digest.RitualCheckin)
	// The plan runs when Thursday 10:00 first comes round anywhere: in UTC+14.
	if want := time.Date(2026, time.November, 25, 20, 0, 0, 0, time.UTC); !key.At.Equal(want) {
		t.Fatalf("plan ran at %s, want %s", key.At.UTC(), want)
	}
	if got := key.String(); got != "digest.checkin/"+chanID+"/2026-11-26T10:00" {
		t.Errorf("run key = %s", got)
	}
	if n := len(e.outbox(digest.KindCheckin)); n != 0 {
		t.Fatalf("planning sent %d DMs; the asks are tasks", n)
	}
	due := map[string]time.Time{}
	var reminders []plannedTask
	for _, task := range e.tasks() {
		switch task.Kind {
		case digest.TaskAsk:
			user := task.Key[strings.LastIndex(task.Key, "/")+1:]
			due[user] = task.Due
			if want := digest.AskTaskKey(chanID, "2026-W48", user); task.Key != want {
				t.Errorf("task key %s, want %s", task.Key, want)
			}
		case digest.TaskRemind:
			reminders = append(reminders, plannedTask{task.Key, task.Due})
		}
	}
	want := map[string]time.Time{
		"UTOKYO":   time.Date(2026, time.November, 26, 10, 0, 0, 0, mustLoad(t, "Asia/Tokyo")),
		"UBERLIN":  time.Date(2026, time.November, 26, 10, 0, 0, 0, mustLoad(t, "Europe/Berlin")),
		"UNEWYORK": time.Date(2026, time.November, 26, 10, 0, 0, 0, mustLoad(t, "America/New_York")),
	}
	if len(due) != len(want) {
		t.Fatalf("ask tasks for %v, want exactly %v (no bot, deactivated, guest or away person)", due, want)
	}
	for u, w := range want {
		if !due[u].Equal(w) {
			t.Errorf("%s is asked at %s, want %s (%s UTC)", u, due[u].UTC(), w, w.UTC())
		}
	}
	if len(reminders) != 1 || !reminders[0].due.Equal(time.Date(2026, time.November, 27, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("reminders = %v, want one on Friday 12:00 Berlin", reminders)
	}

	// Each DM goes at the person's own time, and not before.
	e.clock.Set(time.Date(2026, time.November, 26, 1, 30, 0, 0, time.UTC))
	e.runTasks()
	if got := e.recipients(digest.KindCheckin); !slices.Equal(got, []string{"UTOKYO"}) {
		t.Errorf("at 01:30 UTC asked %v, want Tokyo only", got)
	}
	dm := e.outbox(digest.KindCheckin)[0]
	data := decode[digest.CheckinData](t, dm.Data)
	if data.Week.ID != "2026-W48" || len(data.Questions) != 3 || data.Questions[2].Role != digest.RoleHelp || data.Channel != chanID {
		t.Errorf("check-in data = %+v", data)
	}
	if dm.Key != digest.CheckinKey(chanID, "2026-W48", "UTOKYO") {
		t.Errorf("DM key = %s", dm.Key)
	}
}

type plannedTask struct {
	key string
	due time.Time
}

func TestRestartMidwayAsksNobodyTwice(t *testing.T) {
	e := newEnv(t, berlinChannel(t, true), monday)
	team(e)
	key := e.runJob(digest.RitualCheckin)

	// Tokyo and Berlin are asked; the process stops before New York's time.
	e.clock.Set(time.Date(2026, time.November, 26, 9, 30, 0, 0, time.UTC))
	e.runTasks()
	if got := e.recipients(digest.KindCheckin); !slices.Equal(got, []string{"UBERLIN", "UTOKYO"}) {
		t.Fatalf("before the restart asked %v", got)
	}

	e.restart()
	// The scheduler may hand the same occurrence over again (catch-up): it is recorded.
	if err := e.svc.Checkin(context.Background(), key); !errors.Is(err, schedule.ErrAlreadyRan) {
		t.Fatalf("check-in run again: %v, want ErrAlreadyRan", err)
	}
	e.runTasks()
	e.clock.Set(time.Date(2026, time.November, 26, 15, 0, 0, 0, time.UTC))
	e.runTasks()
	if got := e.recipients(digest.KindCheckin); !slices.Equal(got, []string{"UBERLIN", "UNEWYORK", "UTOKYO"}) {
		t.Fatalf("after the restart asked %v, want each person once", got)
	}
	// An admin's "checkin now" afterwards asks nobody again.
	n, err := e.svc.CheckinNow(context.Background(), chanID, e.clock.Now())
	if err != nil || n != 0 {
		t.Fatalf("checkin now asked %d (%v), want 0", n, err)
	}
	if got := len(e.outbox(digest.KindCheckin)); got != 3 {
		t.Fatalf("%d check-in DMs queued, want 3", got)
	}
	for _, task := range e.tasks() {
		if task.Kind == digest.TaskAsk {
			t.Errorf("ask task left behind: %s", task.Key)
		}
	}
}

func TestCheckinNowBeforeTheScheduleCompletesThePlannedAsks(t *testing.T) {
	e := newEnv(t, berlinChannel(t, true), monday)
	team(e)
	e.runJob(digest.RitualCheckin)
	e.clock.Set(time.Date(2026, time.November, 26, 2, 0, 0, 0, time.UTC))
	e.runTasks() // Tokyo
	n, err := e.svc.CheckinNow(context.Background(), chanID, e.clock.Now())
	if err != nil || n != 2 {
		t.Fatalf("checkin now asked %d (%v), want Berlin and New York", n, err)
	}
	e.clock.Set(time.Date(2026, time.November, 26, 23, 0, 0, 0, time.UTC))
	e.runTasks()
	if got := e.recipients(digest.KindCheckin); !slices.Equal(got, []string{"UBERLIN", "UNEWYORK", "UTOKYO"}) {
		t.Fatalf("asked %v, want each once", got)
	}
}

func TestCheckinWithoutLocalTimeAsksEveryoneInTheRun(t *testing.T) {
	e := newEnv(t, berlinChannel(t, false), monday)
	team(e)
	key := e.runJob(digest.RitualCheckin)
	if got := key.String(); got != "digest.checkin/"+chanID+"/2026-11-26T10:00" {
		t.Errorf("run key = %s", got)
	}
	if got := e.recipients(digest.KindCheckin); !slices.Equal(got, []string{"UBERLIN", "UNEWYORK", "UTOKYO"}) {
		t.Fatalf("asked %v", got)
	}
	for _, task := range e.tasks() {
		if task.Kind == digest.TaskAsk {
			t.Errorf("unexpected ask task %s", task.Key)
		}
	}
}

func TestAwayAfterPlanningIsNotAsked(t *testing.T) {
	e := newEnv(t, berlinChannel(t, true), monday)
	team(e)
	e.runJob(digest.RitualCheckin)
	if _, err := e.away.SetAway(person("UNEWYORK", "Nia", "America/New_York"), "2026-11-30", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2026, time.November, 27, 0, 0, 0, 0, time.UTC))
	e.runTasks()
	if got := e.recipients(digest.KindCheckin); !slices.Equal(got, []string{"UBERLIN", "UTOKYO"}) {
		t.Fatalf("asked %v; Nia went away after the plan", got)
	}
	st, err := e.svc.WeekStatus(chanID, "UNEWYORK", e.clock.Now())
	if err != nil || st.State != digest.StateAway || st.Away == nil || st.Away.Until != "2026-11-30" {
		t.Fatalf("status = %+v, %v", st, err)
	}
}

func TestLatePlanSkipsPeopleWhoseTimePassedBeyondGrace(t *testing.T) {
	e := newEnv(t, berlinChannel(t, true), monday)
	team(e)
	j := e.job(digest.RitualCheckin)
	at := j.Spec.Next(monday)
	// Down from before the plan until Thursday 12:00 UTC: Tokyo's 10:00 was 11 hours ago, beyond
	// the 6 h grace; Berlin's was 3 hours ago; New York's is to come.
	e.clock.Set(time.Date(2026, time.November, 26, 12, 0, 0, 0, time.UTC))
	if late := e.clock.Now().Sub(at); late > j.Grace {
		t.Fatalf("the plan is %s late, beyond its grace %s", late, j.Grace)
	}
	if err := j.Run(context.Background(), schedule.Key{Ritual: j.Ritual, Channel: j.Channel, At: at}); err != nil {
		t.Fatal(err)
	}
	e.runTasks()
	if got := e.recipients(digest.KindCheckin); !slices.Equal(got, []string{"UBERLIN"}) {
		t.Fatalf("asked at once %v, want Berlin (late but within grace)", got)
	}
	e.clock.Set(time.Date(2026, time.November, 26, 16, 0, 0, 0, time.UTC))
	e.runTasks()
	if got := e.recipients(digest.KindCheckin); !slices.Equal(got, []string{"UBERLIN", "UNEWYORK"}) {
		t.Fatalf("asked %v, want Berlin and New York; Tokyo's time passed beyond grace", got)
	}
}

func TestSecondSubmissionReplacesTheFirst(t *testing.T) {
	e := newEnv(t, berlinChannel(t, false), monday)
	team(e)
	e.runJob(digest.RitualCheckin)
	ctx := context.Background()
	first := e.clock.Now().Add(time.Hour)
	if _, err := e.svc.Submit(ctx, chanID, "UBERLIN", answers("Shipped the exporter", "The importer", ""), first); err != nil {
		t.Fatal(err)
	}
	second := first.Add(3 * time.Hour)
	u, err := e.svc.Submit(ctx, chanID, "UBERLIN", answers("Shipped the exporter\nand the docs", "The importer, <!channel> & all", "A review of #412"), second)
	if err != nil {
		t.Fatal(err)
	}
	if u.Week != "2026-W48" || !u.First.Equal(first) || !u.At.Equal(second) {
		t.Errorf("saved %s first %s at %s", u.Week, u.First, u.At)
	}
	recs := e.records("2026-W48")
	if len(recs.Updates) != 1 {
		t.Fatalf("%d updates stored, want 1", len(recs.Updates))
	}
	got := recs.Updates[0]
	if got.Answers[0].Text != "Shipped the exporter\nand the docs" || got.Answers[1].Text != "The importer, <!channel> & all" {
		t.Errorf("stored %+v; want the second submission as typed", got.Answers)
	}
	if !got.At.Equal(second) || !got.First.Equal(first) {
		t.Errorf("at %s first %s; want %s and %s", got.At, got.First, second, first)
	}
	// A skip replaces it too, and sharing again replaces the skip.
	if _, err := e.svc.Skip(ctx, chanID, "UBERLIN", second.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if recs := e.records("2026-W48"); len(recs.Updates) != 1 || !recs.Updates[0].Skipped {
		t.Fatalf("after skip: %+v", recs.Updates)
	}
	hist, err := e.svc.History(chanID, "UBERLIN", second.Add(2*time.Minute))
	if err != nil || len(hist) != 1 || !hist[0].Skipped {
		t.Fatalf("history = %+v, %v", hist, err)
	}
}

func TestReminderOnlyToThoseWithoutAnAnswer(t *testing.T) {
	e := newEnv(t, berlinChannel(t, false), monday)
	e.dir.add(person("U1", "One", "Europe/Berlin"), person("U2", "Two", "Europe/Berlin"),
		person("U3", "Three", "Europe/Berlin"), person("U4", "Four", "Europe/Berlin"), person("U5", "Five", "Europe/Berlin"))
	e.runJob(digest.RitualCheckin)
	ctx := context.Background()
	now := e.clock.Now().Add(time.Hour)
	if _, err := e.svc.Submit(ctx, chanID, "U1", answers("a", "b", ""), now); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Skip(ctx, chanID, "U2", now); err != nil {
		t.Fatal(err)
	}
	if _, err := e.away.SetAway(person("U5", "Five", "Europe/Berlin"), "2026-11-28", now); err != nil {
		t.Fatal(err)
	}
	// Someone not asked (joined late) is not reminded either.
	e.dir.add(person("U6", "Six", "Europe/Berlin"))

	e.clock.Set(time.Date(2026, time.November, 27, 11, 0, 0, 0, time.UTC)) // Friday 12:00 Berlin
	e.runTasks()
	if got := e.recipients(digest.KindReminder); !slices.Equal(got, []string{"U3", "U4"}) {
		t.Fatalf("reminded %v, want U3 and U4", got)
	}
	rd := decode[digest.ReminderData](t, e.outbox(digest.KindReminder)[0].Data)
	if rd.Week.ID != "2026-W48" || !rd.Week.To.Equal(time.Date(2026, time.November, 27, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("reminder data = %+v", rd)
	}
	// The reminder ran once: running again sends nothing more.
	e.runTasks()
	if n := len(e.outbox(digest.KindReminder)); n != 2 {
		t.Fatalf("%d reminders, want 2", n)
	}
}

func TestFormShowsLastWeeksNext(t *testing.T) {
	e := newEnv(t, berlinChannel(t, false), monday)
	team(e)
	ctx := context.Background()
	if _, err := e.svc.Submit(ctx, chanID, "UBERLIN", answers("Did X", "Start the migration", ""), monday); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2026, time.November, 28, 9, 0, 0, 0, time.UTC))
	e.runJob(digest.RitualCheckin) // Thursday of W49
	dms := e.outbox(digest.KindCheckin)
	if len(dms) != 3 {
		t.Fatalf("%d DMs", len(dms))
	}
	for _, dm := range dms {
		d := decode[digest.CheckinData](t, dm.Data)
		if d.Week.ID != "2026-W49" {
			t.Errorf("week %s", d.Week.ID)
		}
		switch dm.To.User {
		case "UBERLIN":
			if d.LastNext == nil || d.LastNext.Text != "Start the migration" || d.LastNext.Week != "2026-W48" {
				t.Errorf("Ben's last next = %+v", d.LastNext)
			}
		default:
			if d.LastNext != nil {
				t.Errorf("%s has a last next %+v", dm.To.User, d.LastNext)
			}
		}
	}
	f, err := e.svc.Form(chanID, "UBERLIN", e.clock.Now())
	if err != nil || f.LastNext == nil || f.LastNext.Text != "Start the migration" || f.Current != nil || f.Week.ID != "2026-W49" {
		t.Fatalf("form = %+v, %v", f, err)
	}
	if _, err := e.svc.Submit(ctx, chanID, "UBERLIN", answers("Migrated", "Clean up", ""), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f, _ = e.svc.Form(chanID, "UBERLIN", e.clock.Now())
	if f.Current == nil || f.Current.Answers[0].Text != "Migrated" {
		t.Fatalf("form current = %+v", f.Current)
	}
}

func TestWeekStatus(t *testing.T) {
	e := newEnv(t, berlinChannel(t, false), monday)
	team(e)
	ctx := context.Background()
	status := func(user string) digest.State {
		t.Helper()
		st, err := e.svc.WeekStatus(chanID, user, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return st.State
	}
	if got := status("UBERLIN"); got != digest.StateNotAsked {
		t.Errorf("before the check-in: %s", got)
	}
	e.runJob(digest.RitualCheckin)
	if got := status("UBERLIN"); got != digest.StateAsked {
		t.Errorf("asked: %s", got)
	}
	if got := status("UAWAY"); got != digest.StateAway {
		t.Errorf("away: %s", got)
	}
	if _, err := e.svc.Submit(ctx, chanID, "UBERLIN", answers("x", "y", ""), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Skip(ctx, chanID, "UTOKYO", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := status("UBERLIN"); got != digest.StateUpdated {
		t.Errorf("updated: %s", got)
	}
	if got := status("UTOKYO"); got != digest.StateSkipped {
		t.Errorf("skipped: %s", got)
	}
}

func TestBadAnswersStoreNothing(t *testing.T) {
	e := newEnv(t, berlinChannel(t, false), monday)
	team(e)
	ctx := context.Background()
	long := strings.Repeat("é", 10_000)
	cases := []struct {
		name    string
		answers []string
		fields  []int
		want    string
	}{
		{"all empty", answers("", "  \n ", ""), []int{0, 1}, "Skip this week"},
		{"progress empty", answers("", "next", "help"), []int{0}, "Say something here"},
		{"10 kB", answers(long, "next", ""), []int{0}, "10,000 characters"},
		{"help too long", answers("ok", "next", strings.Repeat("x", digest.MaxAnswer+1)), []int{2}, "3,000"},
	}
	for _, c := range cases {
		_, err := e.svc.Submit(ctx, chanID, "UBERLIN", c.answers, monday)
		var pe *rituals.PersonError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a sentence with %q", c.name, err, c.want)
			continue
		}
		var fields []int
		for i := range pe.Fields {
			fields = append(fields, i)
		}
		slices.Sort(fields)
		if !slices.Equal(fields, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.name, fields, c.fields)
		}
	}
	// Exactly at the limit is fine; the help question may stay blank.
	if _, err := e.svc.Submit(ctx, chanID, "UTOKYO", answers(strings.Repeat("é", digest.MaxAnswer), "next", ""), monday); err != nil {
		t.Fatalf("3,000 characters: %v", err)
	}
	recs := e.records("2026-W48")
	if len(recs.Updates) != 1 || recs.Updates[0].User != "UTOKYO" {
		t.Fatalf("stored %+v; the bad submissions must store nothing", recs.Updates)
	}
	if _, err := e.svc.Submit(ctx, chanID, "UBERLIN", []string{"only one"}, monday); err == nil || rituals.IsPersonError(err) {
		t.Errorf("wrong answer count: %v, want a programming error", err)
	}
}
