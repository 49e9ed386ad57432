package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
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
	if exitCode(err) != exitConfig {
		t.Fatalf("want a configuration error (exit %d), got %v", exitConfig, err)
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
	// Admins may set coffee up on the Home tab later: its group DMs need no new manifest.
	for _, want := range []string{"commands", "chat:write", "channels:history", "mpim:write", "im:history"} {
		if !strings.Contains(got, want) {
			t.Errorf("scopes %s lack %s", got, want)
		}
	}
	// Coffee counts messages in its group DMs, and may be set up on the Home tab at any time.
	if ev := m.Settings.EventSubscriptions.BotEvents; len(ev) != 2 || ev[0] != "app_home_opened" || ev[1] != "message.mpim" {
		t.Errorf("events = %v", ev)
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

func TestConfigUnsetVariableIsAnErrorNamingItAndTheField(t *testing.T) {
	os.Unsetenv("RB_TEST_UNSET_ADMIN")
	_, err := ParseConfig(strings.NewReader("admins: [${RB_TEST_UNSET_ADMIN}]\n"), true)
	if err == nil {
		t.Fatal("an unset variable was accepted (the admins list would be empty)")
	}
	for _, want := range []string{"admins[0]", "RB_TEST_UNSET_ADMIN", "not set"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// Set but empty is the person's choice, not a mistake.
	t.Setenv("RB_TEST_EMPTY_URL", "")
	cfg, err := ParseConfig(strings.NewReader("slack:\n  api_url: \"${RB_TEST_EMPTY_URL}\"\n"), true)
	if err != nil || cfg.Slack.APIURL != "" {
		t.Errorf("an empty variable: %+v, %v", cfg, err)
	}
}

func TestConfigVariableCannotInjectKeys(t *testing.T) {
	t.Setenv("RB_TEST_COMMAND", "/ritual\nadmins: [U0EVIL]\nslack: {debug: true}")
	cfg, err := ParseConfig(strings.NewReader("command: ${RB_TEST_COMMAND}\n"), true)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(cfg.Admins) != 0 || cfg.Slack.Debug {
		t.Fatalf("the variable's text became configuration: admins %v, debug %v", cfg.Admins, cfg.Slack.Debug)
	}
	if !strings.Contains(cfg.Command, "U0EVIL") {
		t.Errorf("the whole value should stay one (invalid) command, got %q", cfg.Command)
	}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "command:") {
		t.Errorf("the multi-line command must be refused by Validate, got %v", err)
	}
}

func TestConfigVariablesFillNumbersAndBooleans(t *testing.T) {
	t.Setenv("RB_TEST_SIZE", "3")
	t.Setenv("RB_TEST_GUESTS", "true")
	t.Setenv("RB_TEST_GRACE", "2d")
	cfg, err := ParseConfig(strings.NewReader("coffee:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n    group_size: ${RB_TEST_SIZE}\n    guests: ${RB_TEST_GUESTS}\n    grace: ${RB_TEST_GRACE}\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.Coffee[0]; c.GroupSize != 3 || !c.Guests || c.Grace != Duration(48*time.Hour) {
		t.Errorf("not filled: %+v", c)
	}
}

func TestConfigUnknownKeyNamesPathAndNearestKey(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"cofee:\n  - channel: C1234\n", `cofee: unknown key on line 1; did you mean coffee?`},
		{"coffee:\n  - channel: C1234\n    schedul: \"0 9 * * MON\"\n", `coffee[0].schedul: unknown key on line 3; did you mean schedule?`},
		{"store:\n  backup:\n    kep: 3\n", `store.backup.kep: unknown key on line 3; did you mean keep?`},
		{"log:\n  colour: red\n", `log.colour: unknown key on line 2; the keys here are level, format`},
	}
	for _, tc := range cases {
		_, err := ParseConfig(strings.NewReader(tc.yaml), false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.yaml, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "main.Config") {
			t.Errorf("%q: the message shows Go type names: %v", tc.yaml, err)
		}
	}
	// Every problem in one pass.
	_, err := ParseConfig(strings.NewReader("comand: /x\nlog:\n  levle: info\n"), false)
	if err == nil || !strings.Contains(err.Error(), "comand") || !strings.Contains(err.Error(), "log.levle") {
		t.Errorf("both unknown keys should be reported: %v", err)
	}
}

func TestConfigDurationAndTypeErrorsNameTheField(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"store:\n  lock_timeout: soon\n", `store.lock_timeout: "soon" is not a duration`},
		{"digest:\n  - channel: C1234\n    reminders: [4h, later]\n", `digest[0].reminders[1]: "later" is not a duration`},
		{"coffee:\n  - channel: C1234\n    group_size: two\n", `coffee[0].group_size:`},
	}
	for _, tc := range cases {
		_, err := ParseConfig(strings.NewReader(tc.yaml), false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

func TestLoadConfigNamesFileForUnknownKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ritualbot.yaml")
	if err := os.WriteFile(path, []byte("cofee: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+": cofee: unknown key") {
		t.Errorf("want the file, then the key: %v", err)
	}
}

func TestCheckWarnsAboutTheExamplePlaceholderIDs(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := runMain(t.Context(), []string{"check", "-config", filepath.Join("..", "..", "config.example.yaml")}, &out, &errOut); err != nil {
		t.Fatalf("the example must pass check (with warnings): %v", err)
	}
	for _, want := range []string{"warning: admins[0]: U0123ADMIN", "warning: coffee[0].channel: C0123COFFE", "warning: feedback[0].channel: C0123TEAMS"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("check's warnings lack %q:\n%s", want, errOut.String())
		}
	}
	path := filepath.Join(t.TempDir(), "ours.yaml")
	if err := os.WriteFile(path, []byte("admins: [U0777REAL]\ncoffee:\n  - channel: C0777REAL\n    schedule: \"0 9 * * MON\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if err := runMain(t.Context(), []string{"check", "-config", path}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errOut.String(), "warning") {
		t.Errorf("real ids got a warning: %s", errOut.String())
	}
}

func TestPlaceholderListMatchesTheExampleFile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ids := regexp.MustCompile(`\b[UWCG]0123[A-Z0-9]+\b`).FindAllString(string(raw), -1)
	if len(ids) == 0 {
		t.Fatal("no placeholder ids found in config.example.yaml")
	}
	for _, id := range ids {
		if !slices.Contains(examplePlaceholderIDs, id) {
			t.Errorf("config.example.yaml uses %s, which check would not warn about", id)
		}
	}
}
