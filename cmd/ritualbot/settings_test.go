package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/rituals/coffee"
)

// settingsBot runs the bot from a minimal configuration (the admin, no ritual) on a virtual clock
// that starts on Sunday 29 November 2026, noon in Berlin.
func settingsBot(t *testing.T, clock *virtualClock) *harness {
	t.Helper()
	return startBotWith(t, slackfake.Options{}, func(m *Main) {
		m.Now, m.MaxSleep = clock.Now, 10*time.Millisecond
	})
}

func sundayNoon(t *testing.T) *virtualClock {
	return newVirtualClock(time.Date(2026, 11, 29, 12, 0, 0, 0, mustZone(t, "Europe/Berlin")))
}

// home opens userID's Home tab and returns it once published afresh.
func (h *harness) home(userID string) string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := h.fake.CallCount("views.publish")
	if _, err := h.fake.OpenHome(ctx, userID); err != nil {
		h.t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool { return h.fake.CallCount("views.publish") > before && h.fake.HomeView(userID) != nil }); err != nil {
		h.t.Fatalf("Home tab of %s not published; logs:\n%s", userID, h.logs.String())
	}
	return string(h.fake.HomeView(userID))
}

// settingsForm has userID click actionID on their Home tab, then fill in the modal that opens
// with values, and returns the problems the modal shows (none when it was saved).
func (h *harness) settingsForm(userID, actionID string, values map[string]string) map[string]string {
	h.t.Helper()
	h.home(userID)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if id, _ := h.fake.OpenView(userID); id != "" { // a form left open with its problems
		if _, err := h.fake.CloseView(ctx, userID, id); err != nil {
			h.t.Fatal(err)
		}
	}
	if _, err := h.fake.ClickButton(ctx, userID, slackfake.Location{Home: true}, actionID); err != nil {
		h.t.Fatalf("%s clicking %s on the Home tab: %v", userID, actionID, err)
	}
	var viewID string
	if err := waitFor(ctx, func() bool { viewID, _ = h.fake.OpenView(userID); return viewID != "" }); err != nil {
		h.t.Fatalf("no modal opened for %s; logs:\n%s", actionID, h.logs.String())
	}
	if _, err := h.fake.SubmitView(ctx, userID, viewID, values); err != nil {
		h.t.Fatalf("submitting the settings of %s: %v", actionID, err)
	}
	problems := h.fake.ViewErrors(viewID)
	if len(problems) == 0 {
		if id, _ := h.fake.OpenView(userID); id != "" {
			h.t.Fatalf("the modal stayed open without a problem shown")
		}
	}
	return problems
}

// setUpCoffee sets up coffee in #coffee on Tuesdays 10:00 Berlin time from the admin's Home tab.
func (h *harness) setUpCoffee() {
	h.t.Helper()
	problems := h.settingsForm(demoAdmin, "settings.add#coffee", map[string]string{
		"channel": demoCoffee, "day": "TUE", "time": "10:00", "zone": "Europe/Berlin", "every_weeks": "1", "group_size": "2",
	})
	if len(problems) > 0 {
		h.t.Fatalf("setting up coffee: %v", problems)
	}
}

// addAdmin has the admin make user an admin with /ritual admins add.
func (h *harness) addAdmin(user string) {
	h.t.Helper()
	if got := h.command(demoAdmin, "admins add <@"+user+">"); !strings.Contains(got, "<@"+user+"> is now an admin") {
		h.t.Fatalf("admins add %s: %s", user, got)
	}
}

// roundsIn waits for n coffee rounds in channel and returns them, newest first.
func (h *harness) roundsIn(channel string, n int) []coffee.Round {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rounds []coffee.Round
	if err := waitFor(ctx, func() bool {
		rounds, _ = h.main.DB.Coffee().Rounds(channel, 0)
		return len(rounds) >= n
	}); err != nil {
		h.t.Fatalf("want %d coffee rounds in %s, have %d\nlogs:\n%s", n, channel, len(rounds), h.logs.String())
	}
	return rounds
}

