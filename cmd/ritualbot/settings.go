package main

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/store"
)

// This file merges the settings admins made in Slack (stored in the database) with the
// configuration file. The file is the operator's bootstrap; a channel it lists stays managed by
// it unless its entry says `settings: slack`. A ritual's settings made in Slack are kept as the
// YAML of its entry in the file's own keys, so the file's parsing and Validate check them: one
// set of rules and one set of messages, in `check` and in the Home tab's form alike.

// madeInSlack says who set a ritual up in Slack, and whether it is paused.
type madeInSlack struct {
	By     string
	At     time.Time
	Paused bool
}

// sources of a ritual's settings, as check, status and export-config name them.
const (
	sourceFile  = "configuration file"
	sourceSlack = "set up in Slack"
)

// source says where rc's settings come from.
func (rc *RitualChannel) source() string {
	if rc.made != nil {
		return sourceSlack
	}
	return sourceFile
}

// slackManaged reports whether admins may change rc in Slack.
func (rc *RitualChannel) slackManaged() bool { return rc.made != nil || rc.Settings == "slack" }

// paused reports whether rc was paused in Slack.
func (rc *RitualChannel) paused() bool { return rc.made != nil && rc.made.Paused }

// MarshalYAML writes a Duration the way people write it in the file.
func (d Duration) MarshalYAML() (any, error) { return formatDuration(time.Duration(d)), nil }

// MarshalYAML writes teams the way the file does: "usergroups" or the mapping of teams.
func (t TeamsConfig) MarshalYAML() (any, error) {
	if t.UserGroups {
		return teamsFromUserGroups, nil
	}
	return t.Members, nil
}

// formatDuration writes whole weeks and days as 2w and 3d, anything else as Go does (90m0s).
func formatDuration(d time.Duration) string {
	const day, week = 24 * time.Hour, 7 * 24 * time.Hour
	switch {
	case d > 0 && d%week == 0:
		return fmt.Sprintf("%dw", d/week)
	case d > 0 && d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d > 0 && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d > 0 && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// ritualNames are the rituals that can be set up, in the order the Home tab shows them.
var ritualNames = []string{"coffee", "icebreaker", "digest", "feedback"}

// sectionKey is the file's key of a ritual's list of channels.
func sectionKey(ritual string) string {
	if ritual == "icebreaker" {
		return "icebreakers"
	}
	return ritual
}

// section returns the (settable) slice of cfg holding ritual's channels.
func (c *Config) section(ritual string) (reflect.Value, error) {
	v := reflect.ValueOf(c).Elem()
	key := sectionKey(ritual)
	for i := range v.NumField() {
		if name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ","); name == key && slices.Contains(ritualNames, ritual) {
			return v.Field(i), nil
		}
	}
	return reflect.Value{}, &rituals.PersonError{Err: errors.New("that is not a ritual: use coffee, icebreaker, digest or feedback")}
}

// channelOf returns the settings every ritual has, inside one entry of a section.
func channelOf(entry reflect.Value) *RitualChannel {
	return entry.FieldByName("RitualChannel").Addr().Interface().(*RitualChannel)
}

// find returns the index of ritual's entry for channel, or -1.
func (c *Config) find(ritual, channel string) int {
	sec, err := c.section(ritual)
	if err != nil {
		return -1
	}
	for i := range sec.Len() {
		if channelOf(sec.Index(i)).Channel == channel {
			return i
		}
	}
	return -1
}

// clone copies c deeply enough that changing its sections leaves c alone.
func (c *Config) clone() *Config {
	out := *c
	for _, r := range ritualNames {
		sec, _ := out.section(r)
		cp := reflect.MakeSlice(sec.Type(), sec.Len(), sec.Len())
		reflect.Copy(cp, sec)
		sec.Set(cp)
	}
	return &out
}

// fileOnly returns c without the entries made in Slack (a Config that was merged before, when
// a test or the demo opens it again).
func (c *Config) fileOnly() *Config {
	out := c.clone()
	for _, r := range ritualNames {
		sec, _ := out.section(r)
		kept := reflect.MakeSlice(sec.Type(), 0, sec.Len())
		for i := range sec.Len() {
			if channelOf(sec.Index(i)).made == nil {
				kept = reflect.Append(kept, sec.Index(i))
			}
		}
		sec.Set(kept)
	}
	return out
}

// withEntry returns a copy of c with entry (one element of ritual's section) in place of the
// channel's entry, or added; and the entry's index.
func (c *Config) withEntry(ritual string, entry reflect.Value) (*Config, int) {
	out := c.clone()
	sec, _ := out.section(ritual)
	if i := out.find(ritual, channelOf(entry).Channel); i >= 0 {
		sec.Index(i).Set(entry)
		return out, i
	}
	sec.Set(reflect.Append(sec, entry))
	return out, sec.Len() - 1
}

// without returns a copy of c without ritual's entry for channel.
func (c *Config) without(ritual, channel string) *Config {
	out := c.clone()
	sec, _ := out.section(ritual)
	if i := out.find(ritual, channel); i >= 0 {
		kept := reflect.AppendSlice(sec.Slice(0, i), sec.Slice(i+1, sec.Len()))
		sec.Set(kept)
	}
	return out
}

// decodeEntry reads one entry of ritual's section from the YAML of the file's keys, with the
// file's defaults. Problems name the field as the file would (coffee[0].group_size).
func decodeEntry(ritual, text string) (reflect.Value, error) {
	var entry any
	if err := yaml.Unmarshal([]byte(text), &entry); err != nil {
		return reflect.Value{}, err
	}
	doc, err := yaml.Marshal(map[string]any{sectionKey(ritual): []any{entry}})
	if err != nil {
		return reflect.Value{}, err
	}
	cfg, err := ParseConfig(strings.NewReader(string(doc)), false)
	if err != nil {
		return reflect.Value{}, err
	}
	sec, err := cfg.section(ritual)
	if err != nil {
		return reflect.Value{}, err
	}
	if sec.Len() != 1 {
		return reflect.Value{}, fmt.Errorf("the settings of %s hold no entry", ritual)
	}
	return sec.Index(0), nil
}

// entryMap is an entry as a map of the file's keys: nil lists and pointers, empty strings and
// the settings key are left out, so that defaults stay defaults.
func entryMap(entry reflect.Value) map[string]any {
	out := map[string]any{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			fv := v.Field(i)
			switch {
			case strings.Contains(opts, "inline"):
				walk(fv)
				continue
			case name == "settings" || name == "-":
				continue
			case (fv.Kind() == reflect.Slice || fv.Kind() == reflect.Pointer) && fv.IsNil():
				continue
			case fv.Kind() == reflect.String && fv.String() == "":
				continue
			case fv.Kind() == reflect.Struct && fv.IsZero(): // e.g. no teams
				continue
			}
			out[name] = fv.Interface()
		}
	}
	walk(entry)
	return out
}

