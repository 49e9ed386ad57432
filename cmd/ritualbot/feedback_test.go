package main

import (
	"path/filepath"

	"bytes"
	"context"
	bolt "go.etcd.io/bbolt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
)

// feedbackBot runs the bot with anonymous feedback in #general (min 3 answers).
func feedbackBot(t *testing.T, clock *virtualClock) *harness {
	t.Helper()
	return startBotWith(t, slackfake.Options{}, func(m *Main) {
		m.Now, m.MaxSleep = clock.Now, 10*time.Millisecond
		m.Config.Icebreakers = nil
		m.Config.Feedback = []FeedbackConfig{{RitualChannel: RitualChannel{Channel: demoGeneral, Schedule: "CRON_TZ=Europe/Berlin 0 11 1,15 * *"}, MinAnswers: 3}}
		m.Config.setDefaults()
	})
}

// everyone in #general who should get a prompt (not the bot, not the deactivated account).
var feedbackRecipients = []string{"U01ANA", "U02RAJ", "U03MEI", "U04SAM", "U06JOSE", "U07KOFI", "U08NOOR", "U09ELI", "U10GUEST"}

// prompts waits until every recipient has the prompt DM and returns them by user.
func (h *harness) prompts(users []string) map[string]slackfake.Message {
	h.t.Helper()
	out := map[string]slackfake.Message{}
	for _, u := range users {
		out[u] = h.botDMs(u, 1)[0]
	}
	// Answers open once every prompt is delivered: wait for the outbox to drain.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitFor(ctx, func() bool { s, _ := h.main.DB.Stats(); return s.Pending == 0 }); err != nil {
		h.t.Fatal("prompts still pending")
	}
	return out
}

// answer presses "Answer anonymously" as user and submits text (and a rating when asked); the
// test fails unless the answer is accepted.
func (h *harness) answer(user string, prompt slackfake.Message, text string) {
	h.t.Helper()
	if got := h.tryAnswer(user, prompt, text); !got.accepted {
		h.t.Fatalf("%s's answer was refused: %q\nlogs:\n%s", user, got.told, h.logs.String())
	}
}

func TestFeedbackPromptAnswerHoldRelease(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := feedbackBot(t, clock)
	if got := h.command("U05LENA", "away until 2026-12-20"); !strings.Contains(got, "Enjoy your time away") {
		t.Fatalf("away: %s", got)
	}
	if got := h.command("U04SAM", "feedback now"); !strings.Contains(got, "only for the admins") {
		t.Errorf("non-admin prompt: %s", got)
	}
	if got := h.command(demoAdmin, "feedback now"); !strings.Contains(got, "on its way") {
		t.Fatalf("feedback now: %s", got)
	}
	prompts := h.prompts(feedbackRecipients)
	for u, p := range prompts {
		if !strings.Contains(string(p.Blocks), "Answer anonymously") || !strings.Contains(string(p.Blocks), "not even whoever runs this bot") {
			t.Errorf("prompt to %s = %s", u, p.Blocks)
		}
	}
	for _, u := range []string{"U05LENA", "U11GONE", "U12BOT"} {
		if ch := h.fake.DMChannel(u); ch != "" && len(h.fake.Messages(ch)) > 0 {
			t.Errorf("%s was asked", u)
		}
	}
	h.answer("U02RAJ", prompts["U02RAJ"], "More written updates, fewer meetings please.")
	h.answer("U03MEI", prompts["U03MEI"], "I feel heard in retros <!channel>, thank you.")

	// A second attempt is refused before the modal opens, privately.
	if got := h.tryAnswer("U02RAJ", prompts["U02RAJ"], "A second answer from the same person."); got.accepted || !strings.Contains(got.told, "already answered") {
		t.Errorf("a second attempt: accepted=%v, told %q", got.accepted, got.told)
	}
	if got := h.command(demoAdmin, "feedback status"); !strings.Contains(got, "2 answers so far") {
		t.Errorf("status: %s", got)
	}
	if got := h.command(demoAdmin, "feedback release"); !strings.Contains(got, "1 more needed") {
		t.Errorf("release with too few: %s", got)
	}
	if got := h.command("U04SAM", "feedback release"); !strings.Contains(got, "only for the admins") {
		t.Errorf("non-admin release: %s", got)
	}
	if n := len(h.fake.Messages(demoGeneral)); n != 0 {
		t.Fatalf("something was posted with too few answers: %d messages", n)
	}
	h.answer("U06JOSE", prompts["U06JOSE"], "Can we rotate who runs the weekly demo?")
	if got := h.command(demoAdmin, "feedback release"); !strings.Contains(got, "Released: 3 answers") {
		t.Fatalf("release: %s", got)
	}
	post := h.botPosts(demoGeneral, 1)[0]
	body := string(post.Blocks)
	for _, want := range []string{"More written updates", "I feel heard", "rotate who runs", "Respond"} {
		if !strings.Contains(body, want) {
			t.Errorf("release lacks %q: %s", want, body)
		}
	}
	if strings.Contains(body, "<!channel>") {
		t.Error("an answer reached Slack unescaped")
	}
	for _, id := range feedbackRecipients {
		if strings.Contains(body, id) {
			t.Errorf("the release names %s", id)
		}
	}
	// The admin responds in the thread.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.fake.ClickButton(ctx, demoAdmin, slackfake.Location{Channel: post.Channel, TS: post.TS}, "feedback.respond"); err != nil {
		t.Fatal(err)
	}
	var viewID string
	if err := waitFor(ctx, func() bool { viewID, _ = h.fake.OpenView(demoAdmin); return viewID != "" }); err != nil {
		t.Fatal("no respond modal")
	}
	if _, err := h.fake.SubmitView(ctx, demoAdmin, viewID, map[string]string{"answer": "You said fewer meetings: we are cutting the Tuesday sync."}); err != nil {
		t.Fatal(err)
	}
	reply := h.botMessages(demoGeneral, 2)[1]
	if reply.ThreadTS != post.TS || !strings.Contains(reply.Text, "Tuesday sync") {
		t.Errorf("response = %+v", reply)
	}
}

