package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/bot"
	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/store"
)

// noteTo is an admin note addressed to r, with a unique key.
func noteTo(key string, r rituals.Recipient) rituals.Message {
	data, _ := json.Marshal(rituals.AdminNote{Text: "note " + key})
	return rituals.Message{Key: key, Ritual: "test", Kind: rituals.KindAdminNote, To: r, Data: data}
}

// sentKeys counts, per outbox key, the bot messages in the workspace carrying it in metadata.
func sentKeys(fake *slackfake.Server, channels []string) map[string]int {
	out := map[string]int{}
	for _, ch := range channels {
		for _, m := range fake.Messages(ch) {
			var md struct {
				EventType    string         `json:"event_type"`
				EventPayload map[string]any `json:"event_payload"`
			}
			if len(m.Metadata) == 0 || json.Unmarshal(m.Metadata, &md) != nil || md.EventType != "ritualbot_outbox" {
				continue
			}
			out[fmt.Sprint(md.EventPayload["key"])]++
		}
	}
	return out
}

// addPeople adds n people to the workspace and returns their ids.
func addPeople(fake *slackfake.Server, n int) []string {
	ids := make([]string, n)
	zones := []string{"Europe/Berlin", "America/New_York", "Asia/Tokyo", "Africa/Lagos"}
	for i := range ids {
		ids[i] = fmt.Sprintf("UP%05d", i)
		fake.AddUser(slackfake.User{ID: ids[i], Name: fmt.Sprintf("person%d", i), RealName: fmt.Sprintf("Person %d", i), TZ: zones[i%len(zones)]})
	}
	return ids
}

