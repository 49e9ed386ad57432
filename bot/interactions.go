package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// Action is one button press as its handler sees it.
type Action struct {
	UserID      string
	ChannelID   string
	MessageTS   string
	TriggerID   string
	ResponseURL string
	ActionID    string
	Value       string
	// ViewID is set when the button sits in a modal or the Home tab.
	ViewID string
	// Home reports a press on the Home tab.
	Home  bool
	Admin bool
}

// ActionHandler handles a button press after it has been acknowledged.
type ActionHandler func(ctx context.Context, a Action) error

// Submission is a submitted modal as its handler sees it.
type Submission struct {
	UserID          string
	ViewID          string
	CallbackID      string
	PrivateMetadata string
	// Values holds what was entered or picked in each input, by block_id and action_id.
	Values Values
	Admin  bool
	// next holds the view UpdateView chose, shared with the router.
	next *nextView
}

// nextView is the view an accepted submission's ack shows instead of closing the modal.
type nextView struct{ view *slack.ModalViewRequest }

// UpdateView makes the ack of an accepted submission replace the modal with view (a thank-you, a
// next step) instead of closing it. Field problems, when the handler returns any, win.
func (s Submission) UpdateView(view slack.ModalViewRequest) {
	if s.next != nil {
		s.next.view = &view
	}
}

// Field names one input of a modal as Slack nests its value: view.state.values[Block][Action].
type Field struct{ Block, Action string }

// Values holds what was entered or picked in each input of a submitted modal.
type Values map[Field]string

// Lookup returns the value of the input in block whose element has this action_id.
func (v Values) Lookup(block, action string) (string, bool) {
	value, ok := v[Field{Block: block, Action: action}]
	return value, ok
}

// Get returns the value of the input in block whose element has this action_id, or "".
func (v Values) Get(block, action string) string { return v[Field{Block: block, Action: action}] }

// ByAction returns the value of the one input whose element has this action_id, for modals whose
// block ids Slack generated; ok is false when no input or several have it.
func (v Values) ByAction(action string) (value string, ok bool) {
	n := 0
	for f, s := range v {
		if f.Action == action {
			value, n = s, n+1
		}
	}
	if n != 1 {
		return "", false
	}
	return value, true
}

// ViewHandler handles a modal submission before it is acknowledged. It returns problems keyed by
// the block_id of the input they concern (or by an action_id only one input has); the modal then
// stays open and shows them. A problem under any other key is shown on the first input.
type ViewHandler func(ctx context.Context, s Submission) (problems map[string]string, err error)

// HomeSection renders one part of a person's Home tab.
type HomeSection func(ctx context.Context, userID string, admin bool) ([]slack.Block, error)

// Message is a message a person wrote where the app can see it (a group DM it is in).
type Message struct {
	UserID, ChannelID, TS string
	// ChannelType is "channel", "group", "im" or "mpim".
	ChannelType string
}

// MessageHandler handles a person's message after its event has been acknowledged.
type MessageHandler func(ctx context.Context, m Message) error

// HandleMessages routes people's messages to h (files they share included); edits, joins and
// other subtypes, and messages of bots (this one included), are left out.
func (b *Bot) HandleMessages(h MessageHandler) { b.messages = append(b.messages, h) }

// HandleAction routes presses of buttons with this action_id to h.
func (b *Bot) HandleAction(actionID string, h ActionHandler) { b.actions[actionID] = h }

// HandleView routes submissions of modals with this callback_id to h.
func (b *Bot) HandleView(callbackID string, h ViewHandler) { b.views[callbackID] = h }

// AddHomeSection appends a section to every Home tab.
func (b *Bot) AddHomeSection(s HomeSection) { b.home = append(b.home, s) }

// handleBlockActions routes the buttons of one block_actions payload to their handlers.
func (b *Bot) handleBlockActions(ctx context.Context, cb slack.InteractionCallback) {
	// No line is logged per interaction: which button someone pressed, and when, would date an
	// anonymous answer. Problems are logged; feedback's handlers keep theirs to themselves.
	for _, act := range cb.ActionCallback.BlockActions {
		h, ok := b.actions[act.ActionID]
		if !ok { // "edit#coffee/C1": one handler for buttons that need their own action_id in a view
			base, _, _ := strings.Cut(act.ActionID, "#")
			h, ok = b.actions[base]
		}
		if !ok {
			b.log.Warn("no handler for button", "action_id", act.ActionID)
			b.tellUser(ctx, cb, "That button no longer does anything; the message may be from an older version of ritualbot.")
			continue
		}
		a := Action{
			UserID:      cb.User.ID,
			ChannelID:   cb.Channel.ID,
			MessageTS:   cb.Container.MessageTs,
			TriggerID:   cb.TriggerID,
			ResponseURL: cb.ResponseURL,
			ActionID:    act.ActionID,
			Value:       act.Value,
			ViewID:      cb.View.ID,
			Home:        cb.View.Type == slack.VTHomeTab,
			Admin:       b.opts.IsAdmin(cb.User.ID),
		}
		if a.ChannelID == "" {
			a.ChannelID = cb.Container.ChannelID
		}
		if err := h(ctx, a); err != nil {
			b.log.Error("button handler failed", "action_id", act.ActionID, "err", err)
			b.tellUser(ctx, cb, "Something went wrong on my side; please try again in a minute.")
		}
	}
}

// tellUser answers a button press privately, where the button was.
func (b *Bot) tellUser(ctx context.Context, cb slack.InteractionCallback, text string) {
	// No error detail: it may name the interaction (a response_url), and presses include feedback's.
	if err := b.answerPress(ctx, cb.User.ID, cb.Channel.ID, cb.ResponseURL, cb.View.Type == slack.VTHomeTab, text, false); err != nil {
		b.log.Warn("could not tell a user about a button problem")
	}
}

