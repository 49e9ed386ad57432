package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/store"
)

// demoTeam is the simulated workspace of the demo and the end-to-end tests: people in several time
// zones, plus the accounts a real workspace has that rituals must leave out.
var demoTeam = []slackfake.User{
	{ID: "U01ANA", Name: "ana", RealName: "Ana Souza", TZ: "America/Sao_Paulo", IsAdmin: true},
	{ID: "U02RAJ", Name: "raj", RealName: "Raj Patel", TZ: "Asia/Kolkata"},
	{ID: "U03MEI", Name: "mei", RealName: "Mei Tanaka", TZ: "Asia/Tokyo"},
	{ID: "U04SAM", Name: "sam", RealName: "Sam Okafor", TZ: "Europe/London"},
	{ID: "U05LENA", Name: "lena", RealName: "Lena Fischer", TZ: "Europe/Berlin"},
	{ID: "U06JOSE", Name: "jose", RealName: "José García", TZ: "America/Mexico_City"},
	{ID: "U07KOFI", Name: "kofi", RealName: "Kofi Mensah", TZ: "Africa/Accra"},
	{ID: "U08NOOR", Name: "noor", RealName: "Noor Haddad", TZ: "Asia/Dubai"},
	{ID: "U09ELI", Name: "eli", RealName: "Eli Cohen", TZ: "America/New_York"},
	{ID: "U10GUEST", Name: "gwen", RealName: "Gwen (contractor)", TZ: "Europe/Dublin", IsRestricted: true},
	{ID: "U11GONE", Name: "oldtimer", RealName: "Former Colleague", TZ: "Europe/Paris", Deleted: true},
	{ID: "U12BOT", Name: "deploybot", RealName: "Deploy Bot", TZ: "UTC", IsBot: true},
}

// Channel ids of the demo workspace.
const (
	demoGeneral = "C01GENERAL"
	demoCoffee  = "C02COFFEE"
)

// demoAdmin is the admin of the demo configuration.
const demoAdmin = "U01ANA"

// newDemoWorkspace starts the emulator with the demo team: everyone in #general, most in #coffee,
// the bot in both.
func newDemoWorkspace(opts slackfake.Options) (*slackfake.Server, error) {
	fake, err := slackfake.New(opts)
	if err != nil {
		return nil, err
	}
	var everyone []string
	for _, u := range demoTeam {
		fake.AddUser(u)
		everyone = append(everyone, u.ID)
	}
	fake.AddChannel(slackfake.Channel{ID: demoGeneral, Name: "general", Members: append(everyone, fake.BotUserID())})
	fake.AddChannel(slackfake.Channel{ID: demoCoffee, Name: "coffee", Members: append(everyone[:9:9], fake.BotUserID())})
	return fake, nil
}

