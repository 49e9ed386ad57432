package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
)

// syncBuffer is a log sink safe for the bot's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is the real bot, wired as main wires it, connected to the emulator over loopback.
type harness struct {
	t    *testing.T
	fake *slackfake.Server
	main *Main
	logs *syncBuffer
	stop context.CancelFunc
	done chan error
}

// startBot starts the emulator with the demo team and the bot against it; edit may change the
// configuration first.
func startBot(t *testing.T, opts slackfake.Options, edit func(*Config)) *harness {
	t.Helper()
	return startBotWith(t, opts, func(m *Main) {
		if edit != nil {
			edit(m.Config)
		}
	})
}

// startBotWith is startBot with access to the whole Main before it opens: its clock, its
// configuration.
func startBotWith(t *testing.T, opts slackfake.Options, setup func(*Main)) *harness {
	t.Helper()
	if opts.AckTimeout == 0 {
		opts.AckTimeout = 3 * time.Second
	}
	fake, err := newDemoWorkspace(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	return startBotOn(t, fake, setup)
}

// startBotOn is startBotWith on a workspace the test prepared.
func startBotOn(t *testing.T, fake *slackfake.Server, setup func(*Main)) *harness {
	t.Helper()
	cfg, err := baseConfig(fake.APIURL(), filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, fake: fake, logs: &syncBuffer{}, done: make(chan error, 1)}
	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.main = &Main{Config: cfg, Logger: logger, BotToken: fake.BotToken(), AppToken: fake.AppToken()}
	if setup != nil {
		setup(h.main)
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	// The bot's token gets exactly the scopes its manifest grants, as an installed app would.
	fake.SetScopes(buildManifest(cfg).OAuthConfig.Scopes.Bot)
	if err := h.main.Open(); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	h.stop = stop
	go func() { h.done <- h.main.Run(ctx) }()
	t.Cleanup(h.shutdown)
	h.waitConnected()
	h.waitScheduled()
	return h
}

// waitScheduled waits until the scheduler has recorded where each configured job starts, so a
// test that moves the clock afterwards cannot overtake the scheduler's first look at it.
func (h *harness) waitScheduled() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, r := range h.main.Config.Rituals() {
		for _, rc := range r.Channels {
			err := waitFor(ctx, func() bool {
				_, ok, _ := h.main.DB.Runs().Last(r.Name, rc.Channel)
				return ok
			})
			if err != nil {
				h.t.Fatalf("the scheduler did not start %s in %s", r.Name, rc.Channel)
			}
		}
	}
}

func (h *harness) waitConnected() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.fake.WaitConnected(ctx); err != nil {
		h.t.Fatalf("bot did not connect: %v\nlogs:\n%s", err, h.logs.String())
	}
}

// shutdown stops the bot as SIGTERM would and checks it returns cleanly.
func (h *harness) shutdown() {
	if h.stop == nil {
		return
	}
	h.stop()
	h.stop = nil
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("bot returned %v", err)
		}
	case <-time.After(20 * time.Second):
		h.t.Error("bot did not stop within 20s")
	}
	h.main.Close()
}

// command types a slash command as userID in #general and returns the ephemeral answer.
func (h *harness) command(userID, text string) string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := len(h.fake.Ephemerals(userID))
	ack, err := h.fake.SlashCommand(ctx, userID, demoGeneral, "/ritual", text)
	if err != nil {
		h.t.Fatalf("/ritual %s: %v", text, err)
	}
	if ack.Latency > 3*time.Second {
		h.t.Errorf("ack took %v; Slack wants 3s", ack.Latency)
	}
	var got string
	if err := waitFor(ctx, func() bool {
		eph := h.fake.Ephemerals(userID)
		if len(eph) > before {
			got = eph[len(eph)-1].Text + "\n" + string(eph[len(eph)-1].Blocks)
			return true
		}
		return false
	}); err != nil {
		h.t.Fatalf("no answer to /ritual %s\nlogs:\n%s", text, h.logs.String())
	}
	return got
}

