package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ritualbot/ritualbot/store"
)

// This file shows the effective settings, the file's and those made in Slack, on the command
// line: `check` and `status` say where each comes from, `export-config` prints them all as a
// configuration file, so that an operator can move back to a file.

// withStoredSettings returns cfg with the settings made in Slack read from its database
// without changing it, and a warning for each thing a person should know (the bot holds the
// file, the file will override a Slack setting at the next start).
func withStoredSettings(cfg *Config) (*Config, []string, error) {
	stored, admins, err := store.ReadSettings(cfg.Store.Path)
	switch {
	case errors.Is(err, store.ErrInUse):
		return cfg, []string{"the running bot holds the database, so settings made in Slack are not shown here; `ritualbot status` shows them"}, nil
	case err != nil:
		return nil, nil, err
	}
	merged, overridden, invalid, err := mergeStored(cfg.fileOnly(), stored)
	if err != nil {
		return nil, nil, err
	}
	var warnings []string
	for _, rs := range overridden {
		warnings = append(warnings, fmt.Sprintf("%s in %s is in the file and was also set up in Slack by %s: the file's settings win at the next start", rs.Ritual, rs.Channel, rs.By))
	}
	warnings = append(warnings, invalid...)
	for _, a := range admins.Users {
		if !merged.IsAdmin(a) {
			merged.Admins = append(merged.Admins, a)
		}
	}
	return merged, warnings, nil
}

// sourceNote says where a ritual channel's settings come from, for check and status.
func sourceNote(rc *RitualChannel) string {
	switch {
	case rc.made != nil && rc.made.Paused:
		return fmt.Sprintf("%s by %s on %s, paused", sourceSlack, rc.made.By, rc.made.At.Format("2006-01-02"))
	case rc.made != nil:
		return fmt.Sprintf("%s by %s on %s", sourceSlack, rc.made.By, rc.made.At.Format("2006-01-02"))
	case rc.Settings == "slack":
		return sourceFile + ", handed over to Slack"
	}
	return sourceFile
}

// formatSettings lists every ritual channel with its schedule and where its settings come from.
func formatSettings(cfg *Config) string {
	var b strings.Builder
	b.WriteString("Rituals:\n")
	any := false
	for _, r := range cfg.Rituals() {
		for _, rc := range r.Channels {
			any = true
			fmt.Fprintf(&b, "  %s in %s: %s (%s)\n", r.Name, rc.Channel, describeSchedule(rc.Schedule, rc.EveryWeeks, cfg.Timezone), sourceNote(rc))
		}
	}
	if !any {
		b.WriteString("  none yet: admins set them up on the bot's Home tab, or add them to the file\n")
	}
	return b.String()
}

// effective returns the settings in force now, the file's with those made in Slack.
func (m *Main) effective() *Config {
	m.settings.state.RLock()
	defer m.settings.state.RUnlock()
	return m.settings.cfg
}

func cmdExportConfig(args []string, stdout, stderr io.Writer) error {
	cfg, err := configFlag("export-config", args, stderr)
	if err != nil {
		return err
	}
	merged, warnings, err := withStoredSettings(cfg)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	text, err := exportYAML(merged)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, text)
	return err
}

// exportYAML writes the whole effective configuration as a configuration file. Secrets never
// are in it: tokens come from the environment.
func exportYAML(cfg *Config) (string, error) {
	doc := map[string]any{
		"command":  cfg.Command,
		"timezone": cfg.Timezone,
		"admins":   cfg.Admins,
		"log":      cfg.Log,
	}
	st := map[string]any{"path": cfg.Store.Path, "lock_timeout": cfg.Store.LockTimeout}
	if cfg.Store.Backup.Dir != "" {
		st["backup"] = cfg.Store.Backup
	}
	doc["store"] = st
	if cfg.Slack.APIURL != "" || cfg.Slack.Debug {
		doc["slack"] = cfg.Slack
	}
	if cfg.Ops.Listen != "" {
		doc["ops"] = cfg.Ops
	}
	if cfg.Retention != (RetentionConfig{}) {
		doc["retention"] = cfg.Retention
	}
	var paused []string
	for _, r := range ritualNames {
		sec, _ := cfg.section(r)
		var entries []any
		for i := range sec.Len() {
			rc := channelOf(sec.Index(i))
			if rc.paused() {
				paused = append(paused, fmt.Sprintf("%s in %s", r, rc.Channel))
				continue
			}
			entries = append(entries, entryMap(sec.Index(i)))
		}
		if len(entries) > 0 {
			doc[sectionKey(r)] = entries
		}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return "", err
	}
	head := "# The effective configuration of ritualbot: the file's settings and those made in Slack.\n" +
		"# Tokens are not here: they come from SLACK_BOT_TOKEN and SLACK_APP_TOKEN.\n"
	if len(paused) > 0 {
		head += "# Paused in Slack, so left out: " + strings.Join(paused, ", ") + ".\n"
	}
	return head + string(out), nil
}