// A minimal file starts the bot with no ritual; the admin sets up coffee from the Home tab, and
// the first round runs at the time chosen, without a restart.
func TestSetUpCoffeeFromAnEmptyHomeTab(t *testing.T) {
	clock := sundayNoon(t)
	h := settingsBot(t, clock)
	home := h.home(demoAdmin)
	if !strings.Contains(home, "No ritual is set up yet") || !strings.Contains(home, "Set up coffee") {
		t.Fatalf("the admin's empty Home tab does not offer to set up a ritual:\n%s", home)
	}
	if strings.Contains(home, "Set up feedback") {
		t.Errorf("anonymous feedback is offered while the file has none (its manifest grants im:history):\n%s", home)
	}
	h.setUpCoffee()
	home = h.home(demoAdmin)
	for _, want := range []string{"Here: *coffee* pairings.", "*coffee* in <#" + demoCoffee + ">", "Tuesdays 10:00 Europe/Berlin", "groups of 2", "Next run: Tue 1 Dec 10:00 CET"} {
		if !strings.Contains(home, want) {
			t.Errorf("the Home tab after setting up coffee lacks %q:\n%s", want, home)
		}
	}
	clock.Set(time.Date(2026, 12, 1, 10, 0, 30, 0, mustZone(t, "Europe/Berlin")))
	r := h.roundsIn(demoCoffee, 1)[0]
	if !strings.HasSuffix(r.ID, "2026-12-01T10:00") || len(r.Groups) == 0 {
		t.Errorf("first round = %+v, want Tuesday 10:00 with groups", r)
	}
}

// A schedule changed by one admin moves the next run at once, and the other admin is told who
// changed what.
func TestScheduleChangeMovesTheNextRunAndTellsTheOtherAdmins(t *testing.T) {
	clock := sundayNoon(t)
	h := settingsBot(t, clock)
	if got := h.command(demoAdmin, "admins add <@U02RAJ|raj>"); !strings.Contains(got, "<@U02RAJ> is now an admin") {
		t.Fatalf("admins add: %s", got)
	}
	if dm := h.botDMs("U02RAJ", 1)[0]; !strings.Contains(dm.Text, "made <@U02RAJ> an admin") {
		t.Errorf("the new admin's note = %q", dm.Text)
	}
	h.setUpCoffee()
	problems := h.settingsForm("U02RAJ", "settings.edit#coffee/"+demoCoffee, map[string]string{"day": "WED"})
	if len(problems) > 0 {
		t.Fatalf("moving coffee: %v", problems)
	}
	note := h.botDMs(demoAdmin, 1)[0]
	if want := "<@U02RAJ> moved coffee in <#" + demoCoffee + "> to Wednesdays 10:00 Europe/Berlin."; note.Text != want {
		t.Errorf("the other admin was told %q, want %q", note.Text, want)
	}
	berlin := mustZone(t, "Europe/Berlin")
	if next := h.main.Scheduler.Next("coffee", demoCoffee, clock.Now()); !next.Equal(time.Date(2026, 12, 2, 10, 0, 0, 0, berlin)) {
		t.Errorf("next coffee run = %v, want Wednesday 10:00", next)
	}
	clock.Set(time.Date(2026, 12, 2, 10, 0, 30, 0, berlin))
	rounds := h.roundsIn(demoCoffee, 1)
	if len(rounds) != 1 || !strings.HasSuffix(rounds[0].ID, "2026-12-02T10:00") {
		t.Errorf("rounds = %+v; want one, on Wednesday (Tuesday was the old day)", rounds)
	}
}

// Settings made in Slack survive a restart, and a backup taken while the bot runs carries them.
func TestSlackSettingsSurviveRestartAndBackup(t *testing.T) {
	clock := sundayNoon(t)
	h := settingsBot(t, clock)
	h.setUpCoffee()
	h.addAdmin("U03MEI")
	backup := liveBackup(t, h)
	h.shutdown()
	h2 := restartBot(t, h, clock)
	if home := h2.home(demoAdmin); !strings.Contains(home, "Tuesdays 10:00 Europe/Berlin") {
		t.Errorf("after a restart the Home tab lacks coffee:\n%s", home)
	}
	if !h2.main.isAdmin("U03MEI") {
		t.Error("an admin added in Slack is not an admin after a restart")
	}
	h2.shutdown()

	restored := startBotWith(t, slackfake.Options{}, func(m *Main) {
		m.Now, m.MaxSleep = clock.Now, 10*time.Millisecond
		m.Config.Store.Path = backup
	})
	if !restored.main.Scheduler.Has("coffee", demoCoffee) || !restored.main.isAdmin("U03MEI") {
		t.Error("a bot started from the backup lost the settings made in Slack")
	}
}