// encodeEntry writes an entry as the YAML of the file's keys.
func encodeEntry(entry reflect.Value) (string, error) {
	b, err := yaml.Marshal(entryMap(entry))
	return string(b), err
}

// fieldProblems splits a Validate error into the problems of the entry at prefix (e.g.
// "coffee[2]"), keyed by the field after it ("group_size"; "" for the entry as a whole), and
// the others.
func fieldProblems(err error, prefix string) (mine map[string]string, others []string) {
	mine = map[string]string{}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		field, msg, ok := strings.Cut(line, ": ")
		rest, isMine := strings.CutPrefix(field, prefix)
		if !ok || !isMine || (rest != "" && rest[0] != '.') {
			others = append(others, line)
			continue
		}
		key := strings.TrimPrefix(rest, ".")
		key, _, _ = strings.Cut(key, "[") // questions[1].text → questions
		if mine[key] != "" {
			msg = mine[key] + "; " + msg
		}
		mine[key] = msg
	}
	return mine, others
}

// mergeStored applies the settings made in Slack to cfg, which holds the file's: a channel the
// file manages keeps the file's settings (overridden lists the stored settings it replaced), the
// others take the stored settings. A stored setting that is no longer valid (a questions file
// gone) is left out, with a note for the admins in invalid.
func mergeStored(cfg *Config, stored []store.RitualSettings) (merged *Config, overridden []store.RitualSettings, invalid []string, err error) {
	for _, rs := range stored {
		if i := cfg.find(rs.Ritual, rs.Channel); i >= 0 {
			sec, _ := cfg.section(rs.Ritual)
			if !channelOf(sec.Index(i)).slackManaged() {
				overridden = append(overridden, rs)
				continue
			}
		}
		entry, err := decodeEntry(rs.Ritual, rs.Config)
		if err == nil && rs.Ritual == "feedback" && len(cfg.Feedback) == 0 {
			err = errFeedbackNeedsFile
		}
		if err == nil {
			channelOf(entry).made = &madeInSlack{By: rs.By, At: rs.At, Paused: rs.Paused}
			next, _ := cfg.withEntry(rs.Ritual, entry)
			if err = next.Validate(); err == nil {
				cfg = next
				continue
			}
		}
		invalid = append(invalid, fmt.Sprintf("The settings made in Slack for %s in <#%s> are not valid any more, so it does not run: %s. Edit it on my Home tab to fix it.",
			rs.Ritual, rs.Channel, err))
	}
	if err := cfg.Validate(); err != nil { // sets the specs of the merged entries
		return nil, nil, nil, err
	}
	return cfg, overridden, invalid, nil
}

// overrideNote tells the admins that the file replaced a setting made in Slack.
func overrideNote(rs store.RitualSettings) string {
	return fmt.Sprintf("The configuration file manages %s in <#%s>, so at start-up it replaced the settings <@%s> made in Slack on %s. "+
		"To manage it in Slack again, add `settings: slack` to its entry in the file.", rs.Ritual, rs.Channel, rs.By, rs.At.Format("2 Jan 2006"))
}

// errFeedbackNeedsFile refuses anonymous feedback made in Slack while the file configures none:
// the app's manifest then grants im:history, with which the bot's token could read the one-time
// tokens in the prompts' buttons and trace answers.
var errFeedbackNeedsFile = errors.New("anonymous feedback is set up in Slack only while the configuration file has a feedback entry too, " +
	"so that the app's manifest leaves out im:history and nobody can trace answers; add one to the file and update the app from `ritualbot manifest`")

// errManagedInFile refuses a change in Slack to a channel the file manages.
var errManagedInFile = errors.New("managed in the configuration file")

// timeDuration converts a Duration.
func timeDuration(d Duration) time.Duration { return time.Duration(d) }
