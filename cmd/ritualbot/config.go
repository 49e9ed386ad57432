package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/store"
)

// Config is the whole configuration file, parsed once at start-up.
type Config struct {
	// Command is the slash command, with its leading slash.
	Command string `yaml:"command"`
	// Timezone is the IANA zone used by schedules without CRON_TZ.
	Timezone string `yaml:"timezone"`
	// Admins are the user ids allowed to run admin subcommands.
	Admins []string `yaml:"admins"`

	Slack SlackConfig `yaml:"slack"`
	Store StoreConfig `yaml:"store"`
	Log   LogConfig   `yaml:"log"`
	Ops   OpsConfig   `yaml:"ops"`
	// Retention removes old records every night.
	Retention RetentionConfig `yaml:"retention"`
	// Charts draws the rituals' last weeks as PNG charts and uploads them (the app then needs
	// files:write); off, the same numbers go as a text table only. Default true.
	Charts *bool `yaml:"charts"`

	Coffee      []CoffeeConfig     `yaml:"coffee"`
	Icebreakers []IcebreakerConfig `yaml:"icebreakers"`
	Digest      []DigestConfig     `yaml:"digest"`
	Feedback    []FeedbackConfig   `yaml:"feedback"`

	// location is Timezone, loaded by Validate.
	location *time.Location
}

// SlackConfig says how to reach Slack.
type SlackConfig struct {
	// APIURL points the client at another Slack host; empty means Slack's own.
	APIURL string `yaml:"api_url"`
	// Debug turns on slack-go's own debug log (never for feedback payloads).
	Debug bool `yaml:"debug"`
}

// StoreConfig locates the bbolt database.
type StoreConfig struct {
	// Path is the database file.
	Path string `yaml:"path"`
	// LockTimeout is how long to wait for another process to release the file.
	LockTimeout Duration `yaml:"lock_timeout"`
	// Backup makes copies of the database on a schedule.
	Backup BackupConfig `yaml:"backup"`
}

// BackupConfig makes scheduled backups.
type BackupConfig struct {
	// Dir receives the copies; empty turns scheduled backups off.
	Dir string `yaml:"dir"`
	// Schedule is a cron spec, e.g. "0 3 * * *".
	Schedule string `yaml:"schedule"`
	// Keep is how many copies to keep; default 7.
	Keep int `yaml:"keep"`

	spec schedule.Spec
}

// RetentionConfig says how long records are kept; zero keeps them forever.
type RetentionConfig struct {
	Checkins Duration `yaml:"checkins"`
	Kudos    Duration `yaml:"kudos"`
	Coffee   Duration `yaml:"coffee"`
}

// LogConfig sets the log output.
type LogConfig struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is text or json.
	Format string `yaml:"format"`
}

// OpsConfig configures the local operations listener.
type OpsConfig struct {
	// Listen is the address of /healthz and /metrics; empty turns it off.
	Listen string `yaml:"listen"`
}

// RitualChannel holds the settings every ritual has for one channel.
type RitualChannel struct {
	// Channel is the Slack channel id the ritual runs in.
	Channel string `yaml:"channel"`
	// Schedule is a cron spec, optionally prefixed by CRON_TZ=Zone.
	Schedule string `yaml:"schedule"`
	// EveryWeeks runs the schedule only every N weeks; 0 means every week.
	EveryWeeks int `yaml:"every_weeks"`
	// Grace is how late a missed run may still be caught up after a restart.
	Grace Duration `yaml:"grace"`
	// Settings says where this channel is managed: "file" (the default: read-only in Slack) or
	// "slack" (admins change it on the Home tab; the file's entry is where it starts).
	Settings string `yaml:"settings,omitempty"`

	spec schedule.Spec
	// made is set when the settings come from the database (made in Slack), not the file.
	made *madeInSlack
}

