package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// Action and callback ids of feedback's buttons and modals.
const (
	actionFeedbackAnswer  = "feedback.answer"
	actionFeedbackRespond = "feedback.respond"
	viewFeedbackAnswer    = "feedback.answer"
	viewFeedbackNote      = "feedback.note"
	viewFeedbackRespond   = "feedback.respond"
	inputAnswer           = "answer"
	inputScale            = "scale"
)

// RegisterFeedback adds anonymous feedback's subcommands, buttons, modals and renderers. Nothing
// here logs anything when someone presses "Answer anonymously", answers or sends a note, not even
// a failure (which would date the attempt): the person is told instead.
func RegisterFeedback(b *Bot, d *Delivery, svc *feedback.Service) {
	f := &feedbackEdge{bot: b, svc: svc}
	b.Register(Subcommand{Name: "feedback", Usage: "feedback", Summary: "send an anonymous note to the team's next feedback batch", Run: f.note})
	b.Register(Subcommand{Name: "feedback now", Usage: "feedback now", Summary: "send an anonymous feedback prompt to this channel's members now", Admin: true, Run: f.now})
	b.Register(Subcommand{Name: "feedback release", Usage: "feedback release", Summary: "close the open prompt and release its answers if there are enough", Admin: true, Run: f.release})
	b.Register(Subcommand{Name: "feedback status", Usage: "feedback status", Summary: "how many answered the open prompt (a number, nothing more)", Admin: true, Run: f.status})
	b.HandleAction(actionFeedbackAnswer, f.openAnswer)
	b.HandleAction(actionFeedbackRespond, f.openRespond)
	b.HandleView(viewFeedbackAnswer, f.submitAnswer)
	b.HandleView(viewFeedbackNote, f.submitNote)
	b.HandleView(viewFeedbackRespond, f.submitRespond)
	d.Render(feedback.KindPrompt, f.renderPrompt)
	d.Render(feedback.KindRelease, renderFeedbackRelease)
	d.Render(feedback.KindHeld, renderFeedbackHeld)
	d.Render(feedback.KindResponse, renderFeedbackResponse)
}

type feedbackEdge struct {
	bot *Bot
	svc *feedback.Service
}

func (f *feedbackEdge) where(cmd Command) (string, *Reply) {
	return f.bot.ritualChannel(cmd, f.svc.ChannelIDs(), "Anonymous feedback")
}

func (f *feedbackEdge) note(ctx context.Context, cmd Command) (Reply, error) {
	if cmd.Args != "" {
		return Reply{Text: fmt.Sprintf("Type just `%s feedback` and write your note in the form that opens: that way it never shows up in your command history.", f.bot.opts.Command)}, nil
	}
	ch, err := f.svc.NoteChannel(ctx, cmd.UserID, cmd.ChannelID)
	if err != nil {
		return f.noteRefused(err)
	}
	view := modal(viewFeedbackNote, "Anonymous note", "Send", ch,
		slack.NewSectionBlock(markdown("Your note goes out with the next batch of anonymous feedback released in <#"+ch+">; "+
			"notes never count toward the answers a batch needs. "+Escape(feedback.Explanation(f.svc.Threshold(ch)))), nil, nil),
		answerInput("Your note", "What should the team know?"),
	)
	if _, err := f.bot.api.OpenViewContext(ctx, cmd.TriggerID, view); err != nil {
		return Reply{Text: "I could not open the note form (Slack gives it 3 seconds); please try again."}, nil
	}
	return Reply{}, nil
}

// noteRefused tells someone where their note can go, or why it cannot.
func (f *feedbackEdge) noteRefused(err error) (Reply, error) {
	var where *feedback.NoteChannelError
	if !errors.As(err, &where) {
		return Reply{Text: "I could not check the feedback channel's members just now; please try again in a minute."}, nil
	}
	if len(where.Channels) == 0 {
		return Reply{Text: where.Error()}, nil
	}
	return Reply{Text: fmt.Sprintf("Anonymous notes are sent from the channel they are for: type `%s feedback` in <#%s>.", f.bot.opts.Command, strings.Join(where.Channels, "> or <#"))}, nil
}

