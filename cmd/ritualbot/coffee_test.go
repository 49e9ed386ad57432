package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/rituals/coffee"
)

// coffeeBot runs the bot with weekly coffee in #general (everyone, plus a guest, a deactivated
// account and a bot) on Mondays 10:00 Berlin time; the clock starts on a Sunday.
func coffeeBot(t *testing.T, clock *virtualClock, edit func(*CoffeeConfig)) *harness {
	t.Helper()
	return startBotWith(t, slackfake.Options{}, func(m *Main) {
		m.Now, m.MaxSleep = clock.Now, 10*time.Millisecond
		c := CoffeeConfig{RitualChannel: RitualChannel{Channel: demoGeneral, Schedule: "CRON_TZ=Europe/Berlin 0 10 * * MON"}}
		if edit != nil {
			edit(&c)
		}
		m.Config.Coffee = []CoffeeConfig{c}
		m.Config.Icebreakers = nil
		m.Config.setDefaults()
	})
}

// latestRound waits for the n-th coffee round in #general and returns it.
func (h *harness) latestRound(n int) coffee.Round {
	h.t.Helper()
	return h.roundIn(demoGeneral, n)
}

// intros waits for one intro in each group's DM and returns them by group id.
func (h *harness) intros(r coffee.Round) map[string]slackfake.Message {
	h.t.Helper()
	out := map[string]slackfake.Message{}
	for _, g := range r.Groups {
		msgs := h.waitBotMessages(func() string { return h.fake.GroupDM(g.Members...) }, 1, func(slackfake.Message) bool { return true })
		out[g.ID] = msgs[0]
	}
	return out
}

// introsDue moves the clock past the time every group's intro waits for (the first good hour for
// all its members) and waits for the intros.
func (h *harness) introsDue(clock *virtualClock, r coffee.Round) map[string]slackfake.Message {
	h.t.Helper()
	last := r.At
	for _, g := range r.Groups {
		if g.IntroAt.After(last) {
			last = g.IntroAt
		}
	}
	if clock.Now().Before(last) {
		clock.Set(last.Add(time.Second))
	}
	return h.intros(r)
}

func grouped(r coffee.Round) []string {
	var ids []string
	for _, g := range r.Groups {
		ids = append(ids, g.Members...)
	}
	slices.Sort(ids)
	return ids
}

var berlin = func() *time.Location { l, _ := time.LoadLocation("Europe/Berlin"); return l }()

func TestCoffeeRoundGroupsTheRightPeople(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 11, 29, 12, 0, 0, 0, berlin))
	h := coffeeBot(t, clock, nil)
	if got := h.command("U04SAM", "coffee pause 2w"); !strings.Contains(got, "Paused until") {
		t.Fatalf("pause: %s", got)
	}
	clock.Set(time.Date(2026, 11, 30, 10, 0, 5, 0, berlin))
	r := h.latestRound(1)
	want := []string{"U01ANA", "U02RAJ", "U03MEI", "U05LENA", "U06JOSE", "U07KOFI", "U08NOOR", "U09ELI"}
	if got := grouped(r); !slices.Equal(got, want) {
		t.Fatalf("grouped %v, want %v (no guest, deactivated account, bot or paused member)", got, want)
	}
	if len(r.Groups) != 4 {
		t.Errorf("8 people in pairs make 4 groups, got %d", len(r.Groups))
	}
	for id, intro := range h.introsDue(clock, r) {
		all := intro.Text + string(intro.Blocks)
		for _, want := range []string{"Coffee time", "Why you", "To get you started", "We met", "Can't make it this time", "it's "} {
			if !strings.Contains(all, want) {
				t.Errorf("intro %s lacks %q: %s", id, want, intro.Blocks)
			}
		}
	}
	if n := h.fake.CallCount("conversations.open"); n != 4 {
		t.Errorf("%d group DMs opened for 4 groups", n)
	}
}

