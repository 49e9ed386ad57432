package main

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/pairing"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/store"
)

// roundsStore is the coffee store as planning read it before store's coffee_history: the history
// made of every stored round, decoded whole.
type roundsStore struct{ coffee.Store }

func (s roundsStore) PastGroups(channel string) ([]pairing.PastGroup, error) {
	rounds, err := s.Rounds(channel, 0)
	return coffee.PastGroupsOf(rounds), err
}

// inUTC is res with the times in UTC: the rounds and the history keep the same instants, in the
// zone they were written in and in UTC.
func inUTC(res pairing.Result) pairing.Result {
	for i := range res.Groups {
		for j := range res.Groups[i].Repeats {
			r := &res.Groups[i].Repeats[j]
			r.LastMet = r.LastMet.UTC()
		}
	}
	return res
}

// answerAll answers "we met" for every group of the latest round, so that nobody is paused for
// silence.
func answerAll(t *testing.T, svc *coffee.Service) {
	t.Helper()
	rs, err := svc.Store.Rounds("C0LIMIT", 1)
	if err != nil || len(rs) != 1 {
		t.Fatalf("the round was not stored: %v", err)
	}
	for _, g := range rs[0].Groups {
		if _, err := svc.Answer(context.Background(), g.Members[0], rs[0].ID, g.ID, true); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCoffeePlansFromHistoryAsFromRounds runs weekly rounds through the service on a real database,
// past the point where pairs must meet again, with people leaving and coming back and one person
// forgotten, and checks before each round that planning from the store's history makes exactly
// the groups, reasons and repeats that planning from the decoded rounds made.
func TestCoffeePlansFromHistoryAsFromRounds(t *testing.T) {
	for _, c := range []struct {
		name         string
		n, k, rounds int
	}{
		{"pairs of 13", 13, 2, 20},
		{"trios of 14", 14, 3, 12},
		{"fours of 18", 18, 4, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, err := store.Open(filepath.Join(t.TempDir(), "bot.db"), store.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			dir, teams := newTeamDirectory(t, c.n, 4, 3)
			everyone := slices.Clone(dir.ids)
			svc := coffeeServiceOn(db, dir, c.k, teams)
			before := coffeeServiceOn(db, dir, c.k, teams) // the same service, planning from every round
			before.Store = roundsStore{svc.Store}
			ctx := context.Background()
			zone := time.FixedZone("IST", 5*3600+1800) // rounds are dated in the server's zone
			at := time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)
			repeats := 0
			for i := range c.rounds {
				switch i {
				case 4: // two people leave the channel
					dir.ids = everyone[2:]
				case 7: // and come back
					dir.ids = everyone
				case 6: // someone asks to be forgotten, and stays in the channel
					if _, err := db.Forget(everyone[5]); err != nil {
						t.Fatal(err)
					}
				}
				want, _, err := before.Plan(ctx, "C0LIMIT", at)
				if err != nil {
					t.Fatal(err)
				}
				got, _, err := svc.Plan(ctx, "C0LIMIT", at)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(inUTC(got), inUTC(want)) {
					t.Fatalf("round %d: planned from the history:\n%+v\nfrom the rounds:\n%+v", i+1, got, want)
				}
				for _, g := range got.Groups {
					repeats += len(g.Repeats)
				}
				svc.Now = func() time.Time { return at.In(zone) }
				if err := svc.Run(ctx, schedule.Key{Ritual: coffee.Ritual, Channel: "C0LIMIT", At: at}); err != nil {
					t.Fatalf("round %d: %v", i+1, err)
				}
				answerAll(t, svc)
				at = at.Add(7*24*time.Hour + 90*time.Minute)
			}
			if repeats == 0 {
				t.Fatal("precondition: the rounds should have gone past the point where pairs meet again")
			}
		})
	}
}
