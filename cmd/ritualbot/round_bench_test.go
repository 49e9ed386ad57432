package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot"
	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// BenchmarkCoffeeRoundHeap500 runs the real bot against the emulator with a 500-person coffee
// channel whose database already holds a year of weekly rounds (52 rounds of 250 pairs, written
// through the store), has an admin start a round, waits until its 250 intros are delivered, and
// reports the Go heap after collection: what the bot keeps once a round is over (the emulator
// shares the process, so this is an upper bound). ns/op is the round, from "coffee now" to the
// last intro delivered, with the rate limits off.
//
//	go test -run '^$' -bench CoffeeRoundHeap500 -benchtime 3x ./cmd/ritualbot/
func BenchmarkCoffeeRoundHeap500(b *testing.B) {
	const people, bigCoffee = 500, "C0BIGCOFFEE"
	var heapInUse, heapAlloc uint64
	for range b.N {
		b.StopTimer()
		fake, err := newDemoWorkspace(slackfake.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ids := addPeople(fake, people)
		fake.AddChannel(slackfake.Channel{ID: bigCoffee, Name: "big-coffee", Members: append(ids, fake.BotUserID())})
		cfg, err := baseConfig(fake.APIURL(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		cfg.Coffee = []CoffeeConfig{{RitualChannel: RitualChannel{Channel: bigCoffee, Schedule: "CRON_TZ=Europe/Berlin 0 10 * * MON"}}}
		cfg.setDefaults()
		if err := cfg.Validate(); err != nil {
			b.Fatal(err)
		}
		m := &Main{Config: cfg, Logger: slog.New(slog.DiscardHandler), BotToken: fake.BotToken(), AppToken: fake.AppToken(),
			Limits: bot.Limits{Scale: 1000}}
		if err := m.Open(); err != nil {
			b.Fatal(err)
		}
		pastYear(b, m, bigCoffee, ids)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- m.Run(ctx) }()
		wait, waitCancel := context.WithTimeout(ctx, 2*time.Minute)
		if err := fake.WaitConnected(wait); err != nil {
			b.Fatal(err)
		}

		b.StartTimer()
		if _, err := fake.SlashCommand(wait, demoAdmin, demoGeneral, "/ritual", "coffee now"); err != nil {
			b.Fatal(err)
		}
		if err := waitFor(wait, func() bool {
			rounds, err := m.DB.Coffee().Rounds(bigCoffee, 1)
			if err != nil || len(rounds) == 0 || rounds[0].At.Before(time.Now().Add(-time.Hour)) {
				return false
			}
			stats, err := m.DB.Stats()
			return err == nil && stats.Pending == 0 && stats.Failed == 0
		}); err != nil {
			stats, _ := m.DB.Stats()
			b.Fatalf("the round's intros were not delivered: %+v", stats)
		}
		b.StopTimer()
		rounds, _ := m.DB.Coffee().Rounds(bigCoffee, 1)
		if stats, _ := m.DB.Stats(); len(rounds[0].Groups) != people/2 || stats.Delivered < people/2 {
			b.Fatalf("the round has %d groups and %d messages were delivered; want %d", len(rounds[0].Groups), stats.Delivered, people/2)
		}

		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heapInUse, heapAlloc = max(heapInUse, ms.HeapInuse), max(heapAlloc, ms.HeapAlloc)
		waitCancel()
		cancel()
		<-done
		m.Close()
		fake.Close()
	}
	b.ReportMetric(float64(heapInUse)/(1<<20), "heap-inuse-MB")
	b.ReportMetric(float64(heapAlloc)/(1<<20), "heap-live-MB")
}

// pastYear writes a year of weekly coffee rounds of channel (ids in random pairs) into m's
// database, ending last week, as the bot would have: the history the next round's pairing reads.
func pastYear(b *testing.B, m *Main, channel string, ids []string) {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	for w := 52; w >= 1; w-- {
		at := time.Now().Add(-time.Duration(w) * 7 * 24 * time.Hour).Truncate(time.Minute)
		key := schedule.Key{Ritual: coffee.Ritual, Channel: channel, At: at}
		round := coffee.Round{ID: key.String(), Channel: channel, At: at}
		perm := r.Perm(len(ids))
		for g := 0; g+1 < len(perm); g += 2 {
			round.Groups = append(round.Groups, coffee.Group{ID: fmt.Sprintf("%s/%d", round.ID, g/2), Members: []string{ids[perm[g]], ids[perm[g+1]]},
				Reason: "you have not met yet", Starter: "What made your week?", IntroKey: fmt.Sprintf("%s/intro/%d", round.ID, g/2), Answer: coffee.AnswerMet})
		}
		if err := m.DB.Coffee().CommitRound(key, round, nil, nil, nil); err != nil && !strings.Contains(err.Error(), "already") {
			b.Fatal(err)
		}
	}
}