// answerPress answers a button press privately, where the button was: through its response_url,
// as an ephemeral in its channel, or, on the Home tab (which has neither), at the top of the
// person's Home, else in a DM. Presses elsewhere never fall back to a DM: a lasting message right
// after a press on a feedback prompt would record who acted on it. replace swaps the message that
// held the button for the answer.
func (b *Bot) answerPress(ctx context.Context, userID, channelID, responseURL string, home bool, text string, replace bool) error {
	var errs []error
	if responseURL != "" {
		err := b.api.PostWebhook(ctx, responseURL, &slack.WebhookMessage{Text: text, ReplaceOriginal: replace, ResponseType: slack.ResponseTypeEphemeral})
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("response_url: %w", err))
	}
	if channelID != "" && !home {
		_, err := b.api.PostEphemeralContext(ctx, channelID, userID, slack.MsgOptionText(text, false))
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("ephemeral: %w", err))
	}
	if !home {
		if len(errs) == 0 {
			return errors.New("the press came with no response_url nor channel")
		}
		return errors.Join(errs...)
	}
	err := b.publishHome(ctx, userID, text)
	if err == nil {
		return nil
	}
	errs = append(errs, fmt.Errorf("home notice: %w", err))
	if _, _, err := b.api.PostMessageContext(ctx, userID, slack.MsgOptionText(text, false)); err != nil {
		return errors.Join(append(errs, fmt.Errorf("DM: %w", err))...)
	}
	return nil
}

// handleViewSubmission runs the modal's handler and returns the ack payload (nil closes the modal).
func (b *Bot) handleViewSubmission(ctx context.Context, cb slack.InteractionCallback) any {
	h, ok := b.views[cb.View.CallbackID]
	if !ok {
		b.log.Warn("no handler for a submitted modal")
		return formNotice(cb, staleFormText)
	}
	values := Values{}
	if cb.View.State != nil {
		for blockID, actions := range cb.View.State.Values {
			for actionID, a := range actions {
				values[Field{Block: blockID, Action: actionID}] = inputValue(a)
			}
		}
	}
	next := &nextView{}
	problems, err := h(ctx, Submission{
		UserID:          cb.User.ID,
		ViewID:          cb.View.ID,
		CallbackID:      cb.View.CallbackID,
		PrivateMetadata: cb.View.PrivateMetadata,
		Values:          values,
		Admin:           b.opts.IsAdmin(cb.User.ID),
		next:            next,
	})
	switch {
	case err != nil:
		b.log.Error("modal handler failed", "err", err)
		return formNotice(cb, failedFormText)
	case len(problems) > 0:
		return fieldErrors(cb, problems)
	case next.view != nil:
		return slack.NewUpdateViewSubmissionResponse(next.view)
	}
	return nil
}

// inputValue is what one input holds: a picked option, channel, user, date or time, the ticked
// options joined by commas (a single checkbox reads "true" or "false"), or the text typed.
func inputValue(a slack.BlockAction) string {
	switch {
	case a.Type == slack.ActionType(slack.METCheckboxGroups) || a.Type == "multi_static_select":
		var vals []string
		for _, o := range a.SelectedOptions {
			vals = append(vals, o.Value)
		}
		if a.Type == slack.ActionType(slack.METCheckboxGroups) && len(vals) == 0 {
			return "false"
		}
		return strings.Join(vals, ",")
	case a.SelectedOption.Value != "":
		return a.SelectedOption.Value
	case a.SelectedConversation != "":
		return a.SelectedConversation
	case a.SelectedChannel != "":
		return a.SelectedChannel
	case a.SelectedUser != "":
		return a.SelectedUser
	case len(a.SelectedUsers) > 0:
		return strings.Join(a.SelectedUsers, ",")
	case a.SelectedDate != "":
		return a.SelectedDate
	case a.SelectedTime != "":
		return a.SelectedTime
	default:
		return a.Value
	}
}

// handleEvent routes Events API events.
func (b *Bot) handleEvent(ctx context.Context, outer slackevents.EventsAPIEvent) {
	switch ev := outer.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		if ev.Tab != "" && ev.Tab != "home" {
			return
		}
		if err := b.PublishHome(ctx, ev.User); err != nil {
			b.log.Error("could not publish the Home tab", "err", err)
		}
	case *slackevents.MessageEvent:
		// A file (a voice note) and a reply also sent to the conversation are people writing;
		// edits, deletions, joins and the like are not.
		if ev.User == "" || ev.BotID != "" || (ev.SubType != "" && ev.SubType != "file_share" && ev.SubType != "thread_broadcast") {
			return
		}
		m := Message{UserID: ev.User, ChannelID: ev.Channel, TS: ev.TimeStamp, ChannelType: ev.ChannelType}
		for _, h := range b.messages {
			if err := h(ctx, m); err != nil {
				b.log.Error("handling a message failed", "channel_type", m.ChannelType, "err", err)
			}
		}
	default:
		b.log.Debug("ignoring event", "type", outer.InnerEvent.Type)
	}
}

// AnswerAction answers a button press privately where the button was (on the Home tab: at the top
// of the person's Home until it is next refreshed); replace swaps the message that held the button
// for the answer.
func (b *Bot) AnswerAction(ctx context.Context, a Action, text string, replace bool) error {
	return b.answerPress(ctx, a.UserID, a.ChannelID, a.ResponseURL, a.Home, text, replace)
}
