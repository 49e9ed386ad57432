package coffee_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

const channel = "C0COFFEE"

var monday = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// fakeStore keeps the ritual's records in memory, as the bbolt store does: a round, the choices it
// changed, its messages and tasks are committed together.
type fakeStore struct {
	coffee.Store // methods a test does not expect to be called panic

	ran         map[string]bool
	memberships map[string]coffee.Membership
	rounds      []coffee.Round // newest first
	msgs        []rituals.Message
	tasks       []timers.Task
	avoids      [][2]string
	starters    map[string]time.Time
	followedUp  map[string]bool
	hours       map[string]coffee.Hours
}

func newFakeStore() *fakeStore {
	return &fakeStore{ran: map[string]bool{}, memberships: map[string]coffee.Membership{}, starters: map[string]time.Time{}, followedUp: map[string]bool{}, hours: map[string]coffee.Hours{}}
}

func (f *fakeStore) Memberships(string) (map[string]coffee.Membership, error) {
	out := map[string]coffee.Membership{}
	for id, m := range f.memberships {
		out[id] = m
	}
	return out, nil
}

func (f *fakeStore) SetMembership(_, user string, m coffee.Membership, msgs []rituals.Message) error {
	f.memberships[user] = m
	f.msgs = append(f.msgs, msgs...)
	return nil
}

func (f *fakeStore) Rounds(_ string, limit int) ([]coffee.Round, error) {
	if limit > 0 && limit < len(f.rounds) {
		return slices.Clone(f.rounds[:limit]), nil
	}
	return slices.Clone(f.rounds), nil
}

func (f *fakeStore) CommitRound(key schedule.Key, round coffee.Round, members map[string]coffee.Membership, msgs []rituals.Message, tasks []timers.Task) error {
	if f.ran[key.String()] {
		return schedule.ErrAlreadyRan
	}
	f.ran[key.String()] = true
	f.rounds = append([]coffee.Round{round}, f.rounds...)
	for id, m := range members {
		f.memberships[id] = m
	}
	for _, g := range round.Groups {
		if g.StarterID != "" {
			f.starters[g.StarterID] = round.At
		}
	}
	f.msgs = append(f.msgs, msgs...)
	f.tasks = append(f.tasks, tasks...)
	return nil
}

func (f *fakeStore) Answer(roundID, groupID, answer, by string) (coffee.Group, error) {
	for i := range f.rounds {
		for j := range f.rounds[i].Groups {
			g := &f.rounds[i].Groups[j]
			if f.rounds[i].ID != roundID || g.ID != groupID {
				continue
			}
			if g.Answer != "" {
				return *g, coffee.ErrAnswered
			}
			g.Answer, g.AnsweredBy = answer, by
			return *g, nil
		}
	}
	return coffee.Group{}, fmt.Errorf("no group %s", groupID)
}

func (f *fakeStore) UpdateGroup(roundID, groupID string, change func(*coffee.Group) error) (coffee.Group, error) {
	for i := range f.rounds {
		for j := range f.rounds[i].Groups {
			if g := &f.rounds[i].Groups[j]; f.rounds[i].ID == roundID && g.ID == groupID {
				if err := change(g); err != nil {
					return *g, err
				}
				return *g, nil
			}
		}
	}
	return coffee.Group{}, fmt.Errorf("no group %s", groupID)
}

func (f *fakeStore) Hours(users []string) (map[string]coffee.Hours, error) {
	out := map[string]coffee.Hours{}
	for _, u := range users {
		if h, ok := f.hours[u]; ok {
			out[u] = h
		}
	}
	return out, nil
}

func (f *fakeStore) SetHours(user string, h coffee.Hours) error {
	f.hours[user] = h
	return nil
}

func (f *fakeStore) CompleteTask(taskKey string, msgs []rituals.Message) (bool, error) {
	if f.followedUp[taskKey] {
		return false, nil
	}
	f.followedUp[taskKey] = true
	f.msgs = append(f.msgs, msgs...)
	return true, nil
}

func (f *fakeStore) Avoids(user string) ([]string, error) {
	var out []string
	for _, p := range f.avoids {
		if p[0] == user {
			out = append(out, p[1])
		}
	}
	return out, nil
}

func (f *fakeStore) SetAvoid(user, other string, avoid bool) error {
	f.avoids = slices.DeleteFunc(f.avoids, func(p [2]string) bool { return p == [2]string{user, other} })
	if avoid {
		f.avoids = append(f.avoids, [2]string{user, other})
	}
	return nil
}

