package store

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

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
	for _, k := range want["digest_updates"] {
		want["retention_index"] = append(want["retention_index"], string(retentionKey(retainUpdate, old, []byte(k))))
	}
	for _, k := range want["digest_asked"] {
		want["retention_index"] = append(want["retention_index"], string(retentionKey(retainAsk, old, []byte(k))))
	}
	for _, k := range want["digest_kudos"] {
		want["retention_index"] = append(want["retention_index"], string(retentionKey(retainKudos, old, []byte(k))))
	}
	slices.Sort(want["retention_index"])
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

// opsDigestYear writes, for each of weeks (oldest first, a week apart ending at w.now), Alice's
// update, Bob's ask and kudos, and posts the week's digest (a run record); it returns the weeks'
// ids. The last week is 3 days old.
func opsDigestYear(t *testing.T, w *opsWorld, weeks int) []string {
	t.Helper()
	dg := w.db.Digest()
	var ids []string
	for i := range weeks {
		at := w.ago(time.Duration(weeks-1-i)*7*day + 3*day)
		w.db.Now = func() time.Time { return at } // the week's run records are dated at
		week := fmt.Sprintf("2026-W%02d", i+1)
		ids = append(ids, week)
		if _, err := dg.SaveUpdate(digest.Update{Channel: opsTeam, Week: week, User: opsAlice, Answers: []digest.Answer{{Question: "q", Text: "did things"}}, At: at}); err != nil {
			t.Fatal(err)
		}
		a := digest.Ask{Asked: digest.Asked{Channel: opsTeam, Week: week, User: opsBob, At: at},
			Message: opsMsg(digest.CheckinKey(opsTeam, week, opsBob), digest.Ritual, digest.KindCheckin, toUser(opsBob), nil)}
		if _, err := dg.Ask(nil, []digest.Ask{a}, nil); err != nil {
			t.Fatal(err)
		}
		w.must(dg.AddKudos(digest.Kudos{ID: "k-" + week, Channel: opsTeam, Week: week, From: opsAlice, To: []string{opsBob}, Reason: "for the help", At: at}, nil))
		key := schedule.Key{Ritual: digest.Ritual, Channel: opsTeam, At: at.Add(time.Hour)}
		if _, err := dg.CommitPost(key, opsTeam, week, nil, func(digest.WeekRecords) ([]rituals.Message, error) { return nil, nil }); err != nil {
			t.Fatal(err)
		}
	}
	w.db.Now = func() time.Time { return w.now }
	return ids
}

// opsGarble replaces the value of key in bucket with bytes no decoder accepts.
func opsGarble(t *testing.T, db *DB, bucket []byte, key string) {
	t.Helper()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucket).Get([]byte(key)) == nil {
			return fmt.Errorf("no %s record %q", bucket, key)
		}
		return tx.Bucket(bucket).Put([]byte(key), []byte("\x00not json"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPruneReadsOnlyWhatExpired(t *testing.T) {
	w := opsOpen(t)
	weeks := opsDigestYear(t, w, 10) // weeks 1–6 are older than 30 days, 7–10 not
	round := func(at time.Time) coffee.Round {
		key := schedule.Key{Ritual: coffee.Ritual, Channel: opsTeam, At: at}
		r := coffee.Round{ID: key.String(), Channel: opsTeam, At: at, Groups: []coffee.Group{{ID: key.String() + "/0", Members: []string{opsAlice, opsBob}}}}
		w.must(w.db.Coffee().CommitRound(key, r, nil, nil, nil))
		return r
	}
	oldRound, recentRound := round(w.ago(60*day)), round(w.ago(3*day))
	// Records that have not expired are not read: garbled ones do not stop the job.
	last := weeks[len(weeks)-1]
	opsGarble(t, w.db, bucketDigestUpdates, string(digestKey(opsTeam, last, opsAlice)))
	opsGarble(t, w.db, bucketDigestAsked, string(digestKey(opsTeam, last, opsBob)))
	opsGarble(t, w.db, bucketCoffeeRounds, string(coffeeRoundKey(recentRound)))
	err := w.db.bolt.Update(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketDigestKudos).Cursor().Last()
		return tx.Bucket(bucketDigestKudos).Put(clone(k), []byte("\x00not json"))
	})
	w.must(err)

	rep, err := w.db.Prune(w.now, Retention{Checkins: 30 * day, Kudos: 30 * day, Coffee: 30 * day})
	if err != nil {
		t.Fatalf("Prune read a record that had not expired: %v", err)
	}
	if want := (PruneReport{Updates: 6, Asks: 6, Kudos: 6, CoffeeRounds: 1}); rep != want {
		t.Errorf("report %+v, want %+v", rep, want)
	}
	ups, err := w.db.Digest().UserUpdates(opsTeam, opsAlice, "", 20)
	if err == nil {
		t.Fatalf("the garbled update should fail to decode; got %d updates", len(ups))
	}
	for i, week := range weeks {
		pw, err := w.db.Digest().PersonWeek(opsTeam, week, opsBob)
		if week == last {
			continue // garbled
		}
		if err != nil {
			t.Fatal(err)
		}
		if kept := pw.Asked != nil; kept != (i >= 6) {
			t.Errorf("week %s: ask kept %v", week, kept)
		}
	}
	if n := opsCount(t, w.db, bucketDigestUpdates); n != 4 {
		t.Errorf("%d updates left, want 4", n)
	}
	if n := opsCount(t, w.db, bucketDigestUserWeeks); n != 4 {
		t.Errorf("%d entries left in the index of weeks, want 4", n)
	}
	if n := opsCount(t, w.db, bucketDigestKudos); n != 4 {
		t.Errorf("%d kudos left, want 4", n)
	}
	if n := opsIndexed(t, w.db, retainUpdate, retainAsk, retainKudos); n != 12 {
		t.Errorf("%d retention entries left, want 12 (4 weeks of update, ask and kudos)", n)
	}
	err = w.db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketCoffeeRounds).Get(coffeeRoundKey(oldRound)) != nil || tx.Bucket(bucketCoffeeRoundKeys).Get([]byte(oldRound.ID)) != nil {
			t.Error("the old coffee round stayed")
		}
		if tx.Bucket(bucketCoffeeRounds).Get(coffeeRoundKey(recentRound)) == nil {
			t.Error("the recent coffee round went")
		}
		return nil
	})
	w.must(err)
}

