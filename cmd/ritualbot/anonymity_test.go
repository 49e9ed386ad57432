package main

// The attacks on anonymous feedback, one test each, as someone running the bot would try them
// without changing a line of code: holding the database (live file and backups taken whenever they
// like), every log line at debug level, /metrics, the bot's token with the scopes its manifest
// grants, and the power to restart the bot at any moment on a clock that is minutes off Slack's.

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/bot/slackfake"
)

// outcome is what pressing "Answer anonymously" and sending an answer led to.
type outcome struct {
	// accepted is true when the modal closed or thanked the person without a field error.
	accepted bool
	// told is what the person was told instead: an ephemeral, or the modal's field error.
	told string
	// thanks is the modal as it stood after an accepted answer.
	thanks string
}

// tryAnswer presses the button of prompt as user and, if a modal opens, sends text. It never fails
// the test for a refusal: it reports what happened, so attacks can count what got through.
func (h *harness) tryAnswer(user string, prompt slackfake.Message, text string) outcome {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if id, _ := h.fake.OpenView(user); id != "" {
		if _, err := h.fake.CloseView(ctx, user, id); err != nil {
			h.t.Fatalf("closing %s's open modal: %v", user, err)
		}
	}
	ephemerals := len(h.fake.Ephemerals(user))
	if _, err := h.fake.ClickButton(ctx, user, slackfake.Location{Channel: prompt.Channel, TS: prompt.TS}, "feedback.answer"); err != nil {
		h.t.Fatalf("%s could not press the button of their prompt: %v", user, err)
	}
	var viewID string
	var view []byte
	err := waitFor(ctx, func() bool {
		viewID, view = h.fake.OpenView(user)
		return viewID != "" || len(h.fake.Ephemerals(user)) > ephemerals
	})
	if err != nil {
		h.t.Fatalf("pressing the button told %s nothing; logs:\n%s", user, h.logs.String())
	}
	if viewID == "" {
		eph := h.fake.Ephemerals(user)
		return outcome{told: eph[len(eph)-1].Text}
	}
	values := map[string]string{"answer": text}
	if bytes.Contains(view, []byte(`"scale"`)) {
		values["scale"] = "4"
	}
	if _, err := h.fake.SubmitView(ctx, user, viewID, values); err != nil {
		h.t.Fatalf("%s could not send the answer form: %v", user, err)
	}
	if errs := h.fake.ViewErrors(viewID); len(errs) > 0 {
		var told []string
		for _, e := range errs {
			told = append(told, e)
		}
		return outcome{told: strings.Join(told, " ")}
	}
	out := outcome{accepted: true}
	if id, v := h.fake.OpenView(user); id != "" {
		out.thanks = string(v)
	}
	return out
}

// dmState is a prompt DM as Slack keeps it.
func (h *harness) dmState(p slackfake.Message) string {
	for _, m := range h.fake.Messages(p.Channel) {
		if m.TS == p.TS {
			return m.Text + "\n" + string(m.Blocks)
		}
	}
	return "(gone)"
}

// Attack 1: the thank-you edit. Answering must change nothing a DM export or the bot's token could
// see: no chat.update, the DM exactly as it was; the modal itself says thank you.
func TestAnonymityAnsweringChangesNothingInSlack(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := feedbackBot(t, clock)
	h.command(demoAdmin, "feedback now")
	prompts := h.prompts(feedbackRecipients)
	before := map[string]string{}
	for u, p := range prompts {
		before[u] = h.dmState(p)
	}
	updates := h.fake.CallCount("chat.update")

	got := h.tryAnswer("U02RAJ", prompts["U02RAJ"], "More written updates, fewer meetings please.")
	if !got.accepted {
		t.Fatalf("the answer was refused: %q", got.told)
	}
	if !strings.Contains(got.thanks, "Thank you") {
		t.Errorf("the modal did not thank the person; it shows %s", got.thanks)
	}
	if n := h.fake.CallCount("chat.update") - updates; n != 0 {
		t.Errorf("answering made %d chat.update call(s): an edited DM records who answered", n)
	}
	for u, p := range prompts {
		if now := h.dmState(p); now != before[u] {
			t.Errorf("%s's prompt DM changed after an answer:\nbefore %s\nafter  %s", u, before[u], now)
		}
		if n := len(h.fake.Messages(p.Channel)); n != 1 {
			t.Errorf("%s's DM holds %d messages after the answers, want the prompt alone", u, n)
		}
	}
	// A second press is told privately, and changes nothing either.
	second := h.tryAnswer("U02RAJ", prompts["U02RAJ"], "Trying to answer a second time.")
	if second.accepted || !strings.Contains(second.told, "already answered") {
		t.Errorf("a second answer: accepted=%v, told %q", second.accepted, second.told)
	}
	if now := h.dmState(prompts["U02RAJ"]); now != before["U02RAJ"] {
		t.Errorf("a second press changed the DM: %s", now)
	}
}

