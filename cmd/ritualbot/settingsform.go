package main

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ritualbot/ritualbot/bot"
)

// This file is the Home tab's form for one ritual in one channel: Slack's pickers for the
// channel, the weekday, the time and the zone (the file's cron spec is built from them), and
// each ritual's own settings under the file's keys, so that Validate checks them and its
// messages land on the field that is wrong.

// Keys of the form's fields that are not keys of the file.
const (
	fieldChannel     = "channel"
	fieldDay         = "day"
	fieldTime        = "time"
	fieldZone        = "zone"
	fieldCheckinDay  = "checkin_day"
	fieldCheckinTime = "checkin_time"
	// fieldWhole is where a problem of the whole form shows: on its first field every form has.
	fieldWhole = fieldDay
)

// weekdays are the days a schedule can name, as cron writes them and as people read them.
var weekdays = []bot.SettingOption{
	{Value: "MON", Label: "Mondays"}, {Value: "TUE", Label: "Tuesdays"}, {Value: "WED", Label: "Wednesdays"},
	{Value: "THU", Label: "Thursdays"}, {Value: "FRI", Label: "Fridays"}, {Value: "SAT", Label: "Saturdays"}, {Value: "SUN", Label: "Sundays"},
}

// zones are the time zones the form offers (Slack allows 100 options); a zone set in the file
// and not listed is added to the list of its own form.
var zones = []string{
	"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
	"Europe/Rome", "Europe/Amsterdam", "Europe/Brussels", "Europe/Zurich", "Europe/Vienna", "Europe/Stockholm",
	"Europe/Oslo", "Europe/Copenhagen", "Europe/Helsinki", "Europe/Warsaw", "Europe/Prague", "Europe/Athens",
	"Europe/Bucharest", "Europe/Kyiv", "Europe/Istanbul", "Africa/Lagos", "Africa/Cairo", "Africa/Nairobi",
	"Africa/Johannesburg", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok",
	"Asia/Jakarta", "Asia/Singapore", "Asia/Manila", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei",
	"Asia/Seoul", "Asia/Tokyo", "Australia/Perth", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney",
	"Pacific/Auckland", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Vancouver",
	"America/Denver", "America/Phoenix", "America/Chicago", "America/Mexico_City", "America/New_York",
	"America/Toronto", "America/Halifax", "America/Bogota", "America/Lima", "America/Santiago",
	"America/Buenos_Aires", "America/Sao_Paulo", "Atlantic/Reykjavik",
}

// simpleSchedule matches the cron specs the form can show: one weekday at one time.
var simpleSchedule = regexp.MustCompile(`^(?:CRON_TZ=(\S+)\s+)?(\d{1,2})\s+(\d{1,2})\s+\*\s+\*\s+(?i:(MON|TUE|WED|THU|FRI|SAT|SUN))$`)

// weekly is a schedule as the form shows it.
type weekly struct{ day, time, zone string }

// readSchedule reads spec as a weekday and a time; ok is false for a spec the form cannot show.
func readSchedule(spec, defaultZone string) (w weekly, ok bool) {
	m := simpleSchedule.FindStringSubmatch(strings.TrimSpace(spec))
	if m == nil {
		return weekly{day: "MON", time: "10:00", zone: defaultZone}, false
	}
	minute, _ := strconv.Atoi(m[2])
	hour, _ := strconv.Atoi(m[3])
	zone := defaultZone
	if m[1] != "" {
		zone = m[1]
	}
	return weekly{day: strings.ToUpper(m[4]), time: fmt.Sprintf("%02d:%02d", hour, minute), zone: zone}, true
}

// cronSpec writes a weekly schedule as the file's cron spec.
func (w weekly) cronSpec() string {
	hour, minute, _ := strings.Cut(w.time, ":")
	h, _ := strconv.Atoi(hour)
	m, _ := strconv.Atoi(minute)
	return fmt.Sprintf("CRON_TZ=%s %d %d * * %s", w.zone, m, h, w.day)
}

// String says the schedule as people do: "Tuesdays 10:00 Europe/Berlin".
func (w weekly) String() string {
	day := w.day
	for _, d := range weekdays {
		if d.Value == w.day {
			day = d.Label
		}
	}
	return day + " " + w.time + " " + w.zone
}

// describeSchedule says spec in words when the form can show it, as cron otherwise.
func describeSchedule(spec string, everyWeeks int, defaultZone string) string {
	text := "`" + spec + "`"
	if w, ok := readSchedule(spec, defaultZone); ok {
		text = w.String()
	}
	if everyWeeks > 1 {
		text += fmt.Sprintf(", every %d weeks", everyWeeks)
	}
	return text
}

