package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/store"
)

// cliWorkspace writes a configuration file with coffee in C0FILE1 and feedback in C0FILE2 (so
// that feedback may be set up in Slack too), and a database where an
// admin set up feedback in C0SLACK1 and paused an icebreaker in C0SLACK2.
func cliWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "bot.db")
	db, err := store.Open(dbPath, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for _, rs := range []store.RitualSettings{
		{Ritual: "feedback", Channel: "C0SLACK1", Config: "channel: C0SLACK1\nschedule: CRON_TZ=Europe/Berlin 0 15 * * FRI\nevery_weeks: 2\nmin_answers: 4\n", By: "U0ANA", At: at},
		{Ritual: "icebreaker", Channel: "C0SLACK2", Config: "channel: C0SLACK2\nschedule: CRON_TZ=UTC 0 11 * * WED\n", By: "U0ANA", At: at, Paused: true},
	} {
		if err := db.Settings().Put(rs); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Settings().PutAdmins(store.StoredAdmins{Users: []string{"U0BEN"}, By: "U0ANA", At: at}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	path := filepath.Join(dir, "ritualbot.yaml")
	text := "admins: [U0ANA]\nstore:\n  path: " + dbPath + "\ncoffee:\n  - channel: C0FILE1\n    schedule: \"CRON_TZ=Europe/Berlin 0 9 * * MON\"\n" +
		"feedback:\n  - channel: C0FILE2\n    schedule: \"0 9 1 * *\"\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// check shows the effective settings with where each comes from.
func TestCheckShowsSettingsWithTheirSource(t *testing.T) {
	path := cliWorkspace(t)
	var out, errOut bytes.Buffer
	if err := runMain(t.Context(), []string{"check", "-config", path}, &out, &errOut); err != nil {
		t.Fatalf("check: %v\n%s", err, errOut.String())
	}
	out.Reset()
	if err := runMain(t.Context(), []string{"status", "-config", path}, &out, &errOut); err != nil {
		t.Fatalf("status: %v\n%s", err, errOut.String())
	}
	if want := "feedback in C0SLACK1: Fridays 15:00 Europe/Berlin, every 2 weeks (set up in Slack by U0ANA on 2026-11-29)"; !strings.Contains(out.String(), want) {
		t.Errorf("status lacks %q:\n%s", want, out.String())
	}
	out.Reset()
	if err := runMain(t.Context(), []string{"check", "-config", path}, &out, &errOut); err != nil {
		t.Fatalf("check: %v", err)
	}
	for _, want := range []string{
		"coffee in C0FILE1 (CRON_TZ=Europe/Berlin 0 9 * * MON; configuration file)",
		"feedback in C0SLACK1 (CRON_TZ=Europe/Berlin 0 15 * * FRI every 2 weeks from the week of 2024-01-01; set up in Slack by U0ANA on 2026-11-29)",
		"icebreaker in C0SLACK2 (CRON_TZ=UTC 0 11 * * WED; set up in Slack by U0ANA on 2026-11-29, paused)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check lacks %q:\n%s", want, out.String())
		}
	}
}

// export-config prints a file that, read back, is the same effective configuration, without
// what was paused.
func TestExportConfigReadsBackTheSame(t *testing.T) {
	path := cliWorkspace(t)
	var out, errOut bytes.Buffer
	if err := runMain(t.Context(), []string{"export-config", "-config", path}, &out, &errOut); err != nil {
		t.Fatalf("export-config: %v\n%s", err, errOut.String())
	}
	back, err := ParseConfig(strings.NewReader(out.String()), false)
	if err != nil {
		t.Fatalf("the exported configuration does not parse: %v\n%s", err, out.String())
	}
	if err := back.Validate(); err != nil {
		t.Fatalf("the exported configuration is not valid: %v\n%s", err, out.String())
	}
	if len(back.Coffee) != 1 || back.Coffee[0].Channel != "C0FILE1" || len(back.Icebreakers) != 0 {
		t.Errorf("exported coffee %+v, icebreakers %+v", back.Coffee, back.Icebreakers)
	}
	if len(back.Feedback) != 2 || back.Feedback[1].MinAnswers != 4 || back.Feedback[1].EveryWeeks != 2 || back.Feedback[1].Schedule != "CRON_TZ=Europe/Berlin 0 15 * * FRI" {
		t.Errorf("exported feedback %+v", back.Feedback)
	}
	if !reflect.DeepEqual(back.Admins, []string{"U0ANA", "U0BEN"}) {
		t.Errorf("exported admins %v, want the file's and Slack's", back.Admins)
	}
	if !strings.Contains(out.String(), "# Paused in Slack, so left out: icebreaker in C0SLACK2.") {
		t.Errorf("the export does not say what it left out:\n%s", out.String())
	}
}

// Every entry's settings round-trip through the YAML they are stored as.
func TestEntryRoundTrip(t *testing.T) {
	for _, teams := range []string{"", "    teams: usergroups\n", "    teams: {design: [U0ANA], ops: [U0BEN, U0CAT]}\n"} {
		cfg, err := ParseConfig(strings.NewReader("coffee:\n  - channel: C0C\n    schedule: \"0 9 * * MON\"\n"+teams), false)
		if err != nil {
			t.Fatal(err)
		}
		text, err := encodeEntry(reflect.ValueOf(cfg.Coffee[0]))
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeEntry("coffee", text)
		if err != nil {
			t.Fatalf("decode %q: %v", text, err)
		}
		if got := back.Interface().(CoffeeConfig).Teams; !reflect.DeepEqual(got, cfg.Coffee[0].Teams) {
			t.Errorf("teams %q came back as %+v from %q", teams, got, text)
		}
	}
	cfg, err := ParseConfig(strings.NewReader(`digest:
  - channel: C0D
    schedule: "CRON_TZ=Europe/Berlin 0 16 * * FRI"
    checkin_schedule: "CRON_TZ=Europe/Berlin 0 10 * * THU"
    reminders: []
    questions: [{text: "What went well?", role: ""}]
`), false)
	if err != nil {
		t.Fatal(err)
	}
	sec, _ := cfg.section("digest")
	text, err := encodeEntry(sec.Index(0))
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeEntry("digest", text)
	if err != nil {
		t.Fatalf("decode %q: %v", text, err)
	}
	got, want := back.Interface().(DigestConfig), cfg.Digest[0]
	if got.Reminders == nil || len(got.Reminders) != 0 || got.Questions[0].Text != "What went well?" || got.CheckinSchedule != want.CheckinSchedule || *got.LocalTime != *want.LocalTime {
		t.Errorf("round trip of %q = %+v, want %+v (reminders [] means none, not the default)", text, got, want)
	}
}

// BenchmarkSettingsSave measures one change saved from the Home tab's form, beside 100 channels
// configured in the file: the whole configuration validated, the change stored (one fsync) and
// applied, the note to the other admin queued.
func BenchmarkSettingsSave(b *testing.B) {
	cfg, err := baseConfig("http://127.0.0.1:1/", filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	cfg.Admins = append(cfg.Admins, "U0OTHER")
	for i := range 100 {
		cfg.Coffee = append(cfg.Coffee, CoffeeConfig{RitualChannel: RitualChannel{Channel: fmt.Sprintf("C0FILE%03d", i), Schedule: "0 9 * * MON"}})
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	m := &Main{Config: cfg}
	if err := m.Open(); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	admin := settingsAdmin{m}
	form := map[string]string{"channel": "C0SLACK", "day": "TUE", "time": "10:00", "zone": "Europe/Berlin", "every_weeks": "1", "group_size": "2"}
	if problems, err := admin.Save(b.Context(), demoAdmin, "coffee", "", form); err != nil || len(problems) > 0 {
		b.Fatalf("set up: %v %v", problems, err)
	}
	b.ResetTimer()
	for i := range b.N {
		form["group_size"] = strconv.Itoa(2 + i%2)
		if problems, err := admin.Save(b.Context(), demoAdmin, "coffee", "C0SLACK", form); err != nil || len(problems) > 0 {
			b.Fatalf("save: %v %v", problems, err)
		}
	}
}

// Settings stored by a newer ritualbot stop this one at start with a clear message and the
// configuration's exit status, and are left as they are.
func TestNewerSettingsAreRefusedAtStart(t *testing.T) {
	cfg, err := baseConfig("http://127.0.0.1:1/", filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(cfg.Store.Path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := bolt.Open(cfg.Store.Path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	newer := []byte(`{"format":2,"record":{"ritual":"coffee","channel":"C1","config":"x","by":"U1"}}`)
	if err := raw.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("settings")).Put([]byte("channel/coffee/C1"), newer) }); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	m := &Main{Config: cfg}
	err = m.Open()
	if err == nil {
		m.Close()
		t.Fatal("a bot opened settings stored by a newer version")
	}
	if !strings.Contains(err.Error(), "stored by a newer ritualbot (format 2; this binary reads up to 1): upgrade ritualbot") || exitCode(err) != exitConfig {
		t.Errorf("Open = %v (exit %d); want the newer settings named, and exit %d", err, exitCode(err), exitConfig)
	}
}

// The form reads back the weekly schedules it writes, and those written by hand in the file.
func TestReadSchedule(t *testing.T) {
	for spec, want := range map[string]string{
		"CRON_TZ=America/New_York 30 9 * * tue": "Tuesdays 09:30 America/New_York",
		"0 16 * * FRI":                          "Fridays 16:00 Europe/Berlin",
		weekly{day: "SUN", time: "23:30", zone: "Asia/Kolkata"}.cronSpec(): "Sundays 23:30 Asia/Kolkata",
	} {
		w, ok := readSchedule(spec, "Europe/Berlin")
		if !ok || w.String() != want {
			t.Errorf("readSchedule(%q) = %q, %v; want %q", spec, w, ok, want)
		}
	}
	if _, ok := readSchedule("0 11 1,15 * *", "UTC"); ok {
		t.Error("a monthly schedule read as a weekly one")
	}
}

// check while the bot runs says it cannot show the settings made in Slack, and where to look.
func TestCheckWhileTheBotRuns(t *testing.T) {
	h := settingsBot(t, sundayNoon(t))
	path := filepath.Join(t.TempDir(), "ritualbot.yaml")
	if err := os.WriteFile(path, []byte("admins: [U01ANA]\nstore:\n  path: "+h.main.Config.Store.Path+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := runMain(t.Context(), []string{"check", "-config", path}, &out, &errOut); err != nil {
		t.Fatalf("check: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(errOut.String(), "settings made in Slack are not shown here; `ritualbot status` shows them") {
		t.Errorf("check while the bot runs warned:\n%s", errOut.String())
	}
}
