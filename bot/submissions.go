package bot

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
)

// Modal submissions run on a lane of their own: their answer (field errors, or nothing to close
// the modal) travels in the ack, which Slack wants within 3 seconds, so they must never wait behind
// slow commands, buttons or events. submissionWorkers handle them; submissionQueue bounds how many
// wait for a worker.
const (
	submissionWorkers = 4
	submissionQueue   = 16
)

// submissionBudget is how long after its arrival a submission may wait for a worker and its handler
// before the form is answered without them, leaving time for the ack to reach Slack within its 3
// seconds.
const submissionBudget = 2 * time.Second

// Texts shown on a form when its handler cannot answer it.
const (
	busyFormText   = "I'm handling a lot at the moment and could not take this on; nothing was saved. Please submit again in a minute."
	slowFormText   = "This is taking me longer than it should. Wait a minute and submit again if it did not go through."
	failedFormText = "Something went wrong on my side; nothing was saved. Please try again in a minute."
	staleFormText  = "This form is from an older version of ritualbot and can no longer be sent; close it and start again."
)

// receiveSubmission queues a modal submission on its lane, or answers it at once when the lane is
// full. The budget runs from now, so a submission still waiting for a worker is answered in time
// too.
func (b *Bot) receiveSubmission(ctx context.Context, envelopeID string, cb slack.InteractionCallback) {
	ans := &submissionAnswer{bot: b, ctx: ctx, envelopeID: envelopeID}
	late := time.AfterFunc(b.submissionBudget, func() {
		if ans.send(formNotice(cb, slowFormText)) {
			b.log.Warn("a modal submission ran out of time; answered the form without its handler", "budget", b.submissionBudget)
		}
	})
	job := func(ctx context.Context) {
		if ans.sent.Load() {
			return // it waited out its budget: the person was told to submit again if it did not go through
		}
		payload := formNotice(cb, failedFormText) // what the person sees if the handler panics
		defer func() {
			late.Stop()
			ans.send(payload)
		}()
		payload = b.handleViewSubmission(ctx, cb)
	}
	if !offer(b.submissions, job) {
		late.Stop()
		b.overloaded("modal submission")
		ans.send(formNotice(cb, busyFormText))
	}
}

// submissionAnswer sends a submission's one ack: its handler's answer, or the notice sent when the
// budget runs out first.
type submissionAnswer struct {
	bot        *Bot
	ctx        context.Context
	envelopeID string
	once       sync.Once
	sent       atomic.Bool
}

// send acks with payload unless an answer went already, and reports whether this one went.
func (a *submissionAnswer) send(payload any) bool {
	first := false
	a.once.Do(func() {
		first = true
		a.sent.Store(true)
		a.bot.ack(a.ctx, a.envelopeID, payload)
	})
	return first
}

// inputBlockIDs lists the block ids of the modal's inputs, in the order they are shown.
func inputBlockIDs(v slack.View) []string {
	var ids []string
	for _, block := range v.Blocks.BlockSet {
		if in, ok := block.(*slack.InputBlock); ok && in.BlockID != "" {
			ids = append(ids, in.BlockID)
		}
	}
	return ids
}

// fieldErrors turns a handler's problems into Slack's errors response. A problem is keyed by the
// block_id of its input, or by an action_id that only one input has (block ids Slack generated
// are unknown to handlers); any other key is shown on the first input.
func fieldErrors(cb slack.InteractionCallback, problems map[string]string) any {
	inputs := inputBlockIDs(cb.View)
	if len(inputs) == 0 {
		texts := make([]string, 0, len(problems))
		for _, msg := range problems {
			texts = append(texts, msg)
		}
		return formNotice(cb, strings.Join(texts, "\n"))
	}
	var values map[string]map[string]slack.BlockAction
	if cb.View.State != nil {
		values = cb.View.State.Values
	}
	byBlock := map[string]string{}
	for key, msg := range problems {
		block := inputs[0]
		if slices.Contains(inputs, key) {
			block = key
		} else if only, ok := blockOfAction(values, key); ok {
			block = only
		}
		if byBlock[block] != "" {
			msg = byBlock[block] + " " + msg
		}
		byBlock[block] = msg
	}
	return slack.NewErrorsViewSubmissionResponse(byBlock)
}

// blockOfAction returns the block of the one input whose action_id is action.
func blockOfAction(values map[string]map[string]slack.BlockAction, action string) (string, bool) {
	found := ""
	for blockID, inputs := range values {
		if _, ok := inputs[action]; ok {
			if found != "" {
				return "", false
			}
			found = blockID
		}
	}
	return found, found != ""
}

// formNotice answers a submission with text shown on the form: on its first input (the form stays
// open with what the person wrote), or in place of the form when it has no input.
func formNotice(cb slack.InteractionCallback, text string) any {
	if inputs := inputBlockIDs(cb.View); len(inputs) > 0 {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{inputs[0]: text})
	}
	return replaceForm(cb, text)
}

// replaceForm answers a submission by showing text in place of the form, under the same title,
// with a Close button.
func replaceForm(cb slack.InteractionCallback, text string) any {
	title := plain("ritualbot")
	if cb.View.Title != nil && cb.View.Title.Text != "" {
		title = cb.View.Title
	}
	return slack.NewUpdateViewSubmissionResponse(&slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  title,
		Close:  plain("Close"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(plain(truncateText(text, maxTextChars)), nil, nil)}},
	})
}