// Attack 2: the button against the database. With the scopes its manifest grants, the bot's token
// must not read the prompt DMs (and so the tokens in their buttons), while everything still works.
func TestAnonymityBotTokenCannotReadPromptButtons(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := feedbackBot(t, clock)
	scopes := buildManifest(h.main.Config).OAuthConfig.Scopes.Bot
	if slices.Contains(scopes, "im:history") {
		t.Errorf("with feedback configured the manifest grants im:history: the bot's token reads every prompt's button")
	}
	h.fake.SetScopes(scopes)
	h.command(demoAdmin, "feedback now")
	prompts := h.prompts(feedbackRecipients)
	operator := slack.New(h.fake.BotToken(), slack.OptionAPIURL(h.fake.APIURL()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for u, p := range prompts {
		resp, err := operator.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: p.Channel, IncludeAllMetadata: true})
		if err == nil {
			t.Errorf("the bot's token read %s's prompt DM (%d messages)", u, len(resp.Messages))
		}
		if _, _, _, err := operator.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: p.Channel, Timestamp: p.TS}); err == nil {
			t.Errorf("the bot's token read the thread of %s's prompt DM", u)
		}
	}
	// And the ritual works under exactly those scopes.
	for _, u := range []string{"U03MEI", "U06JOSE", "U08NOOR"} {
		if got := h.tryAnswer(u, prompts[u], "An answer sent under the manifest's scopes."); !got.accepted {
			t.Errorf("%s could not answer under the manifest's scopes: %q", u, got.told)
		}
	}
	if got := h.command(demoAdmin, "feedback release"); !strings.Contains(got, "Released: 3 answers") {
		t.Errorf("release under the manifest's scopes: %s", got)
	}
}

// promptTokens returns the feedback tokens a database file holds, as an operator reads them.
func promptTokens(t *testing.T, path string) map[string]bool {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("opening %s as the operator would: %v", path, err)
	}
	defer db.Close()
	out := map[string]bool{}
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("feedback_tokens"))
		if b == nil {
			t.Fatal("no feedback_tokens bucket")
		}
		return b.ForEach(func(k, _ []byte) error { out[string(k)] = true; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// liveBackup is an operator's backup of the running bot's database: a raw copy, free pages and all.
func liveBackup(t *testing.T, h *harness) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := h.main.DB.Backup(f); err != nil {
		t.Fatalf("backup of the running bot: %v", err)
	}
	return to
}

// Attack 3: a restart during delivery. If the bot renews tokens only for those still waiting, a
// backup on each side of the restart shows which tokens are theirs. Every token must be renewed
// together, and everyone must be able to answer exactly once afterwards.
func TestAnonymityRestartDuringDeliveryRenewsEveryToken(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := feedbackBot(t, clock)
	h.fake.SetLatency("chat.postMessage", 150*time.Millisecond)
	h.command(demoAdmin, "feedback now")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	asked := append(slices.Clone(feedbackRecipients), "U05LENA") // nobody is away here
	delivered := func() []string {
		var out []string
		for _, u := range asked {
			if ch := h.fake.DMChannel(u); ch != "" && len(h.fake.Messages(ch)) > 0 {
				out = append(out, u)
			}
		}
		return out
	}
	if err := waitFor(ctx, func() bool { return len(delivered()) >= 3 }); err != nil {
		t.Fatal("the prompt did not start going out")
	}
	// The operator's backup just before the restart, from the running bot, free pages included.
	beforeTokens := promptTokens(t, liveBackup(t, h))
	h.shutdown()
	early := delivered()
	if len(early) == len(asked) {
		t.Fatal("every prompt went out before the restart; the attack needs someone still waiting")
	}
	h.fake.SetLatency("chat.postMessage", 0)

	h2 := restartBot(t, h, clock)
	latest := map[string]slackfake.Message{}
	if err := waitFor(ctx, func() bool { s, _ := h2.main.DB.Stats(); return s.Pending == 0 }); err != nil {
		t.Fatal("delivery did not finish after the restart")
	}
	for _, u := range asked {
		dms := h2.fake.Messages(h2.fake.DMChannel(u))
		if len(dms) == 0 {
			t.Fatalf("%s never got the prompt", u)
		}
		latest[u] = dms[len(dms)-1]
	}
	afterTokens := promptTokens(t, liveBackup(t, h2))
	h2.shutdown()
	kept := 0
	for k := range beforeTokens {
		if afterTokens[k] {
			kept++
		}
	}
	waiting := len(asked) - len(early)
	if kept != 0 || len(afterTokens) != len(asked) {
		t.Errorf("across the restart %d of %d tokens were kept and the database now holds %d (want 0 kept, %d new): the new ones single out the %d people still waiting",
			kept, len(beforeTokens), len(afterTokens), len(asked), waiting)
	}
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(l, "component=feedback") && strings.Contains(l, "restart") && strings.Contains(l, "="+strconv.Itoa(waiting)) {
			t.Errorf("the log counts the people still waiting: %s", l)
		}
	}

	// Everyone answers with the newest message, once; an older button is refused.
	h3 := restartBot(t, h2, clock)
	for _, u := range []string{early[0], "U10GUEST"} {
		if got := h3.tryAnswer(u, latest[u], "An answer after a restart during delivery."); !got.accepted {
			t.Errorf("%s could not answer with their newest prompt: %q", u, got.told)
		}
		if got := h3.tryAnswer(u, latest[u], "A second answer after the restart."); got.accepted {
			t.Errorf("%s answered twice", u)
		}
	}
	first := h3.fake.Messages(h3.fake.DMChannel(early[1]))[0]
	if got := h3.tryAnswer(early[1], first, "An answer through the replaced button."); got.accepted {
		t.Errorf("%s answered through the button of a message the restart replaced", early[1])
	}
}

