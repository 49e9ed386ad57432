package main

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/rituals/coffee"
)

// timeChannel is a channel of a few members of the demo team in different zones.
const timeChannel = "C0TIME"

// zonesOf is each demo member's zone.
var zonesOf = func() map[string]*time.Location {
	out := map[string]*time.Location{}
	for _, u := range demoTeam {
		if loc, err := time.LoadLocation(u.TZ); err == nil {
			out[u.ID] = loc
		}
	}
	return out
}()

// timeBot runs coffee in a channel of members only, on Mondays 10:00 Berlin time, with the clock
// at start and the emulator judging "today" by the same clock.
func timeBot(t *testing.T, clock *virtualClock, members []string, edit func(*CoffeeConfig)) *harness {
	t.Helper()
	h := startBotWith(t, slackfake.Options{Now: clock.Now}, func(m *Main) {
		m.Now, m.MaxSleep = clock.Now, 10*time.Millisecond
		c := CoffeeConfig{RitualChannel: RitualChannel{Channel: timeChannel, Schedule: "CRON_TZ=Europe/Berlin 0 10 * * MON"}, GroupSize: len(members)}
		if edit != nil {
			edit(&c)
		}
		m.Config.Coffee = []CoffeeConfig{c}
		m.Config.Icebreakers = nil
		m.Config.setDefaults()
	})
	h.fake.AddChannel(slackfake.Channel{ID: timeChannel, Name: "time", Members: append([]string{h.fake.BotUserID()}, members...)})
	return h
}

// roundIn waits for the n-th coffee round in channel and returns it.
func (h *harness) roundIn(channel string, n int) coffee.Round {
	h.t.Helper()
	return h.roundsIn(channel, n)[0]
}

// slotButton is a "This works" button of an intro.
type slotButton struct {
	ActionID string
	At       time.Time
}

// slotButtons reads the "This works" buttons of an intro.
func slotButtons(t *testing.T, m slackfake.Message) []slotButton {
	t.Helper()
	var blocks []struct {
		Accessory struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"accessory"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatalf("intro blocks: %v", err)
	}
	var out []slotButton
	for _, b := range blocks {
		if !strings.HasPrefix(b.Accessory.ActionID, "coffee.slot.") {
			continue
		}
		parts := strings.Split(b.Accessory.Value, "|")
		unix, err := strconv.ParseInt(parts[len(parts)-1], 10, 64)
		if err != nil {
			t.Fatalf("slot button value %q", b.Accessory.Value)
		}
		out = append(out, slotButton{ActionID: b.Accessory.ActionID, At: time.Unix(unix, 0)})
	}
	return out
}

// workingAt reports whether [at, at+d) lies in user's hours, given as "HH:MM" from and to on
// Monday to Friday in their zone.
func workingAt(user string, at time.Time, d time.Duration, from, to int) bool {
	local := at.In(zonesOf[user])
	mins := local.Hour()*60 + local.Minute()
	return local.Weekday() >= time.Monday && local.Weekday() <= time.Friday && mins >= from*60 && mins+int(d/time.Minute) <= to*60
}

// transcriptLine returns the transcript entry in channel whose text contains want.
func (h *harness) transcriptLine(channel, want string) string {
	h.t.Helper()
	for _, e := range h.fake.Transcript() {
		if e.ChannelID == channel && strings.Contains(e.Text, want) {
			return e.Text
		}
	}
	h.t.Fatalf("no transcript entry in %s contains %q", channel, want)
	return ""
}

