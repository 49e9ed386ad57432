package bot

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/rituals"
)

// This file is the admins' part of the Home tab: every ritual's channels with their settings and
// next runs, "Set up" for each ritual, and Edit, Pause and Remove for each channel set up in
// Slack. The program (cmd/ritualbot) decides what the settings are and whether they are valid;
// this file only shows them and turns clicks and forms into calls of SettingsAdmin.

// Action and callback ids of the settings UI.
const (
	actionSettingsAdd    = "settings.add"
	actionSettingsEdit   = "settings.edit"
	actionSettingsPause  = "settings.pause"
	actionSettingsResume = "settings.resume"
	actionSettingsRemove = "settings.remove"
	viewSettings         = "settings.save"
)

// RitualSetting is one ritual in one channel as the admins' Home tab lists it.
type RitualSetting struct {
	Ritual, Channel string
	// Summary says the settings in a few words (mrkdwn, already escaped).
	Summary string
	// Next is the next run; zero when paused or none is due.
	Next time.Time
	// FromFile is set for channels managed in the configuration file: read-only here.
	FromFile bool
	Paused   bool
}

// SettingsForm is the modal that sets up or changes one ritual in one channel.
type SettingsForm struct {
	// Ritual is the ritual; Channel is empty when setting up a new channel.
	Ritual, Channel string
	// Title is the modal's title (24 characters at most).
	Title string
	// Note is shown above the fields (mrkdwn), e.g. a schedule the fields cannot show.
	Note   string
	Fields []SettingField
}

// Kinds of SettingField.
const (
	FieldChannel = "channel" // a conversations_select; Value is a channel id
	FieldSelect  = "select"  // a static_select of Options
	FieldText    = "text"    // a plain text input
	FieldCheck   = "check"   // one checkbox: Value is "true" or "false"
	FieldUsers   = "users"   // a multi_users_select; Value is user ids joined by commas
)

// SettingField is one input of a SettingsForm. Its Key is both the block id and the action id,
// and the key of its value and its problem in Save.
type SettingField struct {
	Key, Label, Kind string
	// Value is the current value ("" for none).
	Value string
	// Options are a FieldSelect's choices.
	Options []SettingOption
	// Hint is shown under the input; a FieldCheck's is the text beside its box.
	Hint     string
	Optional bool
}

// SettingOption is one choice of a FieldSelect.
type SettingOption struct{ Value, Label string }

// SettingsAdmin is what the admins' settings on the Home tab ask of the program. Every method is
// called for admins only.
type SettingsAdmin interface {
	// Rituals lists every ritual's channels.
	Rituals() ([]RitualSetting, error)
	// Kinds lists the rituals that can be set up: Value is the ritual, Label what people read.
	Kinds() []SettingOption
	// Form returns the modal for ritual in channel ("" to set up a new channel).
	Form(ritual, channel string) (SettingsForm, error)
	// Save validates and applies a submitted form; problems are keyed by field Key ("" for the
	// form as a whole) and nothing is changed when there are any.
	Save(ctx context.Context, by, ritual, channel string, values map[string]string) (problems map[string]string, err error)
	// Pause stops (or resumes) scheduling ritual in channel, keeping its settings.
	Pause(ctx context.Context, by, ritual, channel string, pause bool) error
	// Remove stops ritual in channel and forgets its settings.
	Remove(ctx context.Context, by, ritual, channel string) error
}

// settingsEdge renders the settings UI and routes its clicks.
type settingsEdge struct {
	bot   *Bot
	admin SettingsAdmin
}

// RegisterSettings adds the admins' settings to the Home tab and handles its buttons and modal.
func RegisterSettings(b *Bot, admin SettingsAdmin) {
	e := &settingsEdge{bot: b, admin: admin}
	b.HandleAction(actionSettingsAdd, e.adminOnly(e.open))
	b.HandleAction(actionSettingsEdit, e.adminOnly(e.open))
	b.HandleAction(actionSettingsPause, e.adminOnly(e.pause(true)))
	b.HandleAction(actionSettingsResume, e.adminOnly(e.pause(false)))
	b.HandleAction(actionSettingsRemove, e.adminOnly(e.remove))
	b.HandleView(viewSettings, e.save)
	b.AddHomeSection(e.home)
}

