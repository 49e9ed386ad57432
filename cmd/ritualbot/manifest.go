package main

import (
	"io"
	"slices"

	"go.yaml.in/yaml/v3"
)

// manifest is the subset of Slack's app manifest ritualbot fills in.
type manifest struct {
	DisplayInformation struct {
		Name            string `yaml:"name"`
		Description     string `yaml:"description"`
		LongDescription string `yaml:"long_description"`
		BackgroundColor string `yaml:"background_color"`
	} `yaml:"display_information"`
	Features struct {
		AppHome struct {
			HomeTabEnabled             bool `yaml:"home_tab_enabled"`
			MessagesTabEnabled         bool `yaml:"messages_tab_enabled"`
			MessagesTabReadOnlyEnabled bool `yaml:"messages_tab_read_only_enabled"`
		} `yaml:"app_home"`
		BotUser struct {
			DisplayName  string `yaml:"display_name"`
			AlwaysOnline bool   `yaml:"always_online"`
		} `yaml:"bot_user"`
		SlashCommands []manifestCommand `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			BotEvents []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
		OrgDeployEnabled     bool `yaml:"org_deploy_enabled"`
		SocketModeEnabled    bool `yaml:"socket_mode_enabled"`
		TokenRotationEnabled bool `yaml:"token_rotation_enabled"`
	} `yaml:"settings"`
}

type manifestCommand struct {
	Command      string `yaml:"command"`
	Description  string `yaml:"description"`
	UsageHint    string `yaml:"usage_hint"`
	ShouldEscape bool   `yaml:"should_escape"`
}

// baseScopes are needed whatever is configured: the slash command, replies and notes to admins in
// a DM (chat:write, im:write), and people's names and time zones (users:read).
var baseScopes = []string{"commands", "chat:write", "im:write", "users:read"}

// dmHistoryScope lets the bot read its DMs, to check one for a message sent just before a crash.
// It is left out whenever anonymous feedback is configured: with it, the bot's token (and whoever
// holds it) could read the one-time token in every prompt's button and match it against the
// database. One-person DMs are then at-least-once across a crash.
const dmHistoryScope = "im:history"

// chartsScope lets the bot upload the trends' charts (charts: true, the default).
const chartsScope = "files:write"

// channelScopes are needed as soon as one ritual has a channel: at start, and when a ritual runs,
// the bot lists each channel's members (conversations.members), public or private.
var channelScopes = []string{"channels:read", "groups:read"}

// ritualScopes are the extra bot scopes each ritual needs.
var ritualScopes = map[string][]string{
	// group DMs for the intros, and checking them and the channel after a crash.
	"coffee": {"mpim:write", "mpim:history", "channels:history", "groups:history"},
	// posting in the channel and counting the answers in the thread.
	"icebreaker": {"channels:history", "groups:history"},
	// the post, checked after a crash.
	"digest": {"channels:history", "groups:history"},
	// the released batch, checked after a crash.
	"feedback": {"channels:history", "groups:history"},
}

// buildManifest returns the app manifest for cfg: the scopes every ritual needs (admins set
// rituals up in Slack), and im:history only while the file configures no anonymous feedback.
func buildManifest(cfg *Config) manifest {
	var m manifest
	m.DisplayInformation.Name = "ritualbot"
	m.DisplayInformation.Description = "Coffee pairings, icebreakers, a weekly digest and anonymous feedback."
	m.DisplayInformation.LongDescription = "ritualbot runs the small rituals that keep a remote team close: " +
		"automatic coffee pairings, non-work icebreaker questions, a weekly transparency digest with kudos, " +
		"and anonymous feedback released in batches that protect its authors. It is self-hosted: " +
		"your team's data stays in one file on your own server."
	m.DisplayInformation.BackgroundColor = "#3b3f5c"
	m.Features.AppHome.HomeTabEnabled = true
	m.Features.AppHome.MessagesTabEnabled = true
	m.Features.AppHome.MessagesTabReadOnlyEnabled = true
	m.Features.BotUser.DisplayName = "ritualbot"
	m.Features.BotUser.AlwaysOnline = true
	m.Features.SlashCommands = []manifestCommand{{
		Command:      cfg.Command,
		Description:  "Coffee, icebreakers, digest, feedback — try help",
		UsageHint:    "help",
		ShouldEscape: true,
	}}
	scopes := slices.Clone(baseScopes)
	if len(cfg.Feedback) == 0 {
		scopes = append(scopes, dmHistoryScope)
	}
	// Every ritual's scopes: admins may set any ritual up on the Home tab without a new manifest.
	scopes = append(scopes, channelScopes...)
	for _, r := range cfg.Rituals() {
		scopes = append(scopes, ritualScopes[r.Name]...)
	}
	if cfg.ChartsOn() {
		scopes = append(scopes, chartsScope)
	}
	for _, c := range cfg.Coffee {
		if c.Teams.UserGroups {
			scopes = append(scopes, "usergroups:read") // teams from user groups
		}
	}
	slices.Sort(scopes)
	m.OAuthConfig.Scopes.Bot = slices.Compact(scopes)
	// A message in a coffee group DM counts as the group's answer to the intro (coffee may be set
	// up on the Home tab at any time).
	m.Settings.EventSubscriptions.BotEvents = []string{"app_home_opened", "message.mpim"}
	m.Settings.Interactivity.IsEnabled = true
	m.Settings.SocketModeEnabled = true
	return m
}

func cmdManifest(args []string, stdout, stderr io.Writer) error {
	cfg, err := configFlag("manifest", args, stderr)
	if err != nil {
		return err
	}
	enc := yaml.NewEncoder(stdout)
	enc.SetIndent(2)
	if err := enc.Encode(buildManifest(cfg)); err != nil {
		return err
	}
	return enc.Close()
}