// drainAll runs delivery passes until nothing is pending or the deadline passes.
func drainAll(ctx context.Context, t testing.TB, d *bot.Delivery, db *store.DB) {
	for {
		if _, err := d.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		stats, err := db.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if stats.Pending == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("delivery did not finish: %+v", stats)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestDeliveryRetriesAndRecordsPermanentFailures(t *testing.T) {
	const scale = 600
	fake, err := newDemoWorkspace(slackfake.Options{TimeScale: scale, RateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	fake.AddChannel(slackfake.Channel{ID: "C09OLD", Name: "old-project", Members: []string{fake.BotUserID()}, IsArchived: true})
	db, err := store.Open(filepath.Join(t.TempDir(), "d.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	people := []string{"U01ANA", "U02RAJ", "U03MEI", "U04SAM", "U05LENA", "U06JOSE", "U07KOFI", "U08NOOR", "U09ELI"}
	var msgs []rituals.Message
	for round := range 3 {
		for _, p := range people {
			msgs = append(msgs, noteTo(fmt.Sprintf("dm/%d/%s", round, p), rituals.Recipient{User: p}))
		}
		msgs = append(msgs, noteTo(fmt.Sprintf("general/%d", round), rituals.Recipient{Channel: demoGeneral}))
	}
	msgs = append(msgs,
		noteTo("group/ana-raj", rituals.Recipient{Group: []string{"U01ANA", "U02RAJ"}}),
		noteTo("gone", rituals.Recipient{User: "U11GONE"}),
		noteTo("bot", rituals.Recipient{User: "U12BOT"}),
		noteTo("archived", rituals.Recipient{Channel: "C09OLD"}),
		noteTo("nowhere", rituals.Recipient{Channel: "C99NOPE"}),
	)
	reply := noteTo("nowhere/reply", rituals.Recipient{Channel: "C99NOPE"})
	reply.ThreadOf = "nowhere"
	msgs = append(msgs, reply)
	if err := db.Enqueue(msgs...); err != nil {
		t.Fatal(err)
	}
	fake.FailNext("chat.postMessage", 3, 503)
	fake.RateLimitNext("chat.postMessage", 2, time.Second)
	fake.FailNext("conversations.open", 1, 500)

	api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()))
	logs := &syncBuffer{}
	d := bot.NewDelivery(api, db, bot.DeliveryOptions{Limits: bot.Limits{Scale: scale}, MaxBackoff: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	d.RegisterCoreRenderers()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	drainAll(ctx, t, d, db)

	var channels []string
	for _, p := range people {
		channels = append(channels, fake.DMChannel(p))
	}
	channels = append(channels, demoGeneral, fake.GroupDM("U01ANA", "U02RAJ"))
	sent := sentKeys(fake, channels)
	for _, m := range msgs[:len(msgs)-5] {
		if sent[m.Key] != 1 {
			t.Errorf("%s arrived %d times, want once", m.Key, sent[m.Key])
		}
	}
	// Messages in one conversation keep their order.
	var order []string
	for _, m := range fake.Messages(demoGeneral) {
		order = append(order, m.Text)
	}
	if got := strings.Join(order, "|"); got != "note general/0|note general/1|note general/2" {
		t.Errorf("#general order = %s", got)
	}
	stats, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if stats.Failed != 5 || stats.Pending != 0 {
		t.Fatalf("stats = %+v", stats)
	}
	reasons := map[string]string{}
	for _, f := range stats.Failures {
		reasons[f.Key] = f.Failed
	}
	for key, want := range map[string]string{"bot": "cannot_dm_bot", "archived": "is_archived", "nowhere": "channel_not_found",
		"nowhere/reply": "its thread's first message failed: channel_not_found"} {
		if reasons[key] != want {
			t.Errorf("%s failed with %q, want %q", key, reasons[key], want)
		}
	}
	if reasons["gone"] == "" {
		t.Error("a DM to a deactivated person should fail for good")
	}
	if !strings.Contains(formatOutboxStats(stats, time.Now()), "cannot_dm_bot") {
		t.Error("status does not show the failures")
	}
}

// BenchmarkDelivery1000DMsAnd500GroupIntros measures delivery against the emulator's Slack tiers
// under a time scale: elapsed ÷ the floor the limits allow (target ≤ 1.15), 429s, lost, duplicates.
//
//	go test -run '^$' -bench Delivery -benchtime 1x ./cmd/ritualbot/
func BenchmarkDelivery1000DMsAnd500GroupIntros(b *testing.B) {
	const scale = 60
	for range b.N {
		fake, err := slackfake.New(slackfake.Options{TimeScale: scale, RateLimits: true})
		if err != nil {
			b.Fatal(err)
		}
		people := addPeople(fake, 1000)
		db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		var msgs []rituals.Message
		for i, p := range people {
			msgs = append(msgs, noteTo("dm/"+p, rituals.Recipient{User: p}))
			if i%2 == 1 {
				msgs = append(msgs, noteTo("intro/"+p, rituals.Recipient{Group: []string{people[i-1], p}}))
			}
		}
		if err := db.Enqueue(msgs...); err != nil {
			b.Fatal(err)
		}
		api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()))
		d := bot.NewDelivery(api, db, bot.DeliveryOptions{Limits: bot.Limits{Scale: scale}})
		d.RegisterCoreRenderers()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		b.ResetTimer()
		start := time.Now()
		drainAll(ctx, b, d, db)
		elapsed := time.Since(start)
		b.StopTimer()
		cancel()

		var channels []string
		perChannel := make([]int, 0, 1500)
		for i, p := range people {
			channels = append(channels, fake.DMChannel(p))
			perChannel = append(perChannel, 1)
			if i%2 == 1 {
				channels = append(channels, fake.GroupDM(people[i-1], p))
				perChannel = append(perChannel, 1)
			}
		}
		sent := sentKeys(fake, channels)
		lost, dups := 0, 0
		for _, m := range msgs {
			switch n := sent[m.Key]; {
			case n == 0:
				lost++
			case n > 1:
				dups += n - 1
			}
		}
		floor := max(fake.FloorSpread("conversations.open", 500), fake.FloorSpread("chat.postMessage", perChannel...))
		b.ReportMetric(elapsed.Seconds()/floor.Seconds(), "elapsed/floor")
		b.ReportMetric(float64(fake.RateLimitedCount()), "429s")
		b.ReportMetric(float64(lost), "lost")
		b.ReportMetric(float64(dups), "duplicates")
		b.ReportMetric(floor.Seconds()*scale/60, "floor-minutes-real")
		db.Close()
		fake.Close()
	}
}

// BenchmarkDelivery1000CheckinDMs sends the digest's check-in DMs to 1,000 people through the real
// wiring (renderers, lanes, limits) and reports elapsed ÷ the floor the limits allow.
//
// The time scale is 10, not 60: the floor here is short (600 of the 1,000 fit in the workspace
// burst), and at a larger scale the bot's own work per message (two fsyncs) would be measured
// instead of the limits.
//
//	go test -run '^$' -bench Delivery1000Checkin -benchtime 1x ./cmd/ritualbot/
func BenchmarkDelivery1000CheckinDMs(b *testing.B) {
	const scale = 10
	for range b.N {
		fake, err := newDemoWorkspace(slackfake.Options{TimeScale: scale, RateLimits: true})
		if err != nil {
			b.Fatal(err)
		}
		people := addPeople(fake, 1000)
		cfg, err := demoConfig(fake.APIURL(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		m := &Main{Config: cfg, Logger: slog.New(slog.DiscardHandler), BotToken: fake.BotToken(), AppToken: fake.AppToken(), Limits: bot.Limits{Scale: scale}}
		if err := m.Open(); err != nil {
			b.Fatal(err)
		}
		data, _ := json.Marshal(digest.CheckinData{Channel: demoGeneral, Week: digest.Week{ID: "2026-W48", To: time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)}})
		var msgs []rituals.Message
		perChannel := make([]int, len(people))
		for i, p := range people {
			msgs = append(msgs, rituals.Message{Key: "checkin/" + p, Ritual: "digest", Kind: digest.KindCheckin, To: rituals.Recipient{User: p}, Data: data})
			perChannel[i] = 1
		}
		if err := m.DB.Enqueue(msgs...); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		b.ResetTimer()
		start := time.Now()
		go func() { done <- m.Run(ctx) }()
		deadline, stopWait := context.WithTimeout(context.Background(), 5*time.Minute)
		if err := waitFor(deadline, func() bool { s, _ := m.DB.Stats(); return s.Pending == 0 }); err != nil {
			b.Fatal("delivery did not finish")
		}
		elapsed := time.Since(start)
		b.StopTimer()
		stopWait()
		cancel()
		<-done
		sent := sentKeys(fake, dmChannels(fake, people))
		lost, dups := 0, 0
		for _, msg := range msgs {
			switch n := sent[msg.Key]; {
			case n == 0:
				lost++
			case n > 1:
				dups += n - 1
			}
		}
		floor := fake.FloorSpread("chat.postMessage", perChannel...)
		b.ReportMetric(elapsed.Seconds()/floor.Seconds(), "elapsed/floor")
		b.ReportMetric(float64(fake.RateLimitedCount()), "429s")
		b.ReportMetric(float64(lost), "lost")
		b.ReportMetric(float64(dups), "duplicates")
		m.Close()
		fake.Close()
	}
}
