package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func parseAndValidate(t *testing.T, yamlText string) error {
	t.Helper()
	cfg, err := ParseConfig(strings.NewReader(yamlText), true)
	if err != nil {
		return err
	}
	return cfg.Validate()
}

func TestExampleConfigParsesAndChecks(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "..", "config.example.yaml"))
	if err != nil {
		t.Fatalf("config.example.yaml: %v", err)
	}
	if len(cfg.Coffee) == 0 || len(cfg.Icebreakers) == 0 || len(cfg.Digest) == 0 || len(cfg.Feedback) == 0 {
		t.Errorf("the example should show every ritual: %+v", cfg)
	}
	var out bytes.Buffer
	writeCheck(&out, cfg, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	for _, want := range []string{"coffee in C0123COFFE", "icebreaker in C0123RANDM", "Times below are in Europe/Berlin", "Mon 2026-11-30 10:00", "Wed 2026-12-02 17:00 (11:00 in America/New_York)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("coffee:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Command != "/ritual" || cfg.Store.Path != "ritualbot.db" || cfg.Coffee[0].GroupSize != 2 || cfg.Coffee[0].EveryWeeks != 1 {
		t.Errorf("defaults not filled: %+v", cfg)
	}
	if cfg.Coffee[0].Grace != Duration(24*time.Hour) {
		t.Errorf("coffee grace default = %v", time.Duration(cfg.Coffee[0].Grace))
	}
}

func TestConfigExpandsEnvironment(t *testing.T) {
	t.Setenv("RB_TEST_CHANNEL", "C0999XYZ")
	t.Setenv("RB_TEST_URL", "http://127.0.0.1:1/api/")
	cfg, err := ParseConfig(strings.NewReader(`
slack:
  api_url: ${RB_TEST_URL}
icebreakers:
  - channel: ${RB_TEST_CHANNEL}
    schedule: "0 9 * * $"
`), true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Icebreakers[0].Channel != "C0999XYZ" || cfg.Slack.APIURL != "http://127.0.0.1:1/api/" {
		t.Errorf("not expanded: %+v", cfg)
	}
	if cfg.Icebreakers[0].Schedule != "0 9 * * $" {
		t.Errorf("a bare $ must be kept, got %q", cfg.Icebreakers[0].Schedule)
	}
	raw, err := ParseConfig(strings.NewReader("slack:\n  api_url: ${RB_TEST_URL}\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	if raw.Slack.APIURL != "${RB_TEST_URL}" {
		t.Errorf("expandEnv=false must leave ${VAR}, got %q", raw.Slack.APIURL)
	}
}

func TestConfigValidationNamesFieldAndFix(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"bad command", "command: ritual\n", []string{"command:", "slash"}},
		{"bad zone", "timezone: Mars/Olympus\n", []string{"timezone:", "Mars/Olympus", "IANA"}},
		{"bad admin", "admins: [\"@ana\"]\n", []string{"admins[0]:", "member ID"}},
		{"bad api url", "slack:\n  api_url: slack.com\n", []string{"slack.api_url:", "https://"}},
		{"bad level", "log:\n  level: loud\n", []string{"log.level:", "debug, info, warn or error"}},
		{"missing channel", "coffee:\n  - schedule: \"0 9 * * MON\"\n", []string{"coffee[0].channel: missing"}},
		{"channel name", "coffee:\n  - channel: \"#general\"\n    schedule: \"0 9 * * MON\"\n", []string{"coffee[0].channel:", "not the #name"}},
		{"missing schedule", "icebreakers:\n  - channel: C1234\n", []string{"icebreakers[0].schedule: missing"}},
		{"TZ alone", "icebreakers:\n  - channel: C1234\n    schedule: TZ=UTC\n", []string{"icebreakers[0].schedule:", "TZ=UTC"}},
		{"bad cron", "icebreakers:\n  - channel: C1234\n    schedule: \"0 9 * *\"\n", []string{"icebreakers[0].schedule:", "5 fields"}},
		{"group size", "coffee:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n    group_size: 7\n", []string{"coffee[0].group_size:", "2, 3 or 4"}},
		{"working hours", "coffee:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n    working_hours: 17:00-09:00\n", []string{"coffee[0].working_hours:", "past midnight"}},
		{"working days", "coffee:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n    working_hours: 09:00-17:00 lundi\n", []string{"coffee[0].working_hours:", "not a day I know"}},
		{"pause after ignored", "coffee:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n    pause_after_ignored: -1\n", []string{"coffee[0].pause_after_ignored:", "0 to never pause"}},
		{"every weeks", "coffee:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n    every_weeks: -1\n", []string{"coffee[0].every_weeks:"}},
		{"min answers", "feedback:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n    min_answers: 2\n", []string{"feedback[0].min_answers:", "3 or more"}},
		{"open for", "feedback:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n    open_for: 5m\n", []string{"feedback[0].open_for:"}},
		{"checkin schedule", "digest:\n  - channel: C1234\n    schedule: \"0 9 * * FRI\"\n", []string{"digest[0].checkin_schedule: missing"}},
		{"duplicate channel", "icebreakers:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n  - channel: C1234\n    schedule: \"0 9 * * TUE\"\n", []string{"icebreakers[1].channel:", "twice"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := parseAndValidate(t, tc.yaml)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestConfigRejectsUnknownKeysAndBadDurations(t *testing.T) {
	if err := parseAndValidate(t, "comand: /ritual\n"); err == nil || !strings.Contains(err.Error(), "comand") {
		t.Errorf("unknown key: %v", err)
	}
	if err := parseAndValidate(t, "store:\n  lock_timeout: soon\n"); err == nil || !strings.Contains(err.Error(), "90m, 72h, 3d or 2w") {
		t.Errorf("bad duration: %v", err)
	}
	for in, want := range map[string]time.Duration{"3d": 72 * time.Hour, "2w": 14 * 24 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v", in, got, err)
		}
	}
}

func TestLoadConfigPrefixesFileName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("timezone: Nowhere\nlog:\n  format: xml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	if err == nil {
		t.Fatal("accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per problem, got %q", err)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, path+": ") {
			t.Errorf("line %q does not name the file", l)
		}
	}
}

func TestCheckCommandExitsWithUsageOnBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("icebreakers:\n  - channel: C1234\n    schedule: TZ=UTC\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := runMain(t.Context(), []string{"check", "-config", path}, &out, &errOut)
	var ue usageError
	if err == nil || !asUsage(err, &ue) {
		t.Fatalf("want a usage error (exit 2), got %v", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "icebreakers[0].schedule") {
		t.Errorf("message should name file and field: %v", err)
	}
}

func TestManifestHasExactlyTheNeededScopes(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("command: /team\nicebreakers:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	m := buildManifest(cfg)
	if !m.Settings.SocketModeEnabled || !m.Settings.Interactivity.IsEnabled || !m.Features.AppHome.HomeTabEnabled {
		t.Error("socket mode, interactivity and the Home tab must be on")
	}
	if c := m.Features.SlashCommands; len(c) != 1 || c[0].Command != "/team" || !c[0].ShouldEscape {
		t.Errorf("slash command = %+v", c)
	}
	got := strings.Join(m.OAuthConfig.Scopes.Bot, ",")
	if strings.Contains(got, "mpim:write") {
		t.Errorf("icebreakers alone do not need group DMs: %s", got)
	}
	for _, want := range []string{"commands", "chat:write", "channels:history"} {
		if !strings.Contains(got, want) {
			t.Errorf("scopes %s lack %s", got, want)
		}
	}
	if ev := m.Settings.EventSubscriptions.BotEvents; len(ev) != 1 || ev[0] != "app_home_opened" {
		t.Errorf("events = %v", ev)
	}
	cfg.Coffee = []CoffeeConfig{{RitualChannel: RitualChannel{Channel: "C5678", Schedule: "0 9 * * MON"}}}
	if ev := buildManifest(cfg).Settings.EventSubscriptions.BotEvents; !slices.Contains(ev, "message.mpim") {
		t.Errorf("coffee counts messages in its group DMs, so it needs message.mpim: %v", ev)
	}
}

func TestCoffeeWorkingHoursAndPauseConfig(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("coffee:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n    working_hours: 08:00-16:00 mon-thu\n    pause_after_ignored: 0\n  - channel: C5678\n    schedule: \"0 9 * * MON\"\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if h := cfg.Coffee[0].hours.Label(); h != "08:00–16:00 Mon–Thu" {
		t.Errorf("working_hours = %s", h)
	}
	if *cfg.Coffee[0].PauseAfterIgnored != 0 || *cfg.Coffee[1].PauseAfterIgnored != 3 {
		t.Errorf("pause_after_ignored: 0 must stay 0 (never pause), unset means 3: %d %d", *cfg.Coffee[0].PauseAfterIgnored, *cfg.Coffee[1].PauseAfterIgnored)
	}
	if !cfg.Coffee[1].hours.IsZero() {
		t.Errorf("no working_hours means the default: %v", cfg.Coffee[1].hours)
	}
}