// notAdmin is the answer to anyone else who sends an admin's click or form.
const notAdmin = "Only the admins can change the rituals."

// adminOnly refuses a click from someone who is not an admin, whatever the payload says, and
// tells the admin why a click could not be done (the ritual was removed meanwhile). Those
// refusals hold only ritual names and channel mentions, never text people typed.
func (e *settingsEdge) adminOnly(h ActionHandler) ActionHandler {
	return func(ctx context.Context, a Action) error {
		if !a.Admin {
			e.bot.log.Warn("refused a settings action from someone who is not an admin", "action_id", a.ActionID)
			return e.bot.AnswerAction(ctx, a, notAdmin, false)
		}
		err := h(ctx, a)
		if rituals.IsPersonError(err) {
			return e.bot.AnswerAction(ctx, a, err.Error()+".", false)
		}
		return err
	}
}

// home lists the rituals for admins; others see nothing of it.
func (e *settingsEdge) home(_ context.Context, _ string, admin bool) ([]slack.Block, error) {
	if !admin {
		return nil, nil
	}
	list, err := e.admin.Rituals()
	if err != nil {
		return nil, err
	}
	blocks := []slack.Block{slack.NewHeaderBlock(plain("Rituals"))}
	if len(list) == 0 {
		blocks = append(blocks, slack.NewSectionBlock(markdown("No ritual is set up yet. Choose one below: you pick the channel, the day and the time."), nil, nil))
	}
	now := e.bot.opts.Now()
	for _, r := range list {
		text := fmt.Sprintf("*%s* in <#%s> · %s", r.Ritual, r.Channel, r.Summary)
		switch {
		case r.Paused:
			text += "\n_Paused._"
		case !r.Next.IsZero():
			text += "\nNext run: " + formatWhen(r.Next, now)
		}
		blocks = append(blocks, slack.NewSectionBlock(markdown(truncateText(text, maxTextChars)), nil, nil))
		value := r.Ritual + "/" + r.Channel
		if r.FromFile {
			blocks = append(blocks, slack.NewContextBlock("", plain("Managed in the configuration file; change it there, or hand it over to Slack with settings: slack.")))
			continue
		}
		pause := slack.NewButtonBlockElement(actionSettingsPause+"#"+value, value, plain("Pause"))
		if r.Paused {
			pause = slack.NewButtonBlockElement(actionSettingsResume+"#"+value, value, plain("Resume"))
		}
		remove := slack.NewButtonBlockElement(actionSettingsRemove+"#"+value, value, plain("Remove"))
		remove.Style = slack.StyleDanger
		remove.Confirm = slack.NewConfirmationBlockObject(plain("Remove "+r.Ritual+"?"),
			plain(fmt.Sprintf("%s stops in this channel and its settings are forgotten. What people already shared is kept.", r.Ritual)),
			plain("Remove"), plain("Keep it"))
		blocks = append(blocks, slack.NewActionBlock("settings/"+value,
			slack.NewButtonBlockElement(actionSettingsEdit+"#"+value, value, plain("Edit")), pause, remove))
	}
	var add []slack.BlockElement
	for _, k := range e.admin.Kinds() {
		add = append(add, slack.NewButtonBlockElement(actionSettingsAdd+"#"+k.Value, k.Value+"/", plain("Set up "+k.Label)))
	}
	blocks = append(blocks, slack.NewSectionBlock(markdown("*Set up a ritual*"), nil, nil), slack.NewActionBlock("settings/add", add...))
	return blocks, nil
}

// about says which rituals run here: Options.AboutNow when set, Options.About otherwise.
func (b *Bot) about() string {
	if b.opts.AboutNow != nil {
		return b.opts.AboutNow()
	}
	return b.opts.About
}

// formatWhen writes a run's time in its own zone, with the year only when it is not this year.
func formatWhen(at, now time.Time) string {
	if at.Year() != now.Year() {
		return at.Format("Mon 2 Jan 2006 15:04 MST")
	}
	return at.Format("Mon 2 Jan 15:04 MST")
}

// open opens the settings modal for the ritual and channel in the button's value.
func (e *settingsEdge) open(ctx context.Context, a Action) error {
	ritual, channel, _ := strings.Cut(a.Value, "/")
	form, err := e.admin.Form(ritual, channel)
	if err != nil {
		return err
	}
	_, err = e.bot.api.OpenViewContext(ctx, a.TriggerID, settingsModal(form))
	return err
}

