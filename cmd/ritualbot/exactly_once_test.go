package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/bot"
	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/store"
)

// lossyTransport lets Slack store what the bot posts but, while lose is set, loses Slack's answer
// to chat.postMessage, as a crash or a dropped connection right after the request does.
type lossyTransport struct {
	lose atomic.Bool
}

func (l *lossyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && l.lose.Load() && strings.HasSuffix(req.URL.Path, "/chat.postMessage") {
		resp.Body.Close()
		return nil, errors.New("connection reset before Slack's answer arrived")
	}
	return resp, err
}

// scopesWithout is every bot scope ritualbot may ask for, but drop.
func scopesWithout(drop string) []string {
	var out []string
	for _, sc := range []string{"chat:write", "commands", "im:write", "mpim:write", "users:read", "channels:read", "groups:read",
		"channels:history", "groups:history", "im:history", "mpim:history"} {
		if sc != drop {
			out = append(out, sc)
		}
	}
	return out
}

// deliveryEnv is a database and the emulator, for delivery workers made as a process would.
type deliveryEnv struct {
	t         *testing.T
	fake      *slackfake.Server
	db        *store.DB
	transport *lossyTransport
	logs      *syncBuffer
}

func newDeliveryEnv(t *testing.T) *deliveryEnv {
	t.Helper()
	fake, err := newDemoWorkspace(slackfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	db, err := store.Open(filepath.Join(t.TempDir(), "d.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &deliveryEnv{t: t, fake: fake, db: db, transport: &lossyTransport{}, logs: &syncBuffer{}}
}

// delivery is a fresh delivery worker, as a new process has: nothing in memory.
func (e *deliveryEnv) delivery(opts bot.DeliveryOptions) *bot.Delivery {
	api := slack.New(e.fake.BotToken(), slack.OptionAPIURL(e.fake.APIURL()), slack.OptionHTTPClient(&http.Client{Transport: e.transport}))
	opts.Logger = slog.New(slog.NewTextHandler(e.logs, nil))
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 5 * time.Millisecond
	}
	d := bot.NewDelivery(api, e.db, opts)
	d.RegisterCoreRenderers()
	return d
}

func (e *deliveryEnv) enqueue(msgs ...rituals.Message) {
	e.t.Helper()
	if err := e.db.Enqueue(msgs...); err != nil {
		e.t.Fatal(err)
	}
}

func (e *deliveryEnv) drain(d *bot.Delivery) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	drainAll(ctx, e.t, d, e.db)
}

// drainOnce makes one pass and fails the test on an outbox error.
func (e *deliveryEnv) drainOnce(d *bot.Delivery) {
	e.t.Helper()
	if _, err := d.Drain(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *deliveryEnv) failures() map[string]string {
	e.t.Helper()
	stats, err := e.db.Stats()
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range stats.Failures {
		out[f.Key] = f.Failed
	}
	return out
}

// TestCrashCheckDoesNotDependOnTheBotsClock loses Slack's answer to posts in a channel and a group
// DM (the messages are in Slack, the database does not know), then starts a new delivery worker, as
// a restart does, with the bot's clock five minutes ahead of Slack's, and five minutes behind: each
// message is found in Slack and not sent again.
func TestCrashCheckDoesNotDependOnTheBotsClock(t *testing.T) {
	for _, skew := range []time.Duration{5 * time.Minute, -5 * time.Minute} {
		t.Run(fmt.Sprint(skew), func(t *testing.T) {
			e := newDeliveryEnv(t)
			now := func() time.Time { return time.Now().Add(skew) }
			group := rituals.Recipient{Group: []string{"U01ANA", "U02RAJ"}}
			// Earlier messages went out normally.
			e.enqueue(noteTo("earlier/general", rituals.Recipient{Channel: demoGeneral}), noteTo("earlier/group", group))
			e.drain(e.delivery(bot.DeliveryOptions{Now: now}))

			e.enqueue(noteTo("lost/general", rituals.Recipient{Channel: demoGeneral}), noteTo("lost/group", group))
			e.transport.lose.Store(true)
			e.drainOnce(e.delivery(bot.DeliveryOptions{Now: now}))
			e.transport.lose.Store(false)
			if sent := sentKeys(e.fake, []string{demoGeneral, e.fake.GroupDM(group.Group...)}); sent["lost/general"] != 1 || sent["lost/group"] != 1 {
				t.Fatalf("the first attempt did not reach Slack: %v", sent)
			}

			e.drain(e.delivery(bot.DeliveryOptions{Now: now})) // the restarted process
			sent := sentKeys(e.fake, []string{demoGeneral, e.fake.GroupDM(group.Group...)})
			for _, key := range []string{"earlier/general", "earlier/group", "lost/general", "lost/group"} {
				if sent[key] != 1 {
					t.Errorf("%s arrived %d times, want once", key, sent[key])
				}
			}
		})
	}
}

// TestFinalSlackErrorsFailAtOnce: errors Slack's spec lists for conversations.open and
// chat.postMessage that no retry can change fail the message on the first try.
func TestFinalSlackErrorsFailAtOnce(t *testing.T) {
	e := newDeliveryEnv(t)
	e.enqueue(
		noteTo("hidden", rituals.Recipient{Group: []string{"U01ANA", "U02RAJ"}}),
		noteTo("combination", rituals.Recipient{Group: []string{"U03MEI", "U04SAM"}}),
		noteTo("attachments", rituals.Recipient{Channel: demoGeneral}),
	)
	e.fake.ErrorNext("conversations.open", 1, "user_not_visible")
	e.fake.ErrorNext("conversations.open", 1, "invalid_user_combination")
	e.fake.ErrorNext("chat.postMessage", 1, "too_many_attachments")
	e.drainOnce(e.delivery(bot.DeliveryOptions{}))
	got := e.failures()
	for key, want := range map[string]string{"hidden": "user_not_visible", "combination": "invalid_user_combination", "attachments": "too_many_attachments"} {
		if got[key] != want {
			t.Errorf("%s: failed with %q after one pass, want %q", key, got[key], want)
		}
	}
}

// TestRenderFailureIsRetried: a renderer that fails for a moment (a store error, say) does not lose
// the message.
func TestRenderFailureIsRetried(t *testing.T) {
	e := newDeliveryEnv(t)
	d := e.delivery(bot.DeliveryOptions{})
	failures := 2
	d.Render("flaky", func(m rituals.Message) (bot.Rendered, error) {
		if failures > 0 {
			failures--
			return bot.Rendered{}, errors.New("database is busy")
		}
		return bot.Rendered{Text: "hello"}, nil
	})
	e.enqueue(rituals.Message{Key: "flaky/1", Ritual: "test", Kind: "flaky", To: rituals.Recipient{Channel: demoGeneral}})
	e.drain(d)
	if sent := sentKeys(e.fake, []string{demoGeneral}); sent["flaky/1"] != 1 {
		t.Errorf("the message arrived %d times, want once; failures: %v", sent["flaky/1"], e.failures())
	}
}

// TestMissingScopeFromTheCheckStillSends: when the check for an earlier copy cannot read the
// conversation (missing_scope), the message is sent rather than failed or retried forever.
func TestMissingScopeFromTheCheckStillSends(t *testing.T) {
	e := newDeliveryEnv(t)
	group := rituals.Recipient{Group: []string{"U01ANA", "U02RAJ"}}
	e.fake.SetScopes(scopesWithout("mpim:history"))
	e.enqueue(noteTo("intro", group))
	e.fake.FailNext("chat.postMessage", 1, 503)
	e.drain(e.delivery(bot.DeliveryOptions{}))
	if sent := sentKeys(e.fake, []string{e.fake.GroupDM(group.Group...)}); sent["intro"] != 1 {
		t.Errorf("the intro arrived %d times, want once; failures: %v", sent["intro"], e.failures())
	}
	if !strings.Contains(e.logs.String(), "cannot read this conversation") {
		t.Error("the operator is not told that the check was impossible")
	}
}

// TestDMsAreNotReadWithoutTheScope: without im:history a DM is never looked for in Slack (the
// check would answer missing_scope); after a lost answer it is sent again: at least once.
func TestDMsAreNotReadWithoutTheScope(t *testing.T) {
	e := newDeliveryEnv(t)
	e.fake.SetScopes(scopesWithout("im:history"))
	e.enqueue(noteTo("dm", rituals.Recipient{User: "U01ANA"}))
	e.transport.lose.Store(true)
	e.drainOnce(e.delivery(bot.DeliveryOptions{ReadDMs: false}))
	e.transport.lose.Store(false)
	e.drain(e.delivery(bot.DeliveryOptions{ReadDMs: false}))
	if n := e.fake.CallCount("conversations.history") + e.fake.CallCount("conversations.open"); n != 0 {
		t.Errorf("the bot tried to open or read the DM %d times without the scope", n)
	}
	if sent := sentKeys(e.fake, []string{e.fake.DMChannel("U01ANA")}); sent["dm"] != 2 {
		t.Errorf("the DM arrived %d times; after a lost answer and no way to check, want twice (at least once)", sent["dm"])
	}
	if f := e.failures(); len(f) != 0 {
		t.Errorf("failures: %v", f)
	}

	// With the scope, the same loss is caught.
	e2 := newDeliveryEnv(t)
	e2.enqueue(noteTo("dm", rituals.Recipient{User: "U01ANA"}))
	e2.transport.lose.Store(true)
	e2.drainOnce(e2.delivery(bot.DeliveryOptions{ReadDMs: true}))
	e2.transport.lose.Store(false)
	e2.drain(e2.delivery(bot.DeliveryOptions{ReadDMs: true}))
	if sent := sentKeys(e2.fake, []string{e2.fake.DMChannel("U01ANA")}); sent["dm"] != 1 {
		t.Errorf("with im:history the DM arrived %d times, want once", sent["dm"])
	}
}

// TestRetriesAreCapped: a message whose tries keep failing (here its renderer) is recorded as
// failed for good once GiveUpAfter has passed, visible in status, while the others go out; rate
// limiting alone never makes a message fail.
func TestRetriesAreCapped(t *testing.T) {
	e := newDeliveryEnv(t)
	reg := prometheus.NewRegistry()
	metrics := bot.NewMetrics(reg)
	d := e.delivery(bot.DeliveryOptions{GiveUpAfter: 300 * time.Millisecond, Metrics: metrics})
	d.Render("broken", func(rituals.Message) (bot.Rendered, error) { return bot.Rendered{}, errors.New("database is busy") })
	e.enqueue(
		rituals.Message{Key: "stuck", Ritual: "feedback", Kind: "broken", To: rituals.Recipient{Channel: demoGeneral}},
		noteTo("after-stuck", rituals.Recipient{Channel: demoGeneral}),
	)
	start := time.Now()
	e.drain(d)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("giving up took %s", took)
	}
	failed := e.failures()
	if !strings.HasPrefix(failed["stuck"], "gave up after") || !strings.Contains(failed["stuck"], "database is busy") {
		t.Errorf("stuck message: failed = %q", failed["stuck"])
	}
	// Three Retry-After waits outlast GiveUpAfter: were 429s failures, the message would be given up.
	e.enqueue(noteTo("paced", rituals.Recipient{User: "U02RAJ"}))
	e.fake.RateLimitNext("chat.postMessage", 3, time.Second)
	e.drain(d)
	if f, ok := e.failures()["paced"]; ok {
		t.Errorf("a rate-limited message was failed: %s", f)
	}
	sent := sentKeys(e.fake, []string{demoGeneral, e.fake.DMChannel("U02RAJ")})
	if sent["after-stuck"] != 1 || sent["paced"] != 1 {
		t.Errorf("sent = %v", sent)
	}
	if e.fake.RateLimitedCount() != 3 {
		t.Fatalf("Slack rate limited %d calls, want 3", e.fake.RateLimitedCount())
	}
	stats, err := e.db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(formatOutboxStats(stats, time.Now()), "gave up after") {
		t.Error("status does not show the failure")
	}
	scrape := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(scrape, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(scrape.Body.String(), `ritualbot_deliveries_total{outcome="failed",ritual="feedback"} 1`) {
		t.Errorf("/metrics does not count the failure:\n%s", scrape.Body.String())
	}
}

// TestRestoreThenStartSendsNothingTwice runs a coffee round, takes a backup, runs the next round
// (delivered), stops, restores the backup and starts again: the bot catches the second round up
// from the backup, and Slack still holds each intro and summary once.
func TestRestoreThenStartSendsNothingTwice(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 11, 29, 12, 0, 0, 0, berlin))
	// Intros wait for a good hour for each group, up to a day: the grace lets round 2 be caught up
	// after them.
	h := coffeeBot(t, clock, func(c *CoffeeConfig) { c.Summary, c.Grace = true, Duration(72*time.Hour) })
	clock.Set(time.Date(2026, 11, 30, 10, 0, 5, 0, berlin))
	h.introsDue(clock, h.latestRound(1))
	h.waitDelivered()
	backup := filepath.Join(t.TempDir(), "before-round-2.db")
	if _, err := store.BackupToFile(h.main.DB, backup, false); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 12, 7, 10, 0, 5, 0, berlin))
	round2 := h.latestRound(2)
	h.introsDue(clock, round2)
	h.waitDelivered()
	h.shutdown()

	cfgPath := filepath.Join(t.TempDir(), "ritualbot.yaml")
	writeConfig(t, cfgPath, h.main.Config)
	var out, errOut bytes.Buffer
	if err := runMain(context.Background(), []string{"restore", "-config", cfgPath, "-from", backup, "-force"}, &out, &errOut); err != nil {
		t.Fatalf("restore: %v %s", err, errOut.String())
	}
	clock.Advance(time.Minute)
	h2 := restartBot(t, h, clock)
	if again := h2.latestRound(2); again.ID != round2.ID {
		t.Fatalf("the restored bot did not catch up round 2: latest is %s", again.ID)
	}
	h2.waitDelivered()

	channels := []string{demoGeneral}
	for _, g := range round2.Groups {
		channels = append(channels, h.fake.GroupDM(g.Members...))
	}
	sent := sentKeys(h.fake, channels)
	if len(sent) == 0 {
		t.Fatal("nothing was sent")
	}
	for key, n := range sent {
		if n != 1 {
			t.Errorf("%s arrived %d times, want once", key, n)
		}
	}
	if !strings.Contains(h2.logs.String(), "already in Slack") {
		t.Error("the restored bot did not find round 2's messages in Slack")
	}
}

