package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
)

// digestBot runs the bot with the weekly digest in #general: check-ins Thursdays 10:00 in each
// person's own zone, the post Fridays 16:00 Berlin time.
func digestBot(t *testing.T, clock *virtualClock) *harness {
	t.Helper()
	return startBotWith(t, slackfake.Options{}, func(m *Main) {
		m.Now, m.MaxSleep = clock.Now, 10*time.Millisecond
		m.Config.Icebreakers = nil
		m.Config.Digest = []DigestConfig{{
			RitualChannel:   RitualChannel{Channel: demoGeneral, Schedule: "CRON_TZ=Europe/Berlin 0 16 * * FRI"},
			CheckinSchedule: "CRON_TZ=Europe/Berlin 0 10 * * THU",
		}}
		m.Config.setDefaults()
	})
}

// hasDM reports whether the bot has written to user.
func (h *harness) hasDM(user string) bool {
	ch := h.fake.DMChannel(user)
	return ch != "" && len(h.fake.Messages(ch)) > 0
}

// submitCheckin presses "Write my update" in the check-in DM and submits answers by question.
func (h *harness) submitCheckin(user string, answers ...string) map[string]string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dm := h.botDMs(user, 1)[0]
	if _, err := h.fake.ClickButton(ctx, user, slackfake.Location{Channel: dm.Channel, TS: dm.TS}, "digest.write"); err != nil {
		h.t.Fatal(err)
	}
	var viewID string
	var view []byte
	if err := waitFor(ctx, func() bool { viewID, view = h.fake.OpenView(user); return viewID != "" }); err != nil {
		h.t.Fatalf("no check-in form for %s; logs:\n%s", user, h.logs.String())
	}
	values := map[string]string{}
	for i, a := range answers {
		values["q"+string(rune('0'+i))] = a
	}
	if _, err := h.fake.SubmitView(ctx, user, viewID, values); err != nil {
		h.t.Fatal(err)
	}
	_ = view
	return h.fake.ViewErrors(viewID)
}