// settingsModal renders a form.
func settingsModal(f SettingsForm) slack.ModalViewRequest {
	var blocks []slack.Block
	if f.Note != "" {
		blocks = append(blocks, slack.NewSectionBlock(markdown(truncateText(f.Note, maxTextChars)), nil, nil))
	}
	for _, field := range f.Fields {
		blocks = append(blocks, fieldInput(field))
	}
	return modal(viewSettings, truncateText(f.Title, 24), "Save", f.Ritual+"/"+f.Channel, blocks...)
}

// fieldInput renders one field as an input block whose block id and action id are its Key.
func fieldInput(f SettingField) *slack.InputBlock {
	var hint *slack.TextBlockObject
	if f.Hint != "" {
		hint = plain(truncateText(f.Hint, 2000))
	}
	var el slack.BlockElement
	switch f.Kind {
	case FieldChannel:
		sel := slack.NewOptionsSelectBlockElement(slack.OptTypeConversations, plain("Choose a channel"), f.Key)
		sel.Filter = &slack.SelectBlockElementFilter{Include: []string{"public", "private"}, ExcludeBotUsers: true}
		if f.Value != "" {
			sel.InitialConversation = f.Value
		}
		el = sel
	case FieldSelect:
		var opts []*slack.OptionBlockObject
		var initial *slack.OptionBlockObject
		for _, o := range f.Options {
			opt := slack.NewOptionBlockObject(o.Value, plain(truncateText(o.Label, 75)), nil)
			opts = append(opts, opt)
			if o.Value == f.Value {
				initial = opt
			}
		}
		sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose"), f.Key, opts...)
		sel.InitialOption = initial
		el = sel
	case FieldUsers:
		sel := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeUser, plain("Choose people"), f.Key)
		if f.Value != "" {
			sel.InitialUsers = strings.Split(f.Value, ",")
		}
		el = sel
	case FieldCheck:
		opt := slack.NewOptionBlockObject("true", plain(truncateText(cmp.Or(f.Hint, f.Label), 75)), nil)
		hint = nil // the box's own text says it
		box := slack.NewCheckboxGroupsBlockElement(f.Key, opt)
		if f.Value == "true" {
			box.InitialOptions = []*slack.OptionBlockObject{opt}
		}
		el = box
		f.Optional = true // an unticked box is a value too
	default:
		in := slack.NewPlainTextInputBlockElement(nil, f.Key)
		in.InitialValue = f.Value
		el = in
	}
	block := slack.NewInputBlock(f.Key, plain(truncateText(f.Label, 2000)), hint, el)
	block.Optional = f.Optional
	return block
}

// save applies a submitted form; field problems keep the modal open.
func (e *settingsEdge) save(ctx context.Context, s Submission) (map[string]string, error) {
	if !s.Admin {
		e.bot.log.Warn("refused a settings form from someone who is not an admin")
		return map[string]string{"": notAdmin}, nil
	}
	ritual, channel, _ := strings.Cut(s.PrivateMetadata, "/")
	values := map[string]string{}
	for f, v := range s.Values {
		if f.Block == f.Action { // every field's block id and action id are its Key
			values[f.Action] = v
		}
	}
	problems, err := e.admin.Save(ctx, s.UserID, ritual, channel, values)
	if err != nil || len(problems) > 0 {
		return problems, err
	}
	if err := e.bot.PublishHome(ctx, s.UserID); err != nil {
		e.bot.log.Warn("could not refresh the Home tab after a settings change", "err", err)
	}
	return nil, nil
}

func (e *settingsEdge) pause(pause bool) ActionHandler {
	return func(ctx context.Context, a Action) error {
		ritual, channel, _ := strings.Cut(a.Value, "/")
		if err := e.admin.Pause(ctx, a.UserID, ritual, channel, pause); err != nil {
			return err
		}
		return e.bot.PublishHome(ctx, a.UserID)
	}
}

func (e *settingsEdge) remove(ctx context.Context, a Action) error {
	ritual, channel, _ := strings.Cut(a.Value, "/")
	if err := e.admin.Remove(ctx, a.UserID, ritual, channel); err != nil {
		return err
	}
	return e.bot.PublishHome(ctx, a.UserID)
}
