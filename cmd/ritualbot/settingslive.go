package main

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ritualbot/ritualbot/bot"
	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/icebreaker"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/store"
)

// This file applies the settings admins change in Slack while the bot runs: it validates them
// with the configuration's own Validate, stores them, re-plans the scheduler and the ritual's
// service at once, and tells the other admins.

// liveSettings is what changes in Slack while the bot runs.
type liveSettings struct {
	// mu orders changes: one at a time, each validated against the one before. A change may
	// wait on Slack (is the bot in the channel?), so readers use state instead.
	mu sync.Mutex
	// state guards cfg and admins, which a change replaces (holding mu too) and anyone reads.
	state sync.RWMutex
	// cfg is the effective configuration: the file's, with the settings made in Slack.
	cfg *Config
	// file is the configuration file's own.
	file *Config
	// admins are the admins added in Slack.
	admins []string

	coffee     *coffee.Service
	icebreaker *icebreaker.Service
	digest     *digest.Service
	// botUserID is the bot's own user id (string), once auth.test answered.
	botUserID atomic.Value
}

// loadSettings merges the settings made in Slack into the configuration, at Open.
func (m *Main) loadSettings() error {
	m.Config = m.Config.fileOnly()
	stored, err := m.DB.Settings().List()
	if err != nil {
		if errors.Is(err, store.ErrNewerSettings) {
			return configError{err}
		}
		return fmt.Errorf("reading the settings made in Slack: %w", err)
	}
	merged, overridden, notes, err := mergeStored(m.Config, stored)
	if err != nil {
		return err
	}
	for _, rs := range overridden {
		if _, err := m.DB.Settings().Delete(rs.Ritual, rs.Channel); err != nil {
			return err
		}
		notes = append(notes, overrideNote(rs))
	}
	admins, err := m.DB.Settings().Admins()
	if err != nil {
		return configError{fmt.Errorf("reading the admins added in Slack: %w", err)}
	}
	m.settings.file = m.Config
	m.Config = merged
	m.settings.cfg = merged
	m.settings.admins = admins.Users
	if len(notes) > 0 {
		m.Logger.Warn("settings made in Slack not applied at start; the admins are told why", "component", "settings",
			"replaced_by_file", len(overridden), "not_valid", len(notes)-len(overridden))
	}
	for i, text := range notes {
		key := fmt.Sprintf("settings/start/%s/%d", m.Now().Format("2006-01-02T15:04:05"), i)
		if err := m.DB.Enqueue(rituals.AdminNotes(key, "settings", m.admins(), text)...); err != nil {
			return err
		}
	}
	return nil
}

// publish makes cfg the effective configuration; the caller holds settings.mu.
func (m *Main) publish(cfg *Config) {
	m.settings.state.Lock()
	defer m.settings.state.Unlock()
	m.settings.cfg = cfg
}

// admins are the file's admins and those added in Slack.
func (m *Main) admins() []string {
	m.settings.state.RLock()
	defer m.settings.state.RUnlock()
	return m.adminsLocked()
}

