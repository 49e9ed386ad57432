package digest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/store"
)

const (
	benchTeam  = 200
	benchKudos = 300
)

// words makes n words of plausible update text, with a line break now and then.
func words(r *rand.Rand, n int) string {
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

// fullWeek returns a 200-person team's week: everyone asked, everyone shared three answers (a third
// of them asking for help), and 300 kudos.
func fullWeek(week digest.Week) digest.WeekRecords {
	r := rand.New(rand.NewPCG(1, 2))
	qs := digest.DefaultQuestions()
	var recs digest.WeekRecords
	at := week.From.Add(time.Hour)
	for i := range benchTeam {
		user := fmt.Sprintf("U%05d", i)
		recs.Asked = append(recs.Asked, digest.Asked{Channel: chanID, Week: week.ID, User: user, At: at})
		help := ""
		if i%3 == 0 {
			help = words(r, 20+r.IntN(40))
		}
		texts := []string{words(r, 40+r.IntN(80)), words(r, 20+r.IntN(60)), help}
		u := digest.Update{Channel: chanID, Week: week.ID, User: user, At: at.Add(time.Duration(i) * time.Minute), First: at.Add(time.Duration(i) * time.Minute)}
		for j, q := range qs {
			u.Answers = append(u.Answers, digest.Answer{Question: q.Text, Role: q.Role, Text: texts[j]})
		}
		recs.Updates = append(recs.Updates, u)
	}
	for i := range benchKudos {
		to := []string{fmt.Sprintf("U%05d", r.IntN(benchTeam))}
		if i%4 == 0 {
			to = append(to, fmt.Sprintf("U%05d", (r.IntN(benchTeam-1)+1+i)%benchTeam))
		}
		recs.Kudos = append(recs.Kudos, digest.Kudos{
			ID: fmt.Sprintf("k%04d", i), Channel: chanID, Week: week.ID, From: fmt.Sprintf("U%05d", r.IntN(benchTeam)),
			To: to, Reason: "for " + words(r, 5+r.IntN(15)), At: at.Add(time.Duration(i) * time.Minute),
		})
	}
	return recs
}

func benchWeek(b *testing.B) digest.Week {
	w, ok := digest.WeekAt(berlinChannel(b, false).Post, monday)
	if !ok {
		b.Fatal("no week")
	}
	return w
}

// BenchmarkBuild assembles the digest from records already in memory.
func BenchmarkBuild(b *testing.B) {
	week := benchWeek(b)
	recs := fullWeek(week)
	stats := &digest.RitualStats{Numbers: digest.Numbers{CoffeeGroups: 50, CoffeeMet: 41}}
	b.ReportAllocs()
	for b.Loop() {
		d := digest.Build(chanID, week, recs, stats)
		if d.Shared != benchTeam || len(d.Kudos) != benchKudos {
			b.Fatalf("shared %d kudos %d", d.Shared, len(d.Kudos))
		}
	}
}

// BenchmarkAssemble assembles the digest of a 200-person team with a full week of updates and 300
// kudos from the real bbolt store: one read transaction, decoding every record, then Build.
func BenchmarkAssemble(b *testing.B) {
	week := benchWeek(b)
	recs := fullWeek(week)
	db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := db.Digest()
	// Everyone is asked, then shares.
	asks := make([]digest.Ask, len(recs.Asked))
	for i, a := range recs.Asked {
		asks[i] = digest.Ask{Asked: a, Message: rituals.Message{Key: "ask/" + a.User, Kind: digest.KindCheckin, To: rituals.Recipient{User: a.User}}}
	}
	if asked, err := s.Ask(nil, asks, nil); err != nil || len(asked) != benchTeam {
		b.Fatalf("asked %d: %v", len(asked), err)
	}
	for _, u := range recs.Updates {
		if _, err := s.SaveUpdate(u); err != nil {
			b.Fatal(err)
		}
	}
	for _, k := range recs.Kudos {
		if err := s.AddKudos(k, nil); err != nil {
			b.Fatal(err)
		}
	}
	ch := berlinChannel(b, false)
	svc := &digest.Service{Store: s, Channels: map[string]digest.Channel{chanID: ch}}
	ctx := context.Background()
	var d digest.Digest
	b.ReportAllocs()
	for b.Loop() {
		if d, err = svc.Assemble(ctx, chanID, week); err != nil {
			b.Fatal(err)
		}
		if d.Shared != benchTeam || len(d.Kudos) != benchKudos || len(d.HelpWanted) != (benchTeam+2)/3 {
			b.Fatalf("shared %d of %d, kudos %d, help %d", d.Shared, d.Asked, len(d.Kudos), len(d.HelpWanted))
		}
	}
	// The size of the post's data in the outbox, for the record.
	data, _ := json.Marshal(d)
	b.ReportMetric(float64(len(data)), "digest-bytes")
}
