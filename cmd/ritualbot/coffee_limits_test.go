package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/store"
)

// teamDirectory is a channel of people spread over time zones, for coffee rounds run without Slack.
type teamDirectory struct {
	ids    []string
	people map[string]rituals.Person
}

// limitZones are where the people of the limit tests live: eight zones around the world.
var limitZones = []string{"America/Los_Angeles", "America/New_York", "America/Sao_Paulo", "Europe/London",
	"Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"}

// newTeamDirectory makes n people spread over the first zones of limitZones, in turn, and gives
// each a team of teams, in turn with a different stride, so that zones and teams cut across.
func newTeamDirectory(t testing.TB, n, zones, teams int) (*teamDirectory, coffee.TeamMap) {
	t.Helper()
	d := &teamDirectory{people: map[string]rituals.Person{}}
	tm := coffee.TeamMap{}
	for i := range n {
		zone := limitZones[i%zones]
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		_, off := time.Date(2027, 1, 15, 12, 0, 0, 0, loc).Zone()
		id := fmt.Sprintf("U%04d", i)
		d.ids = append(d.ids, id)
		d.people[id] = rituals.Person{ID: id, Name: id, TimeZone: zone, UTCOffset: time.Duration(off) * time.Second}
		if teams > 0 {
			tm[id] = fmt.Sprintf("team-%d", (i/zones)%teams)
		}
	}
	return d, tm
}

func (d *teamDirectory) Members(context.Context, string) ([]string, error) { return d.ids, nil }

func (d *teamDirectory) Person(_ context.Context, id string) (rituals.Person, error) {
	return d.people[id], nil
}

func (d *teamDirectory) People(_ context.Context, ids []string) ([]rituals.Person, error) {
	out := make([]rituals.Person, 0, len(ids))
	for _, id := range ids {
		out = append(out, d.people[id])
	}
	return out, nil
}

// coffeeService is the coffee ritual as wireCoffee builds it, on a real database, for one channel
// of dir's people.
func coffeeService(t testing.TB, dir *teamDirectory, groupSize int, teams coffee.Teams) *coffee.Service {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "bot.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ch := coffee.Channel{ID: "C0LIMIT", GroupSize: groupSize, FollowUpAfter: 84 * time.Hour,
		Starters: questions.ForCoffee(questions.Icebreakers()), Teams: teams}
	return &coffee.Service{Store: db.Coffee(), Directory: dir, Channels: map[string]coffee.Channel{ch.ID: ch},
		Logger: slog.New(slog.DiscardHandler), Now: time.Now}
}

// runRounds runs weekly coffee rounds through the service, everyone answering, and returns how
// often each pair met and how many pairs met again.
func runRounds(t testing.TB, svc *coffee.Service, rounds int) (met map[[2]string]int, repeats int) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)
	met = map[[2]string]int{}
	for i := range rounds {
		svc.Now = func() time.Time { return at }
		key := schedule.Key{Ritual: coffee.Ritual, Channel: "C0LIMIT", At: at}
		if err := svc.Run(ctx, key); err != nil {
			t.Fatalf("round %d: %v", i+1, err)
		}
		rs, err := svc.Store.Rounds("C0LIMIT", 1)
		if err != nil || len(rs) != 1 {
			t.Fatalf("round %d not stored: %v", i+1, err)
		}
		for _, g := range rs[0].Groups {
			if _, err := svc.Answer(ctx, g.Members[0], rs[0].ID, g.ID, true); err != nil {
				t.Fatal(err)
			}
			for a := range g.Members {
				for b := a + 1; b < len(g.Members); b++ {
					p := [2]string{g.Members[a], g.Members[b]}
					if met[p]++; met[p] > 1 {
						repeats++
					}
				}
			}
		}
		at = at.Add(7 * 24 * time.Hour)
	}
	return met, repeats
}

func TestCoffeeRoundsReachTheKnownLimit(t *testing.T) {
	for _, c := range []struct {
		name                    string
		n, zones, teams, k, max int
	}{
		{"pairs of 20", 20, 4, 3, 2, 19},
		{"pairs of 100", 100, 8, 6, 2, 99},
		{"pairs of 200", 200, 8, 6, 2, 199},
		{"trios of 15 (Kirkman)", 15, 5, 3, 3, 7},
		{"trios of 21", 21, 7, 3, 3, 10},
		{"trios of 27", 27, 3, 3, 3, 13},
		{"fours of 16 (affine plane)", 16, 4, 2, 4, 5},
		{"trios of 45", 45, 5, 4, 3, 22},
		{"fours of 28", 28, 7, 3, 4, 9},
		{"fours of 40", 40, 8, 5, 4, 13},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.n > 100 && testing.Short() {
				t.Skip("199 rounds of 200 people take about 20 s; run without -short")
			}
			dir, teams := newTeamDirectory(t, c.n, c.zones, c.teams)
			met, repeats := runRounds(t, coffeeService(t, dir, c.k, teams), c.max)
			if repeats != 0 {
				t.Errorf("%d people in groups of %d over %d zones and %d teams: %d repeated pairs in %d rounds, want 0",
					c.n, c.k, c.zones, c.teams, repeats, c.max)
			}
			if want := c.n * (c.n - 1) / 2; len(met) != want {
				t.Errorf("%d pairs met, want all %d", len(met), want)
			}
		})
	}
}

// TestCoffeeRoundsSameInputsSameGroups checks that the plan depends on the channel's members, not on
// anything drawn per round: two services with the same people make the same rounds.
func TestCoffeeRoundsSameInputsSameGroups(t *testing.T) {
	dir, teams := newTeamDirectory(t, 15, 5, 3)
	a, _ := runRounds(t, coffeeService(t, dir, 3, teams), 4)
	b, _ := runRounds(t, coffeeService(t, dir, 3, teams), 4)
	pairs := func(m map[[2]string]int) [][2]string {
		return slices.SortedFunc(func(yield func([2]string) bool) {
			for p := range m {
				if !yield(p) {
					return
				}
			}
		}, func(x, y [2]string) int { return slices.Compare(x[:], y[:]) })
	}
	if !slices.Equal(pairs(a), pairs(b)) {
		t.Error("the same people made different rounds")
	}
}

// BenchmarkCoffeePlan times a preview of the next round (what a scheduled round computes before
// writing anything) for 10,000 members over eight zones and 20 teams, through the coffee service
// and a real database holding a year of weekly rounds (random pairs, all answered): reading the
// history, teams and people, and Plan.
func BenchmarkCoffeePlan(b *testing.B) {
	dir, teams := newTeamDirectory(b, 10000, 8, 20)
	svc := coffeeService(b, dir, 2, teams)
	at := time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	ids := slices.Clone(dir.ids)
	for week := range 52 {
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		key := schedule.Key{Ritual: coffee.Ritual, Channel: "C0LIMIT", At: at}
		r := coffee.Round{ID: key.String(), Channel: key.Channel, At: at}
		for i := 0; i+1 < len(ids); i += 2 {
			r.Groups = append(r.Groups, coffee.Group{ID: fmt.Sprintf("%s/%d", r.ID, i/2), Members: []string{ids[i], ids[i+1]}, Answer: coffee.AnswerMet})
		}
		if err := svc.Store.CommitRound(key, r, nil, nil, nil); err != nil {
			b.Fatalf("week %d: %v", week, err)
		}
		at = at.Add(7 * 24 * time.Hour)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, _, err := svc.Plan(context.Background(), "C0LIMIT", at)
		if err != nil || len(res.Groups) != 5000 {
			b.Fatalf("%d groups, %v", len(res.Groups), err)
		}
	}
}