// baseConfig is a configuration for the demo workspace with no ritual, pointed at the emulator.
func baseConfig(apiURL, dbPath string) (*Config, error) {
	cfg, err := ParseConfig(strings.NewReader(""), false)
	if err != nil {
		return nil, err
	}
	cfg.Slack.APIURL = apiURL
	cfg.Store.Path = dbPath
	cfg.Timezone = "Europe/Berlin"
	cfg.Admins = []string{demoAdmin}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// demoConfig is the configuration the demo bot starts with, pointed at the emulator: every ritual
// but coffee, which the admin sets up on the Home tab (setUpCoffee).
func demoConfig(apiURL, dbPath string) (*Config, error) {
	cfg, err := baseConfig(apiURL, dbPath)
	if err != nil {
		return nil, err
	}
	cfg.Icebreakers = []IcebreakerConfig{{RitualChannel: RitualChannel{Channel: demoGeneral, Schedule: "CRON_TZ=America/New_York 0 11 * * WED"}}}
	cfg.Feedback = []FeedbackConfig{{RitualChannel: RitualChannel{Channel: demoGeneral, Schedule: "CRON_TZ=Europe/Berlin 0 11 1,15 * *"}, MinAnswers: 3}}
	cfg.Digest = []DigestConfig{{
		RitualChannel:   RitualChannel{Channel: demoGeneral, Schedule: "CRON_TZ=Europe/Berlin 0 16 * * FRI"},
		CheckinSchedule: "CRON_TZ=Europe/Berlin 0 10 * * THU",
	}}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	verbose := fs.Bool("v", false, "also print the bot's own log")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	logLevel := slog.LevelWarn
	if *verbose {
		logLevel = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel}))

	// The charts the bot uploads stay after the demo, for a look: the transcript gives each path.
	chartsDir, err := os.MkdirTemp("", "ritualbot-demo-charts-")
	if err != nil {
		return err
	}
	clock := newVirtualClock(demoStart)
	fake, err := newDemoWorkspace(slackfake.Options{Logger: logger.With("component", "slackfake"), FilesDir: chartsDir, Now: clock.Now})
	if err != nil {
		return err
	}
	defer fake.Close()
	dir, err := os.MkdirTemp("", "ritualbot-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg, err := demoConfig(fake.APIURL(), filepath.Join(dir, "demo.db"))
	if err != nil {
		return err
	}
	// The bot's token gets exactly the scopes its manifest grants (no im:history: feedback is on).
	fake.SetScopes(buildManifest(cfg).OAuthConfig.Scopes.Bot)
	m := &Main{Config: cfg, Logger: logger, BotToken: fake.BotToken(), AppToken: fake.AppToken(), Now: clock.Now, MaxSleep: 10 * time.Millisecond}
	if err := m.Open(); err != nil {
		return err
	}
	defer m.Close()
	if m.Feedback != nil {
		// Released answers are shuffled from a fixed seed here only, so two runs print the same
		// transcript; the bot itself always shuffles with crypto/rand.
		m.Feedback.ShuffleSource = rand.NewChaCha8([32]byte{'r', 'i', 't', 'u', 'a', 'l'})
	}

	runCtx, stop := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- m.Run(runCtx) }()

	scriptErr := playDemo(ctx, &demo{fake: fake, clock: clock, db: m.DB})
	stop()
	if err := <-runErr; err != nil {
		return err
	}
	fmt.Fprintln(stdout, "ritualbot demo — what each person saw in the simulated Slack workspace")
	fmt.Fprintln(stdout, "=====================================================================")
	if err := fake.WriteTranscript(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "demo: the charts the bot uploaded are in %s\n", chartsDir)
	return scriptErr
}

// demoStart is when the demo's simulated weeks begin: a Monday morning in Berlin.
var demoStart = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

// demo is the scripted session: the emulated workspace and the bot's clock.
type demo struct {
	fake  *slackfake.Server
	clock *virtualClock
	db    *store.DB
}

// playDemo plays the script: people use the slash command and the Home tab, then weeks of rituals
// pass on the bot's clock.
func playDemo(ctx context.Context, d *demo) error {
	ctx, cancel := context.WithTimeout(ctx, 100*time.Second)
	defer cancel()
	if err := d.fake.WaitConnected(ctx); err != nil {
		return fmt.Errorf("the bot did not connect to the emulator: %w", err)
	}
	d.chapter("Getting to know the bot")
	for _, c := range []struct{ user, text string }{
		{"U02RAJ", "help"}, {"U03MEI", "dance"}, {"U04SAM", "status"}, {demoAdmin, "status"},
	} {
		if err := d.command(ctx, c.user, c.text); err != nil {
			return err
		}
	}
	if _, err := d.fake.OpenHome(ctx, "U05LENA"); err != nil {
		return fmt.Errorf("open Home tab: %w", err)
	}
	if err := waitFor(ctx, func() bool { return d.fake.HomeView("U05LENA") != nil }); err != nil {
		return fmt.Errorf("Home tab not published: %w", err)
	}
	if err := d.setUpCoffee(ctx); err != nil {
		return err
	}
	return d.weeks(ctx)
}

// chapter writes a heading into the transcript.
func (d *demo) chapter(title string) {
	d.fake.RecordNote(fmt.Sprintf("%s (%s)", title, d.clock.Now().In(time.UTC).Format("Mon 2 Jan 2006 15:04 MST")))
}

