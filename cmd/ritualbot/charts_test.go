package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/ritualbot/ritualbot/bot"
	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/charts"
	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/trends"
	"github.com/ritualbot/ritualbot/store"
)

// chartsBot runs the bot with the weekly digest and anonymous feedback (min 3) in #general, under
// exactly the scopes its manifest grants.
func chartsBot(t *testing.T, clock *virtualClock, edit func(*Config)) *harness {
	t.Helper()
	h := startBotWith(t, slackfake.Options{}, func(m *Main) {
		m.Now, m.MaxSleep = clock.Now, 10*time.Millisecond
		m.Config.Icebreakers = nil
		m.Config.Digest = []DigestConfig{{
			RitualChannel:   RitualChannel{Channel: demoGeneral, Schedule: "CRON_TZ=Europe/Berlin 0 16 * * FRI"},
			CheckinSchedule: "CRON_TZ=Europe/Berlin 0 10 * * THU",
		}}
		m.Config.Feedback = []FeedbackConfig{{RitualChannel: RitualChannel{Channel: demoGeneral, Schedule: "CRON_TZ=Europe/Berlin 0 11 1 1 *"}, MinAnswers: 3}}
		if edit != nil {
			edit(m.Config)
		}
		m.Config.setDefaults()
	})
	h.fake.SetScopes(buildManifest(h.main.Config).OAuthConfig.Scopes.Bot)
	return h
}

// latestPrompts waits for the newest feedback prompt of each user (a DM with the answer button
// not seen before) and returns them.
func (h *harness) latestPrompts(users []string, seen map[string]int) map[string]slackfake.Message {
	h.t.Helper()
	out := map[string]slackfake.Message{}
	for _, u := range users {
		msgs := h.waitBotMessages(func() string { return h.fake.DMChannel(u) }, seen[u]+1, func(m slackfake.Message) bool {
			return strings.Contains(string(m.Blocks), "feedback.answer")
		})
		out[u] = msgs[len(msgs)-1]
		seen[u]++
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitFor(ctx, func() bool { s, _ := h.main.DB.Stats(); return s.Pending == 0 }); err != nil {
		h.t.Fatal("prompts still pending")
	}
	return out
}

// threadOf waits for the bot's replies in the thread of parent until done holds.
func (h *harness) threadOf(parent slackfake.Message, done func([]slackfake.Message) bool) []slackfake.Message {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var replies []slackfake.Message
	err := waitFor(ctx, func() bool {
		replies = replies[:0]
		for _, m := range h.fake.Messages(parent.Channel) {
			if m.ThreadTS == parent.TS && m.TS != parent.TS && m.User == h.fake.BotUserID() {
				replies = append(replies, m)
			}
		}
		return done(replies)
	})
	if err != nil {
		h.t.Fatalf("thread of %s: %d replies %+v\nlogs:\n%s", parent.TS, len(replies), replies, h.logs.String())
	}
	return replies
}

// filesIn returns the files shared in msgs, by chart name (the file name up to its tag).
func filesIn(msgs []slackfake.Message) map[string]slackfake.File {
	out := map[string]slackfake.File{}
	for _, m := range msgs {
		for _, f := range m.Files {
			name := strings.TrimPrefix(f.Name, "ritualbot-")
			name = name[:strings.LastIndex(name, "-")]
			out[name] = f
		}
	}
	return out
}

// hasFiles reports whether one of msgs carries files.
func hasFiles(msgs []slackfake.Message) bool {
	return slices.ContainsFunc(msgs, func(m slackfake.Message) bool { return len(m.Files) > 0 })
}

// checkPNG fails unless f is a PNG of the charts' stated size.
func checkPNG(t *testing.T, f slackfake.File) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", f.Name, err)
	}
	if img.Bounds().Size() != image.Pt(charts.Width, charts.Height) {
		t.Errorf("%s is %v", f.Name, img.Bounds().Size())
	}
	if f.Alt == "" || f.Title == "" {
		t.Errorf("%s has no alt text or title: %+v", f.Name, f)
	}
}

