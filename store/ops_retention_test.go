package store

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// opsSnapshot copies every bucket's keys and values: bucket → key → value.
func opsSnapshot(t *testing.T, db *DB) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	opsWalk(t, db, func(path string, k, v []byte) {
		if out[path] == nil {
			out[path] = map[string]string{}
		}
		out[path][string(k)] = string(v)
	})
	return out
}

func TestPruneRemovesOldHistoryAndNothingElse(t *testing.T) {
	w := opsOpen(t)
	db, dg, cs := w.db, w.db.Digest(), w.db.Coffee()
	const other = "C07OTHER1"
	old, recent := w.ago(60*day), w.ago(10*day)

	// Digest records: team weeks W45 to W47 posted (W45, W46 old; W47 recent), W48 not posted yet
	// (its records dated old on purpose); the other channel never posted.
	update := func(channel, week, user string, at time.Time) {
		if _, err := dg.SaveUpdate(digest.Update{Channel: channel, Week: week, User: user, Answers: []digest.Answer{{Question: "q", Text: "did things"}}, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	ask := func(channel, week, user string, at time.Time) {
		a := digest.Ask{Asked: digest.Asked{Channel: channel, Week: week, User: user, At: at},
			Message: opsMsg(digest.CheckinKey(channel, week, user), digest.Ritual, digest.KindCheckin, toUser(user), nil)}
		if _, err := dg.Ask(nil, []digest.Ask{a}, nil); err != nil {
			t.Fatal(err)
		}
	}
	kudos := func(id, channel, week string, at time.Time) {
		w.must(dg.AddKudos(digest.Kudos{ID: id, Channel: channel, Week: week, From: opsAlice, To: []string{opsBob}, Reason: "for the help", At: at}, nil))
	}
	for _, r := range []struct {
		week string
		at   time.Time
	}{{"2026-W45", old}, {opsW46, old}, {opsW47, recent}, {opsW48, old}} {
		update(opsTeam, r.week, opsAlice, r.at)
		ask(opsTeam, r.week, opsBob, r.at)
		kudos("k-"+r.week, opsTeam, r.week, r.at)
	}
	update(other, "2026-W40", opsAlice, old)
	ask(other, "2026-W40", opsBob, old)
	kudos("k-other", other, "2026-W40", old)
	for i, week := range []string{"2026-W45", opsW46, opsW47} {
		key := schedule.Key{Ritual: digest.Ritual, Channel: opsTeam, At: w.ago(day).Add(time.Duration(i) * time.Minute)}
		if _, err := dg.CommitPost(key, opsTeam, week, nil, func(digest.WeekRecords) ([]rituals.Message, error) { return nil, nil }); err != nil {
			t.Fatal(err)
		}
	}

	// Coffee rounds: three old ones in the team (the latest of them stays), one recent elsewhere.
	round := func(channel string, at time.Time) coffee.Round {
		key := schedule.Key{Ritual: coffee.Ritual, Channel: channel, At: at}
		r := coffee.Round{ID: key.String(), Channel: channel, At: at, Groups: []coffee.Group{{ID: key.String() + "/0", Members: []string{opsAlice, opsBob}}}}
		w.must(cs.CommitRound(key, r, nil, nil, nil))
		return r
	}
	r100, r90, r60 := round(opsTeam, w.ago(100*day)), round(opsTeam, w.ago(90*day)), round(opsTeam, old)
	round(other, w.ago(120*day))

	// Zero limits keep everything.
	before := opsSnapshot(t, db)
	if rep, err := db.Prune(w.now, Retention{}); err != nil || rep != (PruneReport{}) {
		t.Fatalf("Prune with no limits: %+v, %v", rep, err)
	}
	if after := opsSnapshot(t, db); !maps.EqualFunc(before, after, maps.Equal) {
		t.Fatal("Prune with no limits changed the database")
	}

	rep, err := db.Prune(w.now, Retention{Checkins: 30 * day, Kudos: 30 * day, Coffee: 30 * day})
	if err != nil {
		t.Fatal(err)
	}
	if want := (PruneReport{Updates: 2, Asks: 2, Kudos: 2, CoffeeRounds: 2}); rep != want {
		t.Errorf("report %+v, want %+v", rep, want)
	}
	after := opsSnapshot(t, db)
	removed := map[string][]string{}
	for bucket, kv := range before {
		for k, v := range kv {
			switch got, ok := after[bucket][k]; {
			case !ok:
				removed[bucket] = append(removed[bucket], k)
			case got != v:
				t.Errorf("%s %q changed", bucket, k)
			}
		}
		for k := range after[bucket] {
			if _, ok := kv[k]; !ok {
				t.Errorf("%s %q appeared", bucket, k)
			}
		}
	}
	for _, keys := range removed {
		slices.Sort(keys)
	}
	kudosKey := func(week string) string {
		return string(digestKey(opsTeam, week, old.UTC().Format(digestTimeLayout), "k-"+week))
	}
	want := map[string][]string{
		"digest_updates":    {opsTeam + "/2026-W45/" + opsAlice, opsTeam + "/2026-W46/" + opsAlice},
		"digest_user_weeks": {opsTeam + "/" + opsAlice + "/2026-W45", opsTeam + "/" + opsAlice + "/2026-W46"},
		"digest_asked":      {opsTeam + "/2026-W45/" + opsBob, opsTeam + "/2026-W46/" + opsBob},
		"digest_kudos":      {kudosKey("2026-W45"), kudosKey(opsW46)},
		"coffee_rounds":     {string(coffeeRoundKey(r100)), string(coffeeRoundKey(r90))},
		"coffee_round_keys": {r100.ID, r90.ID},
	}
	if !maps.EqualFunc(removed, want, slices.Equal) {
		t.Errorf("removed:\n%v\nwant:\n%v", removed, want)
	}
	if rounds, _ := cs.Rounds(opsTeam, 0); len(rounds) != 1 || rounds[0].ID != r60.ID {
		t.Errorf("the team's latest round must stay: %+v", rounds)
	}
	if ups, _ := dg.UserUpdates(opsTeam, opsAlice, "", 10); len(ups) != 2 || ups[0].Week != opsW48 || ups[1].Week != opsW47 {
		t.Errorf("Alice's updates left: %+v", ups)
	}

	// Again: nothing more to do.
	if rep, err := db.Prune(w.now, Retention{Checkins: 30 * day, Kudos: 30 * day, Coffee: 30 * day}); err != nil || rep != (PruneReport{}) {
		t.Errorf("second Prune: %+v, %v", rep, err)
	}
}

func TestRetentionRefusesLimitsThatWouldEatTheCurrentWeek(t *testing.T) {
	db := opsOpen(t).db
	for _, r := range []Retention{{Checkins: time.Hour}, {Kudos: 13 * day}, {Coffee: -day}} {
		if _, err := db.Prune(time.Now(), r); err == nil || !strings.Contains(err.Error(), "keep at least") {
			t.Errorf("Prune(%+v): %v", r, err)
		}
	}
	if err := (Retention{Checkins: MinRetention, Kudos: 365 * day}).Validate(); err != nil {
		t.Error(err)
	}
}