// modal builds a modal view carrying meta in its private_metadata.
func modal(callbackID, title, submit, meta string, blocks ...slack.Block) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbackID,
		Title:           plain(title),
		Submit:          plain(submit),
		Close:           plain("Cancel"),
		PrivateMetadata: meta,
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func answerInput(label, placeholder string) *slack.InputBlock {
	input := slack.NewPlainTextInputBlockElement(plain(placeholder), inputAnswer)
	input.Multiline = true
	input.MinLength = feedback.MinAnswerLength
	input.MaxLength = feedback.MaxAnswerLength
	return slack.NewInputBlock(inputAnswer, plain(label), nil, input)
}

func scaleInput(s *questions.Scale) *slack.InputBlock {
	var options []*slack.OptionBlockObject
	for v := questions.ScaleMin; v <= questions.ScaleMax; v++ {
		label := strconv.Itoa(v)
		switch {
		case v == questions.ScaleMin && s.Low != "":
			label += " — " + s.Low
		case v == questions.ScaleMax && s.High != "":
			label += " — " + s.High
		}
		options = append(options, slack.NewOptionBlockObject(strconv.Itoa(v), plain(label), nil))
	}
	return slack.NewInputBlock(inputScale, plain("Your rating"), nil, slack.NewRadioButtonsBlockElement(inputScale, options...))
}

