package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
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

// demoConfig is the configuration the demo bot runs with, pointed at the emulator.
func demoConfig(apiURL, dbPath string) (*Config, error) {
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

// demoStepTimeout bounds how long the demo waits for the bot to answer one step.
const demoStepTimeout = 10 * time.Second

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "also print the bot's own log")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	logLevel := slog.LevelWarn
	if *verbose {
		logLevel = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel}))

	fake, err := newDemoWorkspace(slackfake.Options{Logger: logger.With("component", "slackfake")})
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
	m := &Main{Config: cfg, Logger: logger, BotToken: fake.BotToken(), AppToken: fake.AppToken()}
	if err := m.Open(); err != nil {
		return err
	}
	defer m.Close()

	runCtx, stop := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- m.Run(runCtx) }()

	scriptErr := playDemo(ctx, fake)
	stop()
	if err := <-runErr; err != nil {
		return err
	}
	fmt.Fprintln(stdout, "ritualbot demo — what each person saw in the simulated Slack workspace")
	fmt.Fprintln(stdout, "=====================================================================")
	if err := fake.WriteTranscript(stdout); err != nil {
		return err
	}
	return scriptErr
}

// playDemo is the scripted session: people use the slash command and open the Home tab.
func playDemo(ctx context.Context, fake *slackfake.Server) error {
	ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	if err := fake.WaitConnected(ctx); err != nil {
		return fmt.Errorf("the bot did not connect to the emulator: %w", err)
	}
	commands := []struct{ user, channel, text string }{
		{"U02RAJ", demoGeneral, "help"},
		{"U03MEI", demoGeneral, "dance"},
		{"U04SAM", demoGeneral, "status"},
		{demoAdmin, demoGeneral, "status"},
	}
	for _, c := range commands {
		before := len(fake.Ephemerals(c.user))
		if _, err := fake.SlashCommand(ctx, c.user, c.channel, "/ritual", c.text); err != nil {
			return fmt.Errorf("/ritual %s: %w", c.text, err)
		}
		if err := waitFor(ctx, func() bool { return len(fake.Ephemerals(c.user)) > before }); err != nil {
			return fmt.Errorf("no answer to /ritual %s: %w", c.text, err)
		}
	}
	if _, err := fake.OpenHome(ctx, "U05LENA"); err != nil {
		return fmt.Errorf("open Home tab: %w", err)
	}
	if err := waitFor(ctx, func() bool { return fake.HomeView("U05LENA") != nil }); err != nil {
		return fmt.Errorf("Home tab not published: %w", err)
	}
	return nil
}

// waitFor polls cond until it holds or demoStepTimeout passes.
func waitFor(ctx context.Context, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, demoStepTimeout)
	defer cancel()
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