func timeOptions() []bot.SettingOption {
	var out []bot.SettingOption
	for h := range 24 {
		for _, m := range []int{0, 30} {
			t := fmt.Sprintf("%02d:%02d", h, m)
			out = append(out, bot.SettingOption{Value: t, Label: t})
		}
	}
	return out
}

func zoneOptions(current string) []bot.SettingOption {
	list := zones
	if !slices.Contains(list, current) {
		list = append([]string{current}, list...)
	}
	var out []bot.SettingOption
	for _, z := range list {
		out = append(out, bot.SettingOption{Value: z, Label: z})
	}
	return out
}

func choices(values ...string) []bot.SettingOption {
	var out []bot.SettingOption
	for _, v := range values {
		out = append(out, bot.SettingOption{Value: v, Label: v})
	}
	return out
}

// everyWeeksOptions are the choices of every_weeks.
var everyWeeksOptions = []bot.SettingOption{{Value: "1", Label: "every week"}, {Value: "2", Label: "every 2 weeks"},
	{Value: "3", Label: "every 3 weeks"}, {Value: "4", Label: "every 4 weeks"}}

// ritualFields are each ritual's own fields, under the file's keys, without values.
func ritualFields(ritual string) []bot.SettingField {
	check := func(key, label, text string) bot.SettingField {
		return bot.SettingField{Key: key, Label: label, Kind: bot.FieldCheck, Hint: text}
	}
	switch ritual {
	case "coffee":
		return []bot.SettingField{
			{Key: "group_size", Label: "People per group", Kind: bot.FieldSelect, Options: choices("2", "3", "4")},
			{Key: "follow_up_after", Label: "Ask \"did you meet?\" after", Kind: bot.FieldText, Optional: true,
				Hint: "e.g. 3d or 72h; empty means half the round"},
			check("opt_in", "Opt-in", "People join with the slash command (otherwise every member takes part)"),
			check("guests", "Guests", "Guest accounts take part"),
			check("summary", "Summary", "Post one line in the channel after each round"),
			{Key: "working_hours", Label: "Working hours", Kind: bot.FieldText, Optional: true,
				Hint: "For people who set none, in each person's own zone, e.g. 09:00-17:00 mon-fri (the default when empty)"},
			{Key: "pause_after_ignored", Label: "Pause someone after this many silent rounds", Kind: bot.FieldText, Optional: true,
				Hint: "0 never pauses; empty means 3"},
		}
	case "icebreaker":
		return []bot.SettingField{
			{Key: "close_after", Label: "Close the round after", Kind: bot.FieldSelect, Options: choices("2h", "6h", "12h", "1d", "2d", "3d")},
			check("approval", "Approval", "Suggested questions wait for an admin's approval"),
		}
	case "digest":
		return []bot.SettingField{
			check("local_time", "Local time", "Ask each person at that time in their own time zone"),
			check("guests", "Guests", "Guest accounts are asked too"),
			{Key: "reminders", Label: "Remind those without an update, before the post", Kind: bot.FieldText, Optional: true,
				Hint: "e.g. 4h, or 4h, 1h for two reminders; none for no reminder; empty for the default (4h)"},
		}
	case "feedback":
		return []bot.SettingField{
			{Key: "open_for", Label: "Collect answers for", Kind: bot.FieldSelect, Options: choices("1d", "2d", "3d", "5d", "1w")},
			{Key: "min_answers", Label: "Smallest batch released", Kind: bot.FieldText,
				Hint: "At least 3: fewer answers wait for the next round, so nobody can be singled out."},
			{Key: "responders", Label: "Who may respond to released feedback", Kind: bot.FieldUsers, Optional: true,
				Hint: "Empty: the admins."},
		}
	}
	return nil
}

// intKeys are the file's keys whose values are whole numbers.
var intKeys = []string{"every_weeks", "group_size", "min_answers", "pause_after_ignored"}