func TestHelpAnswersEphemerally(t *testing.T) {
	h := startBot(t, slackfake.Options{}, nil)
	got := h.command("U02RAJ", "help")
	for _, want := range []string{"/ritual help", "Home"} {
		if !strings.Contains(got, want) {
			t.Errorf("help lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "/ritual status") {
		t.Error("a non-admin's help lists admin subcommands")
	}
	if msgs := h.fake.Messages(demoGeneral); len(msgs) != 0 {
		t.Errorf("help was posted for everyone: %+v", msgs)
	}
	if admin := h.command(demoAdmin, ""); !strings.Contains(admin, "/ritual status") {
		t.Errorf("an admin's help should list admin subcommands:\n%s", admin)
	}
}

func TestUnknownSubcommandGetsHelpfulAnswer(t *testing.T) {
	h := startBot(t, slackfake.Options{}, nil)
	got := h.command("U03MEI", "hepl")
	if !strings.Contains(got, "I don't know `/ritual hepl`") || !strings.Contains(got, "Did you mean `/ritual help`") {
		t.Errorf("unknown subcommand answer:\n%s", got)
	}
	got = h.command("U03MEI", "<!channel> dance")
	if strings.Contains(got, "<!channel>") {
		t.Errorf("the bot echoed a channel ping unescaped:\n%s", got)
	}
}

func TestAdminSubcommandRefusedForOthers(t *testing.T) {
	h := startBot(t, slackfake.Options{}, nil)
	if got := h.command("U04SAM", "status"); !strings.Contains(got, "only for the admins") {
		t.Errorf("non-admin was not refused:\n%s", got)
	}
	if got := h.command(demoAdmin, "status"); !strings.Contains(got, "Outbox") {
		t.Errorf("admin status:\n%s", got)
	}
}

func TestHomeTabPublishedOnOpen(t *testing.T) {
	h := startBot(t, slackfake.Options{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.fake.OpenHome(ctx, "U05LENA"); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool { return h.fake.HomeView("U05LENA") != nil }); err != nil {
		t.Fatalf("Home tab not published; logs:\n%s", h.logs.String())
	}
	var view struct {
		Type   string            `json:"type"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(h.fake.HomeView("U05LENA"), &view); err != nil {
		t.Fatal(err)
	}
	if view.Type != "home" || len(view.Blocks) == 0 || !strings.Contains(string(h.fake.HomeView("U05LENA")), "/ritual help") {
		t.Errorf("home view = %s", h.fake.HomeView("U05LENA"))
	}
}

func TestRedeliveredEventHandledOnce(t *testing.T) {
	h := startBot(t, slackfake.Options{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	event := map[string]any{"type": "app_home_opened", "user": "U06JOSE", "channel": "D06JOSE", "tab": "home", "event_ts": "1764000000.000100"}
	if _, err := h.fake.SendEvent(ctx, event, slackfake.EventOptions{EventID: "Ev0001"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.fake.SendEvent(ctx, event, slackfake.EventOptions{EventID: "Ev0001", RetryAttempt: 1, RetryReason: "timeout"}); err != nil {
		t.Fatal(err)
	}
	// A different event afterwards proves the bot is done with both.
	other := map[string]any{"type": "app_home_opened", "user": "U07KOFI", "channel": "D07KOFI", "tab": "home", "event_ts": "1764000000.000200"}
	if _, err := h.fake.SendEvent(ctx, other, slackfake.EventOptions{EventID: "Ev0002"}); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool { return h.fake.HomeView("U07KOFI") != nil }); err != nil {
		t.Fatal("second event not handled")
	}
	if err := waitFor(ctx, func() bool { return h.fake.CallCount("views.publish") >= 2 }); err != nil {
		t.Fatal("views.publish not called")
	}
	if n := h.fake.CallCount("views.publish"); n != 2 {
		t.Errorf("views.publish called %d times; the redelivered event must be handled once", n)
	}
}

func TestReconnectsAfterDropAndDisconnect(t *testing.T) {
	h := startBot(t, slackfake.Options{}, nil)
	for i, fault := range []func(){h.fake.DropSockets, func() { h.fake.Disconnect("refresh_requested") }, func() { h.fake.Disconnect("warning") }} {
		before := h.fake.Connections()
		fault()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		if err := waitFor(ctx, func() bool { return h.fake.Connections() > before }); err != nil {
			cancel()
			t.Fatalf("fault %d: bot did not reconnect; logs:\n%s", i, h.logs.String())
		}
		cancel()
		h.waitConnected()
		if got := h.command("U08NOOR", "help"); !strings.Contains(got, "/ritual help") {
			t.Errorf("fault %d: no help after reconnecting", i)
		}
	}
}

func TestBadInputIsAnsweredNotCrashed(t *testing.T) {
	h := startBot(t, slackfake.Options{}, nil)
	long := strings.Repeat("a", 10_000)
	if got := h.command("U09ELI", long); !strings.Contains(got, "10000 characters") {
		t.Errorf("10 kB command:\n%.300s", got)
	}
	if got := h.command("U09ELI", "he\x00lp\x07"); !strings.Contains(got, "/ritual help") {
		t.Errorf("control characters:\n%s", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, raw := range []string{
		`{"envelope_id":"bad-1","type":"events_api","payload":"not an object"}`,
		`{"envelope_id":"bad-2","type":"interactive","payload":{"type":"shortcut_from_the_future"}}`,
		`{"type":"mystery"}`,
		`this is not json`,
	} {
		if err := h.fake.SendRaw(ctx, []byte(raw)); err != nil {
			t.Fatalf("send %s: %v", raw, err)
		}
	}
	if got := h.command("U09ELI", "help"); !strings.Contains(got, "/ritual help") {
		t.Errorf("bot stopped answering after malformed envelopes")
	}
}

// runWithTokens runs the real wiring against the emulator with the given tokens ("" means the
// emulator's right one) and returns what Run returned.
func runWithTokens(t *testing.T, botToken, appToken string) error {
	t.Helper()
	return runOn(t, filepath.Join(t.TempDir(), "bot.db"), botToken, appToken)
}

// runOn is runWithTokens on the database at dbPath.
func runOn(t *testing.T, dbPath, botToken, appToken string) error {
	t.Helper()
	fake, err := newDemoWorkspace(slackfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	cfg, err := baseConfig(fake.APIURL(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, BotToken: cmp.Or(botToken, fake.BotToken()), AppToken: cmp.Or(appToken, fake.AppToken())}
	if err := m.Open(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return m.Run(ctx)
}

func TestWrongBotTokenIsReportedAtStart(t *testing.T) {
	if err := runWithTokens(t, "xoxb-not-the-right-one", ""); err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") {
		t.Errorf("run with a wrong bot token: %v", err)
	}
}

func TestWrongAppTokenIsReportedAtStart(t *testing.T) {
	if err := runWithTokens(t, "", "xapp-not-the-right-one"); err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Errorf("run with a wrong app token: %v", err)
	}
}

func TestAdminsToldAboutChannelsWithoutTheBot(t *testing.T) {
	fake, err := newDemoWorkspace(slackfake.Options{AckTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	fake.AddChannel(slackfake.Channel{ID: "C09QUIET", Name: "quiet", Members: []string{"U01ANA"}})
	h := startBotOn(t, fake, func(m *Main) {
		m.Config.Icebreakers = []IcebreakerConfig{
			{RitualChannel: RitualChannel{Channel: "C09QUIET", Schedule: "0 11 * * WED"}},
			{RitualChannel: RitualChannel{Channel: "C09TYPO", Schedule: "0 11 * * WED"}},
		}
		m.Config.setDefaults()
	})
	notes := map[string]string{}
	for _, note := range h.botDMs(demoAdmin, 2) {
		for _, ch := range []string{"C09QUIET", "C09TYPO"} {
			if strings.Contains(note.Text, ch) {
				notes[ch] = note.Text
			}
		}
	}
	if quiet := notes["C09QUIET"]; !strings.Contains(quiet, "/invite @ritualbot") || !strings.Contains(quiet, "icebreaker") {
		t.Errorf("note about a channel without the bot = %q", quiet)
	}
	// Slack answers channel_not_found for an id that names no channel: a typo in the configuration.
	typo := notes["C09TYPO"]
	if !strings.Contains(typo, "does not exist") || !strings.Contains(typo, "configuration") || !strings.Contains(typo, "icebreaker") ||
		strings.Contains(typo, "I'm not a member") {
		t.Errorf("note about a channel id that does not exist = %q", typo)
	}
}
