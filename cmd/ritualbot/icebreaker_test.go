package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// icebreakerBot runs the bot with an icebreaker in #general on Wednesdays 11:00 New York time.
func icebreakerBot(t *testing.T, clock *virtualClock, edit func(*IcebreakerConfig)) *harness {
	t.Helper()
	return startBotWith(t, slackfake.Options{}, func(m *Main) {
		m.Now, m.MaxSleep = clock.Now, 10*time.Millisecond
		ib := IcebreakerConfig{RitualChannel: RitualChannel{Channel: demoGeneral, Schedule: "CRON_TZ=America/New_York 0 11 * * WED"}}
		if edit != nil {
			edit(&ib)
		}
		m.Config.Icebreakers = []IcebreakerConfig{ib}
		m.Config.setDefaults()
	})
}

// botMessages returns the bot's messages in channel (top level and replies) once there are n.
func (h *harness) botMessages(channel string, n int) []slackfake.Message {
	h.t.Helper()
	return h.waitBotMessages(func() string { return channel }, n, func(slackfake.Message) bool { return true })
}

// botPosts returns the bot's top-level messages in channel once there are n.
func (h *harness) botPosts(channel string, n int) []slackfake.Message {
	h.t.Helper()
	return h.waitBotMessages(func() string { return channel }, n, func(m slackfake.Message) bool { return m.ThreadTS == "" || m.ThreadTS == m.TS })
}

// botDMs returns the bot's messages to userID once there are n; the DM may not exist yet.
func (h *harness) botDMs(userID string, n int) []slackfake.Message {
	h.t.Helper()
	return h.waitBotMessages(func() string { return h.fake.DMChannel(userID) }, n, func(slackfake.Message) bool { return true })
}

func (h *harness) waitBotMessages(channel func() string, n int, keep func(slackfake.Message) bool) []slackfake.Message {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []slackfake.Message
	err := waitFor(ctx, func() bool {
		got = got[:0]
		ch := channel()
		if ch == "" {
			return false
		}
		for _, m := range h.fake.Messages(ch) {
			if m.User == h.fake.BotUserID() && keep(m) {
				got = append(got, m)
			}
		}
		return len(got) >= n
	})
	if err != nil {
		h.t.Fatalf("want %d bot messages in %s, have %d\nlogs:\n%s", n, channel(), len(got), h.logs.String())
	}
	return got
}