// command types a slash command (in #general unless a channel is given) and waits for the answer.
func (d *demo) command(ctx context.Context, user, text string, channel ...string) error {
	where := demoGeneral
	if len(channel) > 0 {
		where = channel[0]
	}
	before := len(d.fake.Ephemerals(user))
	if _, err := d.fake.SlashCommand(ctx, user, where, "/ritual", text); err != nil {
		return fmt.Errorf("/ritual %s: %w", text, err)
	}
	if err := waitFor(ctx, func() bool { return len(d.fake.Ephemerals(user)) > before }); err != nil {
		return fmt.Errorf("no answer to /ritual %s: %w", text, err)
	}
	return nil
}

// botMessages waits until the bot has written n messages in channel and returns them.
func (d *demo) botMessages(ctx context.Context, channel func() string, n int) ([]slackfake.Message, error) {
	var got []slackfake.Message
	err := waitFor(ctx, func() bool {
		got = got[:0]
		if ch := channel(); ch != "" {
			for _, m := range d.fake.Messages(ch) {
				if m.User == d.fake.BotUserID() {
					got = append(got, m)
				}
			}
		}
		return len(got) >= n
	})
	return got, err
}

func inChannel(id string) func() string { return func() string { return id } }

// weeks plays two weeks of every ritual: coffee on Mondays in #coffee; in #general an anonymous
// feedback prompt, the icebreaker, check-ins at each person's 10:00, kudos and the digest.
func (d *demo) weeks(ctx context.Context) error {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		return err
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return err
	}
	answers := [][]struct{ user, text string }{
		{{"U02RAJ", "Cardamom and ginger when the chai starts to boil."}, {"U03MEI", "Rain on hot pavement <3"}, {"U06JOSE", "Fresh tortillas from the place around the corner."}},
		{{"U07KOFI", "A 900-page fantasy novel. I will finish it this winter!"}, {"U05LENA", "Ulysses. No, I won't try again."}, {"U08NOOR", "A cookbook... does that count?"}, {"U09ELI", "War and Peace, twice. Third time lucky?"}},
	}
	posts := 0 // bot messages in #general so far
	for week := range 2 {
		monday := time.Date(2026, 11, 30, 10, 0, 5, 0, berlin).AddDate(0, 0, 7*week)
		d.turnTo(monday, fmt.Sprintf("Week %d: Monday 10:00 in Berlin — coffee groups are planned in #coffee; each intro waits for the first hour that suits everyone in it, so they arrive through the day", week+1))
		round, err := d.coffeeRound(ctx, week+1)
		if err != nil {
			return err
		}
		if week == 0 {
			if err := d.meetingTimes(ctx, round); err != nil {
				return err
			}
		} else {
			for i, g := range round.Groups[:min(2, len(round.Groups))] {
				if err := d.answerCoffee(ctx, g, i != 1); err != nil {
					return err
				}
			}
		}

		if week == 0 {
			d.turnTo(time.Date(2026, 12, 1, 11, 0, 5, 0, berlin), "Week 1: an anonymous feedback prompt goes to everyone in #general (below, each person's own screen: the form thanks whoever answers, and nothing in their DM changes, so nobody can tell who answered)")
			if err := d.feedbackAnswers(ctx, 1, []string{"U04SAM", "U07KOFI"}, []string{
				"Standups run long; could we keep them to 15 minutes?",
				"I'd love more written decisions so I can catch up after time off.",
			}); err != nil {
				return err
			}
		} else {
			d.chapter("Week 2: the admin asks for feedback again and releases it")
			if err := d.command(ctx, demoAdmin, "feedback now"); err != nil {
				return err
			}
			if err := d.feedbackAnswers(ctx, 2, []string{"U03MEI", "U06JOSE", "U09ELI"}, []string{
				"The new on-call handbook helped a lot.",
				"Please rotate who presents at the monthly demo.",
				"Retros feel safe. Thank you for that.",
			}); err != nil {
				return err
			}
			if err := d.note(ctx, "U08NOOR", "Could the Friday demo move earlier for those of us in Asia?"); err != nil {
				return err
			}
			if err := d.command(ctx, demoAdmin, "feedback release"); err != nil {
				return err
			}
			posts++
			release, err := d.botMessages(ctx, inChannel(demoGeneral), posts)
			if err != nil {
				return fmt.Errorf("no release: %w", err)
			}
			if err := d.respond(ctx, release[len(release)-1], "You said standups run long: from Monday they are 15 minutes, hard stop."); err != nil {
				return err
			}
			posts++
		}

		if week == 0 {
			d.walkTo(firstFollowUp(round).Add(-time.Minute))
			d.chapter("Week 1: a day and a half after each intro, the coffee groups are asked once whether they met, each at a good hour for them (one group's comes on Thursday)")
			for _, g := range round.Groups {
				if !g.FollowUpAt.Before(icebreakerAt(ny, week)) {
					continue
				}
				d.walkTo(g.FollowUpAt.Add(time.Second))
				if _, err := d.botMessages(ctx, func() string { return d.fake.GroupDM(g.Members...) }, 2); err != nil {
					return fmt.Errorf("no follow-up: %w", err)
				}
			}
		}
		d.turnTo(icebreakerAt(ny, week), fmt.Sprintf("Week %d: the icebreaker goes out in #general", week+1))
		posts++
		msgs, err := d.botMessages(ctx, inChannel(demoGeneral), posts)
		if err != nil {
			return fmt.Errorf("week %d: no icebreaker: %w", week+1, err)
		}
		for _, r := range answers[week] {
			if _, err := d.fake.PostAs(r.user, demoGeneral, msgs[len(msgs)-1].TS, r.text); err != nil {
				return err
			}
		}

		// Thursday's check-ins reach each zone at its own 10:00: let the hours pass one by one.
		d.chapter(fmt.Sprintf("Week %d: Thursday — check-ins at 10:00 in each person's zone; the icebreaker closes", week+1))
		d.walkTo(time.Date(2026, 12, 3, 11, 0, 5, 0, ny).AddDate(0, 0, 7*week))
		posts++
		if _, err := d.botMessages(ctx, inChannel(demoGeneral), posts); err != nil {
			return fmt.Errorf("week %d: the icebreaker was not closed: %w", week+1, err)
		}
		if week == 0 {
			if err := d.checkins(ctx); err != nil {
				return err
			}
			d.turnTo(time.Date(2026, 12, 4, 11, 0, 5, 0, berlin), "Week 1: the feedback prompt closes with too few answers to show")
			posts++
			if _, err := d.botMessages(ctx, inChannel(demoGeneral), posts); err != nil {
				return fmt.Errorf("no held notice: %w", err)
			}
			d.turnTo(time.Date(2026, 12, 4, 16, 0, 5, 0, berlin), "Week 1: Friday 16:00 — the weekly digest")
			posts++
			if _, err := d.botMessages(ctx, inChannel(demoGeneral), posts); err != nil {
				return fmt.Errorf("no digest: %w", err)
			}
			// In its thread: the table of the last weeks, then the charts of the same numbers.
			posts += 2
			if _, err := d.botMessages(ctx, inChannel(demoGeneral), posts); err != nil {
				return fmt.Errorf("no charts under the digest: %w", err)
			}
		} else {
			if err := d.suggestion(ctx); err != nil {
				return err
			}
			if err := d.command(ctx, demoAdmin, "icebreaker now"); err != nil {
				return err
			}
			posts++
			if _, err := d.botMessages(ctx, inChannel(demoGeneral), posts); err != nil {
				return fmt.Errorf("the approved question was not asked: %w", err)
			}
		}
	}
	d.chapter("The admin looks at the figures")
	if err := d.command(ctx, demoAdmin, "coffee stats", demoCoffee); err != nil {
		return err
	}
	uploaded := len(d.fake.Files())
	if err := d.command(ctx, demoAdmin, "stats all"); err != nil {
		return err
	}
	if err := waitFor(ctx, func() bool { return len(d.fake.Files()) > uploaded }); err != nil {
		return fmt.Errorf("no charts after stats: %w", err)
	}
	return d.command(ctx, demoAdmin, "icebreaker list", demoGeneral)
}