// metricSeries reads the ritualbot_ series of a /metrics page (name with labels → value).
func metricSeries(page string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(page))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || !strings.HasPrefix(line, "ritualbot_") {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			out[line[:i]] = line[i+1:]
		}
	}
	return out
}

// Attack 4: timing. From pressing the button to the answer being stored, no log line at any level
// and no metric may mark a feedback answer; only what every interaction moves may move.
func TestAnonymityAnswerLeavesNoTraceInLogsOrMetrics(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := startBotWith(t, slackfake.Options{}, func(m *Main) {
		m.Now, m.MaxSleep = clock.Now, 10*time.Millisecond
		m.Config.Ops.Listen = "127.0.0.1:0"
		m.Config.Feedback = []FeedbackConfig{{RitualChannel: RitualChannel{Channel: demoGeneral, Schedule: "CRON_TZ=Europe/Berlin 0 11 1,15 * *"}, MinAnswers: 3}}
		m.Config.setDefaults()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitFor(ctx, func() bool { return h.main.OpsAddr() != "" }); err != nil {
		t.Fatal("the ops listener did not start")
	}
	metrics := "http://" + h.main.OpsAddr() + "/metrics"
	h.command(demoAdmin, "feedback now")
	prompts := h.prompts(feedbackRecipients)
	_, page := get(t, metrics)
	beforeMetrics := metricSeries(page)
	logStart := len(h.logs.String())

	p := prompts["U04SAM"]
	if got := h.tryAnswer("U04SAM", p, "Our planning meetings run long; shorter please."); !got.accepted {
		t.Fatalf("the answer was refused: %q", got.told)
	}
	_, page = get(t, metrics)
	afterMetrics := metricSeries(page)
	logs := h.logs.String()[logStart:]
	for _, l := range strings.Split(logs, "\n") {
		for _, trace := range []string{"feedback", "block action", "view submission", "callback_id", "action_id", "U04SAM", p.Channel, p.TS, "planning"} {
			if strings.Contains(strings.ToLower(l), strings.ToLower(trace)) {
				t.Errorf("a log line marks the answer (%q): %s", trace, l)
			}
		}
	}
	// What every interaction moves, whatever it is, may move; nothing else.
	shared := []string{`ritualbot_envelopes_total{type="interactive"}`, "ritualbot_ack_seconds", `ritualbot_api_calls_total{method="views.open"`}
	for series, v := range afterMetrics {
		if beforeMetrics[series] == v || slices.ContainsFunc(shared, func(s string) bool { return strings.HasPrefix(series, s) }) {
			continue
		}
		t.Errorf("a metric moved with the answer: %s %s → %s", series, beforeMetrics[series], v)
	}
}

// note sends an anonymous note as user from channel, through the form the command opens, and
// returns what they were told ("" when the note was taken).
func (h *harness) note(user, channel, text string) string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if id, _ := h.fake.OpenView(user); id != "" {
		if _, err := h.fake.CloseView(ctx, user, id); err != nil {
			h.t.Fatal(err)
		}
	}
	ephemerals := len(h.fake.Ephemerals(user))
	if _, err := h.fake.SlashCommand(ctx, user, channel, "/ritual", "feedback"); err != nil {
		h.t.Fatalf("/ritual feedback as %s: %v", user, err)
	}
	var viewID string
	if err := waitFor(ctx, func() bool {
		viewID, _ = h.fake.OpenView(user)
		return viewID != "" || len(h.fake.Ephemerals(user)) > ephemerals
	}); err != nil {
		h.t.Fatalf("/ritual feedback told %s nothing", user)
	}
	if viewID == "" {
		eph := h.fake.Ephemerals(user)
		return eph[len(eph)-1].Text
	}
	if _, err := h.fake.SubmitView(ctx, user, viewID, map[string]string{"answer": text}); err != nil {
		h.t.Fatal(err)
	}
	if errs := h.fake.ViewErrors(viewID); len(errs) > 0 {
		var told []string
		for _, e := range errs {
			told = append(told, e)
		}
		return strings.Join(told, " ")
	}
	return ""
}

// Attack 5: padding the threshold. Notes never count toward min_answers, come only from members of
// the feedback channel, and go out only with a batch that reached the threshold on its own.
func TestAnonymityNotesCannotPadTheThreshold(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := feedbackBot(t, clock)
	h.fake.AddUser(slackfake.User{ID: "U13OUT", Name: "outsider", RealName: "Out Sider", TZ: "Europe/Berlin"})
	outsiderDM, err := h.fake.OpenDM("U13OUT")
	if err != nil {
		t.Fatal(err)
	}
	h.command(demoAdmin, "feedback now")
	prompts := h.prompts(feedbackRecipients)
	if got := h.tryAnswer("U02RAJ", prompts["U02RAJ"], "The only real answer so far, about planning."); !got.accepted {
		t.Fatalf("answer refused: %q", got.told)
	}
	if told := h.note("U13OUT", outsiderDM, "A note from someone outside the channel."); told == "" {
		t.Error("someone outside the feedback channel sent a note")
	} else if !strings.Contains(told, "member") {
		t.Errorf("the outsider was told %q; want that notes come from the channel's members", told)
	}
	if told := h.note("U04SAM", demoCoffee, "A note typed in the wrong channel."); told == "" {
		t.Error("a note typed outside the feedback channel was taken without saying where it goes")
	} else if !strings.Contains(told, demoGeneral) {
		t.Errorf("a member typing in another channel was told %q; want the feedback channel named", told)
	}
	for _, u := range []string{"U03MEI", "U04SAM"} {
		if told := h.note(u, demoGeneral, "A note from a member, padding the batch."); told != "" {
			t.Fatalf("a member's note was refused: %q", told)
		}
	}
	if got := h.command(demoAdmin, "feedback release"); !strings.Contains(got, "2 more needed") {
		t.Errorf("one answer and two notes: release said %q, want 2 more answers needed", got)
	}
	if n := len(h.fake.Messages(demoGeneral)); n != 0 {
		t.Fatalf("a batch with one real answer was posted (%d messages)", n)
	}
	for _, u := range []string{"U06JOSE", "U07KOFI"} {
		if got := h.tryAnswer(u, prompts[u], "Another real answer, about our planning."); !got.accepted {
			t.Fatalf("answer refused: %q", got.told)
		}
	}
	if got := h.command(demoAdmin, "feedback release"); !strings.Contains(got, "Released") {
		t.Fatalf("three answers: release said %q", got)
	}
	body := string(h.botPosts(demoGeneral, 1)[0].Blocks)
	if strings.Count(body, "padding the batch") != 2 || strings.Contains(body, "outside the channel") || strings.Contains(body, "wrong channel") {
		t.Errorf("the release holds the wrong notes: %s", body)
	}
	if !strings.Contains(body, "3 answers") || !strings.Contains(body, "2 notes") {
		t.Errorf("the release's headings do not count what they head: %s", body)
	}
}

// Attack 6: groups under the threshold. Two answers held from an earlier round must not be shown
// as a group of their own when the next round is released.
func TestAnonymityEveryReleasedGroupMeetsTheThreshold(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := feedbackBot(t, clock)
	h.command(demoAdmin, "feedback now")
	prompts := h.prompts(feedbackRecipients)
	for u, text := range map[string]string{"U07KOFI": "The on-call rota feels uneven.", "U08NOOR": "Onboarding docs were great."} {
		if got := h.tryAnswer(u, prompts[u], text); !got.accepted {
			t.Fatalf("answer refused: %q", got.told)
		}
	}
	clock.Advance(73 * time.Hour) // open_for is 72h: the round closes with two answers, held
	held := h.botPosts(demoGeneral, 1)[0]
	if strings.Contains(held.Text, "uneven") || !strings.Contains(held.Text, "2 answers") || !strings.Contains(held.Text, "asked again") {
		t.Fatalf("held notice = %q", held.Text)
	}
	clock.Advance(24 * time.Hour)
	h.command(demoAdmin, "feedback now")
	next := map[string]slackfake.Message{}
	for _, u := range feedbackRecipients {
		next[u] = h.botDMs(u, 2)[1]
	}
	h.prompts(nil)
	for _, u := range []string{"U09ELI", "U06JOSE", "U02RAJ"} {
		if got := h.tryAnswer(u, next[u], "Thanks for the flexible hours this month."); !got.accepted {
			t.Fatalf("answer refused: %q", got.told)
		}
	}
	if got := h.command(demoAdmin, "feedback release"); !strings.Contains(got, "Released: 3 answers") {
		t.Fatalf("release: %s", got)
	}
	post := string(h.botPosts(demoGeneral, 2)[1].Blocks)
	if strings.Contains(post, "uneven") || strings.Contains(post, "Onboarding docs") {
		t.Errorf("two held answers were shown as a group of their own: %s", post)
	}
	if !strings.Contains(post, "3 answers") {
		t.Errorf("the heading does not count its section of 3: %s", post)
	}
}

// Attack 8: two answers after a crash. A crash after Slack took a prompt DM but before the bot
// recorded it, with the bot's clock five minutes ahead of Slack's, must not leave anyone with two
// valid buttons.
func TestAnonymityCrashWithSkewedClockLeavesOneValidButton(t *testing.T) {
	clock := newVirtualClock(time.Now().Add(5 * time.Minute))
	h := feedbackBot(t, clock)
	// Slack stores each post, then takes a while to answer: a crash then loses the answer.
	h.fake.SetLatency("chat.postMessage", 400*time.Millisecond)
	h.command(demoAdmin, "feedback now")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var victim string
	if err := waitFor(ctx, func() bool {
		n := 0
		for _, u := range feedbackRecipients {
			if ch := h.fake.DMChannel(u); ch != "" && len(h.fake.Messages(ch)) > 0 {
				n++
				victim = u
			}
		}
		return n >= 2
	}); err != nil {
		t.Fatal("the prompt did not go out")
	}
	h.shutdown() // the answer to the victim's post is lost: the bot does not know it was sent
	h.fake.SetLatency("chat.postMessage", 0)
	h2 := restartBot(t, h, clock)
	if err := waitFor(ctx, func() bool { s, _ := h2.main.DB.Stats(); return s.Pending == 0 }); err != nil {
		t.Fatal("delivery did not finish after the restart")
	}
	accepted := 0
	for i, m := range h2.fake.Messages(h2.fake.DMChannel(victim)) {
		if got := h2.tryAnswer(victim, m, "An answer that should count once."); got.accepted {
			accepted++
		} else {
			t.Logf("the victim's message %d: %s", i, got.told)
		}
	}
	if accepted != 1 {
		t.Errorf("%s answered %d times through their prompt DMs after the crash, want exactly once", victim, accepted)
	}
}

// Attack 7: lock-out. Answers wait until every prompt DM is delivered or failed for good; one
// person Slack will not let the bot reach must not keep the rest of the team from answering.
func TestAnonymityOneUnreachableRecipientDoesNotLockOutTheTeam(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := feedbackBot(t, clock)
	guestDM, err := h.fake.OpenDM("U10GUEST")
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"U10GUEST", guestDM} {
		h.fake.FailFor("chat.postMessage", to, "user_not_visible")
	}
	h.command(demoAdmin, "feedback now")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitFor(ctx, func() bool { s, _ := h.main.DB.Stats(); return s.Pending == 0 }); err != nil {
		s, _ := h.main.DB.Stats()
		t.Fatalf("the prompt is still being delivered (%d waiting): one unreachable person holds up everyone", s.Pending)
	}
	prompts := map[string]slackfake.Message{}
	for _, u := range []string{"U02RAJ", "U03MEI", "U04SAM"} {
		prompts[u] = h.botDMs(u, 1)[0]
		if got := h.tryAnswer(u, prompts[u], "An answer while one DM could not be delivered."); !got.accepted {
			t.Errorf("%s could not answer: %q", u, got.told)
		}
	}
	if got := h.command(demoAdmin, "feedback release"); !strings.Contains(got, "Released: 3 answers") {
		t.Errorf("release: %s", got)
	}
	if got := h.command(demoAdmin, "status"); !strings.Contains(got, "user_not_visible") {
		t.Errorf("the admins are not shown the failed DM: %s", got)
	}
}