// CoffeeConfig is one channel's coffee pairings.
type CoffeeConfig struct {
	RitualChannel `yaml:",inline"`
	// GroupSize is how many people meet together, 2 to 4.
	GroupSize int `yaml:"group_size"`
	// FollowUpAfter is when groups without an answer are asked once whether they met; default
	// half the round.
	FollowUpAfter Duration `yaml:"follow_up_after"`
	// OptIn makes people join with /ritual coffee join; by default every member takes part.
	OptIn bool `yaml:"opt_in"`
	// Guests lets guest accounts take part.
	Guests bool `yaml:"guests"`
	// Summary posts one line in the channel after each round.
	Summary bool `yaml:"summary"`
	// WorkingHours are the hours of people who set none, like "09:00-17:00 mon-fri" (the default)
	// in each person's own time zone: intros arrive and meeting times are proposed inside them.
	WorkingHours string `yaml:"working_hours"`
	// PauseAfterIgnored pauses someone whose group showed no sign of life (no button, no chosen
	// time, no message in the group DM) this many rounds in a row; 0 never pauses. Default 3.
	PauseAfterIgnored *int `yaml:"pause_after_ignored"`
	// Teams makes groups prefer people of different teams: "usergroups" or team: [user ids].
	Teams TeamsConfig `yaml:"teams"`

	hours coffee.Hours
}

// IcebreakerConfig is one channel's icebreaker questions.
type IcebreakerConfig struct {
	RitualChannel `yaml:",inline"`
	// CloseAfter is when the round is closed with a thank-you in the thread.
	CloseAfter Duration `yaml:"close_after"`
	// Approval sends suggestions to the admins first; default true.
	Approval *bool `yaml:"approval"`
	// Questions is a file of the team's own questions.
	Questions string `yaml:"questions"`
	// QuestionsMode is "extend" (default: added to the built-in bank) or "replace".
	QuestionsMode string `yaml:"questions_mode"`

	bank *questions.Bank
}

// DigestConfig is one channel's weekly digest.
type DigestConfig struct {
	RitualChannel `yaml:",inline"`
	// CheckinSchedule is when members are asked for their update.
	CheckinSchedule string `yaml:"checkin_schedule"`
	// CheckinGrace is how late a missed check-in may still be sent after a restart.
	CheckinGrace Duration `yaml:"checkin_grace"`
	// LocalTime asks each person at the check-in's clock time in their own zone; default true.
	LocalTime *bool `yaml:"local_time"`
	// Questions replace the default three (1 to 5); role "next" is shown back the next week,
	// role "help" opens the digest under help wanted.
	Questions []CheckinQuestion `yaml:"questions"`
	// Reminders say how long before the post those without an answer are reminded; default 4h,
	// [] for none.
	Reminders []Duration `yaml:"reminders"`
	// Guests lets guest accounts be asked.
	Guests bool `yaml:"guests"`

	checkinSpec schedule.Spec
}

// CheckinQuestion is one check-in question.
type CheckinQuestion struct {
	Text string `yaml:"text"`
	// Role is "", "next" or "help".
	Role string `yaml:"role"`
}

// FeedbackConfig is one channel's anonymous feedback prompts.
type FeedbackConfig struct {
	RitualChannel `yaml:",inline"`
	// OpenFor is how long a prompt collects answers.
	OpenFor Duration `yaml:"open_for"`
	// MinAnswers is the smallest batch ever released; at least 3.
	MinAnswers int `yaml:"min_answers"`
	// Responders may respond to released feedback; empty means the admins.
	Responders []string `yaml:"responders"`
}

// Duration is a time.Duration written as "90m", "72h", "3d" or "2w".
type Duration time.Duration

// UnmarshalYAML reads Go durations plus days (d) and weeks (w).
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// parseDuration accepts time.ParseDuration's forms and a whole number of days or weeks.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			if k, err := strconv.Atoi(n); err == nil && k >= 0 {
				return time.Duration(k) * unit, nil
			}
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a duration; write it like 90m, 72h, 3d or 2w", s)
	}
	return v, nil
}