// A person who is not an admin sees none of the settings, and a forged admin click or form from
// them changes nothing.
func TestNonAdminsSeeNoSettingsAndForgedActionsAreRefused(t *testing.T) {
	clock := sundayNoon(t)
	h := settingsBot(t, clock)
	h.setUpCoffee()
	if home := h.home("U03MEI"); strings.Contains(home, "Set up") || strings.Contains(home, "settings.") {
		t.Errorf("a non-admin's Home tab shows the settings:\n%s", home)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	forged := map[string]any{
		"envelope_id": "forged-1", "type": "interactive", "accepts_response_payload": false,
		"payload": map[string]any{
			"type": "block_actions", "team": map[string]any{"id": "T01DEMO"}, "user": map[string]any{"id": "U03MEI"},
			"api_app_id": "A01", "trigger_id": "1.2.forged", "container": map[string]any{"type": "view", "view_id": "V0FORGED"},
			"view": map[string]any{"id": "V0FORGED", "type": "home"},
			"actions": []any{map[string]any{"type": "button", "action_id": "settings.remove#coffee/" + demoCoffee,
				"block_id": "settings/coffee/" + demoCoffee, "value": "coffee/" + demoCoffee, "action_ts": "1.2"}},
		},
	}
	submission := map[string]any{
		"envelope_id": "forged-2", "type": "interactive", "accepts_response_payload": true,
		"payload": map[string]any{
			"type": "view_submission", "team": map[string]any{"id": "T01DEMO"}, "user": map[string]any{"id": "U03MEI"},
			"view": map[string]any{"id": "V0FORGED2", "type": "modal", "callback_id": "settings.save", "private_metadata": "coffee/" + demoCoffee,
				"state": map[string]any{"values": map[string]any{"day": map[string]any{"day": map[string]any{"type": "static_select",
					"selected_option": map[string]any{"value": "SUN", "text": map[string]any{"type": "plain_text", "text": "Sundays"}}}}}}},
		},
	}
	for _, env := range []map[string]any{forged, submission} {
		raw, _ := json.Marshal(env)
		if err := h.fake.SendRaw(ctx, raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := waitFor(ctx, func() bool { return strings.Count(h.logs.String(), "who is not an admin") >= 2 }); err != nil {
		t.Fatalf("the forged payloads were not refused; logs:\n%s", h.logs.String())
	}
	rs, ok, err := h.main.DB.Settings().Get("coffee", demoCoffee)
	if err != nil || !ok || !strings.Contains(rs.Config, "TUE") || !h.main.Scheduler.Has("coffee", demoCoffee) {
		t.Errorf("a forged action changed coffee: stored %+v %v %v", rs, ok, err)
	}
	if got := h.command("U03MEI", "admins add <@U03MEI>"); !strings.Contains(got, "only for the admins") {
		t.Errorf("a non-admin made themselves an admin: %s", got)
	}
}

// The file wins at start-up for a channel it manages, and the admins are told; with
// `settings: slack` the file hands the channel over and Slack's settings stay.
func TestFileOverridesASlackSettingAndTheAdminsAreTold(t *testing.T) {
	clock := sundayNoon(t)
	h := settingsBot(t, clock)
	h.setUpCoffee()
	h.shutdown()

	fileCoffee := func(settings string) func(m *Main) {
		return func(m *Main) {
			m.Now, m.MaxSleep = clock.Now, 10*time.Millisecond
			m.Config.Store.Path = h.main.Config.Store.Path
			m.Config.Coffee = []CoffeeConfig{{RitualChannel: RitualChannel{Channel: demoCoffee, Schedule: "CRON_TZ=Europe/Berlin 0 9 * * MON", Settings: settings}}}
			m.Config.setDefaults()
		}
	}
	handed := startBotWith(t, slackfake.Options{}, fileCoffee("slack"))
	berlin := mustZone(t, "Europe/Berlin")
	if next := handed.main.Scheduler.Next("coffee", demoCoffee, clock.Now()); !next.Equal(time.Date(2026, 12, 1, 10, 0, 0, 0, berlin)) {
		t.Errorf("with settings: slack the next run is %v, want Slack's Tuesday 10:00", next)
	}
	handed.shutdown()

	file := startBotWith(t, slackfake.Options{}, fileCoffee(""))
	note := file.botDMs(demoAdmin, 1)[0]
	if !strings.Contains(note.Text, "The configuration file manages coffee in <#"+demoCoffee+">") || !strings.Contains(note.Text, "settings: slack") {
		t.Errorf("the admin was told %q", note.Text)
	}
	if next := file.main.Scheduler.Next("coffee", demoCoffee, clock.Now()); !next.Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, berlin)) {
		t.Errorf("the next run is %v, want the file's Monday 09:00", next)
	}
	if _, ok, _ := file.main.DB.Settings().Get("coffee", demoCoffee); ok {
		t.Error("the overridden Slack setting is still stored")
	}
	home := file.home(demoAdmin)
	if !strings.Contains(home, "Managed in the configuration file") || strings.Contains(home, "settings.edit#coffee") {
		t.Errorf("a file-managed channel is editable on the Home tab:\n%s", home)
	}
}

// The form shows the configuration's own words on the field that is wrong, and says how to
// invite the bot into a channel it is not in.
func TestSettingsFormProblems(t *testing.T) {
	clock := sundayNoon(t)
	h := settingsBot(t, clock)
	h.fake.AddChannel(slackfake.Channel{ID: "C09NOBOT", Name: "nobot", Members: []string{demoAdmin, "U02RAJ"}})
	problems := h.settingsForm(demoAdmin, "settings.add#coffee", map[string]string{
		"channel": demoGeneral, "day": "FRI", "time": "15:00", "zone": "Europe/Berlin", "every_weeks": "1", "group_size": "2", "follow_up_after": "2w",
	})
	err := parseAndValidate(t, "coffee:\n  - channel: C0123ABCD\n    schedule: 0 15 * * FRI\n    follow_up_after: 2w\n")
	_, checkSays, _ := strings.Cut(err.Error(), "coffee[0].follow_up_after: ")
	if checkSays == "" || problems["follow_up_after"] != checkSays {
		t.Errorf("the form says %q on follow_up_after; check says %q", problems["follow_up_after"], checkSays)
	}
	problems = h.settingsForm(demoAdmin, "settings.add#coffee", map[string]string{
		"channel": "C09NOBOT", "day": "MON", "time": "09:30", "zone": "Europe/Berlin", "every_weeks": "1", "group_size": "3",
	})
	if !strings.Contains(problems["channel"], "/invite @ritualbot") {
		t.Errorf("a channel without the bot: problems %v", problems)
	}
	if h.main.Scheduler.Has("coffee", "C09NOBOT") || h.main.Scheduler.Has("coffee", demoGeneral) {
		t.Error("a form with problems changed the schedule")
	}
}

// Admins are added and removed without editing the file, never the last one, and never one the
// file made.
func TestAdminsAddAndRemove(t *testing.T) {
	h := settingsBot(t, sundayNoon(t))
	for _, tt := range []struct{ text, want string }{
		{"admins remove <@" + demoAdmin + ">", "is an admin in the configuration file"},
		{"admins add <@U02RAJ>", "<@U02RAJ> is now an admin"},
		{"admins add <@U02RAJ>", "already an admin"},
		{"admins", "Admins added in Slack: <@U02RAJ>"},
		{"admins remove <@U02RAJ>", "<@U02RAJ> is no longer an admin"},
		{"admins remove <@U04SAM>", "is not an admin"},
		{"admins add @sam", "Slack turns the name into a mention"},
	} {
		if got := h.command(demoAdmin, tt.text); !strings.Contains(got, tt.want) {
			t.Errorf("/ritual %s: %s\nwant %q", tt.text, got, tt.want)
		}
	}
	if h.main.isAdmin("U02RAJ") {
		t.Error("a removed admin is still an admin")
	}
}

// The last admin cannot be removed: with an empty file list, the one admin added in Slack stays.
func TestTheLastAdminStays(t *testing.T) {
	h := settingsBot(t, sundayNoon(t))
	h.addAdmin("U02RAJ")
	h.shutdown()
	h2 := startBotWith(t, slackfake.Options{}, func(m *Main) {
		m.Config.Store.Path = h.main.Config.Store.Path
		m.Config.Admins = nil
	})
	if got := h2.command("U02RAJ", "admins remove <@U02RAJ>"); !strings.Contains(got, "the last admin") {
		t.Errorf("the last admin removed themselves: %s", got)
	}
	if !h2.main.isAdmin("U02RAJ") {
		t.Error("the last admin is gone")
	}
}

// Pause keeps the settings but stops the runs; Resume brings them back; Remove forgets them. The
// other admins hear of each.
func TestPauseResumeAndRemove(t *testing.T) {
	clock := sundayNoon(t)
	h := settingsBot(t, clock)
	h.addAdmin("U02RAJ")
	h.setUpCoffee()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	click := func(actionID string) {
		t.Helper()
		h.home(demoAdmin)
		if _, err := h.fake.ClickButton(ctx, demoAdmin, slackfake.Location{Home: true}, actionID); err != nil {
			t.Fatalf("click %s: %v", actionID, err)
		}
	}
	click("settings.pause#coffee/" + demoCoffee)
	if err := waitFor(ctx, func() bool { return !h.main.Scheduler.Has("coffee", demoCoffee) }); err != nil {
		t.Fatal("pausing left coffee scheduled")
	}
	if home := h.home(demoAdmin); !strings.Contains(home, "_Paused._") || !strings.Contains(home, "settings.resume#coffee/"+demoCoffee) {
		t.Errorf("the Home tab of a paused ritual:\n%s", home)
	}
	click("settings.resume#coffee/" + demoCoffee)
	if err := waitFor(ctx, func() bool { return h.main.Scheduler.Has("coffee", demoCoffee) }); err != nil {
		t.Fatal("resuming did not schedule coffee again")
	}
	click("settings.remove#coffee/" + demoCoffee)
	if err := waitFor(ctx, func() bool { return !h.main.Scheduler.Has("coffee", demoCoffee) }); err != nil {
		t.Fatal("removing left coffee scheduled")
	}
	if _, ok, _ := h.main.DB.Settings().Get("coffee", demoCoffee); ok {
		t.Error("removed settings are still stored")
	}
	var texts []string
	for _, m := range h.botDMs("U02RAJ", 5) {
		texts = append(texts, m.Text)
	}
	got := strings.Join(texts, "\n")
	for _, want := range []string{"set up coffee in <#" + demoCoffee + ">: Tuesdays 10:00 Europe/Berlin.", "paused coffee", "resumed coffee", "removed coffee from"} {
		if !strings.Contains(got, want) {
			t.Errorf("the other admin was not told %q:\n%s", want, got)
		}
	}
}

// A change while a round is being made lets that round finish with the settings it started with;
// the next round uses the new ones, and nothing runs twice.
func TestChangeDuringARunFinishesItAsPlanned(t *testing.T) {
	clock := sundayNoon(t)
	h := settingsBot(t, clock)
	h.setUpCoffee() // Tuesdays 10:00, pairs
	h.home(demoAdmin)
	berlin := mustZone(t, "Europe/Berlin")
	// Looking people up is slow today: the run takes seconds, and the change comes in between.
	for _, method := range []string{"users.list", "users.info"} {
		h.fake.SetLatency(method, 400*time.Millisecond) // for each of the 9 people
	}
	clock.Set(time.Date(2026, 12, 1, 10, 0, 30, 0, berlin))
	tuesday := "coffee/" + demoCoffee + "/2026-12-01T10:00"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitFor(ctx, func() bool { return strings.Contains(h.logs.String(), "catching up a late run") }); err != nil {
		t.Fatalf("Tuesday's round did not start; logs:\n%s", h.logs.String())
	}
	if problems := h.settingsForm(demoAdmin, "settings.edit#coffee/"+demoCoffee, map[string]string{"day": "WED", "group_size": "3"}); len(problems) > 0 {
		t.Fatalf("changing coffee: %v", problems)
	}
	rounds := h.roundsIn(demoCoffee, 1)
	for _, method := range []string{"users.list", "users.info"} {
		h.fake.SetLatency(method, 0)
	}
	logs := h.logs.String()
	changed := strings.LastIndex(logs, `msg="settings changed in Slack"`)
	ran := strings.Index(logs, "msg=ran component=schedule ritual=coffee channel="+demoCoffee+" key="+tuesday)
	if changed < 0 || ran < changed {
		t.Fatalf("the change did not come while Tuesday's round ran (changed at %d, ran at %d); logs:\n%s", changed, ran, logs)
	}
	pairs := 0
	for _, g := range rounds[0].Groups {
		if len(g.Members) == 2 {
			pairs++
		}
	}
	if len(rounds) != 1 || rounds[0].ID != tuesday || pairs == 0 {
		t.Errorf("Tuesday's round = %+v; want it made as planned, in pairs", rounds)
	}
	clock.Set(time.Date(2026, 12, 2, 10, 0, 30, 0, berlin))
	rounds = h.roundsIn(demoCoffee, 2)
	if len(rounds) != 2 || !strings.HasSuffix(rounds[0].ID, "2026-12-02T10:00") {
		t.Fatalf("rounds = %+v; want Tuesday's and Wednesday's", rounds)
	}
	for _, g := range rounds[0].Groups {
		if len(g.Members) != 3 {
			t.Errorf("Wednesday's round has a group of %d; the change asked for 3", len(g.Members))
		}
	}
}

// An admin added in Slack is an admin everywhere at once: they get icebreaker suggestions to
// approve without a restart.
func TestAnAdminAddedInSlackGetsSuggestions(t *testing.T) {
	h := icebreakerBot(t, newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)), nil)
	h.addAdmin("U05LENA")
	if got := h.command("U03MEI", "icebreaker suggest What was your first concert?"); !strings.Contains(got, "sent your question") {
		t.Fatalf("suggest: %s", got)
	}
	dms := h.botDMs("U05LENA", 2) // the note that made them an admin, then the suggestion
	if body := string(dms[1].Blocks) + dms[1].Text; !strings.Contains(body, "What was your first concert?") {
		t.Errorf("the new admin's second DM = %s", body)
	}
}

