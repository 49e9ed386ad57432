package store

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/pairing"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// roundsHistory is the history planning read before bucketCoffeeHistory: every group of the
// channel's rounds, decoded whole.
func roundsHistory(t *testing.T, cs Coffee, channel string) []pairing.PastGroup {
	t.Helper()
	rounds, err := cs.Rounds(channel, 0)
	if err != nil {
		t.Fatal(err)
	}
	return coffee.PastGroupsOf(rounds)
}

// checkHistoryIsTheRounds fails the test when PastGroups of a channel differs from the groups of
// its rounds, and returns how many groups the channel has.
func checkHistoryIsTheRounds(t *testing.T, cs Coffee, channel, when string) int {
	t.Helper()
	got, err := cs.PastGroups(channel)
	if err != nil {
		t.Fatalf("%s: PastGroups(%s): %v", when, channel, err)
	}
	want := roundsHistory(t, cs, channel)
	if len(got) != len(want) {
		t.Fatalf("%s: %s has %d past groups, its rounds %d", when, channel, len(got), len(want))
	}
	for i := range want {
		if !slices.Equal(got[i].Members, want[i].Members) || !got[i].At.Equal(want[i].At) {
			t.Fatalf("%s: %s past group %d is %v at %v, the rounds say %v at %v", when, channel, i,
				got[i].Members, got[i].At, want[i].Members, want[i].At)
		}
	}
	return len(want)
}

// opsCoffeeRounds commits weekly rounds ending at w.now in channel: random groups of 2 to 4 of
// people, some alone, one round without groups, half the groups answered. It returns the people.
func opsCoffeeRounds(t *testing.T, w *opsWorld, channel string, weeks int, rng *rand.Rand) []string {
	t.Helper()
	people := []string{opsMe, opsAlice, opsBob, opsCarol}
	for i := range 20 {
		people = append(people, fmt.Sprintf("U07P%04d", i))
	}
	cs := w.db.Coffee()
	for week := range weeks {
		// Not on the hour, in another zone: the history keeps the instant.
		at := w.ago(time.Duration(weeks-week)*7*day + 1234567*time.Microsecond).In(time.FixedZone("", 5*3600+1800))
		key := schedule.Key{Ritual: coffee.Ritual, Channel: channel, At: at}
		r := coffee.Round{ID: key.String(), Channel: channel, At: at}
		ids := slices.Clone(people)
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		if week != weeks-2 {
			for len(ids) >= 2 {
				k := min(len(ids), 2+rng.IntN(3))
				r.Groups = append(r.Groups, coffee.Group{ID: fmt.Sprintf("%s/%d", r.ID, len(r.Groups)), Members: ids[:k], Reason: "why", Starter: "what"})
				ids = ids[k:]
			}
		}
		r.Alone = ids
		w.must(cs.CommitRound(key, r, nil, nil, nil))
		for _, g := range r.Groups[:len(r.Groups)/2] {
			if _, err := cs.Answer(r.ID, g.ID, coffee.AnswerMet, g.Members[0]); err != nil {
				t.Fatal(err)
			}
		}
	}
	return people
}

func TestCoffeeHistoryStaysTheRoundsGroups(t *testing.T) {
	w := opsOpen(t)
	rng := rand.New(rand.NewPCG(3, 4))
	// A channel whose id starts with the other's: each reads its own history only.
	channels := []string{opsTeam, opsTeam + "0", opsPulse}
	for _, ch := range channels {
		opsCoffeeRounds(t, w, ch, 12, rng)
	}
	cs := w.db.Coffee()
	if groups, err := cs.PastGroups("C07NOBODY"); err != nil || len(groups) != 0 {
		t.Fatalf("a channel without rounds has %d past groups, %v", len(groups), err)
	}
	for _, ch := range channels {
		if n := checkHistoryIsTheRounds(t, cs, ch, "after the rounds"); n < 12*5 {
			t.Fatalf("precondition: %s should have a dozen rounds of groups, has %d groups", ch, n)
		}
	}

	// Forget rewrites the history as it rewrites the rounds.
	if _, err := w.db.Forget(opsMe); err != nil {
		t.Fatal(err)
	}
	for _, ch := range channels {
		checkHistoryIsTheRounds(t, cs, ch, "after Forget")
		groups, _ := cs.PastGroups(ch)
		for _, g := range groups {
			if slices.Contains(g.Members, opsMe) {
				t.Fatalf("%s: a past group still names the forgotten person: %v", ch, g.Members)
			}
		}
	}

	// Retention removes the history of the rounds it removes, and only theirs.
	rep, err := w.db.Prune(w.now, Retention{Coffee: 30 * day})
	if err != nil || rep.CoffeeRounds != 3*8 {
		t.Fatalf("Prune: %+v, %v; want %d rounds removed", rep, err, 3*8)
	}
	for _, ch := range channels {
		if n := checkHistoryIsTheRounds(t, cs, ch, "after Prune"); n == 0 {
			t.Fatalf("%s: the recent rounds' groups are gone too", ch)
		}
	}
	if n := opsCount(t, w.db, bucketCoffeeHistory); n != 3*3 {
		t.Errorf("%d history entries left, want %d (4 rounds in each of 3 channels, one without groups)", n, 3*3)
	}
}