func TestCoffeeOddCountMakesOneTrioAndAnswersDriveFollowUp(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 11, 30, 9, 0, 0, 0, berlin))
	h := coffeeBot(t, clock, func(c *CoffeeConfig) { c.FollowUpAfter = Duration(48 * time.Hour) })
	clock.Set(time.Date(2026, 11, 30, 10, 0, 5, 0, berlin))
	r := h.latestRound(1)
	sizes := map[int]int{}
	for _, g := range r.Groups {
		sizes[len(g.Members)]++
	}
	if sizes[3] != 1 || sizes[2] != 3 || len(r.Alone) != 0 {
		t.Fatalf("9 people: want 3 pairs and one trio, got sizes %v alone %v", sizes, r.Alone)
	}
	intros := h.introsDue(clock, r)
	answered := r.Groups[0]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in := intros[answered.ID]
	if _, err := h.fake.ClickButton(ctx, answered.Members[0], slackfake.Location{Channel: in.Channel, TS: in.TS}, "coffee.met"); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool {
		rs, _ := h.main.DB.Coffee().Rounds(demoGeneral, 1)
		return rs[0].Groups[0].Answer == coffee.AnswerMet
	}); err != nil {
		t.Fatal("the answer was not recorded")
	}
	clock.Set(time.Date(2026, 12, 3, 23, 0, 0, 0, berlin)) // two days after the intros, at a good hour for each group
	for _, g := range r.Groups[1:] {
		msgs := h.waitBotMessages(func() string { return h.fake.GroupDM(g.Members...) }, 2, func(slackfake.Message) bool { return true })
		if !strings.Contains(msgs[1].Text, "Did you get a chance to meet") {
			t.Errorf("follow-up = %q", msgs[1].Text)
		}
	}
	time.Sleep(100 * time.Millisecond)
	for _, m := range h.fake.Messages(in.Channel) {
		if strings.Contains(m.Text, "Did you get a chance") {
			t.Error("a group that answered was followed up")
		}
	}
	// Nothing more after that: another day passes, no second follow-up.
	clock.Advance(24 * time.Hour)
	time.Sleep(100 * time.Millisecond)
	for _, g := range r.Groups[1:] {
		if n := len(h.fake.Messages(h.fake.GroupDM(g.Members...))); n != 2 {
			t.Errorf("group %s got %d messages, want intro and one follow-up", g.ID, n)
		}
	}
}

func TestCoffeePauseUntilDateEndsByItselfAndPreviewSendsNothing(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 11, 29, 12, 0, 0, 0, berlin))
	h := coffeeBot(t, clock, nil)
	if got := h.command("U02RAJ", "coffee pause until 2026-12-01"); !strings.Contains(got, "Paused until") {
		t.Fatalf("pause: %s", got)
	}
	preview := h.command(demoAdmin, "coffee preview")
	if !strings.Contains(preview, "nothing was sent") || strings.Contains(preview, "U02RAJ") {
		t.Errorf("preview: %s", preview)
	}
	if !strings.Contains(preview, "shared working hours") {
		t.Errorf("the preview's reasons should say how the clocks and working hours compare, as the intros do: %s", preview)
	}
	if n := h.fake.CallCount("conversations.open"); n != 0 {
		t.Errorf("preview opened %d conversations", n)
	}
	clock.Set(time.Date(2026, 11, 30, 10, 0, 5, 0, berlin))
	if slices.Contains(grouped(h.latestRound(1)), "U02RAJ") {
		t.Error("a paused person was grouped")
	}
	clock.Set(time.Date(2026, 12, 7, 10, 0, 5, 0, berlin))
	if !slices.Contains(grouped(h.latestRound(2)), "U02RAJ") {
		t.Error("the pause did not end by itself")
	}
	if got := h.command("U02RAJ", "coffee status"); !strings.Contains(got, "you're in") || !strings.Contains(got, "This round you're with") {
		t.Errorf("status: %s", got)
	}
}

func TestCoffeeRepeatedRoundsAvoidRepeatPairs(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 11, 30, 9, 0, 0, 0, berlin))
	h := coffeeBot(t, clock, nil)
	h.command("U09ELI", "coffee leave") // 8 people: 7 rounds can go without a repeat
	met := map[[2]string]int{}
	for round := 1; round <= 7; round++ {
		if got := h.command(demoAdmin, "coffee now"); !strings.Contains(got, "round started") {
			t.Fatalf("coffee now: %s", got)
		}
		r := h.latestRound(round)
		h.answerAll(r)
		for _, g := range r.Groups {
			for i := range g.Members {
				for j := i + 1; j < len(g.Members); j++ {
					met[[2]string{g.Members[i], g.Members[j]}]++
				}
			}
		}
		clock.Advance(7 * 24 * time.Hour)
	}
	for pair, n := range met {
		if n > 1 {
			t.Errorf("%v met %d times in 7 rounds of 8 people", pair, n)
		}
	}
	if len(met) != 28 {
		t.Errorf("8 people over 7 rounds should meet all 28 pairs, met %d", len(met))
	}
}