// A digest and its reminders, and feedback with its responders, are set up and edited from the
// form; what the form does not show (the digest's questions) is kept.
func TestDigestAndFeedbackForms(t *testing.T) {
	clock := sundayNoon(t)
	h := startBotWith(t, slackfake.Options{}, func(m *Main) {
		m.Now, m.MaxSleep = clock.Now, 10*time.Millisecond
		m.Config.Feedback = []FeedbackConfig{{RitualChannel: RitualChannel{Channel: demoCoffee, Schedule: "0 9 1 * *"}}}
		m.Config.Digest = []DigestConfig{{RitualChannel: RitualChannel{Channel: demoCoffee, Schedule: "0 16 * * FRI", Settings: "slack"},
			CheckinSchedule: "0 10 * * THU", Questions: []CheckinQuestion{{Text: "What made you smile?"}}}}
		m.Config.setDefaults()
	})
	problems := h.settingsForm(demoAdmin, "settings.add#feedback", map[string]string{
		"channel": demoGeneral, "day": "FRI", "time": "15:00", "zone": "Europe/Berlin", "every_weeks": "2",
		"open_for": "3d", "min_answers": "4", "responders": "U02RAJ,U03MEI",
	})
	if len(problems) > 0 {
		t.Fatalf("feedback: %v", problems)
	}
	problems = h.settingsForm(demoAdmin, "settings.edit#digest/"+demoCoffee, map[string]string{"reminders": "6h, 1h", "checkin_day": "WED"})
	if len(problems) > 0 {
		t.Fatalf("digest: %v", problems)
	}
	cfg := h.main.effective()
	fb, _ := entryIn(cfg, "feedback", demoGeneral)
	if f := fb.Interface().(FeedbackConfig); f.MinAnswers != 4 || strings.Join(f.Responders, ",") != "U02RAJ,U03MEI" {
		t.Errorf("feedback set up as %+v", f)
	}
	dg, _ := entryIn(cfg, "digest", demoCoffee)
	d := dg.Interface().(DigestConfig)
	if len(d.Reminders) != 2 || d.Reminders[0] != Duration(6*time.Hour) || len(d.Questions) != 1 || !strings.Contains(d.CheckinSchedule, "WED") {
		t.Errorf("digest changed to %+v", d)
	}
	if next := h.main.Scheduler.Next("digest.checkin", demoCoffee, clock.Now()); next.Weekday() != time.Wednesday {
		t.Errorf("the next check-in is on %v, want a Wednesday", next)
	}
}