func TestMigrationBuildsCoffeeHistoryFromTheRounds(t *testing.T) {
	w := opsOpen(t)
	rng := rand.New(rand.NewPCG(5, 6))
	opsCoffeeRounds(t, w, opsTeam, 10, rng)
	opsCoffeeRounds(t, w, opsPulse, 3, rng)
	garbled, err := w.db.Coffee().Rounds(opsPulse, 1)
	if err != nil || len(garbled) != 1 {
		t.Fatalf("rounds: %v", err)
	}
	w.must(w.db.Close())
	// What the schema before coffee_history wrote: the rounds, no history; and a round that no
	// longer decodes, which must not keep the file from opening.
	before := bucketSchema[string(bucketCoffeeHistory)] - 1
	opsRawEdit(t, w.path, func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketCoffeeHistory); err != nil {
			return err
		}
		if err := tx.Bucket(bucketCoffeeRounds).Put(coffeeRoundKey(garbled[0]), []byte("\x00not json")); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, uint64(before)))
	})
	if err := VerifyBackup(w.path); err != nil {
		t.Fatalf("a backup of schema %d is refused: %v", before, err)
	}
	db, err := Open(w.path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w.db = db
	if v, _ := db.Schema(); v != SchemaVersion() || v <= before {
		t.Fatalf("schema %d after migration, want %d", v, SchemaVersion())
	}
	if n := checkHistoryIsTheRounds(t, db.Coffee(), opsTeam, "after migration"); n < 10*5 {
		t.Fatalf("precondition: 10 rounds of groups, found %d groups", n)
	}
	groups, err := db.Coffee().PastGroups(opsPulse)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if g.At.Equal(garbled[0].At) {
			t.Errorf("the garbled round has a history: %v", g.Members)
		}
	}
	if len(groups) == 0 {
		t.Error("the rounds that decode lost their history")
	}
}

func TestCoffeeHistoryRefusesIDsItCannotKeep(t *testing.T) {
	w := opsOpen(t)
	key := schedule.Key{Ritual: coffee.Ritual, Channel: opsTeam, At: w.now}
	r := coffee.Round{ID: key.String(), Channel: opsTeam, At: w.now, Groups: []coffee.Group{{ID: "g", Members: []string{opsAlice, "U07 BOB"}}}}
	if err := w.db.Coffee().CommitRound(key, r, nil, nil, nil); err == nil {
		t.Fatal("a member id with a space was stored")
	}
	if rounds, _ := w.db.Coffee().Rounds(opsTeam, 0); len(rounds) != 0 {
		t.Errorf("the round was stored without its history: %+v", rounds)
	}
}

func TestCoffeeHistoryFollowsAGroupsChangedMembers(t *testing.T) {
	w := opsOpen(t)
	opsCoffeeRounds(t, w, opsTeam, 3, rand.New(rand.NewPCG(9, 10)))
	cs := w.db.Coffee()
	rounds, _ := cs.Rounds(opsTeam, 0)
	r := rounds[len(rounds)-1]
	if _, err := cs.UpdateGroup(r.ID, r.Groups[0].ID, func(g *coffee.Group) error {
		g.Members = append(g.Members[:1], opsCarol+"X")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	checkHistoryIsTheRounds(t, cs, opsTeam, "after a group's members changed")
}

func TestCoffeeRoundIsFoundByItsID(t *testing.T) {
	w := opsOpen(t)
	opsCoffeeRounds(t, w, opsTeam, 6, rand.New(rand.NewPCG(7, 8)))
	cs := w.db.Coffee()
	rounds, err := cs.Rounds(opsTeam, 0)
	if err != nil || len(rounds) != 6 {
		t.Fatalf("precondition: 6 rounds, got %d, %v", len(rounds), err)
	}
	for _, want := range rounds {
		got, ok, err := cs.Round(want.ID)
		if err != nil || !ok || got.ID != want.ID || len(got.Groups) != len(want.Groups) || !got.At.Equal(want.At) {
			t.Fatalf("Round(%s) = %+v, %v, %v; want %+v", want.ID, got, ok, err, want)
		}
	}
	if _, ok, err := cs.Round("coffee/" + opsTeam + "/1999-01-01T10:00"); ok || err != nil {
		t.Errorf("a round never run was found: %v, %v", ok, err)
	}
	if _, err := w.db.Prune(w.now, Retention{Coffee: 30 * day}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := cs.Round(rounds[len(rounds)-1].ID); ok || err != nil {
		t.Errorf("a pruned round was found: %v, %v", ok, err)
	}
}
