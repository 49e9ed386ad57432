// Command ritualbot runs a team's rituals in Slack: coffee pairings, icebreakers, a weekly digest
// and anonymous feedback. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // schedules and people's zones work on machines without zoneinfo

	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// exitUsage is the status for a bad command line.
const exitUsage = 2

// exitConfig (EX_CONFIG in sysexits.h) is the status for a wrong configuration file or token: a
// restart cannot fix it, so the systemd unit does not restart on it. It is not 2, which is also
// the status of a Go panic, a crash a restart may well fix.
const exitConfig = 78

// usageError marks errors that exit with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// configError marks errors that exit with exitConfig.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

// exitCode is the process status for what runMain returned.
func exitCode(err error) int {
	var ue usageError
	var ce configError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ce):
		return exitConfig
	case asUsage(err, &ue):
		return exitUsage
	}
	return 1
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) { // after -h, the help was what was asked
		fmt.Fprintln(os.Stderr, "ritualbot:", err)
	}
	os.Exit(exitCode(err))
}

// runMain dispatches a subcommand; it is main without os.Exit, for tests.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	name := "run"
	if len(args) > 0 && len(args[0]) > 0 && (args[0][0] != '-' || args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		name, args = args[0], args[1:]
	}
	switch name {
	case "run":
		return cmdRun(ctx, args, stderr)
	case "demo":
		return cmdDemo(ctx, args, stdout, stderr)
	case "check":
		return cmdCheck(args, stdout, stderr)
	case "manifest":
		return cmdManifest(args, stdout, stderr)
	case "export-config":
		return cmdExportConfig(args, stdout, stderr)
	case "status":
		return cmdStatus(args, stdout, stderr)
	case "health":
		return cmdHealth(args, stdout, stderr)
	case "backup":
		return cmdBackup(args, stdout, stderr)
	case "restore":
		return cmdRestore(args, stdout, stderr)
	case "compact":
		return cmdCompact(args, stdout, stderr)
	case "version":
		return cmdVersion(args, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, topUsage())
		return nil
	default:
		fmt.Fprint(stderr, topUsage())
		return usageError{fmt.Errorf("unknown subcommand %q", name)}
	}
}

// configFlag parses "-config FILE" for a subcommand and loads the file.
func configFlag(name string, args []string, stderr io.Writer) (*Config, error) {
	fs := newFlagSet(name, stderr)
	path := fs.String("config", "ritualbot.yaml", "configuration `file`")
	if err := fs.Parse(args); err != nil {
		return nil, usageError{err}
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))}
	}
	cfg, err := LoadConfig(*path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, configError{fmt.Errorf("%s: no such file; copy config.example.yaml to start one", *path)}
		}
		return nil, configError{err}
	}
	return cfg, nil
}

func cmdRun(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := configFlag("run", args, stderr)
	if err != nil {
		return err
	}
	botToken, appToken := os.Getenv("SLACK_BOT_TOKEN"), os.Getenv("SLACK_APP_TOKEN")
	var missing []string
	if botToken == "" {
		missing = append(missing, "SLACK_BOT_TOKEN (the xoxb- Bot User OAuth Token)")
	}
	if appToken == "" {
		missing = append(missing, "SLACK_APP_TOKEN (the xapp- app-level token with connections:write)")
	}
	if len(missing) > 0 {
		return configError{fmt.Errorf("set %s in the environment; see README.md, \"Create the Slack app from the manifest\"", strings.Join(missing, " and "))}
	}
	logger := newLogger(cfg.Log, stderr)
	for _, w := range cfg.placeholderWarnings() {
		logger.Warn("the configuration still holds an id from the example", "component", "main", "problem", w)
	}
	m := &Main{Config: cfg, Logger: logger, BotToken: botToken, AppToken: appToken}
	if err := m.Open(); err != nil {
		return err
	}
	defer m.Close()
	return m.Run(ctx)
}

func cmdStatus(args []string, stdout, stderr io.Writer) error {
	cfg, err := configFlag("status", args, stderr)
	if err != nil {
		return err
	}
	if ok, err := statusFromRunningBot(cfg, stdout); ok || err != nil {
		return err
	}
	db, err := openStopped(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	stats, err := db.Stats()
	if err != nil {
		return err
	}
	stored, err := db.Settings().List()
	if err != nil {
		return err
	}
	if cfg, _, _, err = mergeStored(cfg.fileOnly(), stored); err != nil {
		return err
	}
	now := time.Now()
	var upcoming []schedule.Upcoming
	for _, r := range cfg.Rituals() {
		for _, rc := range r.Channels {
			if at := rc.spec.Next(now); !at.IsZero() && !rc.paused() {
				upcoming = append(upcoming, schedule.Upcoming{Ritual: r.Name, Channel: rc.Channel, At: at})
			}
		}
	}
	slices.SortFunc(upcoming, func(a, b schedule.Upcoming) int { return a.At.Compare(b.At) })
	fmt.Fprint(stdout, formatOutboxStats(stats, now)+upcomingOnTerminal(upcoming, cfg.Location())+formatSettings(cfg))
	return nil
}

// newLogger builds the process logger from the log section.
func newLogger(c LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// asUsage reports whether err is (or wraps) a usageError.
func asUsage(err error, target *usageError) bool { return errors.As(err, target) }