// Form implements bot.SettingsAdmin.
func (a settingsAdmin) Form(ritual, channel string) (bot.SettingsForm, error) {
	m := a.m
	m.settings.mu.Lock()
	defer m.settings.mu.Unlock()
	form := bot.SettingsForm{Ritual: ritual, Channel: channel, Title: "Set up " + ritual}
	values := map[string]any{}
	if channel != "" {
		e, err := m.slackEntry(ritual, channel)
		if err != nil {
			return form, err
		}
		values = entryMap(e)
		form.Title = "Edit " + ritual
		form.Note = fmt.Sprintf("*%s* in <#%s>", ritual, channel)
		form.Fields = append(form.Fields, bot.SettingField{Key: fieldChannel, Label: "Channel", Kind: bot.FieldChannel, Value: channel,
			Hint: "Another channel moves it there; who met whom stays with this one."})
	} else {
		if _, err := m.settings.cfg.section(ritual); err != nil {
			return form, err
		}
		form.Fields = append(form.Fields, bot.SettingField{Key: fieldChannel, Label: "Channel", Kind: bot.FieldChannel,
			Hint: "I must be a member: type /invite @ritualbot in the channel first."})
		text := "channel: C0\nschedule: 0 10 * * MON\n"
		if ritual == "digest" {
			text += "checkin_schedule: 0 10 * * THU\n"
		}
		defaults, err := decodeEntry(ritual, text)
		if err != nil {
			return form, err
		}
		values = entryMap(defaults)
	}
	zone := m.settings.cfg.Timezone
	post, ok := readSchedule(fmt.Sprint(values["schedule"]), zone)
	if channel != "" && !ok {
		form.Note += fmt.Sprintf("\nIts schedule is `%s`, which this form cannot show; saving replaces it with the day and time below.", values["schedule"])
	}
	dayLabel, timeLabel := "Day", "Time"
	if ritual == "digest" {
		dayLabel, timeLabel = "Digest posted on", "at"
	}
	form.Fields = append(form.Fields,
		bot.SettingField{Key: fieldDay, Label: dayLabel, Kind: bot.FieldSelect, Options: weekdays, Value: post.day},
		bot.SettingField{Key: fieldTime, Label: timeLabel, Kind: bot.FieldSelect, Options: timeOptions(), Value: post.time})
	if ritual == "digest" {
		checkin, _ := readSchedule(fmt.Sprint(values["checkin_schedule"]), post.zone)
		form.Fields = append(form.Fields,
			bot.SettingField{Key: fieldCheckinDay, Label: "Updates asked for on", Kind: bot.FieldSelect, Options: weekdays, Value: checkin.day},
			bot.SettingField{Key: fieldCheckinTime, Label: "at", Kind: bot.FieldSelect, Options: timeOptions(), Value: checkin.time})
	}
	form.Fields = append(form.Fields,
		bot.SettingField{Key: fieldZone, Label: "Time zone", Kind: bot.FieldSelect, Options: zoneOptions(post.zone), Value: post.zone},
		bot.SettingField{Key: "every_weeks", Label: "How often", Kind: bot.FieldSelect, Options: everyWeeksOptions, Value: fmt.Sprint(values["every_weeks"])})
	for _, f := range ritualFields(ritual) {
		if v, ok := values[f.Key]; ok && !(f.Optional && channel == "") { // a new form leaves defaults empty
			f.Value = show(v)
			if f.Key == "reminders" && f.Value == "" {
				f.Value = "none"
			}
		}
		form.Fields = append(form.Fields, f)
	}
	return form, nil
}

// applyForm writes a submitted form's values into base, an entry as a map of the file's keys.
func applyForm(ritual string, base map[string]any, values map[string]string) error {
	zone := values[fieldZone]
	base["schedule"] = weekly{day: values[fieldDay], time: values[fieldTime], zone: zone}.cronSpec()
	if ritual == "digest" {
		base["checkin_schedule"] = weekly{day: values[fieldCheckinDay], time: values[fieldCheckinTime], zone: zone}.cronSpec()
	}
	fields := append(ritualFields(ritual), bot.SettingField{Key: "every_weeks", Kind: bot.FieldSelect})
	for _, f := range fields {
		v, ok := values[f.Key]
		switch {
		case !ok:
		case f.Kind == bot.FieldCheck:
			base[f.Key] = v == "true"
		case strings.TrimSpace(v) == "" && f.Optional:
			delete(base, f.Key) // the default
		case f.Kind == bot.FieldUsers || f.Key == "reminders":
			base[f.Key] = listValue(v)
		case slices.Contains(intKeys, f.Key):
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				base[f.Key] = n
			} else {
				base[f.Key] = v // the file's parser names the field and the problem
			}
		default:
			base[f.Key] = strings.TrimSpace(v)
		}
	}
	return nil
}