// TestFeedbackCannotBeTracedInDatabaseOrLogs is the proof: a team answers a prompt; no page of the
// raw database file written while they answered holds any recipient's id, DM channel or prompt ts
// (nor does anyone leave more traces than before), and every log line at debug level and what
// Slack keeps (the DMs, and every Web API call that touched them) hold each recipient's traces
// equally often whether or not they answered; no answer text appears in the logs.
func TestFeedbackCannotBeTracedInDatabaseOrLogs(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := feedbackBot(t, clock)
	h.command(demoAdmin, "feedback now")
	prompts := h.prompts(feedbackRecipients)
	answered := map[string]string{
		"U01ANA":  "Retros could start on time more often.",
		"U03MEI":  "I would like clearer priorities each sprint.",
		"U06JOSE": "Pairing sessions help me a lot, keep them.",
		"U08NOOR": "Less context switching between projects please.",
	}
	path := h.main.Config.Store.Path
	// The live file as the operator copies it once everyone has the prompt, then after the answers.
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for u, text := range answered {
		h.answer(u, prompts[u], text)
	}
	h.shutdown()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := h.logs.String()
	traces := func(u string) [][]byte {
		p := prompts[u]
		return [][]byte{[]byte(u), []byte(p.Channel), []byte(p.TS)}
	}
	footprintIn := func(data []byte, u string) [3]int {
		var out [3]int
		for i, tr := range traces(u) {
			out[i] = bytes.Count(data, tr)
		}
		return out
	}
	footprint := func(u string) [3]int { return footprintIn(raw, u) }
	// What the answers changed, record by record: a token gone and an answer added for each, and
	// nothing else anywhere in the database.
	was, is := dumpDB(t, before), dumpDB(t, raw)
	for bucket := range mergeKeys(was, is) {
		added, removed := diffRecords(was[bucket], is[bucket])
		switch bucket {
		case "feedback_tokens":
			if len(added) != 0 || len(removed) != len(answered) {
				t.Errorf("answering changed the tokens: %d added, %d removed (want 0 and %d)", len(added), len(removed), len(answered))
			}
		case "feedback_answers":
			if len(removed) != 0 || len(added) != len(answered) {
				t.Errorf("answering changed the answers: %d added, %d removed (want %d and 0)", len(added), len(removed), len(answered))
			}
			for _, rec := range added {
				for _, u := range feedbackRecipients {
					for _, tr := range traces(u) {
						if strings.Contains(rec, string(tr)) {
							t.Errorf("a stored answer holds %q, a trace of %s", tr, u)
						}
					}
				}
			}
		default:
			if len(added)+len(removed) > 0 {
				t.Errorf("answering changed %s: %d records added, %d removed", bucket, len(added), len(removed))
			}
		}
	}
	// And byte by byte, as the operator reads the file: the pages bbolt wrote while people answered
	// (whole pages: the ones that changed) copy each recipient's traces equally often. bbolt
	// copies a page on write, so a page that holds a record of everyone is copied for everyone.
	pageSize := os.Getpagesize()
	var written []byte
	for off := 0; off < len(raw); off += pageSize {
		page := raw[off:min(off+pageSize, len(raw))]
		if off+len(page) <= len(before) && bytes.Equal(page, before[off:off+len(page)]) {
			continue
		}
		written = append(written, page...)
	}
	first := footprintIn(written, feedbackRecipients[0])
	for _, u := range feedbackRecipients[1:] {
		if got := footprintIn(written, u); got != first {
			t.Errorf("the pages written while people answered hold %s (answered: %v) %v times, %s (answered: %v) %v times",
				u, answered[u] != "", got, feedbackRecipients[0], answered[feedbackRecipients[0]] != "", first)
		}
	}
	logFootprint := func(u string) [3]int {
		p := prompts[u]
		return [3]int{strings.Count(logs, u), strings.Count(logs, p.Channel), strings.Count(logs, p.TS)}
	}
	// What Slack keeps: each DM and every Web API call that touched it.
	calls := h.fake.Calls()
	slackFootprint := func(u string) [2]int {
		p := prompts[u]
		touched := 0
		for _, c := range calls {
			for _, v := range c.Args {
				if v == p.Channel || v == u || v == p.TS {
					touched++
					break
				}
			}
		}
		return [2]int{len(h.fake.Messages(p.Channel)), touched}
	}
	var wantLog [3]int
	var wantSlack [2]int
	for i, u := range feedbackRecipients {
		gotLog, gotSlack := logFootprint(u), slackFootprint(u)
		if now := h.dmState(prompts[u]); now != prompts[u].Text+"\n"+string(prompts[u].Blocks) {
			t.Errorf("%s (answered: %v): their DM changed in Slack", u, answered[u] != "")
		}
		if i == 0 {
			wantLog, wantSlack = gotLog, gotSlack
			continue
		}
		if gotSlack != wantSlack {
			t.Errorf("%s (answered: %v) has %v in Slack (DM messages, calls touching their DM), others %v", u, answered[u] != "", gotSlack, wantSlack)
		}
		if gotLog != wantLog {
			t.Errorf("%s (answered: %v) appears %v times in the logs, others %v", u, answered[u] != "", gotLog, wantLog)
		}
	}
	for _, text := range answered {
		if strings.Contains(logs, text[:20]) {
			t.Errorf("answer text in the logs: %q", text)
		}
	}
	for _, u := range feedbackRecipients {
		t.Logf("%s (answered: %v): database %v, logs %v (id, DM channel, prompt ts)", u, answered[u] != "", footprint(u), logFootprint(u))
	}
	if !strings.Contains(logs, "level=DEBUG") {
		t.Error("the logs were not captured at debug level; the proof proves nothing")
	}
}