// adminsLocked is admins for a caller holding settings.mu or settings.state.
func (m *Main) adminsLocked() []string {
	out := slices.Clone(m.Config.Admins)
	for _, a := range m.settings.admins {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// isAdmin reports whether userID is an admin, in the file or added in Slack.
func (m *Main) isAdmin(userID string) bool { return slices.Contains(m.admins(), userID) }

// setJobs schedules a ritual's jobs in one channel, or takes them off while it is paused.
func (m *Main) setJobs(rc *RitualChannel, jobs ...schedule.Job) error {
	for _, j := range jobs {
		if rc.paused() {
			m.Scheduler.Remove(j.Ritual, j.Channel)
			continue
		}
		if err := m.schedule(j); err != nil {
			return err
		}
	}
	return nil
}

// applyEntry runs ritual with entry's settings (validated), now.
func (m *Main) applyEntry(ritual string, entry reflect.Value) error {
	switch e := entry.Interface().(type) {
	case CoffeeConfig:
		return m.setCoffee(e)
	case IcebreakerConfig:
		return m.setIcebreaker(e)
	case DigestConfig:
		return m.setDigest(&e)
	case FeedbackConfig:
		return m.setFeedback(e)
	}
	return fmt.Errorf("%s is not a ritual", ritual)
}

// stopRitual stops scheduling ritual in channel. The service keeps the channel until the next
// start, so that what its runs left for later (a digest's asks, closing a round) finishes as
// planned instead of failing.
func (m *Main) stopRitual(ritual, channel string) {
	if ritual == "digest" {
		m.Scheduler.Remove(digest.RitualCheckin, channel)
	}
	m.Scheduler.Remove(ritual, channel)
}

// tellOtherAdmins sends text to every admin but the one who made the change.
func (m *Main) tellOtherAdmins(by, text string) {
	var to []string
	for _, a := range m.adminsLocked() {
		if a != by {
			to = append(to, a)
		}
	}
	key := fmt.Sprintf("settings/%s/%d", by, m.Now().UnixNano())
	if err := m.DB.Enqueue(rituals.AdminNotes(key, "settings", to, text)...); err != nil {
		m.Logger.Error("could not queue a note to the admins", "component", "settings", "err", err)
		return
	}
	m.Delivery.Wake()
}

// registerSettings adds the admins' settings to the Home tab and /ritual admins.
func (m *Main) registerSettings() {
	bot.RegisterSettings(m.Bot, settingsAdmin{m})
	bot.RegisterAdmins(m.Bot, adminList{m})
}

// settingsAdmin implements bot.SettingsAdmin.
type settingsAdmin struct{ m *Main }

// Kinds implements bot.SettingsAdmin.
func (a settingsAdmin) Kinds() []bot.SettingOption {
	m := a.m
	out := make([]bot.SettingOption, 0, len(ritualNames))
	for _, r := range ritualNames {
		if r == "feedback" && len(m.settings.file.Feedback) == 0 {
			continue // see errFeedbackNeedsFile
		}
		out = append(out, bot.SettingOption{Value: r, Label: r})
	}
	return out
}

// Rituals implements bot.SettingsAdmin.
func (a settingsAdmin) Rituals() ([]bot.RitualSetting, error) {
	m := a.m
	cfg := m.effective()
	var out []bot.RitualSetting
	now := m.Now()
	for _, r := range cfg.Rituals() {
		for _, rc := range r.Channels {
			rs := bot.RitualSetting{Ritual: r.Name, Channel: rc.Channel, FromFile: !rc.slackManaged(), Paused: rc.paused(),
				Summary: summarize(cfg, r.Name, rc.Channel), Next: m.Scheduler.Next(r.Name, rc.Channel, now)}
			out = append(out, rs)
		}
	}
	return out, nil
}

// entry returns ritual's entry for channel in cfg.
func entryIn(cfg *Config, ritual, channel string) (reflect.Value, bool) {
	sec, err := cfg.section(ritual)
	i := cfg.find(ritual, channel)
	if err != nil || i < 0 {
		return reflect.Value{}, false
	}
	return sec.Index(i), true
}

// Save implements bot.SettingsAdmin.
func (a settingsAdmin) Save(ctx context.Context, by, ritual, channel string, values map[string]string) (map[string]string, error) {
	m := a.m
	m.settings.mu.Lock()
	defer m.settings.mu.Unlock()
	if ritual == "feedback" && len(m.settings.file.Feedback) == 0 {
		return map[string]string{fieldWhole: errFeedbackNeedsFile.Error()}, nil
	}
	cur := m.settings.cfg
	base := map[string]any{}
	var old reflect.Value
	from := channel // where it ran before, when it moves to another channel
	if channel != "" {
		e, ok := entryIn(cur, ritual, channel)
		if !ok {
			return map[string]string{fieldWhole: "That ritual no longer runs in that channel; open the Home tab again."}, nil
		}
		if !channelOf(e).slackManaged() {
			return map[string]string{fieldWhole: "This channel is managed in the configuration file; change it there."}, nil
		}
		old, base = e, entryMap(e)
		if to := values[fieldChannel]; to != "" && to != channel {
			if _, ok := entryIn(cur, ritual, to); ok {
				return map[string]string{fieldChannel: fmt.Sprintf("%s already runs in that channel.", ritual)}, nil
			}
			channel = to
			cur = cur.without(ritual, from)
		}
	} else {
		channel = values[fieldChannel]
		if channel == "" {
			return map[string]string{fieldChannel: "Choose the channel it runs in."}, nil
		}
		if _, ok := entryIn(cur, ritual, channel); ok {
			return map[string]string{fieldChannel: fmt.Sprintf("%s already runs in that channel; edit it from the Home tab.", ritual)}, nil
		}
	}
	if err := applyForm(ritual, base, values); err != nil {
		return nil, err
	}
	base["channel"] = channel
	text, err := yamlText(base)
	if err != nil {
		return nil, err
	}
	entry, err := decodeEntry(ritual, text)
	if err != nil {
		mine, others := fieldProblems(err, sectionKey(ritual)+"[0]")
		if len(others) > 0 {
			return nil, errors.New(strings.Join(others, "; "))
		}
		return formProblems(ritual, mine), nil
	}
	made := &madeInSlack{By: by, At: m.Now()}
	if old.IsValid() && channelOf(old).made != nil {
		made.Paused = channelOf(old).made.Paused
	}
	channelOf(entry).made = made
	next, i := cur.withEntry(ritual, entry)
	if err := next.Validate(); err != nil {
		mine, others := fieldProblems(err, fmt.Sprintf("%s[%d]", sectionKey(ritual), i))
		if len(mine) == 0 {
			return nil, fmt.Errorf("the configuration is not valid: %s", strings.Join(others, "; "))
		}
		return formProblems(ritual, mine), nil
	}
	if problem := m.notMember(ctx, channel); problem != "" {
		return map[string]string{fieldChannel: problem}, nil
	}
	sec, _ := next.section(ritual)
	entry = sec.Index(i)
	if err := m.storeEntry(ritual, entry); err != nil {
		return nil, err
	}
	if from != "" && from != channel {
		if _, err := m.DB.Settings().Delete(ritual, from); err != nil {
			return nil, err
		}
		m.stopRitual(ritual, from)
	}
	if err := m.applyEntry(ritual, entry); err != nil {
		return nil, err
	}
	m.publish(next)
	m.Logger.Info("settings changed in Slack", "component", "settings", "ritual", ritual, "channel", channel)
	note := describeChange(by, ritual, from, old, entry)
	if from != "" && from != channel && m.settings.file.find(ritual, from) >= 0 {
		note += " The configuration file still lists it in the old channel, so it comes back there at the next start unless that entry goes too."
	}
	m.tellOtherAdmins(by, note)
	return nil, nil
}

// storeEntry writes entry, made in Slack, to the database.
func (m *Main) storeEntry(ritual string, entry reflect.Value) error {
	rc := channelOf(entry)
	text, err := encodeEntry(entry)
	if err != nil {
		return err
	}
	return m.DB.Settings().Put(store.RitualSettings{Ritual: ritual, Channel: rc.Channel, Config: text,
		Paused: rc.made.Paused, By: rc.made.By, At: rc.made.At})
}

// notMember says how to invite the bot when it is not in channel ("" when it is, or when it
// cannot tell).
func (m *Main) notMember(ctx context.Context, channel string) string {
	botID, _ := m.settings.botUserID.Load().(string)
	if botID == "" {
		return ""
	}
	members, err := m.Directory.Members(ctx, channel)
	if err == nil && slices.Contains(members, botID) {
		return ""
	}
	return "I'm not in that channel, so I can't run there. Open the channel and type /invite @ritualbot, then press Save again."
}

// slackEntry returns ritual's entry for channel if admins may change it in Slack, or the reason
// they may not.
func (m *Main) slackEntry(ritual, channel string) (reflect.Value, error) {
	e, ok := entryIn(m.settings.cfg, ritual, channel)
	switch {
	case !ok: // ritual and channel come from a button: never echo them
		return e, &rituals.PersonError{Err: errors.New("that ritual no longer runs there; open the Home tab again")}
	case !channelOf(e).slackManaged():
		return e, &rituals.PersonError{Err: fmt.Errorf("%s in <#%s> is %w", ritual, channel, errManagedInFile)}
	}
	return e, nil
}

// Pause implements bot.SettingsAdmin.
func (a settingsAdmin) Pause(_ context.Context, by, ritual, channel string, pause bool) error {
	m := a.m
	m.settings.mu.Lock()
	defer m.settings.mu.Unlock()
	e, err := m.slackEntry(ritual, channel)
	if err != nil {
		return err
	}
	entry := reflect.New(e.Type()).Elem()
	entry.Set(e)
	channelOf(entry).made = &madeInSlack{By: by, At: m.Now(), Paused: pause}
	if err := m.storeEntry(ritual, entry); err != nil {
		return err
	}
	if err := m.applyEntry(ritual, entry); err != nil {
		return err
	}
	next, _ := m.settings.cfg.withEntry(ritual, entry)
	m.publish(next)
	verb := "paused"
	if !pause {
		verb = "resumed"
	}
	m.tellOtherAdmins(by, fmt.Sprintf("<@%s> %s %s in <#%s>.", by, verb, ritual, channel))
	return nil
}

// Remove implements bot.SettingsAdmin.
func (a settingsAdmin) Remove(_ context.Context, by, ritual, channel string) error {
	m := a.m
	m.settings.mu.Lock()
	defer m.settings.mu.Unlock()
	if _, err := m.slackEntry(ritual, channel); err != nil {
		return err
	}
	if _, err := m.DB.Settings().Delete(ritual, channel); err != nil {
		return err
	}
	m.stopRitual(ritual, channel)
	m.publish(m.settings.cfg.without(ritual, channel))
	text := fmt.Sprintf("<@%s> removed %s from <#%s>.", by, ritual, channel)
	if m.settings.file.find(ritual, channel) >= 0 {
		text += " The configuration file still lists it, so it comes back at the next start unless its entry goes too."
	}
	m.tellOtherAdmins(by, text)
	return nil
}

// adminList implements bot.AdminList on the file's admins and those added in Slack.
type adminList struct{ m *Main }

// Admins implements bot.AdminList.
func (l adminList) Admins() (fromFile, fromSlack []string) {
	m := l.m
	m.settings.state.RLock()
	defer m.settings.state.RUnlock()
	for _, a := range m.settings.admins {
		if !slices.Contains(m.Config.Admins, a) {
			fromSlack = append(fromSlack, a)
		}
	}
	return slices.Clone(m.Config.Admins), fromSlack
}

// Add implements bot.AdminList.
func (l adminList) Add(by, user string) error {
	return l.change(by, user, true)
}

// Remove implements bot.AdminList.
func (l adminList) Remove(by, user string) error {
	return l.change(by, user, false)
}

func (l adminList) change(by, user string, add bool) error {
	m := l.m
	m.settings.mu.Lock()
	defer m.settings.mu.Unlock()
	all := m.adminsLocked()
	stored := slices.Clone(m.settings.admins)
	switch {
	case add && slices.Contains(all, user):
		return &rituals.PersonError{Err: fmt.Errorf("<@%s> is already an admin", user)}
	case add:
		stored = append(stored, user)
	case slices.Contains(m.Config.Admins, user):
		return &rituals.PersonError{Err: fmt.Errorf("<@%s> is an admin in the configuration file; only the file can take that away", user)}
	case !slices.Contains(stored, user):
		return &rituals.PersonError{Err: fmt.Errorf("<@%s> is not an admin", user)}
	case len(all) == 1:
		return &rituals.PersonError{Err: fmt.Errorf("<@%s> is the last admin; add another one first", user)}
	default:
		stored = slices.DeleteFunc(stored, func(a string) bool { return a == user })
	}
	sort.Strings(stored)
	if err := m.DB.Settings().PutAdmins(store.StoredAdmins{Users: stored, By: by, At: m.Now()}); err != nil {
		return err
	}
	m.settings.state.Lock()
	m.settings.admins = stored
	m.settings.state.Unlock()
	verb := "made <@%s> an admin"
	if !add {
		verb = "took <@%s> off the admins"
	}
	m.tellOtherAdmins(by, fmt.Sprintf("<@%s> "+verb+".", by, user))
	return nil
}