func TestIcebreakerPostedOnScheduleAndClosedWithCount(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	clock := newVirtualClock(time.Date(2026, 12, 2, 10, 59, 0, 0, ny))
	h := icebreakerBot(t, clock, nil)
	if n := len(h.fake.Messages(demoGeneral)); n != 0 {
		t.Fatalf("posted before its time: %d messages", n)
	}
	clock.Set(time.Date(2026, 12, 2, 11, 0, 5, 0, ny))
	post := h.botMessages(demoGeneral, 1)[0]
	if !strings.Contains(post.Text, "Icebreaker") || !strings.Contains(string(post.Blocks), "thread") || post.ThreadTS != "" {
		t.Errorf("post = %+v", post)
	}
	if strings.Contains(post.Text, "<!") {
		t.Errorf("post pings: %s", post.Text)
	}
	for _, answer := range []struct{ user, text string }{
		{"U02RAJ", "Mountains, always."}, {"U03MEI", "The sea <!channel>"}, {"U02RAJ", "Actually, both!"}, {"U05LENA", "Forests"},
	} {
		if _, err := h.fake.PostAs(answer.user, demoGeneral, post.TS, answer.text); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(24 * time.Hour)
	closing := h.botMessages(demoGeneral, 2)[1]
	if closing.ThreadTS != post.TS || !strings.Contains(closing.Text, "3 people answered") {
		t.Errorf("closing = %+v", closing)
	}
	// A restart must not post the same week's question again.
	h.shutdown()
	h2 := restartBot(t, h, clock)
	clock.Advance(time.Minute)
	time.Sleep(100 * time.Millisecond)
	if msgs := h2.fake.Messages(demoGeneral); len(msgs) != 6 {
		t.Errorf("after a restart the channel holds %d messages, want 6 (post, 4 answers, closing)", len(msgs))
	}
	if got := h2.command(demoAdmin, "icebreaker list"); !strings.Contains(got, "3 answers") {
		t.Errorf("list does not show the round:\n%s", got)
	}
}

// restartBot starts a new bot process on the same database and emulator.
func restartBot(t *testing.T, old *harness, clock *virtualClock) *harness {
	t.Helper()
	cfg := old.main.Config
	h := &harness{t: t, fake: old.fake, logs: old.logs, done: make(chan error, 1)}
	h.main = &Main{Config: cfg, Logger: old.main.Logger, BotToken: old.fake.BotToken(), AppToken: old.fake.AppToken(), Now: clock.Now, MaxSleep: 10 * time.Millisecond}
	if err := h.main.Open(); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	h.stop = stop
	before := old.fake.Connections()
	go func() { h.done <- h.main.Run(ctx) }()
	t.Cleanup(h.shutdown)
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitFor(wctx, func() bool { return old.fake.Connections() > before }); err != nil {
		t.Fatal("restarted bot did not connect")
	}
	h.waitScheduled()
	return h
}

func TestIcebreakerRotationNeverRepeatsBeforeExhaustion(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ours.txt")
	if err := os.WriteFile(file, []byte("## ours\nWhat is a sound you love?\nWhich season suits you best?\nWhat would you cook for a friend?\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := icebreakerBot(t, clock, func(ib *IcebreakerConfig) { ib.Questions, ib.QuestionsMode = file, "replace" })
	var asked []string
	for i := range 7 {
		if got := h.command(demoAdmin, "icebreaker now"); !strings.Contains(got, "on its way") {
			t.Fatalf("icebreaker now: %s", got)
		}
		msgs := h.botPosts(demoGeneral, i+1)
		asked = append(asked, msgs[i].Text)
		clock.Advance(7 * 24 * time.Hour)
	}
	for start := 0; start+3 <= len(asked); start += 3 {
		seen := map[string]bool{}
		for _, q := range asked[start : start+3] {
			if seen[q] {
				t.Errorf("repeated before the bank was exhausted: %q in %v", q, asked)
			}
			seen[q] = true
		}
	}
	if asked[3] != asked[0] || asked[6] != asked[3] {
		t.Errorf("after exhaustion the least recently asked comes first: %v", asked)
	}
}

func TestIcebreakerSuggestionApprovedThenAsked(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := icebreakerBot(t, clock, nil)
	question := "What is a smell that takes you straight back to being small?"
	if got := h.command("U02RAJ", "icebreaker suggest "+question); !strings.Contains(got, "sent your question to the admins") {
		t.Fatalf("suggest: %s", got)
	}
	dm := h.botDMs(demoAdmin, 1)[0]
	if !strings.Contains(dm.Text+string(dm.Blocks), "smell") {
		t.Fatalf("admin DM = %+v", dm)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.fake.ClickButton(ctx, demoAdmin, slackfake.Location{Channel: dm.Channel, TS: dm.TS}, "icebreaker.approve"); err != nil {
		t.Fatal(err)
	}
	outcome := h.botDMs("U02RAJ", 1)[0]
	if !strings.Contains(outcome.Text, "approved") {
		t.Errorf("suggester told: %s", outcome.Text)
	}
	if got := h.command(demoAdmin, "icebreaker now"); !strings.Contains(got, "on its way") {
		t.Fatal(got)
	}
	if post := h.botMessages(demoGeneral, 1)[0]; !strings.Contains(post.Text, "smell") {
		t.Errorf("the approved question should come next, got %q", post.Text)
	}
	// Clicking again does not decide twice.
	if _, err := h.fake.ClickButton(ctx, demoAdmin, slackfake.Location{Channel: dm.Channel, TS: dm.TS}, "icebreaker.reject"); err != nil {
		t.Logf("second click: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(h.botDMs("U02RAJ", 1)); n != 1 {
		t.Errorf("suggester told %d times", n)
	}
}

func TestIcebreakerSuggestionRejectedAndBadOnesRefused(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := icebreakerBot(t, clock, nil)
	if got := h.command("U03MEI", "icebreaker suggest <!channel> what is your favourite game to play outside?"); !strings.Contains(got, "sent your question") {
		t.Fatalf("suggest: %s", got)
	}
	if got := h.command("U03MEI", "icebreaker suggest <!channel> what is your favourite game to play outside?"); !strings.Contains(got, "already") {
		t.Errorf("a pending duplicate must be refused: %s", got)
	}
	dm := h.botDMs(demoAdmin, 1)[0]
	if strings.Contains(dm.Text+string(dm.Blocks), "<!channel>") {
		t.Errorf("the suggestion reached the admin unescaped: %s", dm.Blocks)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.fake.ClickButton(ctx, demoAdmin, slackfake.Location{Channel: dm.Channel, TS: dm.TS}, "icebreaker.reject"); err != nil {
		t.Fatal(err)
	}
	if outcome := h.botDMs("U03MEI", 1)[0]; !strings.Contains(outcome.Text, "not to add it") {
		t.Errorf("suggester told: %s", outcome.Text)
	}
	for text, want := range map[string]string{
		"icebreaker suggest":                                "Write the question",
		"icebreaker suggest Why?":                           "short",
		"icebreaker suggest " + strings.Repeat("long ", 80): "long",
	} {
		if got := h.command("U04SAM", text); !strings.Contains(got, want) {
			t.Errorf("%q: got %q, want it to mention %q", text[:min(len(text), 40)], got, want)
		}
	}
	bank := h.command("U04SAM", "icebreaker suggest "+firstBuiltInQuestion(t, h))
	if !strings.Contains(bank, "already have") {
		t.Errorf("a built-in question suggested again: %s", bank)
	}
	if got := h.command("U04SAM", "icebreaker now"); !strings.Contains(got, "only for the admins") {
		t.Errorf("non-admin now: %s", got)
	}
	if got := h.command("U04SAM", "icebreaker dance"); !strings.Contains(got, "icebreaker suggest") {
		t.Errorf("unknown verb should list the icebreaker's verbs: %s", got)
	}
}

func firstBuiltInQuestion(t *testing.T, h *harness) string {
	t.Helper()
	for _, ib := range h.main.Config.Icebreakers {
		return ib.bank.Questions()[0].Text
	}
	t.Fatal("no icebreaker configured")
	return ""
}

func TestMissedRunBeyondGraceIsSkippedAndAdminsTold(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	clock := newVirtualClock(time.Date(2026, 12, 1, 12, 0, 0, 0, ny))
	h := icebreakerBot(t, clock, func(ib *IcebreakerConfig) { ib.Grace = Duration(2 * time.Hour) })
	h.shutdown()
	// Down from Tuesday noon until Wednesday 15:00: the 11:00 run is 4 hours late, beyond grace.
	clock.Set(time.Date(2026, 12, 2, 15, 0, 0, 0, ny))
	h2 := restartBot(t, h, clock)
	note := h2.botDMs(demoAdmin, 1)[0]
	if !strings.Contains(note.Text, "did not happen") || !strings.Contains(note.Text, "icebreaker") {
		t.Errorf("admin note = %q", note.Text)
	}
	if n := len(h2.fake.Messages(demoGeneral)); n != 0 {
		t.Errorf("a run beyond grace was posted: %d messages", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h2.fake.OpenHome(ctx, demoAdmin); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool { return strings.Contains(string(h2.fake.HomeView(demoAdmin)), "Next scheduled runs") }); err != nil {
		t.Errorf("the admin's Home tab lacks the schedule: %s\n%s", h2.fake.HomeView(demoAdmin), h2.logs.String())
	}
}

func TestSlashCommandTextIsUnescapedOnceAndEscapedOnce(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := icebreakerBot(t, clock, nil)
	// With should_escape, Slack sends & < > as entities.
	if got := h.command("U02RAJ", "icebreaker suggest Tea &amp; biscuits or coffee &amp; cake: which wins?"); !strings.Contains(got, "sent your question") {
		t.Fatalf("suggest: %s", got)
	}
	dm := h.botDMs(demoAdmin, 1)[0]
	body := string(dm.Blocks)
	if !strings.Contains(body, "Tea &amp; biscuits") || strings.Contains(body, "&amp;amp;") {
		t.Errorf("the suggestion should reach Slack escaped exactly once: %s", body)
	}
}