// answerAll clicks "We met" in every group's intro and waits until each answer is recorded.
func (h *harness) answerAll(r coffee.Round) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for id, in := range h.intros(r) {
		var member string
		for _, g := range r.Groups {
			if g.ID == id {
				member = g.Members[0]
			}
		}
		if _, err := h.fake.ClickButton(ctx, member, slackfake.Location{Channel: in.Channel, TS: in.TS}, "coffee.met"); err != nil {
			h.t.Fatal(err)
		}
	}
	if err := waitFor(ctx, func() bool {
		rs, _ := h.main.DB.Coffee().Rounds(demoGeneral, 1)
		for _, g := range rs[0].Groups {
			if g.Answer == "" {
				return false
			}
		}
		return true
	}); err != nil {
		h.t.Fatal("answers were not recorded")
	}
}

func TestCoffeeThreeIgnoredIntrosPause(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 11, 30, 9, 0, 0, 0, berlin))
	h := coffeeBot(t, clock, nil)
	h.command("U09ELI", "coffee leave")
	for round := 1; round <= 3; round++ {
		h.command(demoAdmin, "coffee now")
		r := h.latestRound(round)
		// Every group answers but Raj's.
		for _, g := range r.Groups {
			if !slices.Contains(g.Members, "U02RAJ") {
				h.answerGroup(r, g)
			}
		}
		clock.Advance(7 * 24 * time.Hour)
	}
	h.command(demoAdmin, "coffee now")
	r := h.latestRound(4)
	if slices.Contains(grouped(r), "U02RAJ") {
		t.Error("someone who ignored three intros in a row was grouped again")
	}
	note := h.botDMs("U02RAJ", 1)[0]
	if !strings.Contains(note.Text, "paused") || !strings.Contains(note.Text, "coffee resume") {
		t.Errorf("pause note = %q", note.Text)
	}
	if got := h.command("U02RAJ", "coffee resume"); !strings.Contains(got, "Welcome back") {
		t.Errorf("resume: %s", got)
	}
}

// answerGroup clicks "We met" for one group and waits until it is recorded.
func (h *harness) answerGroup(r coffee.Round, g coffee.Group) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in := h.waitBotMessages(func() string { return h.fake.GroupDM(g.Members...) }, 1, func(slackfake.Message) bool { return true })[0]
	if _, err := h.fake.ClickButton(ctx, g.Members[0], slackfake.Location{Channel: in.Channel, TS: in.TS}, "coffee.met"); err != nil {
		h.t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool {
		rs, _ := h.main.DB.Coffee().Rounds(demoGeneral, 0)
		for _, rr := range rs {
			for _, gg := range rr.Groups {
				if gg.ID == g.ID {
					return gg.Answer != ""
				}
			}
		}
		return false
	}); err != nil {
		h.t.Fatal("answer not recorded")
	}
}

func TestCoffeeRoundNotRepeatedAfterRestart(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 11, 30, 9, 59, 0, 0, berlin))
	h := coffeeBot(t, clock, nil)
	clock.Set(time.Date(2026, 11, 30, 10, 0, 5, 0, berlin))
	h.introsDue(clock, h.latestRound(1))
	opened := h.fake.CallCount("conversations.open")
	h.shutdown()
	clock.Advance(time.Hour) // restart inside the grace window
	h2 := restartBot(t, h, clock)
	time.Sleep(200 * time.Millisecond)
	if rounds, _ := h2.main.DB.Coffee().Rounds(demoGeneral, 0); len(rounds) != 1 {
		t.Errorf("%d rounds after a restart, want 1", len(rounds))
	}
	if n := h2.fake.CallCount("conversations.open"); n != opened {
		t.Errorf("a restart opened %d more group DMs", n-opened)
	}
}