func TestPruneFollowsAnUpdateSavedAgain(t *testing.T) {
	w := opsOpen(t)
	dg := w.db.Digest()
	save := func(at time.Time) {
		if _, err := dg.SaveUpdate(digest.Update{Channel: opsTeam, Week: opsW46, User: opsAlice, Answers: []digest.Answer{{Question: "q", Text: "did things"}}, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	save(w.ago(60 * day))
	save(w.ago(10 * day)) // edited since: kept by its last save
	key := schedule.Key{Ritual: digest.Ritual, Channel: opsTeam, At: w.ago(9 * day)}
	if _, err := dg.CommitPost(key, opsTeam, opsW46, nil, func(digest.WeekRecords) ([]rituals.Message, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if rep, err := w.db.Prune(w.now, Retention{Checkins: 30 * day}); err != nil || rep != (PruneReport{}) {
		t.Fatalf("Prune: %+v, %v", rep, err)
	}
	if pw, _ := dg.PersonWeek(opsTeam, opsW46, opsAlice); pw.Update == nil {
		t.Fatal("an update saved again 10 days ago was pruned by its first save")
	}
	if rep, err := w.db.Prune(w.now.Add(21*day), Retention{Checkins: 30 * day}); err != nil || rep.Updates != 1 {
		t.Fatalf("Prune 31 days after the last save: %+v, %v", rep, err)
	}
	if n := opsIndexed(t, w.db, retainUpdate); n != 0 {
		t.Errorf("%d retention entries of updates left", n)
	}
}

func TestMigrationIndexesTheRecordsOfAnOlderFile(t *testing.T) {
	w := opsOpen(t)
	opsDigestYear(t, w, 10)
	w.must(w.db.Close())
	// What schema 1 wrote: the same records, no retention index; and one old update that no longer
	// decodes, which must not keep the file from opening (it is kept, unindexed).
	opsRawEdit(t, w.path, func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketRetention); err != nil {
			return err
		}
		if err := tx.Bucket(bucketDigestUpdates).Put(digestKey(opsTeam, "2026-W01", opsAlice), []byte("\x00not json")); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, 1))
	})
	db, err := Open(w.path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w.db = db
	if v, _ := db.Schema(); v != SchemaVersion() || v < 2 {
		t.Fatalf("schema %d after migration, want %d", v, SchemaVersion())
	}
	for kind, want := range map[byte]int{retainUpdate: 9, retainAsk: 10, retainKudos: 10, retainRun: 10} {
		if n := opsIndexed(t, db, kind); n != want {
			t.Errorf("%d retention entries of kind %c after migration, want %d", n, kind, want)
		}
	}
	rep, err := db.Prune(w.now, Retention{Checkins: 30 * day, Kudos: 30 * day})
	if want := (PruneReport{Updates: 5, Asks: 6, Kudos: 6}); err != nil || rep != want {
		t.Fatalf("Prune after migration: %+v, %v; want %+v", rep, err, want)
	}
	if deliveries, runs, err := db.PruneEngine(w.now, 30*day); err != nil || deliveries != 0 || runs != 6 {
		t.Fatalf("PruneEngine after migration: %d deliveries, %d runs, %v; want 0 and 6", deliveries, runs, err)
	}
}

// opsIndexed counts the entries of the given kinds in bucketRetention.
func opsIndexed(t *testing.T, db *DB, kinds ...byte) int {
	t.Helper()
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRetention).ForEach(func(k, _ []byte) error {
			if slices.Contains(kinds, k[0]) {
				n++
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestForgetKeepsTheRetentionIndexInStep(t *testing.T) {
	w := opsOpen(t)
	w.populate()
	if _, err := w.db.Forget(opsMe); err != nil {
		t.Fatal(err)
	}
	err := w.db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRetention).ForEach(func(k, _ []byte) error {
			key, records := retainedKey(tx, k)
			if records == nil || records.Get(key) == nil {
				t.Errorf("retention entry %q has no record after Forget", k)
			}
			return nil
		})
	})
	w.must(err)
	if n := opsIndexed(t, w.db, retainUpdate, retainAsk, retainKudos, retainDelivery, retainRun); n == 0 {
		t.Fatal("precondition: the test world should have indexed records")
	}
}

func TestABackupOfSchema1IsRestoredAndMigrated(t *testing.T) {
	w := opsOpen(t)
	opsDigestYear(t, w, 10)
	// What the previous release's backups hold: schema 1, no retention index.
	db := restoreOfSchema(t, w, 1)
	if rep, err := db.Prune(w.now, Retention{Checkins: 30 * day, Kudos: 30 * day}); err != nil || rep != (PruneReport{Updates: 6, Asks: 6, Kudos: 6}) {
		t.Fatalf("Prune on the restored file: %+v, %v", rep, err)
	}
}
