package bot

import (
	"context"
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
	// Values maps each input's action_id to what was entered or picked.
	Values map[string]string
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

// ViewHandler handles a modal submission before it is acknowledged. It returns problems keyed by
// the action_id of the input they concern; the modal then stays open and shows them.
type ViewHandler func(ctx context.Context, s Submission) (problems map[string]string, err error)

// HomeSection renders one part of a person's Home tab.
type HomeSection func(ctx context.Context, userID string, admin bool) ([]slack.Block, error)

// HandleAction routes presses of buttons with this action_id to h.
func (b *Bot) HandleAction(actionID string, h ActionHandler) { b.actions[actionID] = h }

// HandleView routes submissions of modals with this callback_id to h.
func (b *Bot) HandleView(callbackID string, h ViewHandler) { b.views[callbackID] = h }

// AddHomeSection appends a section to every Home tab.
func (b *Bot) AddHomeSection(s HomeSection) { b.home = append(b.home, s) }

// handleInteraction routes block actions; other interaction types are only acknowledged.
func (b *Bot) handleInteraction(ctx context.Context, cb slack.InteractionCallback) {
	// No line is logged per interaction: which button someone pressed, and when, would date an
	// anonymous answer. Problems are logged; feedback's handlers keep theirs to themselves.
	if cb.Type != slack.InteractionTypeBlockActions {
		return
	}
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
	if cb.ResponseURL != "" {
		if err := b.api.PostWebhook(ctx, cb.ResponseURL, &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: text}); err == nil {
			return
		}
	}
	if cb.Channel.ID != "" {
		if _, err := b.api.PostEphemeralContext(ctx, cb.Channel.ID, cb.User.ID, slack.MsgOptionText(text, false)); err == nil {
			return
		}
	}
	b.log.Warn("could not tell a user about a button problem")
}

// handleViewSubmission runs the modal's handler and returns the ack payload (nil closes the modal).
func (b *Bot) handleViewSubmission(ctx context.Context, cb slack.InteractionCallback) any {
	h, ok := b.views[cb.View.CallbackID]
	if !ok {
		b.log.Warn("no handler for modal", "callback_id", cb.View.CallbackID)
		return nil
	}
	values := map[string]string{}
	blockOf := map[string]string{}
	if cb.View.State != nil {
		for blockID, actions := range cb.View.State.Values {
			for actionID, a := range actions {
				blockOf[actionID] = blockID
				values[actionID] = stateValue(a)
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
	if err != nil {
		b.log.Error("modal handler failed", "callback_id", cb.View.CallbackID, "err", err)
		problems = map[string]string{"": "Something went wrong on my side; nothing was saved. Please try again in a minute."}
	}
	if len(problems) == 0 {
		if next.view != nil {
			return slack.NewUpdateViewSubmissionResponse(next.view)
		}
		return nil
	}
	byBlock := map[string]string{}
	for actionID, msg := range problems {
		block, ok := blockOf[actionID]
		if !ok {
			// A problem not tied to one input is shown on the first input.
			for _, bl := range blockOf {
				block = bl
				break
			}
		}
		if block != "" {
			byBlock[block] = msg
		}
	}
	return slack.NewErrorsViewSubmissionResponse(byBlock)
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
	default:
		b.log.Debug("ignoring event", "type", outer.InnerEvent.Type)
	}
}

// AnswerAction answers a button press privately where the button was; replace swaps the message that
// held the button for the answer.
func (b *Bot) AnswerAction(ctx context.Context, a Action, text string, replace bool) error {
	return b.api.PostWebhook(ctx, a.ResponseURL, &slack.WebhookMessage{Text: text, ReplaceOriginal: replace, ResponseType: slack.ResponseTypeEphemeral})
}