// listValue reads "4h, 1h" or "U1,U2" as a list; "none" is the empty list.
func listValue(v string) []string {
	out := []string{}
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" && !strings.EqualFold(item, "none") {
			out = append(out, item)
		}
	}
	return out
}

// yamlText writes an entry's map as YAML.
func yamlText(entry map[string]any) (string, error) {
	b, err := yaml.Marshal(entry)
	return string(b), err
}

// formProblems moves problems from the file's keys to the form's fields.
func formProblems(ritual string, byKey map[string]string) map[string]string {
	out := map[string]string{}
	shown := map[string]bool{fieldChannel: true, "every_weeks": true}
	for _, f := range ritualFields(ritual) {
		shown[f.Key] = true
	}
	for key, msg := range byKey {
		switch {
		case key == "schedule":
			key = fieldTime
		case key == "checkin_schedule":
			key = fieldCheckinTime
		case !shown[key]:
			if key != "" {
				msg = key + ": " + msg
			}
			key = fieldWhole
		}
		if out[key] != "" {
			msg = out[key] + "; " + msg
		}
		out[key] = msg
	}
	return out
}

// summarize says a ritual's settings in one channel in a few words, for the Home tab.
func summarize(cfg *Config, ritual, channel string) string {
	e, ok := entryIn(cfg, ritual, channel)
	if !ok {
		return ""
	}
	rc := channelOf(e)
	parts := []string{describeSchedule(rc.Schedule, rc.EveryWeeks, cfg.Timezone)}
	switch c := e.Interface().(type) {
	case CoffeeConfig:
		parts = append(parts, fmt.Sprintf("groups of %d", c.GroupSize))
		if c.OptIn {
			parts = append(parts, "opt-in")
		}
	case IcebreakerConfig:
		parts = append(parts, "closes after "+formatDuration(timeDuration(c.CloseAfter)))
	case DigestConfig:
		parts[0] = "posted " + parts[0]
		parts = append(parts, "updates asked "+describeSchedule(c.CheckinSchedule, 1, cfg.Timezone))
	case FeedbackConfig:
		parts = append(parts, fmt.Sprintf("open for %s, batches of %d or more", formatDuration(timeDuration(c.OpenFor)), c.MinAnswers))
	}
	text := strings.Join(parts, " · ")
	if rc.made != nil {
		text += fmt.Sprintf("\n_Set up in Slack; last changed by <@%s>._", rc.made.By)
	}
	return text
}

// describeChange says what an admin changed, for the other admins: "<@U> moved coffee in
// <#C> to Tuesdays 10:00 Europe/Berlin." from is where it ran before (old's channel).
func describeChange(by, ritual, from string, old, now reflect.Value) string {
	rc := channelOf(now)
	channel := rc.Channel
	when := describeSchedule(rc.Schedule, rc.EveryWeeks, "UTC")
	switch {
	case !old.IsValid():
		return fmt.Sprintf("<@%s> set up %s in <#%s>: %s.", by, ritual, channel, when)
	case from != channel:
		return fmt.Sprintf("<@%s> moved %s from <#%s> to <#%s>: %s.", by, ritual, from, channel, when)
	}
	before, after := entryMap(old), entryMap(now)
	var changes []string
	moved := false
	keys := make([]string, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		was, is := show(before[k]), show(after[k])
		if was == is {
			continue
		}
		if k == "schedule" || k == "every_weeks" {
			moved = true
			continue
		}
		changes = append(changes, fmt.Sprintf("%s %s (was %s)", k, is, was))
	}
	var text string
	switch {
	case moved:
		text = fmt.Sprintf("<@%s> moved %s in <#%s> to %s", by, ritual, channel, when)
		if len(changes) > 0 {
			text += "; " + strings.Join(changes, ", ")
		}
	case len(changes) > 0:
		text = fmt.Sprintf("<@%s> changed %s in <#%s>: %s", by, ritual, channel, strings.Join(changes, ", "))
	default:
		text = fmt.Sprintf("<@%s> saved %s in <#%s> without changes", by, ritual, channel)
	}
	return text + "."
}

// show writes a setting's value as the file would ("none" for none).
func show(v any) string {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "none"
		}
		return show(rv.Elem().Interface())
	}
	switch x := v.(type) {
	case nil:
		return "none"
	case Duration:
		return formatDuration(timeDuration(x))
	case []Duration:
		var out []string
		for _, d := range x {
			out = append(out, formatDuration(timeDuration(d)))
		}
		return strings.Join(out, ", ")
	case []string:
		return strings.Join(x, ",")
	}
	return fmt.Sprint(v)
}
