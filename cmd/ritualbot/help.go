package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// subcommandHelp describes one subcommand for `ritualbot -h` and its own -h.
type subcommandHelp struct {
	name    string
	args    string // what follows the name, e.g. "-config FILE"
	summary string // one line for the list
	about   string // what -h prints above the flags
}

// subcommands lists every subcommand in the order `ritualbot -h` shows them.
var subcommands = []subcommandHelp{
	{"run", "-config FILE", "connect to Slack and run the rituals (the default subcommand)",
		"Connects to Slack over Socket Mode with the tokens in SLACK_BOT_TOKEN (xoxb-) and SLACK_APP_TOKEN (xapp-),\n" +
			"runs the scheduled rituals and answers people until SIGINT or SIGTERM, then finishes the work in flight.\n" +
			"Exits 78 when the configuration or a token is wrong (restarting will not help), 2 on a bad command line,\n" +
			"1 on other failures."},
	{"demo", "[-v]", "play two simulated weeks against the built-in Slack emulator",
		"Runs the real bot against the built-in Slack emulator on a virtual clock and prints what each person saw.\n" +
			"Needs no Slack account and no configuration; finishes in seconds."},
	{"check", "-config FILE", "validate the configuration and print the next scheduled runs",
		"Validates the configuration file and prints each ritual's next runs in its own time zone.\n" +
			"Each mistake names the file, the field and the fix; exits 78 when there is one.\n" +
			"Warns about ids still copied from config.example.yaml."},
	{"manifest", "-config FILE", "print the Slack app manifest for this configuration",
		"Prints the Slack app manifest (YAML) for this configuration: Socket Mode, the slash command, the Home tab\n" +
			"and exactly the scopes and events the configured rituals need. Paste it at api.slack.com/apps."},
	{"export-config", "-config FILE", "print the whole effective configuration, settings made in Slack included",
		"Prints the configuration in force as a configuration file (YAML): the file's settings and those admins\n" +
			"made on the Home tab, so that an operator can move back to a file. Tokens are never in it. Run it while\n" +
			"the bot is stopped (the running bot holds the database); `status` shows the settings while it runs."},
	{"status", "-config FILE", "show the outbox backlog, delivery failures and next runs",
		"Shows the outbox (messages waiting, the oldest, deliveries that failed for good and why) and the next runs,\n" +
			"from the running bot when it answers, otherwise from the database file."},
	{"health", "-config FILE", "ask the running bot's /healthz; exit 1 when unhealthy",
		"Asks the running bot's /healthz on ops.listen and prints its answer; exits 1 when it is unhealthy\n" +
			"or does not answer (for Docker's HEALTHCHECK and monitoring scripts)."},
	{"backup", "-config FILE -o PATH [-force]", "write a consistent copy of the database",
		"Writes a consistent copy of the database to PATH, compacted (no free pages), from the running bot when\n" +
			"it answers, otherwise from the file."},
	{"restore", "-config FILE -from PATH [-force]", "put a backup in place of the database (bot stopped)",
		"Puts a backup in place of the database named in the configuration. Stop the bot first; when it starts\n" +
			"again it resumes from the backup, and checks queued messages against Slack before sending them."},
	{"compact", "-config FILE", "rewrite the database without free pages (bot stopped)",
		"Rewrites the database file without its free pages and prints the sizes before and after. Stop the bot\n" +
			"first. Worth it after erasing people or releasing feedback, so their bytes leave the file."},
	{"version", "", "print the version and how this binary was built",
		"Prints the version, the source revision it was built from, and the Go version and platform of the build."},
}

// topUsage is what `ritualbot -h` prints.
func topUsage() string {
	var b strings.Builder
	b.WriteString("ritualbot runs coffee pairings, icebreakers, a weekly digest and anonymous feedback in Slack.\n\n")
	b.WriteString("Usage: ritualbot <subcommand> [flags]\n\nSubcommands:\n")
	for _, s := range subcommands {
		fmt.Fprintf(&b, "  %-13s %s\n", s.name, s.summary)
	}
	b.WriteString("\n\"ritualbot <subcommand> -h\" says more and lists its flags. See README.md and ARCHITECTURE.md.\n")
	return b.String()
}

// newFlagSet is a subcommand's flag set; its -h says what the subcommand does, then its flags.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		w := fs.Output()
		for _, s := range subcommands {
			if s.name == name {
				fmt.Fprintf(w, "Usage: ritualbot %s %s\n\n%s\n", name, s.args, s.about)
			}
		}
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func cmdVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", stderr)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = &debug.BuildInfo{GoVersion: runtime.Version()}
	}
	fmt.Fprint(stdout, formatVersion(info))
	return nil
}

// stampedRevision is the source revision, set at link time where the build has no version
// control information (the Dockerfile: -ldflags "-X main.stampedRevision=…").
var stampedRevision string

// version is the module version this binary was built as: a tag with `go install …@v1.2.0`,
// "(devel)" when built from a checkout.
func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// formatVersion writes the version and build information, one fact a line.
func formatVersion(info *debug.BuildInfo) string {
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ritualbot %s\n", v)
	if info.Main.Path != "" {
		fmt.Fprintf(&b, "  module    %s\n", info.Main.Path)
	}
	if rev := cmp.Or(settings["vcs.revision"], stampedRevision); rev != "" {
		line := rev
		if at := settings["vcs.time"]; at != "" {
			line += " (" + at + ")"
		}
		if settings["vcs.modified"] == "true" {
			line += " with uncommitted changes"
		}
		fmt.Fprintf(&b, "  revision  %s\n", line)
	} else {
		b.WriteString("  revision  unknown (built without version control information)\n")
	}
	goos, goarch := settings["GOOS"], settings["GOARCH"]
	if goos == "" {
		goos, goarch = runtime.GOOS, runtime.GOARCH
	}
	fmt.Fprintf(&b, "  go        %s %s/%s\n", info.GoVersion, goos, goarch)
	return b.String()
}
