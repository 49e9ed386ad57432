package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/store"
)

// opsBot runs the bot with its ops listener on a free loopback port.
func opsBot(t *testing.T, clock *virtualClock) (*harness, string) {
	t.Helper()
	return opsBotWith(t, clock, nil)
}

// opsBotWith is opsBot with setup run on Main before it opens.
func opsBotWith(t *testing.T, clock *virtualClock, setup func(*Main)) (*harness, string) {
	t.Helper()
	h := startBotWith(t, slackfake.Options{}, func(m *Main) {
		m.Now, m.MaxSleep = clock.Now, 10*time.Millisecond
		m.Config.Ops.Listen = "127.0.0.1:0"
		if setup != nil {
			setup(m)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitFor(ctx, func() bool { return h.main.OpsAddr() != "" }); err != nil {
		t.Fatal("the ops listener did not start")
	}
	// The emulator sees the socket a moment before the bot has handled its own "connected" event.
	if err := waitFor(ctx, h.main.Bot.Connected); err != nil {
		t.Fatal("the bot did not see itself connected")
	}
	return h, "http://" + h.main.OpsAddr()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestHealthzFollowsTheConnection(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h, base := opsBot(t, clock)
	code, hz, body := getHealth(t, base)
	if code != http.StatusOK || !hz.Connected || !hz.DatabaseWritable || len(hz.NextRuns) == 0 {
		t.Fatalf("healthy bot: %d %s", code, body)
	}
	// Slack refuses reconnection; a minute later (on the bot's clock) the bot is unhealthy.
	h.fake.RefuseConnections(3 * time.Second)
	h.fake.DropSockets()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitFor(ctx, func() bool { return !h.main.Bot.Connected() }); err != nil {
		t.Fatal("the bot did not notice the dropped socket")
	}
	if code, body := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("briefly disconnected should still be healthy: %d %s", code, body)
	}
	clock.Advance(61 * time.Second)
	if code, body := get(t, base+"/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"connected":false`) {
		t.Errorf("disconnected for over a minute: %d %s", code, body)
	}
	// slack-go retries with exponential backoff; give it time to get past the refusal.
	recovery, cancelRecovery := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancelRecovery()
	if err := waitFor(recovery, func() bool { c, _ := get(t, base+"/healthz"); return c == http.StatusOK }); err != nil {
		t.Error("healthz did not recover after reconnecting")
	}
}

func TestMetricsMoveWithTrafficAndNameNobody(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h, base := opsBot(t, clock)
	h.command("U02RAJ", "help")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.fake.OpenHome(ctx, "U02RAJ"); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool { return h.fake.HomeView("U02RAJ") != nil }); err != nil {
		t.Fatal("no home view")
	}
	wants := []string{
		`ritualbot_envelopes_total{type="slash_commands"} 1`,
		`ritualbot_envelopes_total{type="events_api"} 1`,
		`ritualbot_api_calls_total{method="views.publish",outcome="ok"} 1`,
		`ritualbot_api_calls_total{method="apps.connections.open",outcome="ok"}`,
		`ritualbot_ack_seconds_count`,
		`ritualbot_outbox_depth 0`,
		`ritualbot_socket_connected 1`,
		`go_goroutines`,
	}
	// A counter moves when the client has read Slack's answer, a moment after Slack acted on it.
	var body string
	_ = waitFor(ctx, func() bool {
		_, body = get(t, base+"/metrics")
		for _, want := range wants {
			if !strings.Contains(body, want) {
				return false
			}
		}
		return true
	})
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, id := range []string{"U02RAJ", demoGeneral, h.fake.TeamID()} {
		if strings.Contains(body, id) {
			t.Errorf("/metrics mentions %s", id)
		}
	}
}

func TestBackupDuringDeliveryRestoresAndResumes(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h, _ := opsBot(t, clock)
	h.fake.SetLatency("chat.postMessage", 20*time.Millisecond)
	people := addPeople(h.fake, 60)
	var msgs []rituals.Message
	for _, p := range people {
		msgs = append(msgs, noteTo("dm/"+p, rituals.Recipient{User: p}))
	}
	if err := h.main.DB.Enqueue(msgs...); err != nil {
		t.Fatal(err)
	}
	h.main.Delivery.Wake()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := waitFor(ctx, func() bool { s, _ := h.main.DB.Stats(); return s.Delivered >= 5 }); err != nil {
		t.Fatal("delivery did not start")
	}
	cfgPath := filepath.Join(t.TempDir(), "ritualbot.yaml")
	running := *h.main.Config
	running.Ops.Listen = h.main.OpsAddr()
	writeConfig(t, cfgPath, &running)
	backup := filepath.Join(t.TempDir(), "copy.db")
	var out, errOut bytes.Buffer
	if err := runMain(ctx, []string{"backup", "-config", cfgPath, "-o", backup}, &out, &errOut); err != nil {
		t.Fatalf("backup while running: %v %s", err, errOut.String())
	}
	if err := runMain(ctx, []string{"backup", "-config", cfgPath, "-o", backup}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "-force") {
		t.Errorf("backup onto an existing file: %v", err)
	}
	if err := runMain(ctx, []string{"backup", "-config", cfgPath, "-o", "/nonexistent-dir/x.db"}, &out, &errOut); err == nil {
		t.Error("backup into a missing directory was accepted")
	}
	if err := store.VerifyBackup(backup); err != nil {
		t.Fatalf("the backup is not a valid database: %v", err)
	}
	copied, err := store.Open(backup, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stats, _ := copied.Stats()
	copied.Close()
	if stats.Pending+stats.Delivered != len(msgs) {
		t.Errorf("backup holds %d pending + %d delivered of %d", stats.Pending, stats.Delivered, len(msgs))
	}
	if err := waitFor(ctx, func() bool { s, _ := h.main.DB.Stats(); return s.Pending == 0 }); err != nil {
		t.Fatal("delivery did not finish")
	}
	h.shutdown()

	// Disk died: restore the backup in a new place and start from it; it resumes where the
	// backup was, delivering each message exactly once.
	restored := filepath.Join(t.TempDir(), "restored.db")
	cfg := *h.main.Config
	cfg.Store.Path = restored
	cfg.Ops.Listen = ""
	writeConfig(t, cfgPath, &cfg)
	if err := runMain(ctx, []string{"restore", "-config", cfgPath, "-from", backup}, &out, &errOut); err != nil {
		t.Fatalf("restore: %v", err)
	}
	h2 := &harness{t: t, fake: h.fake, logs: h.logs, done: make(chan error, 1)}
	h2.main = &Main{Config: &cfg, Logger: h.main.Logger, BotToken: h.fake.BotToken(), AppToken: h.fake.AppToken(), Now: clock.Now, MaxSleep: 10 * time.Millisecond}
	if err := h2.main.Open(); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	h2.stop = stop
	go func() { h2.done <- h2.main.Run(runCtx) }()
	t.Cleanup(h2.shutdown)
	if err := waitFor(ctx, func() bool { s, _ := h2.main.DB.Stats(); return s.Pending == 0 }); err != nil {
		t.Fatal("the restored bot did not resume delivery")
	}
	sent := sentKeys(h.fake, dmChannels(h.fake, people))
	for _, m := range msgs {
		if sent[m.Key] != 1 {
			t.Errorf("%s arrived %d times", m.Key, sent[m.Key])
		}
	}
}

// writeConfig writes the parts of cfg the CLI needs to find the database and the running bot.
func writeConfig(t *testing.T, path string, cfg *Config) {
	t.Helper()
	text := "store:\n  path: " + cfg.Store.Path + "\nops:\n  listen: \"" + cfg.Ops.Listen + "\"\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