// A click on a ritual removed meanwhile (an older Home tab) tells the admin, and echoes nothing
// of the button's value.
func TestStaleSettingsClickIsExplained(t *testing.T) {
	h := settingsBot(t, sundayNoon(t))
	h.home(demoAdmin)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stale := map[string]any{
		"envelope_id": "stale-1", "type": "interactive", "accepts_response_payload": false,
		"payload": map[string]any{
			"type": "block_actions", "team": map[string]any{"id": "T01DEMO"}, "user": map[string]any{"id": demoAdmin},
			"api_app_id": "A01", "trigger_id": "1.2.stale", "container": map[string]any{"type": "view", "view_id": "V0STALE"},
			"view": map[string]any{"id": "V0STALE", "type": "home"},
			"actions": []any{map[string]any{"type": "button", "action_id": "settings.pause#coffee/C0GONE",
				"block_id": "settings/coffee/C0GONE", "value": "coffee/<!channel>", "action_ts": "1.2"}},
		},
	}
	raw, _ := json.Marshal(stale)
	if err := h.fake.SendRaw(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool {
		return strings.Contains(string(h.fake.HomeView(demoAdmin)), "that ritual no longer runs there")
	}); err != nil {
		t.Fatalf("the admin was not told; Home:\n%s\nlogs:\n%s", h.fake.HomeView(demoAdmin), h.logs.String())
	}
	if strings.Contains(string(h.fake.HomeView(demoAdmin)), "<!channel>") {
		t.Error("the button's value was echoed")
	}
}