// shareUpdate presses "Write my update" in user's check-in DM and submits answers.
func (h *harness) shareUpdate(user string, answers ...string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dms := h.waitBotMessages(func() string { return h.fake.DMChannel(user) }, 1, func(m slackfake.Message) bool {
		return strings.Contains(string(m.Blocks), "digest.write")
	})
	if _, err := h.fake.ClickButton(ctx, user, slackfake.Location{Channel: dms[0].Channel, TS: dms[0].TS}, "digest.write"); err != nil {
		h.t.Fatal(err)
	}
	var viewID string
	if err := waitFor(ctx, func() bool {
		var view []byte
		viewID, view = h.fake.OpenView(user)
		return bytes.Contains(view, []byte(`"q0"`)) // not the feedback modal still open
	}); err != nil {
		h.t.Fatalf("no check-in form for %s", user)
	}
	values := map[string]string{}
	for i, a := range answers {
		values["q"+strconv.Itoa(i)] = a
	}
	if _, err := h.fake.SubmitView(ctx, user, viewID, values); err != nil {
		h.t.Fatal(err)
	}
	if errs := h.fake.ViewErrors(viewID); len(errs) > 0 {
		h.t.Fatalf("update refused: %v", errs)
	}
}

var feedbackFigure = regexp.MustCompile(`(\d+) feedback`)