func (f *fakeStore) AllAvoids() ([][2]string, error) { return slices.Clone(f.avoids), nil }

func (f *fakeStore) StartersAsked(string) (map[string]time.Time, error) { return f.starters, nil }

// messagesOf returns the queued messages of one kind.
func (f *fakeStore) messagesOf(kind string) []rituals.Message {
	var out []rituals.Message
	for _, m := range f.msgs {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// fakeDirectory is a workspace: the channel's members and who they are.
type fakeDirectory struct {
	members []string
	people  map[string]rituals.Person
}

func (d *fakeDirectory) Members(context.Context, string) ([]string, error) {
	return slices.Clone(d.members), nil
}

func (d *fakeDirectory) Person(_ context.Context, id string) (rituals.Person, error) {
	p, ok := d.people[id]
	if !ok {
		return rituals.Person{}, fmt.Errorf("user_not_found")
	}
	return p, nil
}

func (d *fakeDirectory) People(ctx context.Context, ids []string) ([]rituals.Person, error) {
	var out []rituals.Person
	for _, id := range ids {
		p, err := d.Person(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// add puts a person in the workspace and the channel.
func (d *fakeDirectory) add(p rituals.Person) {
	if p.TimeZone == "" {
		p.TimeZone = "Europe/Berlin"
	}
	if p.Name == "" {
		p.Name = p.ID
	}
	d.people[p.ID] = p
	d.members = append(d.members, p.ID)
}

type awaySet map[string]bool

func (a awaySet) Away(user string, _ time.Time) (bool, error) { return a[user], nil }

type fixture struct {
	store *fakeStore
	dir   *fakeDirectory
	away  awaySet
	svc   *coffee.Service
	now   time.Time
}

// newFixture is a coffee channel with people U01… U0n in it, and the bot.
func newFixture(t *testing.T, n int, edit func(*coffee.Channel)) *fixture {
	t.Helper()
	f := &fixture{store: newFakeStore(), dir: &fakeDirectory{people: map[string]rituals.Person{}}, away: awaySet{}, now: monday}
	for i := 1; i <= n; i++ {
		f.dir.add(rituals.Person{ID: fmt.Sprintf("U%02d", i)})
	}
	f.dir.add(rituals.Person{ID: "UBOT", Bot: true})
	c := coffee.Channel{ID: channel, GroupSize: 2, FollowUpAfter: 7 * 24 * time.Hour, Starters: questions.ForCoffee(questions.Icebreakers()), PauseAfterIgnored: 3}
	if edit != nil {
		edit(&c)
	}
	f.svc = &coffee.Service{
		Store: f.store, Directory: f.dir, Presence: f.away, Channels: map[string]coffee.Channel{channel: c},
		BotUserID: "UBOT", Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return f.now },
	}
	return f
}

// round runs the next weekly round and returns it.
func (f *fixture) round(t *testing.T) coffee.Round {
	t.Helper()
	if len(f.store.rounds) > 0 {
		f.now = f.now.Add(7 * 24 * time.Hour)
	}
	if err := f.svc.Run(context.Background(), schedule.Key{Ritual: coffee.Ritual, Channel: channel, At: f.now}); err != nil {
		t.Fatalf("round at %s: %v", f.now, err)
	}
	return f.store.rounds[0]
}

// answerAll answers "we met" for every group of r.
func (f *fixture) answerAll(t *testing.T, r coffee.Round) {
	t.Helper()
	for _, g := range r.Groups {
		if _, err := f.svc.Answer(context.Background(), g.Members[0], r.ID, g.ID, true); err != nil {
			t.Fatal(err)
		}
	}
}

// grouped returns everyone placed in a group, and fails on anyone placed twice.
func grouped(t *testing.T, r coffee.Round) []string {
	t.Helper()
	var ids []string
	for _, g := range r.Groups {
		for _, id := range g.Members {
			if slices.Contains(ids, id) {
				t.Fatalf("%s is in two groups of one round: %+v", id, r.Groups)
			}
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func TestEveryoneWhoTakesPartIsGroupedOnceAndNobodyElse(t *testing.T) {
	f := newFixture(t, 5, nil)
	f.dir.add(rituals.Person{ID: "UGONE", Deleted: true})
	f.dir.add(rituals.Person{ID: "UGUEST", Guest: true})
	f.dir.add(rituals.Person{ID: "ULEFT"})
	f.dir.add(rituals.Person{ID: "UPAUSED"})
	f.dir.add(rituals.Person{ID: "UAWAY"})
	f.store.memberships["ULEFT"] = coffee.Membership{Left: true}
	f.store.memberships["UPAUSED"] = coffee.Membership{PausedUntil: monday.Add(48 * time.Hour)}
	f.away["UAWAY"] = true

	r := f.round(t)
	if got, want := grouped(t, r), []string{"U01", "U02", "U03", "U04", "U05"}; !slices.Equal(got, want) {
		t.Fatalf("grouped %v, want exactly %v (no bot, deactivated, guest, left, paused or away)", got, want)
	}
	if len(r.Alone) != 0 {
		t.Errorf("with five people the odd one joins a group, but %v were left alone", r.Alone)
	}
	sizes := []int{}
	for _, g := range r.Groups {
		sizes = append(sizes, len(g.Members))
	}
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int{2, 3}) {
		t.Errorf("five people in pairs should make a pair and a trio, got sizes %v", sizes)
	}
}

func TestGuestsTakePartWhenAllowed(t *testing.T) {
	f := newFixture(t, 3, func(c *coffee.Channel) { c.Guests = true })
	f.dir.add(rituals.Person{ID: "UGUEST", Guest: true})
	if got := grouped(t, f.round(t)); !slices.Contains(got, "UGUEST") {
		t.Errorf("guests: true, yet the guest was left out: %v", got)
	}
}

func TestOptInChannelGroupsOnlyThoseWhoJoined(t *testing.T) {
	f := newFixture(t, 6, func(c *coffee.Channel) { c.OptIn = true })
	for _, id := range []string{"U02", "U04", "U06"} {
		if err := f.svc.Join(context.Background(), channel, id); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := grouped(t, f.round(t)), []string{"U02", "U04", "U06"}; !slices.Equal(got, want) {
		t.Errorf("opt-in channel grouped %v, want only those who joined %v", got, want)
	}
}

func TestSomeoneWithNobodyToMeetIsToldNotIgnored(t *testing.T) {
	f := newFixture(t, 1, nil)
	r := f.round(t)
	if len(r.Groups) != 0 || !slices.Equal(r.Alone, []string{"U01"}) {
		t.Fatalf("one person: groups %+v, alone %v", r.Groups, r.Alone)
	}
	notes := f.store.messagesOf(coffee.KindAlone)
	if len(notes) != 1 || notes[0].To.User != "U01" {
		t.Errorf("the lone person should get one note, got %+v", notes)
	}
	if len(f.store.tasks) != 0 {
		t.Errorf("a round without groups needs no follow-up, got %+v", f.store.tasks)
	}
}

func TestPairsDoNotRepeatWhileNewOnesRemain(t *testing.T) {
	f := newFixture(t, 6, nil)
	met := map[[2]string]int{}
	for range 5 { // six people: five rounds of pairs without a repeat exist
		r := f.round(t)
		f.answerAll(t, r)
		for _, g := range r.Groups {
			for i, a := range g.Members {
				for _, b := range g.Members[i+1:] {
					met[[2]string{min(a, b), max(a, b)}]++
				}
			}
		}
	}
	for pair, n := range met {
		if n > 1 {
			t.Errorf("%s and %s met %d times in five rounds of six people", pair[0], pair[1], n)
		}
	}
	if len(met) != 15 {
		t.Errorf("after five rounds everyone should have met everyone once: %d of 15 pairs", len(met))
	}
}

func TestPeopleWhoAvoidEachOtherAreNeverGroupedTogether(t *testing.T) {
	f := newFixture(t, 4, nil)
	if err := f.svc.Avoid(context.Background(), "U01", "U02", true); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		r := f.round(t)
		f.answerAll(t, r)
		for _, g := range r.Groups {
			if slices.Contains(g.Members, "U01") && slices.Contains(g.Members, "U02") {
				t.Fatalf("U01 asked to avoid U02, yet they were grouped at %s", f.now)
			}
		}
	}
}

func TestAvoidRefusesYourselfAndBotsAsMistakes(t *testing.T) {
	f := newFixture(t, 2, nil)
	for _, other := range []string{"U01", "UBOT", "UNOBODY"} {
		err := f.svc.Avoid(context.Background(), "U01", other, true)
		if !rituals.IsPersonError(err) {
			t.Errorf("avoid %s: want a sentence for the person, got %v", other, err)
		}
	}
	if len(f.store.avoids) != 0 {
		t.Errorf("a refused avoid was stored: %v", f.store.avoids)
	}
}

func TestThreeUnansweredIntrosInARowPauseSomeoneAndTellThem(t *testing.T) {
	f := newFixture(t, 4, nil)
	for range 3 {
		r := f.round(t)
		for _, g := range r.Groups { // everyone answers except U04's group
			if !slices.Contains(g.Members, "U04") {
				if _, err := f.svc.Answer(context.Background(), g.Members[0], r.ID, g.ID, true); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	r := f.round(t)
	if slices.Contains(grouped(t, r), "U04") {
		t.Fatal("U04 left three intros in a row unanswered and was still grouped")
	}
	notes := f.store.messagesOf(coffee.KindPaused)
	var told []string
	for _, m := range notes {
		told = append(told, m.To.User)
	}
	if !slices.Contains(told, "U04") {
		t.Errorf("U04 was paused without being told how to come back; notes to %v", told)
	}
	for _, id := range told {
		if id != "U04" {
			var partner []string
			for _, g := range f.store.rounds[1].Groups {
				if slices.Contains(g.Members, "U04") {
					partner = g.Members
				}
			}
			if !slices.Contains(partner, id) {
				t.Errorf("%s answered their intros but was paused", id)
			}
		}
	}
	st, err := f.svc.StatusOf(context.Background(), channel, "U04")
	if err != nil {
		t.Fatal(err)
	}
	if st.In || !st.Indefinite {
		t.Errorf("U04's status after the silence pause: %+v", st)
	}
	if err := f.svc.Resume(context.Background(), channel, "U04"); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(grouped(t, f.round(t)), "U04") {
		t.Error("U04 resumed but was not grouped in the next round")
	}
}

func TestPauseSkipsRoundsUntilItEnds(t *testing.T) {
	f := newFixture(t, 4, nil)
	until, err := coffee.ParsePause("2w", f.now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if want := f.now.Add(14 * 24 * time.Hour); !until.Equal(want) {
		t.Errorf("pause 2w ends %s, want %s", until, want)
	}
	if err := f.svc.Pause(context.Background(), channel, "U03", until.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	var in []bool
	for range 3 {
		in = append(in, slices.Contains(grouped(t, f.round(t)), "U03"))
	}
	if !slices.Equal(in, []bool{false, false, true}) {
		t.Errorf("paused for two weeks: grouped in the first three rounds = %v, want [false false true]", in)
	}
}

func TestParsePauseExplainsEveryMistake(t *testing.T) {
	now := monday
	for _, text := range []string{"", "soon", "0d", "60w", "until yesterday", "until 2026-11-01", "until 2028-01-01"} {
		if _, err := coffee.ParsePause(text, now, time.UTC); !rituals.IsPersonError(err) {
			t.Errorf("pause %q: want a sentence for the person, got %v", text, err)
		}
	}
	end, err := coffee.ParsePause("until 2026-12-24", now, time.UTC)
	if err != nil || !end.Equal(time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("pause until 2026-12-24 = %s, %v; want through the whole day", end, err)
	}
}

func TestLeavingAndPausingAfterLeavingAreTold(t *testing.T) {
	f := newFixture(t, 3, nil)
	if err := f.svc.Leave(context.Background(), channel, "U02"); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(grouped(t, f.round(t)), "U02") {
		t.Error("U02 left but was grouped")
	}
	if err := f.svc.Pause(context.Background(), channel, "U02", f.now.Add(48*time.Hour)); !rituals.IsPersonError(err) {
		t.Errorf("pausing after leaving: want a sentence saying to join again, got %v", err)
	}
	if err := f.svc.Join(context.Background(), channel, "U02"); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(grouped(t, f.round(t)), "U02") {
		t.Error("U02 joined again but was not grouped")
	}
}

func TestFollowUpAsksOnlyGroupsWithoutAnAnswerAndOnlyOnce(t *testing.T) {
	f := newFixture(t, 6, nil)
	r := f.round(t)
	if len(f.store.tasks) != len(r.Groups) {
		t.Fatalf("want one follow-up task per group, got %+v", f.store.tasks)
	}
	for _, task := range f.store.tasks {
		if !task.Due.Equal(f.now.Add(7 * 24 * time.Hour)) {
			t.Errorf("follow-up due %s, want a week after the intro (a good hour in Berlin)", task.Due)
		}
	}
	answered := r.Groups[0]
	if _, err := f.svc.Answer(context.Background(), answered.Members[1], r.ID, answered.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Answer(context.Background(), answered.Members[0], r.ID, answered.ID, true); err == nil {
		t.Error("a second answer from the same group was accepted")
	}
	for range 2 {
		for _, task := range f.store.tasks {
			if err := f.svc.FollowUp(context.Background(), task); err != nil {
				t.Fatal(err)
			}
		}
	}
	asked := f.store.messagesOf(coffee.KindFollowUp)
	if len(asked) != len(r.Groups)-1 {
		t.Fatalf("follow-ups sent to %d groups, want the %d without an answer, once each", len(asked), len(r.Groups)-1)
	}
	for _, m := range asked {
		if slices.Equal(m.To.Group, answered.Members) {
			t.Errorf("the group that answered was asked again: %v", m.To.Group)
		}
	}
}

func TestStatsCountRoundsGroupsAndAnswers(t *testing.T) {
	f := newFixture(t, 4, nil)
	first := f.round(t)
	if _, err := f.svc.Answer(context.Background(), first.Groups[0].Members[0], first.ID, first.Groups[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Answer(context.Background(), first.Groups[1].Members[0], first.ID, first.Groups[1].ID, false); err != nil {
		t.Fatal(err)
	}
	f.round(t)
	st, err := f.svc.StatsOf(channel, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rounds != 2 || st.Groups != 4 || st.Met != 1 || st.Skipped != 1 {
		t.Errorf("stats = %+v; want 2 rounds, 4 groups, 1 met, 1 skipped", st)
	}
	h, err := f.svc.History(context.Background(), channel, "U01", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || len(h[0].Others) != 1 || h[0].Others[0] == "U01" {
		t.Errorf("U01's history = %+v; want two meetings, newest first, naming the other person", h)
	}
}

func TestANoteToOnePersonWaitsForTheirWorkingHours(t *testing.T) {
	f := newFixture(t, 0, nil)
	f.dir.add(rituals.Person{ID: "UTOKYO", TimeZone: "Asia/Tokyo"})
	r := f.round(t) // Monday 09:00 UTC: 18:00 in Tokyo
	if !slices.Equal(r.Alone, []string{"UTOKYO"}) {
		t.Fatalf("alone %v", r.Alone)
	}
	if notes := f.store.messagesOf(coffee.KindAlone); len(notes) != 0 {
		t.Fatalf("the note went out at 18:00 in Tokyo: %+v", notes)
	}
	if len(f.store.tasks) != 1 || f.store.tasks[0].Kind != coffee.TaskSend || !f.store.tasks[0].Due.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("want one task sending the note at 09:00 Tuesday in Tokyo, got %+v", f.store.tasks)
	}
	for range 2 {
		if err := f.svc.Send(context.Background(), f.store.tasks[0]); err != nil {
			t.Fatal(err)
		}
	}
	if notes := f.store.messagesOf(coffee.KindAlone); len(notes) != 1 || notes[0].To.User != "UTOKYO" {
		t.Errorf("the note is queued once when its task runs: %+v", notes)
	}
}

func TestTheChannelsWorkingHoursAreTheDefaultAndPeoplesOwnWin(t *testing.T) {
	f := newFixture(t, 2, func(c *coffee.Channel) { c.Hours = coffee.Hours{Days: 0b0111110, Start: 13 * 60, End: 17 * 60} })
	r := f.round(t) // Monday 10:00 in Berlin
	if want := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC); !r.Groups[0].IntroAt.Equal(want) {
		t.Errorf("with the channel's 13:00-17:00 the intro goes at %s, want 13:00 in Berlin", r.Groups[0].IntroAt)
	}
	if err := f.svc.SetHours(context.Background(), "U01", coffee.Hours{Days: 0b0111110, Start: 15 * 60, End: 18 * 60}); err != nil {
		t.Fatal(err)
	}
	r = f.round(t)
	if want := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC); !r.Groups[0].IntroAt.Equal(want) {
		t.Errorf("with U01's own 15:00-18:00 the intro goes at %s, want 15:00 in Berlin", r.Groups[0].IntroAt)
	}
}