// waitDelivered waits until the outbox has nothing pending.
func (h *harness) waitDelivered() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := waitFor(ctx, func() bool { s, err := h.main.DB.Stats(); return err == nil && s.Pending == 0 }); err != nil {
		h.t.Fatalf("delivery did not finish\nlogs:\n%s", h.logs.String())
	}
}

// TestUnknownSlackErrorIsRetriedThenGivenUp: an error Slack has not documented is neither final at
// once nor retried forever: one person's DM that keeps failing is given up after GiveUpAfter, and
// everyone else's DM goes out meanwhile.
func TestUnknownSlackErrorIsRetriedThenGivenUp(t *testing.T) {
	e := newDeliveryEnv(t)
	d := e.delivery(bot.DeliveryOptions{GiveUpAfter: 200 * time.Millisecond})
	e.fake.FailFor("chat.postMessage", "U03MEI", "some_error_from_the_future")
	e.fake.ErrorNext("chat.postMessage", 1, "another_new_error") // the first try of someone else's DM
	people := []string{"U01ANA", "U02RAJ", "U03MEI", "U04SAM"}
	for _, p := range people {
		e.enqueue(noteTo("dm/"+p, rituals.Recipient{User: p}))
	}
	e.drain(d)
	failed := e.failures()
	if len(failed) != 1 || !strings.Contains(failed["dm/U03MEI"], "some_error_from_the_future") {
		t.Errorf("failures = %v; want only U03MEI's DM, given up", failed)
	}
	var channels []string
	for _, p := range people {
		channels = append(channels, e.fake.DMChannel(p))
	}
	sent := sentKeys(e.fake, channels)
	for _, p := range []string{"U01ANA", "U02RAJ", "U04SAM"} {
		if sent["dm/"+p] != 1 {
			t.Errorf("%s got the DM %d times, want once", p, sent["dm/"+p])
		}
	}
}