func TestChartsInTheDigestThreadShowOnlyReleasedBatches(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) // a Tuesday
	// Feedback runs in #coffee, whose first two questions are pulse questions; the digest in
	// #general covers it.
	h := chartsBot(t, clock, func(c *Config) { c.Feedback[0].Channel = demoCoffee })
	recipients := []string{"U01ANA", "U02RAJ", "U03MEI", "U04SAM", "U05LENA", "U06JOSE", "U07KOFI", "U08NOOR", "U09ELI"}
	seen := map[string]int{}

	// A first round closes with two answers: it is held.
	if got := h.command(demoAdmin, "feedback now"); !strings.Contains(got, "on its way") {
		t.Fatalf("feedback now: %s", got)
	}
	p := h.latestPrompts(recipients, seen)
	h.answer("U02RAJ", p["U02RAJ"], "Held answer number one, two people only.")
	h.answer("U03MEI", p["U03MEI"], "Held answer number two, two people only.")
	// Thursday's check-ins go out (planned on Wednesday evening, sent at 10:00 in each zone); Raj
	// shares an update.
	plan := time.Date(2026, 12, 2, 20, 0, 0, 0, time.UTC)
	clock.Set(plan.Add(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitFor(ctx, func() bool {
		last, ok, _ := h.main.DB.Runs().Last(digest.RitualCheckin, demoGeneral)
		return ok && !last.Before(plan)
	}); err != nil {
		t.Fatal("the check-in run did not happen")
	}
	clock.Set(time.Date(2026, 12, 3, 16, 30, 0, 0, time.UTC))
	h.shareUpdate("U02RAJ", "Shipped the importer.", "The API change.", "")
	clock.Set(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	h.waitBotMessages(func() string { return demoCoffee }, 1, func(m slackfake.Message) bool { return strings.Contains(m.Text, "fewer than the") })

	// A second round reaches the threshold and is released.
	if got := h.command(demoAdmin, "feedback now"); !strings.Contains(got, "on its way") {
		t.Fatalf("feedback now: %s", got)
	}
	p = h.latestPrompts(recipients, seen)
	for _, u := range []string{"U04SAM", "U06JOSE", "U07KOFI"} {
		h.answer(u, p[u], "Released answer from a third of the team.")
	}
	if got := h.command(demoAdmin, "feedback release"); !strings.Contains(got, "Released: 3 answers") {
		t.Fatalf("release: %s", got)
	}
	releases, err := h.main.DB.Feedback().Releases(demoCoffee, time.Time{})
	if err != nil || len(releases) != 1 {
		t.Fatalf("stored releases %+v %v", releases, err)
	}
	rel := releases[0]
	t.Logf("released %q, distribution %v", rel.Question, rel.Distribution)

	// The digest goes out; its thread gets the table and the charts.
	if got := h.command(demoAdmin, "digest now"); !strings.Contains(got, "on its way") {
		t.Fatalf("digest now: %s", got)
	}
	post := h.waitBotMessages(func() string { return demoGeneral }, 1, func(m slackfake.Message) bool {
		return strings.Contains(string(m.Metadata), "digest/")
	})[0]
	thread := h.threadOf(post, hasFiles)
	var table string
	for _, m := range thread {
		if strings.Contains(string(m.Blocks), "Week to") {
			table = string(m.Blocks)
		}
	}
	if table == "" {
		t.Fatalf("no table in the digest's thread: %+v", thread)
	}
	files := filesIn(thread)
	for _, name := range []string{"checkins", "conversations"} {
		f, ok := files[name]
		if !ok {
			t.Fatalf("no %s chart in the thread; files %v", name, files)
		}
		checkPNG(t, f)
	}

	// Check-ins: the figures of the stored week.
	week, _ := digest.WeekAt(h.main.Config.Digest[0].channel().Post, clock.Now())
	recs, err := h.main.DB.Digest().WeekRecords(demoGeneral, week.ID)
	if err != nil {
		t.Fatal(err)
	}
	d := digest.Build(demoGeneral, week, recs, nil)
	if d.Asked == 0 || d.Shared != 1 {
		t.Fatalf("%d of %d shared this week; the test wants Raj's update among several asked", d.Shared, d.Asked)
	}
	if want := fmt.Sprintf("%d of %d", d.Shared, d.Asked); !strings.Contains(files["checkins"].Alt, want) {
		t.Errorf("check-ins chart says %q, want %q", files["checkins"].Alt, want)
	}

	// Feedback: exactly the released batch, never the held one.
	total := 0
	for _, m := range feedbackFigure.FindAllStringSubmatch(files["conversations"].Alt, -1) {
		n, _ := strconv.Atoi(m[1])
		total += n
	}
	if total != rel.Answers {
		t.Errorf("the chart counts %d feedback answers, the stored release %d: %q", total, rel.Answers, files["conversations"].Alt)
	}
	pulses := 0
	for name, f := range files {
		if strings.HasPrefix(name, "pulse") {
			pulses++
			checkPNG(t, f)
			if strings.Contains(f.Alt, ";") {
				t.Errorf("the pulse chart shows more than the one released batch: %q", f.Alt)
			}
		}
	}
	if rel.Distribution != nil {
		dist := *rel.Distribution
		if pulses != 1 {
			t.Fatalf("%d pulse charts for one released pulse question", pulses)
		}
		want := fmt.Sprintf("1×%d 2×%d 3×%d 4×%d 5×%d (%d answers", dist[0], dist[1], dist[2], dist[3], dist[4], rel.Answers)
		if f := files["pulse-1"]; !strings.Contains(f.Alt, want) {
			t.Errorf("pulse chart %q, want %q", f.Alt, want)
		}
		if !strings.Contains(table, fmt.Sprintf("%d  %d  %d  %d  %d", dist[0], dist[1], dist[2], dist[3], dist[4])) {
			t.Errorf("the table lacks the released distribution %v: %s", dist, table)
		}
	} else {
		t.Fatalf("the released question %q has no scale; the test needs a pulse question", rel.Question)
	}
	if strings.Contains(table+files["conversations"].Alt, "Held answer") {
		t.Error("answer text reached a chart")
	}

	// The admins' Home tab shows the summary and the chart just shared, by its Slack file.
	if _, err := h.fake.OpenHome(ctx, demoAdmin); err != nil {
		t.Fatal(err)
	}
	var home string
	if err := waitFor(ctx, func() bool {
		home = string(h.fake.HomeView(demoAdmin))
		return strings.Contains(home, "slack_file")
	}); err != nil {
		t.Fatalf("admin's Home tab: %s", home)
	}
	if !strings.Contains(home, files["checkins"].ID) || !strings.Contains(home, "How the rituals are going") {
		t.Errorf("admin's Home tab lacks the chart %s: %s", files["checkins"].ID, home)
	}
	// Someone deletes the chart in Slack: the Home tab still opens, without the picture.
	h.fake.DeleteFile(files["checkins"].ID)
	if _, err := h.fake.OpenHome(ctx, demoAdmin); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool {
		home = string(h.fake.HomeView(demoAdmin))
		return !strings.Contains(home, "slack_file")
	}); err != nil || !strings.Contains(home, "How the rituals are going") {
		t.Fatalf("admin's Home tab after the chart was deleted: %v %s", err, home)
	}
	if _, err := h.fake.OpenHome(ctx, "U04SAM"); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool { return len(h.fake.HomeView("U04SAM")) > 0 }); err != nil {
		t.Fatal("no Home tab for a member")
	}
	if v := string(h.fake.HomeView("U04SAM")); strings.Contains(v, "How the rituals are going") {
		t.Errorf("a member sees the admins' charts: %s", v)
	}
}