func TestCoffeeBadInputGetsClearAnswers(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 11, 30, 9, 0, 0, 0, berlin))
	h := coffeeBot(t, clock, nil)
	for text, want := range map[string]string{
		"coffee pause":                   "For how long",
		"coffee pause soon-ish":          "can't read",
		"coffee pause until 2020-01-01":  "already passed",
		"coffee pause until 31/12/2026":  "YYYY-MM-DD",
		"coffee pause 99w":               "more than a year",
		"coffee avoid <@U04SAM|sam>":     "can't avoid yourself",
		"coffee avoid <@U12BOT|deploy>":  "Bots never take part",
		"coffee avoid":                   "Name one person",
		"coffee avoid @nobody":           "couldn't recognise",
		"coffee resume":                  "Welcome back",
		"coffee now":                     "only for the admins",
		"coffee dance":                   "coffee join",
		"coffee avoid <@U03MEI|mei> now": "Name one person",
	} {
		if got := h.command("U04SAM", text); !strings.Contains(got, want) {
			t.Errorf("%q: got %q, want it to mention %q", text, got, want)
		}
	}
	if got := h.command("U04SAM", "coffee pause <!channel>"); strings.Contains(got, "<!channel>") || !strings.Contains(got, "can't read") {
		t.Errorf("typed text echoed unescaped: %s", got)
	}
	if got := h.command("U04SAM", "coffee avoid <@U03MEI|mei>"); !strings.Contains(got, "Nobody else can see this") {
		t.Errorf("avoid: %s", got)
	}
	if strings.Contains(h.command("U03MEI", "coffee status"), "keep apart") {
		t.Error("the avoided person can see the avoid")
	}
	if got := h.command("U04SAM", "coffee status"); !strings.Contains(got, "1 person") {
		t.Errorf("the avoider's status should count it: %s", got)
	}
}

func TestCoffeeLoneParticipantAndChannelWithoutTheBot(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 11, 30, 9, 0, 0, 0, berlin))
	h := coffeeBot(t, clock, func(c *CoffeeConfig) { c.OptIn = true })
	h.command("U05LENA", "coffee join")
	h.command(demoAdmin, "coffee now")
	r := h.latestRound(1)
	if len(r.Groups) != 0 || len(r.Alone) != 1 || r.Alone[0] != "U05LENA" {
		t.Fatalf("one participant: groups %v alone %v", r.Groups, r.Alone)
	}
	if dm := h.botDMs("U05LENA", 1)[0]; !strings.Contains(dm.Text, "nobody to pair you with") {
		t.Errorf("lone participant told: %q", dm.Text)
	}

	// A private channel the bot was never invited to.
	h2 := startBotWith(t, slackfake.Options{}, func(m *Main) {
		m.Config.Icebreakers = nil
		m.Config.Coffee = []CoffeeConfig{{RitualChannel: RitualChannel{Channel: "G07SECRET", Schedule: "0 10 * * MON"}}}
		m.Config.setDefaults()
	})
	h2.fake.AddChannel(slackfake.Channel{ID: "G07SECRET", Name: "secret", Members: []string{"U01ANA", "U02RAJ"}, IsPrivate: true})
	if got := h2.command(demoAdmin, "coffee now"); !strings.Contains(got, "/invite @ritualbot") {
		t.Errorf("coffee in a channel without the bot: %s", got)
	}
}

// previewGroups reads the groups of a "coffee preview" answer, each sorted, in order.
func previewGroups(t *testing.T, preview string) [][]string {
	t.Helper()
	var out [][]string
	for _, line := range strings.Split(preview, "\n") {
		if !strings.HasPrefix(line, "• ") || strings.Contains(line, "nobody to meet") {
			continue
		}
		var ids []string
		for _, part := range strings.Split(line, "<@")[1:] {
			id, _, ok := strings.Cut(part, ">")
			if !ok {
				t.Fatalf("preview line %q", line)
			}
			ids = append(ids, id)
		}
		slices.Sort(ids)
		out = append(out, ids)
	}
	if len(out) == 0 {
		t.Fatalf("no groups in the preview: %s", preview)
	}
	return out
}