func (f *feedbackEdge) now(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := f.where(cmd)
	if r != nil {
		return *r, nil
	}
	key := schedule.Key{Ritual: feedback.Ritual, Channel: ch, At: f.bot.opts.Now().Truncate(time.Minute)}
	err := f.svc.Run(ctx, key)
	switch {
	case errors.Is(err, schedule.ErrAlreadyRan):
		return Reply{Text: "A prompt already went out this minute."}, nil
	case errors.Is(err, feedback.ErrPromptOpen):
		_, _, closes, _ := f.svc.Status(ch)
		return Reply{Text: fmt.Sprintf("A prompt is already open in <#%s> until %s; `%s feedback release` closes it.", ch, f.bot.when(closes, DayTime), f.bot.opts.Command)}, nil
	case err != nil:
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Done: the feedback prompt is on its way to the members of <#%s>.", ch)}, nil
}

func (f *feedbackEdge) release(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := f.where(cmd)
	if r != nil {
		return *r, nil
	}
	res, err := f.svc.Release(ctx, ch, true)
	if err != nil {
		if errors.Is(err, feedback.ErrNoOpenPrompt) {
			return Reply{Text: fmt.Sprintf("No feedback prompt is open in <#%s>.", ch)}, nil
		}
		return Reply{}, err
	}
	if res.Open {
		return Reply{Text: fmt.Sprintf("Only %s so far: %d more needed before anything can be shown, so that nobody can be singled out. The prompt stays open.",
			plural(res.Answers, "answer", "answers"), res.Needed)}, nil
	}
	return Reply{Text: fmt.Sprintf("Released: %s posted together in <#%s>, shuffled and without names.", plural(res.Answers, "answer", "answers"), ch)}, nil
}

func (f *feedbackEdge) status(_ context.Context, cmd Command) (Reply, error) {
	ch, r := f.where(cmd)
	if r != nil {
		return *r, nil
	}
	n, open, closes, err := f.svc.Status(ch)
	if err != nil {
		return Reply{}, err
	}
	if !open {
		return Reply{Text: fmt.Sprintf("No feedback prompt is open in <#%s>.", ch)}, nil
	}
	return Reply{Text: fmt.Sprintf("%s so far; the prompt closes %s.", plural(n, "answer", "answers"), f.bot.when(closes, DayTime))}, nil
}

// answerMeta is what the answer modal carries: the prompt and the token. Slack keeps it; the bot
// stores none of it.
func answerMeta(promptID, token string) string { return promptID + "|" + token }

// somethingWrong is what a person is told when answering fails on the bot's side. Nothing is
// logged: a log line would date the attempt.
const somethingWrong = "Something went wrong on my side; nothing was saved. Please try again in a minute."

func (f *feedbackEdge) openAnswer(ctx context.Context, a Action) error {
	promptID, token, ok := strings.Cut(a.Value, "|")
	if !ok {
		return f.tell(ctx, a, "This button is from an older version of ritualbot; wait for the next prompt.")
	}
	p, err := f.svc.Check(promptID, token)
	switch {
	case err != nil && rituals.IsPersonError(err):
		return f.tell(ctx, a, err.Error())
	case err != nil:
		return f.tell(ctx, a, somethingWrong)
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(markdown("*"+Escape(p.Question)+"*"), nil, nil),
	}
	if p.Scale != nil {
		blocks = append(blocks, scaleInput(p.Scale))
	}
	blocks = append(blocks, answerInput("Your answer", "Write freely: it is shown without your name."),
		slack.NewContextBlock("", plain(truncateText(p.Explanation, maxTextChars))))
	view := modal(viewFeedbackAnswer, "Anonymous feedback", "Send anonymously", answerMeta(promptID, token), blocks...)
	if _, err := f.bot.api.OpenViewContext(ctx, a.TriggerID, view); err != nil {
		return f.tell(ctx, a, "I could not open the answer form in time (Slack gives it 3 seconds); please press the button again.")
	}
	return nil
}

// tell answers a button press privately where the button was; a failure to tell is not logged.
func (f *feedbackEdge) tell(ctx context.Context, a Action, text string) error {
	_ = f.bot.AnswerAction(ctx, a, text, false)
	return nil
}

// thanks is the modal an accepted answer leaves on screen: the person's DM is never changed.
func thanks() slack.ModalViewRequest {
	v := modal(viewFeedbackAnswer, "Anonymous feedback", "", "",
		slack.NewSectionBlock(markdown("*Thank you — your answer is in.* It is stored without your name or the time, "+
			"and shared only together with others' answers. Your message from me stays exactly as it was."), nil, nil))
	v.Submit = nil
	v.Close = plain("Close")
	return v
}

func (f *feedbackEdge) submitAnswer(ctx context.Context, s Submission) (map[string]string, error) {
	promptID, token, ok := strings.Cut(s.PrivateMetadata, "|")
	if !ok {
		return map[string]string{inputAnswer: "This form is from an older version of ritualbot; wait for the next prompt."}, nil
	}
	scale := 0
	if v, ok := s.Values.Lookup(inputScale, inputScale); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return map[string]string{inputScale: "Pick a rating from 1 to 5."}, nil
		}
		scale = n
	}
	err := f.svc.Answer(ctx, promptID, token, s.Values.Get(inputAnswer, inputAnswer), scale)
	var scaleErr *feedback.ScaleError
	switch {
	case errors.As(err, &scaleErr):
		return map[string]string{inputScale: err.Error()}, nil
	case err != nil && rituals.IsPersonError(err):
		return map[string]string{inputAnswer: err.Error()}, nil
	case err != nil:
		return map[string]string{inputAnswer: somethingWrong}, nil
	}
	s.UpdateView(thanks())
	return nil, nil
}

func (f *feedbackEdge) submitNote(ctx context.Context, s Submission) (map[string]string, error) {
	err := f.svc.Note(ctx, s.UserID, s.PrivateMetadata, s.Values.Get(inputAnswer, inputAnswer))
	switch {
	case err == nil:
		return nil, nil
	case rituals.IsPersonError(err):
		var where *feedback.NoteChannelError
		if errors.As(err, &where) {
			r, _ := f.noteRefused(err)
			return map[string]string{inputAnswer: r.Text}, nil
		}
		return map[string]string{inputAnswer: err.Error()}, nil
	}
	return map[string]string{inputAnswer: somethingWrong}, nil
}