func TestStatsAnswersAtOnceAndTheChartsFollow(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := chartsBot(t, clock, nil)
	if got := h.command("U04SAM", "stats"); !strings.Contains(got, "only for the admins") {
		t.Errorf("a member's stats: %s", got)
	}
	if got := h.command(demoAdmin, "stats <#C0NOWHERE|nowhere>"); !strings.Contains(got, "No ritual runs in that channel") {
		t.Errorf("stats for a channel without rituals: %s", got)
	}
	if got := h.command(demoAdmin, "stats #general"); !strings.Contains(got, "picked from Slack's list") {
		t.Errorf("stats with an unescaped name: %s", got)
	}
	got := h.command(demoAdmin, "stats") // the command helper fails the test when the ack is late
	if !strings.Contains(got, "Week to") || !strings.Contains(got, "on their way") || !strings.Contains(got, "<#"+demoGeneral+">") {
		t.Fatalf("stats: %s", got)
	}
	dm := h.botDMs(demoAdmin, 1)[0]
	if !strings.Contains(string(dm.Blocks), "Week to") {
		t.Fatalf("the DM lacks the table: %s", dm.Blocks)
	}
	files := filesIn(h.threadOf(dm, hasFiles))
	if _, ok := files["checkins"]; !ok || len(files) < 2 {
		t.Fatalf("charts in the DM's thread: %v", files)
	}
	for _, f := range files {
		checkPNG(t, f)
	}
}