// ParseConfig reads YAML from r, expanding ${VAR} from the environment inside values when
// expandEnv is set (never in the raw text, so a value cannot add keys), and fills defaults. An
// unknown key, an unset variable or a bad duration is reported with its path, e.g.
// coffee[0].schedule. Call Validate before use.
func ParseConfig(r io.Reader, expandEnv bool) (*Config, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var env *envRefs
	if expandEnv {
		raw, env = protectEnv(raw)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	cfg := &Config{}
	pathAt, err := prepareTree(&doc, reflect.TypeOf(cfg), env)
	if err != nil {
		return nil, err
	}
	if err := doc.Decode(cfg); err != nil {
		return nil, nameFields(err, pathAt)
	}
	cfg.setDefaults()
	return cfg, nil
}

// LoadConfig reads, parses and validates the file at path. Every error names the file.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, err := ParseConfig(f, true)
	if err != nil {
		return nil, prefixLines(path, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, prefixLines(path, err)
	}
	return cfg, nil
}

func (c *Config) setDefaults() {
	if c.Command == "" {
		c.Command = "/ritual"
	}
	if c.Timezone == "" {
		c.Timezone = "UTC"
	}
	if c.Store.Path == "" {
		c.Store.Path = "ritualbot.db"
	}
	if c.Store.LockTimeout == 0 {
		c.Store.LockTimeout = Duration(2 * time.Second)
	}
	if c.Store.Backup.Dir != "" && c.Store.Backup.Keep == 0 {
		c.Store.Backup.Keep = 7
	}
	if c.Charts == nil {
		yes := true
		c.Charts = &yes
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	for i := range c.Coffee {
		c.Coffee[i].defaults(24 * time.Hour)
		if c.Coffee[i].GroupSize == 0 {
			c.Coffee[i].GroupSize = 2
		}
		if c.Coffee[i].PauseAfterIgnored == nil {
			c.Coffee[i].PauseAfterIgnored = new(3)
		}
		if c.Coffee[i].FollowUpAfter == 0 {
			c.Coffee[i].FollowUpAfter = Duration(time.Duration(max(1, c.Coffee[i].EveryWeeks)) * 7 * 24 * time.Hour / 2)
		}
	}
	for i := range c.Icebreakers {
		ib := &c.Icebreakers[i]
		ib.defaults(6 * time.Hour)
		if ib.CloseAfter == 0 {
			ib.CloseAfter = Duration(24 * time.Hour)
		}
		if ib.Approval == nil {
			yes := true
			ib.Approval = &yes
		}
		if ib.QuestionsMode == "" {
			ib.QuestionsMode = "extend"
		}
	}
	for i := range c.Digest {
		c.Digest[i].defaults(6 * time.Hour)
	}
	for i := range c.Digest {
		if c.Digest[i].CheckinGrace == 0 {
			c.Digest[i].CheckinGrace = Duration(6 * time.Hour)
		}
		if c.Digest[i].LocalTime == nil {
			yes := true
			c.Digest[i].LocalTime = &yes
		}
	}
	for i := range c.Feedback {
		c.Feedback[i].defaults(24 * time.Hour)
		if c.Feedback[i].OpenFor == 0 {
			c.Feedback[i].OpenFor = Duration(72 * time.Hour)
		}
		if c.Feedback[i].MinAnswers == 0 {
			c.Feedback[i].MinAnswers = 3
		}
	}
}

func (r *RitualChannel) defaults(grace time.Duration) {
	if r.EveryWeeks == 0 {
		r.EveryWeeks = 1
	}
	if r.Grace == 0 {
		r.Grace = Duration(grace)
	}
}

// validationErrors collects every problem so a person can fix the file in one pass.
type validationErrors []string

func (v *validationErrors) add(field, format string, args ...any) {
	*v = append(*v, field+": "+fmt.Sprintf(format, args...))
}

func (v validationErrors) err() error {
	if len(v) == 0 {
		return nil
	}
	return errors.New(strings.Join(v, "\n"))
}

var (
	userIDPattern    = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	channelIDPattern = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)
	commandPattern   = regexp.MustCompile(`^/[a-z0-9_-]{1,31}$`)
)

// Validate checks every field and returns one line per problem, naming the field and the fix.
func (c *Config) Validate() error {
	var errs validationErrors
	if !commandPattern.MatchString(c.Command) {
		errs.add("command", "%q is not a slash command; use a slash and up to 31 lowercase letters, digits, - or _, e.g. /ritual", c.Command)
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		errs.add("timezone", "unknown time zone %q; use an IANA name such as Europe/Berlin or UTC", c.Timezone)
		loc = time.UTC
	}
	c.location = loc
	for i, id := range c.Admins {
		if !userIDPattern.MatchString(id) {
			errs.add(fmt.Sprintf("admins[%d]", i), "%q is not a Slack user id; copy it from the person's profile (⋮ → Copy member ID), e.g. U0123ABCD", id)
		}
	}
	if u := c.Slack.APIURL; u != "" && !(strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) {
		errs.add("slack.api_url", "%q must start with https:// (or be empty for Slack itself)", u)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs.add("log.level", "%q is not a level; use debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		errs.add("log.format", "%q is not a format; use text or json", c.Log.Format)
	}

	for i := range c.Coffee {
		field := fmt.Sprintf("coffee[%d]", i)
		c.Coffee[i].validate(field, loc, &errs)
		if g := c.Coffee[i].GroupSize; g < 2 || g > 4 {
			errs.add(field+".group_size", "%d is out of range; use 2, 3 or 4", g)
		}
		if round := time.Duration(c.Coffee[i].EveryWeeks) * 7 * 24 * time.Hour; c.Coffee[i].FollowUpAfter >= Duration(round) && round > 0 {
			errs.add(field+".follow_up_after", "%s is not within the round (%s); use e.g. half of it", time.Duration(c.Coffee[i].FollowUpAfter), round)
		}
		c.Coffee[i].validateCoffee(field, &errs)
		c.Coffee[i].Teams.validate(field+".teams", &errs)
	}
	for i := range c.Icebreakers {
		field := fmt.Sprintf("icebreakers[%d]", i)
		c.Icebreakers[i].validate(field, loc, &errs)
		c.Icebreakers[i].validateQuestions(field, &errs)
	}
	for i := range c.Digest {
		field := fmt.Sprintf("digest[%d]", i)
		c.Digest[i].validate(field, loc, &errs)
		if c.Digest[i].CheckinSchedule == "" {
			errs.add(field+".checkin_schedule", "missing; say when people are asked for their update, e.g. \"CRON_TZ=Europe/Berlin 0 10 * * THU\"")
		} else if spec, err := schedule.Parse(c.Digest[i].CheckinSchedule, 1, time.Time{}, loc); err != nil {
			errs.add(field+".checkin_schedule", "%v", err)
		} else {
			c.Digest[i].checkinSpec = spec
		}
		for j, q := range c.Digest[i].Questions {
			if strings.TrimSpace(q.Text) == "" {
				errs.add(fmt.Sprintf("%s.questions[%d].text", field, j), "missing; write the question people answer")
			}
			if q.Role != "" && q.Role != "next" && q.Role != "help" {
				errs.add(fmt.Sprintf("%s.questions[%d].role", field, j), "%q is not a role; use next, help or leave it out", q.Role)
			}
		}
		if !c.Digest[i].spec.IsZero() && !c.Digest[i].checkinSpec.IsZero() {
			if err := c.Digest[i].channel().Validate(); err != nil {
				errs.add(field, "%v", err)
			}
		}
	}
	for i := range c.Feedback {
		field := fmt.Sprintf("feedback[%d]", i)
		c.Feedback[i].validate(field, loc, &errs)
		if c.Feedback[i].MinAnswers < 3 {
			errs.add(field+".min_answers", "%d is too small to protect authors; use 3 or more", c.Feedback[i].MinAnswers)
		}
		if c.Feedback[i].OpenFor < Duration(time.Hour) {
			errs.add(field+".open_for", "%s is too short; give people at least 1h, e.g. 72h", time.Duration(c.Feedback[i].OpenFor))
		}
		for j, id := range c.Feedback[i].Responders {
			if !userIDPattern.MatchString(id) {
				errs.add(fmt.Sprintf("%s.responders[%d]", field, j), "%q is not a Slack user id, e.g. U0123ABCD", id)
			}
		}
	}
	if b := &c.Store.Backup; b.Dir != "" {
		if b.Schedule == "" {
			errs.add("store.backup.schedule", "missing; say when to back up, e.g. \"0 3 * * *\" for 03:00 every day")
		} else if spec, err := schedule.Parse(b.Schedule, 1, time.Time{}, loc); err != nil {
			errs.add("store.backup.schedule", "%v", err)
		} else {
			b.spec = spec
		}
		if b.Keep < 1 {
			errs.add("store.backup.keep", "%d keeps nothing; keep at least 1 copy", b.Keep)
		}
	} else if c.Store.Backup.Schedule != "" {
		errs.add("store.backup.dir", "missing; say where the copies go, e.g. /var/backups/ritualbot")
	}
	for name, d := range map[string]Duration{"checkins": c.Retention.Checkins, "kudos": c.Retention.Kudos, "coffee": c.Retention.Coffee} {
		if d != 0 && time.Duration(d) < store.MinRetention {
			errs.add("retention."+name, "%s is too short; keep at least %s (e.g. 52w), or 0 to keep forever", time.Duration(d), store.MinRetention)
		}
	}
	if c.Slack.Debug && len(c.Feedback) > 0 {
		errs.add("slack.debug", "must stay off while feedback is configured: slack-go's debug log prints every payload, which would let anyone with the logs trace anonymous answers")
	}
	c.checkDuplicateChannels(&errs)
	return errs.err()
}

// validateQuestions loads the team's question file and checks the icebreaker's own fields.
func (ib *IcebreakerConfig) validateQuestions(field string, errs *validationErrors) {
	if ib.CloseAfter < Duration(5*time.Minute) {
		errs.add(field+".close_after", "%s is too short; give people at least 5m to answer, e.g. 24h", time.Duration(ib.CloseAfter))
	}
	replace := false
	switch ib.QuestionsMode {
	case "extend":
	case "replace":
		replace = true
		if ib.Questions == "" {
			errs.add(field+".questions_mode", "replace needs a questions file to replace the built-in bank with; set questions: FILE")
		}
	default:
		errs.add(field+".questions_mode", "%q is not a mode; use extend or replace", ib.QuestionsMode)
	}
	ib.bank = questions.Icebreakers()
	if ib.Questions == "" {
		return
	}
	f, err := os.Open(ib.Questions)
	if err != nil {
		errs.add(field+".questions", "cannot read %s: %v", ib.Questions, err)
		return
	}
	defer f.Close()
	own, err := questions.Parse(f)
	if err != nil {
		errs.add(field+".questions", "%s: %v", ib.Questions, err)
		return
	}
	if own.Len() == 0 {
		errs.add(field+".questions", "%s holds no questions", ib.Questions)
		return
	}
	ib.bank = questions.Merge(ib.bank, own, replace)
}

func (r *RitualChannel) validate(field string, loc *time.Location, errs *validationErrors) {
	if r.Channel == "" {
		errs.add(field+".channel", "missing; give the channel id, e.g. C0123ABCD (channel details → bottom of the About tab)")
	} else if !channelIDPattern.MatchString(r.Channel) {
		errs.add(field+".channel", "%q is not a channel id; use the id (C0123ABCD), not the #name", r.Channel)
	}
	if r.Settings != "" && r.Settings != "file" && r.Settings != "slack" {
		errs.add(field+".settings", "%q is not a place; use file (the default) or slack", r.Settings)
	}
	if r.EveryWeeks < 1 || r.EveryWeeks > 52 {
		errs.add(field+".every_weeks", "%d is out of range; use 1 to 52", r.EveryWeeks)
	}
	if r.Schedule == "" {
		errs.add(field+".schedule", "missing; write a cron spec such as \"CRON_TZ=Europe/Berlin 0 10 * * MON\"")
		return
	}
	spec, err := schedule.Parse(r.Schedule, r.EveryWeeks, time.Time{}, loc)
	if err != nil {
		errs.add(field+".schedule", "%v", err)
		return
	}
	r.spec = spec
}

// checkDuplicateChannels refuses the same ritual twice in one channel: their runs would share keys.
func (c *Config) checkDuplicateChannels(errs *validationErrors) {
	for _, ritual := range c.Rituals() {
		seen := map[string]bool{}
		for i, rc := range ritual.Channels {
			if rc.Channel != "" && seen[rc.Channel] {
				errs.add(fmt.Sprintf("%s[%d].channel", ritual.Section, i), "%s is configured twice for %s; merge the two entries", rc.Channel, ritual.Name)
			}
			seen[rc.Channel] = true
		}
	}
}

// channel is the digest's settings for the domain.
func (dc *DigestConfig) channel() digest.Channel {
	c := digest.Channel{
		ID: dc.Channel, Post: dc.spec, PostGrace: time.Duration(dc.Grace), Checkin: dc.checkinSpec,
		CheckinGrace: time.Duration(dc.CheckinGrace), LocalTime: dc.LocalTime == nil || *dc.LocalTime, Guests: dc.Guests,
	}
	for _, q := range dc.Questions {
		c.Questions = append(c.Questions, digest.Question{Text: strings.TrimSpace(q.Text), Role: digest.Role(q.Role)})
	}
	if dc.Reminders != nil {
		c.Reminders = []time.Duration{}
		for _, r := range dc.Reminders {
			c.Reminders = append(c.Reminders, time.Duration(r))
		}
	}
	return c
}

// RitualSection is one ritual's list of channels, for code that treats rituals alike.
type RitualSection struct {
	Name     string // ritual name used in run keys and logs
	Section  string // YAML key
	Channels []*RitualChannel
}

// Rituals lists every ritual with the channels configured for it, in a fixed order.
func (c *Config) Rituals() []RitualSection {
	out := []RitualSection{
		{Name: "coffee", Section: "coffee"},
		{Name: "icebreaker", Section: "icebreakers"},
		{Name: "digest", Section: "digest"},
		{Name: "feedback", Section: "feedback"},
	}
	for i := range c.Coffee {
		out[0].Channels = append(out[0].Channels, &c.Coffee[i].RitualChannel)
	}
	for i := range c.Icebreakers {
		out[1].Channels = append(out[1].Channels, &c.Icebreakers[i].RitualChannel)
	}
	for i := range c.Digest {
		out[2].Channels = append(out[2].Channels, &c.Digest[i].RitualChannel)
	}
	for i := range c.Feedback {
		out[3].Channels = append(out[3].Channels, &c.Feedback[i].RitualChannel)
	}
	return out
}

// Location is the default time zone, valid after Validate.
func (c *Config) Location() *time.Location {
	if c.location == nil {
		return time.UTC
	}
	return c.location
}

// IsAdmin reports whether userID may run admin subcommands.
func (c *Config) IsAdmin(userID string) bool {
	for _, a := range c.Admins {
		if a == userID {
			return true
		}
	}
	return false
}

// prefixLines puts the file name in front of every line of err.
func prefixLines(path string, err error) error {
	lines := strings.Split(err.Error(), "\n")
	for i := range lines {
		lines[i] = path + ": " + lines[i]
	}
	return errors.New(strings.Join(lines, "\n"))
}

// validateCoffee checks the coffee keys about people's days: working_hours and pause_after_ignored.
func (cc *CoffeeConfig) validateCoffee(field string, errs *validationErrors) {
	if cc.WorkingHours != "" {
		h, err := coffee.ParseHours(cc.WorkingHours)
		if err != nil {
			errs.add(field+".working_hours", "%s", strings.ReplaceAll(err.Error(), "`", "\""))
		}
		cc.hours = h
	}
	if p := cc.PauseAfterIgnored; p != nil && *p < 0 {
		errs.add(field+".pause_after_ignored", "%d is negative; use a number of rounds, or 0 to never pause", *p)
	}
}

// ChartsOn reports whether charts are drawn and uploaded (charts: true, the default).
func (c *Config) ChartsOn() bool { return c.Charts == nil || *c.Charts }