func (f *feedbackEdge) openRespond(ctx context.Context, a Action) error {
	view := modal(viewFeedbackRespond, "Respond to feedback", "Post response", a.Value,
		slack.NewSectionBlock(markdown("Your response is posted in the thread of the feedback, with your name, and appears in the next digest."), nil, nil),
		answerInput("Your response", "You said…, we will…"),
	)
	_, err := f.bot.api.OpenViewContext(ctx, a.TriggerID, view)
	return err
}

func (f *feedbackEdge) submitRespond(ctx context.Context, s Submission) (map[string]string, error) {
	err := f.svc.Respond(ctx, s.PrivateMetadata, s.UserID, s.Values.Get(inputAnswer, inputAnswer))
	switch {
	case errors.Is(err, feedback.ErrNotResponder):
		return map[string]string{inputAnswer: "Only the people chosen to respond to feedback (the admins, unless configured otherwise) can respond."}, nil
	case err != nil && rituals.IsPersonError(err):
		return map[string]string{inputAnswer: err.Error()}, nil
	}
	return nil, err
}

func (f *feedbackEdge) renderPrompt(m rituals.Message) (Rendered, error) {
	p, err := decode[feedback.PromptData](m)
	if err != nil {
		return Rendered{}, err
	}
	token, err := f.svc.TokenFor(p.PromptID, m.To.User)
	if errors.Is(err, feedback.ErrClosed) || errors.Is(err, feedback.ErrUnknownPrompt) {
		text := "A feedback round closed before I could reach you; you'll get the next one."
		return Rendered{Text: text, Blocks: []slack.Block{slack.NewSectionBlock(markdown(text), nil, nil)}}, nil
	}
	if err != nil {
		return Rendered{}, err
	}
	kind := "a question"
	if p.Scale != nil {
		kind = "a quick 1–5 question"
	}
	button := slack.NewButtonBlockElement(actionFeedbackAnswer, answerMeta(p.PromptID, token), plain("Answer anonymously"))
	button.Style = slack.StylePrimary
	text := fmt.Sprintf("*Anonymous feedback for <#%s>* — %s, open until %s:\n>%s", p.Channel, kind, f.bot.when(p.ClosesAt, DayTime), Escape(p.Question))
	if p.Resent {
		text += "\n_I restarted while sending this prompt, so everyone gets it again: use this message's button; an earlier one no longer works._"
	}
	return Rendered{
		Text: "Anonymous feedback: " + p.Question,
		Blocks: []slack.Block{
			slack.NewSectionBlock(markdown(text), nil, nil),
			slack.NewActionBlock("feedback.answer", button),
			slack.NewContextBlock("", plain(truncateText(p.Explanation, maxTextChars))),
		},
	}, nil
}

// barTrack is the width of a rating bar, in cells.
const barTrack = 10

// distribution draws the 1–5 results as bars scaled to their track: the most common rating fills
// it, and any rating given at least once shows at least one cell.
func distribution(d [5]int, s *questions.Scale) string {
	most := slices.Max(d[:])
	var b strings.Builder
	for i, n := range d {
		cells := 0
		if most > 0 {
			cells = max(n*barTrack/most, min(n, 1))
		}
		label := strconv.Itoa(i + 1)
		if i == 0 && s != nil && s.Low != "" {
			label += " (" + Escape(s.Low) + ")"
		}
		if i == 4 && s != nil && s.High != "" {
			label += " (" + Escape(s.High) + ")"
		}
		fmt.Fprintf(&b, "`%s` %s %d\n", strings.Repeat("█", cells)+strings.Repeat("░", barTrack-cells), label, n)
	}
	return b.String()
}