// dumpDB reads every record of a database file's bytes, as "bucket/sub" → key → value.
func dumpDB(t *testing.T, raw []byte) map[string]map[string]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dump.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("reading a copy of the database: %v", err)
	}
	defer db.Close()
	out := map[string]map[string]string{}
	var walk func(name string, b *bolt.Bucket) error
	walk = func(name string, b *bolt.Bucket) error {
		out[name] = map[string]string{}
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(name+"/"+string(k), b.Bucket(k))
			}
			out[name][string(k)] = string(v)
			return nil
		})
	}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walk(string(name), b) })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// mergeKeys is the union of two maps' keys.
func mergeKeys[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// diffRecords lists the records added to and removed from a bucket (a changed value counts as both).
func diffRecords(was, is map[string]string) (added, removed []string) {
	for k, v := range is {
		if old, ok := was[k]; !ok || old != v {
			added = append(added, k+"="+v)
		}
	}
	for k, v := range was {
		if now, ok := is[k]; !ok || now != v {
			removed = append(removed, k+"="+v)
		}
	}
	return added, removed
}

func TestFeedbackSurvivesARestartBetweenPromptAndRelease(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h := feedbackBot(t, clock)
	h.command(demoAdmin, "feedback now")
	prompts := h.prompts(feedbackRecipients)
	h.answer("U02RAJ", prompts["U02RAJ"], "Planning meetings could be shorter.")
	h.answer("U03MEI", prompts["U03MEI"], "I like the new review rotation.")
	h.shutdown()
	h2 := restartBot(t, h, clock)
	h2.answer("U04SAM", prompts["U04SAM"], "More pairing across teams, please.")
	if got := h2.tryAnswer("U02RAJ", prompts["U02RAJ"], "A second answer after the restart."); got.accepted || !strings.Contains(got.told, "already answered") {
		t.Errorf("a second attempt after the restart: accepted=%v, told %q", got.accepted, got.told)
	}
	if got := h2.command(demoAdmin, "feedback release"); !strings.Contains(got, "Released: 3 answers") {
		t.Fatalf("release after restart: %s", got)
	}
	body := string(h2.botPosts(demoGeneral, 1)[0].Blocks)
	for _, want := range []string{"Planning meetings", "review rotation", "pairing across teams"} {
		if !strings.Contains(body, want) {
			t.Errorf("an answer was lost across the restart: %q", want)
		}
	}
}