// icebreakerAt is when the icebreaker goes out in the demo's week.
func icebreakerAt(ny *time.Location, week int) time.Time {
	return time.Date(2026, 12, 2, 11, 0, 5, 0, ny).AddDate(0, 0, 7*week)
}

// turnTo walks the clock to just before at, writes the chapter title, then walks on to at: what
// happens at that time comes under its title.
func (d *demo) turnTo(at time.Time, title string) {
	d.walkTo(at.Add(-10 * time.Second))
	d.chapter(title)
	d.walkTo(at)
}

// walkTo moves the clock to at an hour at a time, and at each step waits until the bot has done
// what fell due (nothing left due, nothing left to send), as a running bot would live through the
// hours; the clock never goes back.
func (d *demo) walkTo(at time.Time) {
	for now := d.clock.Now(); now.Before(at); now = d.clock.Now() {
		next := now.Add(time.Hour)
		if next.After(at) {
			next = at
		}
		d.clock.Set(next)
		d.settle()
	}
}

// settle gives the scheduler a moment to notice the clock, then waits until no task is due and
// nothing is waiting to be sent (at most a few seconds).
func (d *demo) settle() {
	time.Sleep(15 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = waitFor(ctx, func() bool {
		stats, err := d.db.Stats()
		if err != nil || stats.Pending > 0 {
			return false
		}
		due, err := d.db.DueTasks(d.clock.Now(), 1)
		return err == nil && len(due) == 0
	})
}

// firstFollowUp is when the earliest follow-up of the round is due.
func firstFollowUp(r coffee.Round) time.Time {
	first := r.Groups[0].FollowUpAt
	for _, g := range r.Groups {
		if g.FollowUpAt.Before(first) {
			first = g.FollowUpAt
		}
	}
	return first
}

// findDM waits until the bot has sent user n messages containing marker and returns the last.
func (d *demo) findDM(ctx context.Context, user, marker string, n int) (slackfake.Message, error) {
	var found []slackfake.Message
	err := waitFor(ctx, func() bool {
		found = found[:0]
		if ch := d.fake.DMChannel(user); ch != "" {
			for _, m := range d.fake.Messages(ch) {
				if m.User == d.fake.BotUserID() && strings.Contains(string(m.Blocks), marker) {
					found = append(found, m)
				}
			}
		}
		return len(found) >= n
	})
	if err != nil {
		return slackfake.Message{}, fmt.Errorf("no %s message for %s: %w", marker, user, err)
	}
	return found[len(found)-1], nil
}

// feedbackAnswers waits for the round-th prompt, then the given people answer anonymously.
func (d *demo) feedbackAnswers(ctx context.Context, round int, users, texts []string) error {
	for _, u := range users {
		if _, err := d.findDM(ctx, u, "feedback.answer", round); err != nil {
			return err
		}
	}
	if err := waitFor(ctx, func() bool { s, _ := d.db.Stats(); return s.Pending == 0 }); err != nil {
		return fmt.Errorf("prompts not delivered: %w", err)
	}
	for i, u := range users {
		prompt, err := d.findDM(ctx, u, "feedback.answer", round)
		if err != nil {
			return err
		}
		if _, err := d.fake.ClickButton(ctx, u, slackfake.Location{Channel: prompt.Channel, TS: prompt.TS}, "feedback.answer"); err != nil {
			return fmt.Errorf("answer: %w", err)
		}
		var viewID string
		var view []byte
		if err := waitFor(ctx, func() bool { viewID, view = d.fake.OpenView(u); return viewID != "" }); err != nil {
			return fmt.Errorf("no feedback form: %w", err)
		}
		values := map[string]string{"answer": texts[i]}
		if strings.Contains(string(view), `"scale"`) {
			values["scale"] = fmt.Sprint(3 + i%3)
		}
		if _, err := d.fake.SubmitView(ctx, u, viewID, values); err != nil {
			return fmt.Errorf("submit answer: %w", err)
		}
	}
	return nil
}

// note: a member of #general sends an anonymous note from there; it goes out with the next
// release that reached its threshold with answers alone.
func (d *demo) note(ctx context.Context, user, text string) error {
	if _, err := d.fake.SlashCommand(ctx, user, demoGeneral, "/ritual", "feedback"); err != nil {
		return fmt.Errorf("/ritual feedback: %w", err)
	}
	var viewID string
	if err := waitFor(ctx, func() bool { viewID, _ = d.fake.OpenView(user); return viewID != "" }); err != nil {
		return fmt.Errorf("no note form: %w", err)
	}
	if _, err := d.fake.SubmitView(ctx, user, viewID, map[string]string{"answer": text}); err != nil {
		return fmt.Errorf("submit note: %w", err)
	}
	return nil
}

// respond: the admin answers released feedback in its thread.
func (d *demo) respond(ctx context.Context, release slackfake.Message, text string) error {
	if _, err := d.fake.ClickButton(ctx, demoAdmin, slackfake.Location{Channel: release.Channel, TS: release.TS}, "feedback.respond"); err != nil {
		return fmt.Errorf("respond: %w", err)
	}
	var viewID string
	if err := waitFor(ctx, func() bool { viewID, _ = d.fake.OpenView(demoAdmin); return viewID != "" }); err != nil {
		return fmt.Errorf("no respond form: %w", err)
	}
	_, err := d.fake.SubmitView(ctx, demoAdmin, viewID, map[string]string{"answer": text})
	return err
}

// checkins: three people share their week, one skips, and Ana thanks two of them.
func (d *demo) checkins(ctx context.Context) error {
	updates := map[string][]string{
		"U02RAJ":  {"Shipped the CSV importer.", "The billing API change; the deadline moved up a week.", "A second pair of eyes on the API review."},
		"U03MEI":  {"Fixed the flaky checkout tests.", "Release notes for 4.2.", ""},
		"U08NOOR": {"Finished the onboarding guide draft.", "Getting feedback from two new joiners.", ""},
	}
	for _, u := range []string{"U02RAJ", "U03MEI", "U08NOOR"} {
		checkin, err := d.findDM(ctx, u, "digest.write", 1)
		if err != nil {
			return err
		}
		if _, err := d.fake.ClickButton(ctx, u, slackfake.Location{Channel: checkin.Channel, TS: checkin.TS}, "digest.write"); err != nil {
			return fmt.Errorf("write update: %w", err)
		}
		var viewID string
		if err := waitFor(ctx, func() bool { viewID, _ = d.fake.OpenView(u); return viewID != "" }); err != nil {
			return fmt.Errorf("no check-in form: %w", err)
		}
		values := map[string]string{}
		for i, a := range updates[u] {
			values[fmt.Sprintf("q%d", i)] = a
		}
		if _, err := d.fake.SubmitView(ctx, u, viewID, values); err != nil {
			return fmt.Errorf("submit update: %w", err)
		}
	}
	if err := d.command(ctx, "U04SAM", "checkin skip"); err != nil {
		return err
	}
	return d.command(ctx, demoAdmin, "kudos <@U02RAJ|raj> <@U03MEI|mei> for untangling the release together")
}

// coffeeRound waits for the n-th coffee round and for every intro of it.
func (d *demo) coffeeRound(ctx context.Context, n int) (coffee.Round, error) {
	var rounds []coffee.Round
	if err := waitFor(ctx, func() bool {
		rounds, _ = d.db.Coffee().Rounds(demoCoffee, 0)
		return len(rounds) >= n
	}); err != nil {
		return coffee.Round{}, fmt.Errorf("no coffee round %d: %w", n, err)
	}
	groups := slices.Clone(rounds[0].Groups)
	slices.SortStableFunc(groups, func(a, b coffee.Group) int { return a.IntroAt.Compare(b.IntroAt) })
	for _, g := range groups {
		if g.IntroAt.After(d.clock.Now()) {
			d.walkTo(g.IntroAt.Add(-time.Second))
			d.fake.RecordNote(introNote(g))
			d.walkTo(g.IntroAt.Add(time.Second))
		}
		if _, err := d.botMessages(ctx, func() string { return d.fake.GroupDM(g.Members...) }, 1); err != nil {
			return coffee.Round{}, fmt.Errorf("no intro for %v: %w", g.Members, err)
		}
	}
	// The channel's summary follows a minute after the last intro.
	d.walkTo(groups[len(groups)-1].IntroAt.Add(time.Minute + time.Second))
	return rounds[0], nil
}

// introNote says when a group's intro arrives, in each member's clock.
func introNote(g coffee.Group) string {
	var clocks []string
	for _, id := range g.Members {
		for _, u := range demoTeam {
			if u.ID == id {
				loc, _ := time.LoadLocation(u.TZ)
				clocks = append(clocks, fmt.Sprintf("%s %s", g.IntroAt.In(loc).Format("Mon 15:04"), u.Name))
			}
		}
	}
	return "intro at " + strings.Join(clocks, ", ")
}

// meetingTimes: in one group a member picks a proposed time with "This works"; in another they
// agree on one by writing in their group DM, which counts as their answer too.
func (d *demo) meetingTimes(ctx context.Context, r coffee.Round) error {
	if len(r.Groups) < 2 {
		return fmt.Errorf("the demo needs two coffee groups, got %d", len(r.Groups))
	}
	d.chapter("Week 1: one group picks a proposed time; another agrees on one in its group DM")
	first, second := r.Groups[0], r.Groups[1]
	intro, err := d.botMessages(ctx, func() string { return d.fake.GroupDM(first.Members...) }, 1)
	if err != nil {
		return err
	}
	slot := slices.IndexFunc(first.Proposed, func(at time.Time) bool { return at.After(d.clock.Now()) })
	if slot < 0 {
		return fmt.Errorf("no proposed time of %v is still to come", first.Members)
	}
	if _, err := d.fake.ClickButton(ctx, first.Members[1], slackfake.Location{Channel: intro[0].Channel, TS: intro[0].TS}, fmt.Sprint("coffee.slot.", slot)); err != nil {
		return fmt.Errorf("pick a time: %w", err)
	}
	if _, err := d.botMessages(ctx, inChannel(intro[0].Channel), 2); err != nil {
		return fmt.Errorf("the chosen time was not posted: %w", err)
	}
	dm := d.fake.GroupDM(second.Members...)
	ts, err := d.fake.PostAs(second.Members[0], dm, "", "The second time works for me — see you then!")
	if err != nil {
		return err
	}
	if _, err := d.fake.SendEvent(ctx, d.fake.MessageEvent(dm, ts), slackfake.EventOptions{}); err != nil {
		return err
	}
	return waitFor(ctx, func() bool {
		rs, _ := d.db.Coffee().Rounds(demoCoffee, 1)
		return len(rs) > 0 && rs[0].Groups[1].Talked
	})
}

// answerCoffee clicks "We met" (or "Can't make it") in a group's intro.
func (d *demo) answerCoffee(ctx context.Context, g coffee.Group, met bool) error {
	msgs, err := d.botMessages(ctx, func() string { return d.fake.GroupDM(g.Members...) }, 1)
	if err != nil {
		return err
	}
	action := "coffee.met"
	if !met {
		action = "coffee.skip"
	}
	if _, err := d.fake.ClickButton(ctx, g.Members[0], slackfake.Location{Channel: msgs[0].Channel, TS: msgs[0].TS}, action); err != nil {
		return fmt.Errorf("answer coffee: %w", err)
	}
	return waitFor(ctx, func() bool { return len(d.fake.Messages(msgs[0].Channel)) > 1 })
}

// suggestion: Raj suggests an icebreaker, Ana approves it, Raj is told.
func (d *demo) suggestion(ctx context.Context) error {
	d.chapter("Raj suggests a question; Ana approves it")
	if err := d.command(ctx, "U02RAJ", "icebreaker suggest What is a sound that instantly makes you feel at home?", demoGeneral); err != nil {
		return err
	}
	dm, err := d.findDM(ctx, demoAdmin, "icebreaker.approve", 1)
	if err != nil {
		return fmt.Errorf("the suggestion did not reach the admin: %w", err)
	}
	if _, err := d.fake.ClickButton(ctx, demoAdmin, slackfake.Location{Channel: dm.Channel, TS: dm.TS}, "icebreaker.approve"); err != nil {
		return fmt.Errorf("approve: %w", err)
	}
	if err := waitFor(ctx, func() bool {
		for _, m := range d.fake.Messages(d.fake.DMChannel("U02RAJ")) {
			if strings.Contains(m.Text, "approved") {
				return true
			}
		}
		return false
	}); err != nil {
		return fmt.Errorf("raj was not told: %w", err)
	}
	return nil
}

// virtualClock is real time shifted by an offset the demo moves forward, so weeks pass in
// seconds; the bot notices within its MaxSleep.
type virtualClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func newVirtualClock(at time.Time) *virtualClock { return &virtualClock{offset: time.Until(at)} }

// Now is the virtual time.
func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Set moves the clock to at.
func (c *virtualClock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(at)
}

// Advance moves the clock forward by d.
func (c *virtualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, cond func() bool) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return errors.New("timed out")
		case <-tick.C:
		}
	}
	return nil
}