func TestCoffeeIntroWaitsForAGoodHourInTokyoBerlinAndNewYork(t *testing.T) {
	mei, lena, eli := "U03MEI", "U05LENA", "U09ELI"
	clock := newVirtualClock(time.Date(2026, 11, 29, 12, 0, 0, 0, berlin))
	h := timeBot(t, clock, []string{mei, lena, eli}, nil)
	clock.Set(time.Date(2026, 11, 30, 10, 0, 5, 0, berlin)) // 18:00 in Tokyo, 04:00 in New York
	r := h.roundIn(timeChannel, 1)
	if len(r.Groups) != 1 {
		t.Fatalf("three people in trios: %d groups", len(r.Groups))
	}
	g := r.Groups[0]
	at := g.IntroAt
	everyone := true
	for _, id := range g.Members {
		everyone = everyone && workingAt(id, at, 30*time.Minute, 9, 17)
		if h := at.In(zonesOf[id]).Hour(); h < 7 || h >= 22 {
			t.Errorf("the intro goes out at %s for %s: night", at.In(zonesOf[id]).Format("Mon 15:04"), id)
		}
	}
	if ny := at.In(zonesOf[eli]); !everyone && (ny.Hour() < 7 || ny.Hour() >= 12) {
		t.Errorf("the intro goes out at %s in New York: neither inside everyone's hours nor in the morning of whoever is latest", ny.Format("Mon 15:04"))
	}

	if got := h.command(eli, "coffee status"); !strings.Contains(got, "Your intro arrives <!date^"+strconv.FormatInt(at.Unix(), 10)) {
		t.Errorf("status does not say when the intro arrives: %s", got)
	}
	// Nothing before that time, however long the bot runs.
	clock.Set(at.Add(-time.Minute))
	time.Sleep(200 * time.Millisecond)
	if dm := h.fake.GroupDM(g.Members...); dm != "" && len(h.fake.Messages(dm)) > 0 {
		t.Fatalf("the intro went out before %s", at)
	}
	clock.Set(at.Add(time.Second))
	intro := h.waitBotMessages(func() string { return h.fake.GroupDM(g.Members...) }, 1, func(slackfake.Message) bool { return true })[0]

	// No shared hours: said kindly, with the least bad time, who stretches, and the async way.
	text := h.transcriptLine(intro.Channel, "Coffee time")
	for _, want := range []string{"don't overlap", "early for @", "late for @", "async", "clocks 14 h apart", "no shared working hours", "it's 07:00 for them"} {
		if !strings.Contains(text, want) {
			t.Errorf("intro lacks %q:\n%s", want, text)
		}
	}
	// Each reader sees the proposed time in their own clock.
	slots := slotButtons(t, intro)
	if len(slots) != 1 {
		t.Fatalf("want one least bad slot, got %v", slots)
	}
	for _, id := range g.Members {
		name := h.fake.UserName(id)
		want := slots[0].At.In(zonesOf[id]).Format("15:04") + " (" + name
		if !strings.Contains(text, want) && !strings.Contains(text, ", "+name) {
			t.Errorf("the slot is not shown in %s's clock (%s):\n%s", name, want, text)
		}
	}
}

func TestCoffeeSlotsInsideEveryonesHoursAcrossDSTAndThisWorks(t *testing.T) {
	lena, eli := "U05LENA", "U09ELI"
	// Friday 23 Oct 2026: Europe leaves summer time on the 25th, New York on 1 Nov.
	clock := newVirtualClock(time.Date(2026, 10, 23, 11, 0, 0, 0, berlin))
	h := timeBot(t, clock, []string{lena, eli}, nil)
	h.command(demoAdmin, "coffee now")
	r := h.roundIn(timeChannel, 1)
	intro := h.waitBotMessages(func() string { return h.fake.GroupDM(r.Groups[0].Members...) }, 1, func(slackfake.Message) bool { return true })[0]
	slots := slotButtons(t, intro)
	if len(slots) < 2 {
		t.Fatalf("want two or three slots, got %v", slots)
	}
	var days []string
	for _, s := range slots {
		for _, id := range []string{lena, eli} {
			if !workingAt(id, s.At, 30*time.Minute, 9, 17) {
				t.Errorf("slot %s is outside %s's working hours (%s there)", s.At.UTC(), id, s.At.In(zonesOf[id]).Format("Mon 15:04 MST"))
			}
		}
		days = append(days, s.At.In(zonesOf[lena]).Format("Mon 2 Jan"))
	}
	if !slices.ContainsFunc(slots, func(s slotButton) bool { return s.At.After(time.Date(2026, 10, 25, 3, 0, 0, 0, time.UTC)) }) {
		t.Errorf("no slot after Europe's clock change: %v", days)
	}
	text := h.transcriptLine(intro.Channel, "Coffee time")
	if !strings.Contains(text, "Times inside everyone's working hours") || !strings.Contains(text, "(lena)") || !strings.Contains(text, "(eli)") {
		t.Errorf("slots not shown in each reader's clock:\n%s", text)
	}

	// Eli picks the second slot: everyone in the group sees it, in their own clock.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.fake.ClickButton(ctx, eli, slackfake.Location{Channel: intro.Channel, TS: intro.TS}, slots[1].ActionID); err != nil {
		t.Fatal(err)
	}
	h.waitBotMessages(func() string { return intro.Channel }, 2, func(slackfake.Message) bool { return true })
	picked := h.transcriptLine(intro.Channel, "picked")
	for _, want := range []string{"@eli picked", slots[1].At.In(zonesOf[lena]).Format("15:04") + " (lena)", slots[1].At.In(zonesOf[eli]).Format("15:04") + " (eli)"} {
		if !strings.Contains(picked, want) {
			t.Errorf("the choice lacks %q: %s", want, picked)
		}
	}
	if g := h.roundIn(timeChannel, 1).Groups[0]; !g.Slot.Equal(slots[1].At) || g.SlotBy != eli {
		t.Errorf("choice not recorded: %v by %s", g.Slot, g.SlotBy)
	}
	if got := h.command(lena, "coffee status"); !strings.Contains(got, "You meet <!date^"+strconv.FormatInt(slots[1].At.Unix(), 10)) || !strings.Contains(got, "picked by <@"+eli+">") {
		t.Errorf("status does not say when they meet: %s", got)
	}
}