// answerSections packs quoted answers into as few sections as Block Kit's text limit allows.
func answerSections(answers []string) []slack.Block {
	var blocks []slack.Block
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			blocks = append(blocks, slack.NewSectionBlock(markdown(cur.String()), nil, nil))
			cur.Reset()
		}
	}
	for _, a := range answers {
		q := quote(a) + "\n\n"
		if runeLen(cur.String())+runeLen(q) > maxTextChars {
			flush()
		}
		if runeLen(q) > maxTextChars {
			// One long answer (escaping can triple it) spans several sections, never cut.
			for _, part := range splitText(q, maxTextChars) {
				blocks = append(blocks, slack.NewSectionBlock(markdown(part), nil, nil))
			}
			continue
		}
		cur.WriteString(q)
	}
	flush()
	return blocks
}

// maxMessageBlocks is Slack's limit for one message.
const maxMessageBlocks = 50

func renderFeedbackRelease(m rituals.Message) (Rendered, error) {
	d, err := decode[feedback.ReleaseData](m)
	if err != nil {
		return Rendered{}, err
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Anonymous feedback")),
		slack.NewSectionBlock(markdown(fmt.Sprintf("*%s* — %s, shown together, shuffled and without names.", Escape(d.Question), plural(len(d.Answers), "answer", "answers"))), nil, nil),
	}
	if d.Scale != nil {
		blocks = append(blocks, slack.NewSectionBlock(markdown(distribution(d.Distribution, d.Scale)), nil, nil))
	}
	blocks = append(blocks, answerSections(d.Answers)...)
	if len(d.Notes) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(markdown(fmt.Sprintf("*Notes sent any time* — %s, shuffled and without names.", plural(len(d.Notes), "note", "notes"))), nil, nil))
		blocks = append(blocks, answerSections(d.Notes)...)
	}
	respond := slack.NewActionBlock("feedback.respond", slack.NewButtonBlockElement(actionFeedbackRespond, m.Key, plain("Respond")))
	// A large batch continues in the thread; the post keeps the Respond button.
	const perMessage = maxMessageBlocks - 2
	if len(blocks) <= perMessage {
		return Rendered{Text: "Anonymous feedback: " + d.Question, Blocks: append(blocks, respond)}, nil
	}
	main := Rendered{Text: "Anonymous feedback: " + d.Question,
		Blocks: append(blocks[:perMessage:perMessage], slack.NewContextBlock("", markdown("More answers in the thread 🧵")), respond)}
	for rest := blocks[perMessage:]; len(rest) > 0; {
		n := min(len(rest), perMessage)
		main.Thread = append(main.Thread, Rendered{Text: "Anonymous feedback (continued)", Blocks: rest[:n]})
		rest = rest[n:]
	}
	return main, nil
}

func renderFeedbackHeld(m rituals.Message) (Rendered, error) {
	d, err := decode[feedback.HeldData](m)
	if err != nil {
		return Rendered{}, err
	}
	var text string
	switch d.Count {
	case 0:
		text = fmt.Sprintf("The feedback round on _%s_ closed without answers. Maybe next time!", Escape(d.Question))
	default:
		text = fmt.Sprintf("The feedback round on _%s_ closed with %s, fewer than the %d needed to show any, so that nobody can be singled out. "+
			"They wait until this question is asked again and at least %d people answer it; then they are shown with those answers.",
			Escape(d.Question), plural(d.Count, "answer", "answers"), d.MinAnswers, d.MinAnswers)
	}
	return Rendered{Text: text, Blocks: []slack.Block{slack.NewSectionBlock(markdown(text), nil, nil)}}, nil
}

func renderFeedbackResponse(m rituals.Message) (Rendered, error) {
	d, err := decode[feedback.ResponseData](m)
	if err != nil {
		return Rendered{}, err
	}
	text := fmt.Sprintf("<@%s> responds:\n%s", d.Responder, quote(d.Text))
	return Rendered{Text: text, Blocks: []slack.Block{slack.NewSectionBlock(markdown(truncateText(text, maxTextChars)), nil, nil)}}, nil
}