// Choosing another channel in the form moves the ritual there at once.
func TestEditMovesARitualToAnotherChannel(t *testing.T) {
	h := settingsBot(t, sundayNoon(t))
	h.addAdmin("U02RAJ")
	h.setUpCoffee()
	if problems := h.settingsForm(demoAdmin, "settings.edit#coffee/"+demoCoffee, map[string]string{"channel": demoGeneral}); len(problems) > 0 {
		t.Fatalf("moving coffee: %v", problems)
	}
	if !h.main.Scheduler.Has("coffee", demoGeneral) || h.main.Scheduler.Has("coffee", demoCoffee) {
		t.Error("coffee did not move in the schedule")
	}
	if _, ok, _ := h.main.DB.Settings().Get("coffee", demoCoffee); ok {
		t.Error("the old channel's settings are still stored")
	}
	if rs, ok, _ := h.main.DB.Settings().Get("coffee", demoGeneral); !ok || !strings.Contains(rs.Config, "TUE") {
		t.Errorf("the new channel's settings: %+v, %v", rs, ok)
	}
	dms := h.botDMs("U02RAJ", 3)
	if want := "<@" + demoAdmin + "> moved coffee from <#" + demoCoffee + "> to <#" + demoGeneral + ">: Tuesdays 10:00 Europe/Berlin."; dms[2].Text != want {
		t.Errorf("the other admin was told %q, want %q", dms[2].Text, want)
	}
}