func TestDigestWeekCheckinsKudosAndPost(t *testing.T) {
	utc := time.UTC
	clock := newVirtualClock(time.Date(2026, 11, 25, 12, 0, 0, 0, utc)) // Wednesday
	h := digestBot(t, clock)
	if got := h.command("U05LENA", "away until 2026-11-30"); !strings.Contains(got, "Enjoy") {
		t.Fatalf("away: %s", got)
	}
	// Thursday 10:00 in Tokyo comes first, then in Kolkata; Berlin's 10:00 is later still.
	clock.Set(time.Date(2026, 11, 26, 1, 0, 30, 0, utc))
	h.botDMs("U03MEI", 1)
	if h.hasDM("U02RAJ") || h.hasDM("U05LENA") {
		t.Error("people were asked before their own 10:00")
	}
	clock.Set(time.Date(2026, 11, 26, 4, 30, 30, 0, utc))
	h.botDMs("U02RAJ", 1)
	clock.Set(time.Date(2026, 11, 26, 16, 0, 30, 0, utc)) // 10:00 in Mexico City, the last zone here
	asked := []string{"U01ANA", "U02RAJ", "U03MEI", "U04SAM", "U06JOSE", "U07KOFI", "U08NOOR", "U09ELI"}
	for _, u := range asked {
		if dm := h.botDMs(u, 1)[0]; !strings.Contains(string(dm.Blocks), "Write my update") {
			t.Errorf("check-in DM to %s = %s", u, dm.Blocks)
		}
	}
	for _, u := range []string{"U05LENA", "U10GUEST", "U11GONE", "U12BOT"} {
		if h.hasDM(u) {
			t.Errorf("%s was asked (away, guest, deactivated or bot)", u)
		}
	}

	if errs := h.submitCheckin("U02RAJ", "Shipped the importer.", "The API change; the deadline moved.", "A reviewer for the API change"); len(errs) > 0 {
		t.Fatalf("raj's update refused: %v", errs)
	}
	if errs := h.submitCheckin("U02RAJ", "Shipped the importer and its docs.", "The API change, still at risk.", "A reviewer for the API change, please"); len(errs) > 0 {
		t.Fatalf("raj's second update refused: %v", errs)
	}
	if errs := h.submitCheckin("U03MEI", "Fixed the flaky tests <!channel>", "Release notes", ""); len(errs) > 0 {
		t.Fatalf("mei's update refused: %v", errs)
	}
	if errs := h.submitCheckin("U06JOSE", "   ", "  ", ""); len(errs) == 0 {
		t.Error("a blank update was accepted")
	}
	if got := h.command("U04SAM", "checkin skip"); !strings.Contains(got, "Skipped") {
		t.Errorf("skip: %s", got)
	}
	if got := h.command(demoAdmin, "kudos <@U02RAJ|raj> <@U03MEI|mei> for untangling the release"); !strings.Contains(got, "I've told") {
		t.Fatalf("kudos: %s", got)
	}
	for _, u := range []string{"U02RAJ", "U03MEI"} {
		k := h.botDMs(u, 2)[1]
		if !strings.Contains(k.Text+string(k.Blocks), "untangling the release") {
			t.Errorf("kudos DM to %s = %s", u, k.Blocks)
		}
	}
	for text, want := range map[string]string{
		"kudos <@U01ANA|ana> for being me":        "yourself",
		"kudos <@U12BOT|deploybot> for deploying": "bot",
		"kudos <@U02RAJ|raj>":                     "what you are thanking them for",
		"kudos for nothing":                       "who would you like to thank",
		"away until 2020-01-01":                   "past",
		"away until whenever":                     "",
	} {
		got := h.command(demoAdmin, text)
		if want != "" && !strings.Contains(strings.ToLower(got), want) {
			t.Errorf("%q: got %q, want it to mention %q", text, got, want)
		}
		if strings.Contains(got, "Enjoy your time away") || strings.Contains(got, "I've told") {
			t.Errorf("%q was accepted: %s", text, got)
		}
	}
	preview := h.command(demoAdmin, "digest preview")
	if !strings.Contains(preview, "nothing was posted") || !strings.Contains(preview, "reviewer") {
		t.Errorf("preview: %.500s", preview)
	}
	if n := len(h.fake.Messages(demoGeneral)); n != 0 {
		t.Fatalf("preview posted %d messages", n)
	}

	// Friday 12:00 Berlin: the reminder goes to those asked who neither shared nor skipped.
	clock.Set(time.Date(2026, 11, 27, 11, 0, 30, 0, utc))
	for _, u := range []string{"U01ANA", "U06JOSE", "U07KOFI", "U08NOOR", "U09ELI"} {
		if r := h.botDMs(u, 2)[1]; !strings.Contains(r.Text, "nudge") {
			t.Errorf("reminder to %s = %q", u, r.Text)
		}
	}
	time.Sleep(100 * time.Millisecond)
	for _, u := range []string{"U02RAJ", "U03MEI", "U04SAM"} {
		for _, m := range h.fake.Messages(h.fake.DMChannel(u)) {
			if strings.Contains(m.Text, "nudge") {
				t.Errorf("%s answered but was reminded", u)
			}
		}
	}

	clock.Set(time.Date(2026, 11, 27, 15, 0, 30, 0, utc)) // Friday 16:00 Berlin
	post := h.botPosts(demoGeneral, 1)[0]
	body := string(post.Blocks)
	help, update := strings.Index(body, "Help wanted"), strings.Index(body, "Updates")
	if help < 0 || update < 0 || help > update {
		t.Errorf("help wanted must come first: %s", body)
	}
	for _, want := range []string{"reviewer for the API change, please", "Shipped the importer and its docs", "Fixed the flaky tests", "untangling the release", "2 of 8 shared"} {
		if !strings.Contains(body+post.Text, want) {
			t.Errorf("digest lacks %q: %s", want, body)
		}
	}
	if strings.Contains(body, "Shipped the importer.") {
		t.Error("the first version of a replaced update is in the digest")
	}
	if strings.Contains(body, "<!channel>") {
		t.Error("an update reached Slack unescaped")
	}
	if slices.ContainsFunc([]string{"U04SAM", "U06JOSE"}, func(u string) bool { return strings.Contains(body, u) }) {
		t.Error("the digest names someone who did not share")
	}
}