func TestChartsOffSendsTheTableAloneAndAsksNoFileScope(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := chartsBot(t, clock, func(c *Config) { no := false; c.Charts = &no })
	if slices.Contains(buildManifest(h.main.Config).OAuthConfig.Scopes.Bot, chartsScope) {
		t.Error("with charts off the manifest still asks for files:write")
	}
	if got := h.command(demoAdmin, "stats"); !strings.Contains(got, "Week to") || !strings.Contains(got, "Charts are off") {
		t.Errorf("stats with charts off: %s", got)
	}
	if got := h.command(demoAdmin, "digest now"); !strings.Contains(got, "on its way") {
		t.Fatalf("digest now: %s", got)
	}
	post := h.waitBotMessages(func() string { return demoGeneral }, 1, func(m slackfake.Message) bool {
		return strings.Contains(string(m.Metadata), "digest/")
	})[0]
	thread := h.threadOf(post, func(ms []slackfake.Message) bool {
		return slices.ContainsFunc(ms, func(m slackfake.Message) bool { return strings.Contains(string(m.Blocks), "Week to") })
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitFor(ctx, func() bool { s, _ := h.main.DB.Stats(); return s.Pending == 0 }); err != nil {
		t.Fatal("messages still pending")
	}
	if hasFiles(thread) || len(h.fake.Files()) != 0 {
		t.Errorf("files were uploaded with charts off: %v", h.fake.Files())
	}
}

func TestChartsConfigKey(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("digest:\n  - channel: C1234\n    schedule: \"0 16 * * FRI\"\n    checkin_schedule: \"0 10 * * THU\"\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if !cfg.ChartsOn() || !slices.Contains(buildManifest(cfg).OAuthConfig.Scopes.Bot, chartsScope) {
		t.Errorf("charts are on by default and need %s: %v", chartsScope, buildManifest(cfg).OAuthConfig.Scopes.Bot)
	}
	_, err = ParseConfig(strings.NewReader("charts: sometimes\n"), false)
	if err == nil || !strings.Contains(err.Error(), "charts") {
		t.Errorf("charts: sometimes: %v", err)
	}
	// With no ritual in the file, admins may still set rituals up on the Home tab: only
	// charts: false leaves files:write out.
	off, err := ParseConfig(strings.NewReader("charts: false\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(buildManifest(off).OAuthConfig.Scopes.Bot, chartsScope) {
		t.Error("charts: false, yet the manifest asks for files:write")
	}
}

// uploadHarness is a delivery worker with the charts renderer, on a real database and the
// emulator, and one charts message queued for #general.
func uploadHarness(t *testing.T) (*slackfake.Server, *store.DB, *bot.Delivery, trends.Figures) {
	t.Helper()
	fake, err := newDemoWorkspace(slackfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	db, err := store.Open(filepath.Join(t.TempDir(), "u.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	end := time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)
	f := trends.Bucket(end, trends.DefaultWeeks, trends.Events{Coffee: []trends.CoffeeRound{{At: end, Groups: 4, Met: 3}}})
	f.Has = trends.Has{Coffee: true, Icebreakers: true}
	msg, err := trends.Message("stats/test", rituals.Recipient{Channel: demoGeneral}, "", f)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Enqueue(msg); err != nil {
		t.Fatal(err)
	}
	api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()))
	b := bot.New(api, socketmode.New(api), bot.Options{Command: "/ritual", IsAdmin: func(string) bool { return false }})
	d := bot.NewDelivery(api, db, bot.DeliveryOptions{MaxBackoff: 20 * time.Millisecond})
	svc := &trends.Service{Store: db.Charts(), Scope: func(string) (trends.Scope, bool) { return trends.Scope{}, false }}
	bot.RegisterCharts(b, d, svc, bot.ChartsOptions{Upload: true})
	return fake, db, d, f
}

// tablesIn counts the charts tables posted in channel.
func tablesIn(fake *slackfake.Server, channel string) int {
	n := 0
	for _, m := range fake.Messages(channel) {
		if strings.Contains(string(m.Blocks), "Week to") {
			n++
		}
	}
	return n
}

func TestChartsWithoutFileScopeStillDeliverTheTable(t *testing.T) {
	fake, db, d, _ := uploadHarness(t)
	fake.SetScopes([]string{"chat:write", "channels:history"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	drainAll(ctx, t, d, db)
	if n := tablesIn(fake, demoGeneral); n != 1 || len(fake.Files()) != 0 {
		t.Errorf("%d tables, %d files", n, len(fake.Files()))
	}
	if stats, _ := db.Stats(); stats.Failed != 0 || stats.Delivered != 1 {
		t.Errorf("outbox: %d failed, %d delivered; the table is the source of truth and was delivered", stats.Failed, stats.Delivered)
	}
}

// TestChartUploadIsCheckedAfterALostAnswer loses Slack's answer to files.completeUploadExternal
// (the bot gives up waiting after Slack shared the files): the next attempt finds the table and
// the charts in the thread and sends neither again.
func TestChartUploadIsCheckedAfterALostAnswer(t *testing.T) {
	fake, db, d, f := uploadHarness(t)
	fake.SetLatency("files.completeUploadExternal", 2*time.Second)
	short, cancel := context.WithTimeout(context.Background(), time.Second)
	_, _ = d.Drain(short)
	cancel()
	if len(fake.Files()) != len(f.Charts()) {
		t.Fatalf("Slack holds %d files after the lost answer, want the %d charts shared", len(fake.Files()), len(f.Charts()))
	}
	fake.SetLatency("files.completeUploadExternal", 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	drainAll(ctx, t, d, db)

	if n := len(fake.Files()); n != len(f.Charts()) {
		t.Errorf("%d files in Slack, want each of the %d charts once", n, len(f.Charts()))
	}
	if tables := tablesIn(fake, demoGeneral); tables != 1 {
		t.Errorf("the table was posted %d times", tables)
	}
	if _, ok, _ := db.Charts().LatestChart(); !ok {
		t.Error("the charts found after the crash were not remembered for the Home tab")
	}
}