func TestCoffeeHoursChangeTakesEffectNextRound(t *testing.T) {
	lena, sam := "U05LENA", "U04SAM"
	clock := newVirtualClock(time.Date(2026, 11, 29, 12, 0, 0, 0, berlin))
	h := timeBot(t, clock, []string{lena, sam}, nil)
	clock.Set(time.Date(2026, 11, 30, 10, 0, 5, 0, berlin)) // 09:00 in London: both at work
	if at := h.roundIn(timeChannel, 1).Groups[0].IntroAt; at.Sub(time.Date(2026, 11, 30, 10, 0, 5, 0, berlin)).Abs() > time.Second {
		t.Errorf("first round: intro at %s, want at once", at)
	}
	for text, want := range map[string]string{
		"coffee hours 17:00-09:00":     "past midnight",
		"coffee hours 9am to 5pm":      "can't read",
		"coffee hours 13:00-17:00 xyz": "not a day I know",
		"coffee hours <!channel>":      "can't read",
		"coffee hours":                 "09:00–17:00 Mon–Fri (the default)",
	} {
		got := h.command(lena, text)
		if !strings.Contains(got, want) || strings.Contains(got, "<!channel>") {
			t.Errorf("%q: %q, want it to say %q", text, got, want)
		}
	}
	if got := h.command(lena, "coffee hours 13:00-17:00 mon-thu"); !strings.Contains(got, "13:00–17:00 Mon–Thu (set by you)") || !strings.Contains(got, "next round") {
		t.Fatalf("setting hours: %s", got)
	}
	clock.Set(time.Date(2026, 12, 7, 10, 0, 5, 0, berlin))
	if at, want := h.roundIn(timeChannel, 2).Groups[0].IntroAt, time.Date(2026, 12, 7, 13, 0, 0, 0, berlin); !at.Equal(want) {
		t.Errorf("after the change: intro at %s, want %s (13:00 for Lena)", at, want)
	}
	data, err := h.main.DB.PersonData(lena)
	if err != nil || data.CoffeeHours == nil {
		t.Fatalf("mydata lacks the hours: %v %v", data.CoffeeHours, err)
	}
	if _, err := h.main.DB.Forget(lena); err != nil {
		t.Fatal(err)
	}
	if hours, _ := h.main.DB.Coffee().Hours([]string{lena}); len(hours) != 0 {
		t.Errorf("forget left the hours: %v", hours)
	}
	h.command(lena, "coffee hours 07:00-15:00")
	if got := h.command(lena, "coffee hours default"); !strings.Contains(got, "09:00–17:00 Mon–Fri (the default)") {
		t.Errorf("back to the default: %s", got)
	}
}

func TestCoffeeHoursOnTheHomeTab(t *testing.T) {
	lena, sam := "U05LENA", "U04SAM"
	clock := newVirtualClock(time.Date(2026, 11, 29, 12, 0, 0, 0, berlin))
	h := timeBot(t, clock, []string{lena, sam}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.fake.OpenHome(ctx, lena); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool { return strings.Contains(string(h.fake.HomeView(lena)), "Your working hours") }); err != nil {
		t.Fatalf("home: %s", h.fake.HomeView(lena))
	}
	if _, err := h.fake.ClickButton(ctx, lena, slackfake.Location{Home: true}, "coffee.home.hours"); err != nil {
		t.Fatal(err)
	}
	var viewID string
	if err := waitFor(ctx, func() bool { viewID, _ = h.fake.OpenView(lena); return viewID != "" }); err != nil {
		t.Fatal("no working hours form")
	}
	ack, err := h.fake.SubmitView(ctx, lena, viewID, map[string]string{"coffee.hours.input": "18:00-08:00"})
	if err != nil || !strings.Contains(string(ack.Payload), "past midnight") {
		t.Fatalf("a mistake in the form: %s %v", ack.Payload, err)
	}
	if _, err := h.fake.SubmitView(ctx, lena, viewID, map[string]string{"coffee.hours.input": "08:00-16:00 mon-thu"}); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool { return strings.Contains(string(h.fake.HomeView(lena)), "08:00–16:00 Mon–Thu") }); err != nil {
		t.Errorf("home after saving: %s", h.fake.HomeView(lena))
	}
}