func TestCoffeePreviewIsExactlyTheNextRound(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 11, 29, 12, 0, 0, 0, berlin))
	h := coffeeBot(t, clock, nil)
	// Paused through today: away now, back for the next round, so in its preview.
	if got := h.command("U02RAJ", "coffee pause until 2026-11-29"); !strings.Contains(got, "Paused until") {
		t.Fatalf("pause: %s", got)
	}
	for round := 1; round <= 3; round++ {
		preview := previewGroups(t, h.command(demoAdmin, "coffee preview"))
		clock.Set(time.Date(2026, 11, 30+7*(round-1), 10, 0, 5, 0, berlin))
		r := h.latestRound(round)
		var ran [][]string
		for _, g := range r.Groups {
			ran = append(ran, slices.Sorted(slices.Values(g.Members)))
		}
		slices.SortFunc(preview, slices.Compare)
		slices.SortFunc(ran, slices.Compare)
		if !slices.EqualFunc(preview, ran, slices.Equal) {
			t.Fatalf("round %d: the preview showed %v, the round made %v", round, preview, ran)
		}
		h.introsDue(clock, r)
		h.answerAll(r)
	}
}

func TestCoffeeTeamsFromUserGroupsMakeCrossTeamGroups(t *testing.T) {
	const channel = "C0TEAMS"
	clock := newVirtualClock(time.Date(2026, 11, 29, 12, 0, 0, 0, berlin))
	h := coffeeBot(t, clock, func(c *CoffeeConfig) {
		c.Channel = channel
		if err := yaml.Unmarshal([]byte("usergroups"), &c.Teams); err != nil {
			t.Fatal(err)
		}
	})
	// Twelve people in one zone, so that only teams tell groups apart; each team's ids are
	// consecutive, so a grouping blind to teams is unlikely to mix them all.
	team := map[string]string{}
	var everyone []string
	groups := map[string][]string{}
	for i := range 12 {
		id := fmt.Sprintf("U0T%02d", i)
		h.fake.AddUser(slackfake.User{ID: id, RealName: "Person " + id, TZ: "Europe/Berlin"})
		everyone = append(everyone, id)
		name := []string{"design", "eng"}[i/6]
		team[id] = name
		groups[name] = append(groups[name], id)
	}
	h.fake.AddUserGroup(slackfake.UserGroup{Handle: "everyone-product", Users: everyone})
	for name, ids := range groups {
		h.fake.AddUserGroup(slackfake.UserGroup{Handle: name, Users: ids})
	}
	h.fake.AddUserGroup(slackfake.UserGroup{Handle: "old-team", Users: everyone[:2], Disabled: true})
	h.fake.AddChannel(slackfake.Channel{ID: channel, Name: "teams", Members: append(everyone, h.fake.BotUserID())})
	clock.Set(time.Date(2026, 11, 30, 10, 0, 5, 0, berlin))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rounds []coffee.Round
	if err := waitFor(ctx, func() bool {
		rounds, _ = h.main.DB.Coffee().Rounds(channel, 0)
		return len(rounds) == 1
	}); err != nil {
		t.Fatalf("no round in %s\nlogs:\n%s", channel, h.logs.String())
	}
	for _, g := range rounds[0].Groups {
		if team[g.Members[0]] == team[g.Members[1]] {
			t.Errorf("%v are both in %s, though every group could mix the two teams", g.Members, team[g.Members[0]])
		}
	}
	if n := h.fake.CallCount("usergroups.list"); n != 1 {
		t.Errorf("usergroups.list called %d times for one round, want 1", n)
	}
}

func TestCoffeeRoundGoesAheadWhenUserGroupsCannotBeRead(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 11, 29, 12, 0, 0, 0, berlin))
	h := coffeeBot(t, clock, func(c *CoffeeConfig) { c.Teams = TeamsConfig{UserGroups: true} })
	h.fake.ErrorNext("usergroups.list", 1, "missing_scope") // the app was installed before teams were configured
	clock.Set(time.Date(2026, 11, 30, 10, 0, 5, 0, berlin))
	if r := h.latestRound(1); len(r.Groups) == 0 {
		t.Fatalf("no groups: %+v", r)
	}
	if !strings.Contains(h.logs.String(), "missing_scope") {
		t.Errorf("the failure to read teams was not logged:\n%s", h.logs.String())
	}
}
