package bot

import (
	"context"
	"testing"
	"time"
)

// fixedSettings is a SettingsAdmin with one ritual from the file and one set up in Slack.
type fixedSettings struct{ SettingsAdmin }

func (fixedSettings) Rituals() ([]RitualSetting, error) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	return []RitualSetting{
		{Ritual: "coffee", Channel: "C0COFFEE", Summary: "Tuesdays 10:00 Europe/Berlin · groups of 2",
			Next: time.Date(2026, 12, 1, 10, 0, 0, 0, berlin)},
		{Ritual: "icebreaker", Channel: "C0GENERAL", Summary: "Wednesdays 11:00 UTC", FromFile: true,
			Next: time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC)},
		{Ritual: "digest", Channel: "C0TEAM", Summary: "posted Fridays 16:00 UTC", Paused: true},
	}, nil
}

func (fixedSettings) Kinds() []SettingOption {
	return []SettingOption{{Value: "coffee", Label: "coffee"}, {Value: "digest", Label: "digest"}}
}

func TestGoldenSettingsHomeAndForm(t *testing.T) {
	b := newBot(nil, nil, nil, Options{Now: func() time.Time { return time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC) }})
	e := &settingsEdge{bot: b, admin: fixedSettings{}}
	blocks, err := e.home(context.Background(), "U0ANA", true)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "settings_home", blocks)
	if others, _ := e.home(context.Background(), "U0MEI", false); others != nil {
		t.Errorf("a non-admin's Home shows the settings: %v", others)
	}
	golden(t, "settings_form", settingsModal(SettingsForm{Ritual: "coffee", Title: "Set up coffee", Fields: []SettingField{
		{Key: "channel", Label: "Channel", Kind: FieldChannel, Hint: "I must be a member."},
		{Key: "day", Label: "Day", Kind: FieldSelect, Options: []SettingOption{{Value: "MON", Label: "Mondays"}, {Value: "TUE", Label: "Tuesdays"}}, Value: "TUE"},
		{Key: "follow_up_after", Label: "Ask after", Kind: FieldText, Optional: true},
		{Key: "opt_in", Label: "Opt-in", Kind: FieldCheck, Hint: "People join with the slash command", Value: "true"},
		{Key: "responders", Label: "Responders", Kind: FieldUsers, Value: "U0ANA,U0BEN", Optional: true},
	}}))
}