func TestCoffeeGroupDMMessageStopsTheSilencePause(t *testing.T) {
	lena, sam := "U05LENA", "U04SAM"
	clock := newVirtualClock(time.Date(2026, 11, 30, 11, 0, 0, 0, berlin))
	h := timeBot(t, clock, []string{lena, sam}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for round := 1; round <= 3; round++ {
		h.command(demoAdmin, "coffee now")
		r := h.roundIn(timeChannel, round)
		intro := h.waitBotMessages(func() string { return h.fake.GroupDM(r.Groups[0].Members...) }, round, func(m slackfake.Message) bool { return strings.Contains(m.Text, "Coffee time") })[round-1]
		dm := intro.Channel
		if err := waitFor(ctx, func() bool { _, ok, _ := h.main.DB.Lookup(r.Groups[0].IntroKey); return ok }); err != nil {
			t.Fatalf("round %d: the intro was not recorded as delivered", round)
		}
		if round == 1 {
			// The bot's own message in the group DM is no answer.
			if _, err := h.fake.SendEvent(ctx, h.fake.MessageEvent(dm, intro.TS), slackfake.EventOptions{}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
			if h.roundIn(timeChannel, 1).Groups[0].Talked {
				t.Fatal("the bot's own intro counted as the group talking")
			}
		}
		// They agree on a time in the group DM, and never press a button.
		ts, err := h.fake.PostAs(sam, dm, "", "Thursday 3pm my time works!")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.fake.SendEvent(ctx, h.fake.MessageEvent(dm, ts), slackfake.EventOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := waitFor(ctx, func() bool { return h.roundIn(timeChannel, round).Groups[0].Talked }); err != nil {
			t.Fatalf("round %d: the message did not count\nlogs:\n%s", round, h.logs.String())
		}
		clock.Advance(7 * 24 * time.Hour)
	}
	h.command(demoAdmin, "coffee now")
	if got := grouped(h.roundIn(timeChannel, 4)); !slices.Equal(got, []string{sam, lena}) && !slices.Equal(got, []string{lena, sam}) {
		t.Errorf("a group that talked in its DM was paused: round 4 groups %v", got)
	}
}

func TestCoffeePauseAfterIgnoredIsConfigurable(t *testing.T) {
	lena, sam := "U05LENA", "U04SAM"
	clock := newVirtualClock(time.Date(2026, 11, 30, 11, 0, 0, 0, berlin))
	h := timeBot(t, clock, []string{lena, sam}, func(c *CoffeeConfig) { c.PauseAfterIgnored = new(1) })
	h.command(demoAdmin, "coffee now")
	h.roundIn(timeChannel, 1)
	clock.Advance(7 * 24 * time.Hour)
	h.command(demoAdmin, "coffee now")
	if r := h.roundIn(timeChannel, 2); len(r.Groups) != 0 {
		t.Errorf("pause_after_ignored: 1 still grouped a silent pair: %v", r.Groups)
	}
}

func TestCoffeeIntroWaitingForItsHourSurvivesARestartAndGoesOnce(t *testing.T) {
	mei, eli := "U03MEI", "U09ELI"
	clock := newVirtualClock(time.Date(2026, 11, 29, 12, 0, 0, 0, berlin))
	h := timeBot(t, clock, []string{mei, eli}, nil)
	clock.Set(time.Date(2026, 11, 30, 10, 0, 5, 0, berlin)) // 18:00 in Tokyo, 04:00 in New York
	g := h.roundIn(timeChannel, 1).Groups[0]
	if !g.IntroAt.After(clock.Now().Add(time.Hour)) {
		t.Fatalf("the intro should wait for a good hour, not go at %s", g.IntroAt)
	}
	h.shutdown()
	clock.Set(g.IntroAt.Add(time.Hour)) // the bot was down when the intro fell due
	h2 := restartBot(t, h, clock)
	intro := h2.waitBotMessages(func() string { return h2.fake.GroupDM(g.Members...) }, 1, func(slackfake.Message) bool { return true })[0]
	clock.Advance(2 * time.Hour)
	time.Sleep(200 * time.Millisecond)
	if n := len(h2.fake.Messages(intro.Channel)); n != 1 {
		t.Errorf("%d messages in the group DM, want the intro once", n)
	}
	if n := h2.fake.CallCount("conversations.open"); n != 1 {
		t.Errorf("conversations.open called %d times, want once", n)
	}
}
