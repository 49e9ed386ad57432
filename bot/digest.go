package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/digest"
)

// Action and callback ids of the digest's buttons and modal.
const (
	actionDigestWrite = "digest.write"
	actionDigestSkip  = "digest.skip"
	viewDigestCheckin = "digest.checkin"
)

// RegisterDigest adds check-ins, kudos and the digest's commands, buttons, modal, Home section
// and renderers.
func RegisterDigest(b *Bot, d *Delivery, svc *digest.Service, dir *Directory) {
	e := &digestEdge{bot: b, svc: svc, dir: dir}
	for _, s := range []Subcommand{
		{Name: "checkin", Usage: "checkin", Summary: "write or edit this week's update", Run: e.checkin},
		{Name: "checkin skip", Usage: "checkin skip", Summary: "skip this week's update", Run: e.skipCmd},
		{Name: "checkin history", Usage: "checkin history", Summary: "your updates of the last 8 weeks", Run: e.history},
		{Name: "checkin now", Usage: "checkin now", Summary: "send this week's check-in DMs now", Admin: true, Run: e.checkinNow},
		{Name: "kudos", Usage: "kudos @someone @someone-else for …", Summary: "thank people; it shows in the weekly digest", Run: e.kudos},
		{Name: "digest preview", Usage: "digest preview", Summary: "see this week's digest without posting it", Admin: true, Run: e.preview},
		{Name: "digest now", Usage: "digest now", Summary: "post this week's digest now", Admin: true, Run: e.postNow},
	} {
		b.Register(s)
	}
	b.HandleAction(actionDigestWrite, e.openForm)
	b.HandleAction(actionDigestSkip, e.skipButton)
	b.HandleView(viewDigestCheckin, e.submit)
	b.AddHomeSection(e.home)
	d.Render(digest.KindCheckin, e.renderCheckin)
	d.Render(digest.KindReminder, e.renderReminder)
	d.Render(digest.KindKudos, renderKudos)
	d.Render(digest.KindPost, renderDigest)
}

type digestEdge struct {
	bot *Bot
	svc *digest.Service
	dir *Directory
}

func (e *digestEdge) where(cmd Command) (string, *Reply) {
	return e.bot.ritualChannel(cmd, e.svc.ChannelIDs(), "The weekly digest")
}

func (e *digestEdge) checkin(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := e.where(cmd)
	if r != nil {
		return *r, nil
	}
	if err := e.openModal(ctx, ch, cmd.UserID, cmd.TriggerID); err != nil {
		return Reply{}, err
	}
	return Reply{}, nil
}

// openModal opens the check-in form: one input per question, last week's "next" shown, this
// week's answers filled in when editing.
func (e *digestEdge) openModal(ctx context.Context, channel, user, triggerID string) error {
	form, err := e.svc.Form(channel, user, e.bot.opts.Now())
	if err != nil {
		return err
	}
	blocks := []slack.Block{slack.NewContextBlock("", markdown(fmt.Sprintf("Your update for <#%s>, week %s. Shared with the team in the weekly digest.", channel, form.Week.ID)))}
	if form.LastNext != nil {
		blocks = append(blocks, slack.NewSectionBlock(markdown(fmt.Sprintf("*Last time you said was next:*\n%s", quote(form.LastNext.Text))), nil, nil))
	}
	for i, q := range form.Questions {
		id := "q" + strconv.Itoa(i)
		input := slack.NewPlainTextInputBlockElement(nil, id)
		input.Multiline = true
		input.MaxLength = digest.MaxAnswer
		if form.Current != nil && i < len(form.Current.Answers) {
			input.InitialValue = form.Current.Answers[i].Text
		}
		block := slack.NewInputBlock(id, plain(truncateText(q.Text, 2000)), nil, input)
		block.Optional = q.Role == digest.RoleHelp
		if q.Role == digest.RoleHelp {
			block.Hint = plain("Optional. Answers here open the digest, so others can step in.")
		}
		blocks = append(blocks, block)
	}
	_, err = e.bot.api.OpenViewContext(ctx, triggerID, modal(viewDigestCheckin, "Weekly update", "Share", channel, blocks...))
	return err
}

func (e *digestEdge) submit(ctx context.Context, s Submission) (map[string]string, error) {
	form, err := e.svc.Form(s.PrivateMetadata, s.UserID, e.bot.opts.Now())
	if err != nil {
		return nil, err
	}
	answers := make([]string, len(form.Questions))
	for i := range answers {
		id := "q" + strconv.Itoa(i)
		answers[i] = s.Values.Get(id, id)
	}
	_, err = e.svc.Submit(ctx, s.PrivateMetadata, s.UserID, answers, e.bot.opts.Now())
	var pe *rituals.PersonError
	if errors.As(err, &pe) {
		problems := map[string]string{}
		for i, msg := range pe.Fields {
			problems["q"+strconv.Itoa(i)] = msg
		}
		if len(problems) == 0 {
			problems["q0"] = pe.Error()
		}
		return problems, nil
	}
	return nil, err
}

func (e *digestEdge) skipCmd(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := e.where(cmd)
	if r != nil {
		return *r, nil
	}
	if _, err := e.svc.Skip(ctx, ch, cmd.UserID, e.bot.opts.Now()); err != nil {
		return Reply{}, err
	}
	return Reply{Text: "Skipped this week — no reminder will follow. See you next week!"}, nil
}

func (e *digestEdge) history(_ context.Context, cmd Command) (Reply, error) {
	ch, r := e.where(cmd)
	if r != nil {
		return *r, nil
	}
	updates, err := e.svc.History(ch, cmd.UserID, e.bot.opts.Now())
	if err != nil {
		return Reply{}, err
	}
	if len(updates) == 0 {
		return Reply{Text: "You haven't shared an update in the last 8 weeks."}, nil
	}
	var b strings.Builder
	for _, u := range updates {
		fmt.Fprintf(&b, "*Week %s*", u.Week)
		if u.Skipped {
			b.WriteString(" — skipped\n")
			continue
		}
		b.WriteString("\n")
		for _, a := range u.Answers {
			if a.Text != "" {
				fmt.Fprintf(&b, "_%s_\n%s\n", Escape(a.Question), quote(a.Text))
			}
		}
	}
	parts := splitText(b.String(), maxTextChars)
	blocks := make([]slack.Block, 0, len(parts))
	for _, p := range parts[:min(len(parts), maxMessageBlocks)] {
		blocks = append(blocks, slack.NewSectionBlock(markdown(p), nil, nil))
	}
	return Reply{Text: "Your last updates", Blocks: blocks}, nil
}

func (e *digestEdge) checkinNow(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := e.where(cmd)
	if r != nil {
		return *r, nil
	}
	n, err := e.svc.CheckinNow(ctx, ch, e.bot.opts.Now())
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Done: %s on the way for <#%s>.", plural(n, "check-in DM", "check-in DMs"), ch)}, nil
}

func (e *digestEdge) kudos(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := e.where(cmd)
	if r != nil {
		return *r, nil
	}
	ids, rest := leadingMentions(cmd.Args)
	example := fmt.Sprintf("e.g. `%s kudos @ana @raj for untangling the release`", e.bot.opts.Command)
	if len(ids) == 0 {
		if plainMention(cmd.Args) {
			return Reply{Text: "I couldn't recognise who you mean; pick people from the list Slack offers when you type @ (" + example + ")."}, nil
		}
		return Reply{Text: "Who would you like to thank? Name them first, " + example + "."}, nil
	}
	reason, _ := cutPrefixFold(rest, "for ")
	if reason == "" {
		reason = strings.TrimSpace(rest)
	}
	reason = Unescape(reason)
	people, err := e.dir.People(ctx, append([]string{cmd.UserID}, ids...))
	if err != nil {
		return Reply{}, err
	}
	k, err := e.svc.Kudos(ctx, ch, people[0], people[1:], reason, e.bot.opts.Now())
	if err != nil {
		return Reply{}, err
	}
	var names []string
	for _, id := range k.To {
		names = append(names, "<@"+id+">")
	}
	return Reply{Text: fmt.Sprintf("Thank you for saying thank you! I've told %s, and it will be in this week's digest.", strings.Join(names, ", "))}, nil
}

func (e *digestEdge) preview(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := e.where(cmd)
	if r != nil {
		return *r, nil
	}
	d, err := e.svc.Preview(ctx, ch, e.bot.opts.Now())
	if err != nil {
		return Reply{}, err
	}
	msgs := digestMessages(d)
	blocks := []slack.Block{slack.NewContextBlock("", markdown("Preview — nothing was posted."))}
	for _, m := range msgs {
		blocks = append(blocks, m.Blocks...)
	}
	if len(blocks) > maxMessageBlocks {
		blocks = append(blocks[:maxMessageBlocks-1], slack.NewContextBlock("", markdown(fmt.Sprintf("…and more: the digest will be %s, continued in its thread.", plural(len(msgs), "message", "messages")))))
	}
	return Reply{Text: "Digest preview", Blocks: blocks}, nil
}

func (e *digestEdge) postNow(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := e.where(cmd)
	if r != nil {
		return *r, nil
	}
	d, err := e.svc.PostNow(ctx, ch, e.bot.opts.Now())
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Done: the digest for week %s is on its way to <#%s>.", d.Week.ID, ch)}, nil
}

func (e *digestEdge) openForm(ctx context.Context, a Action) error {
	err := e.openModal(ctx, a.Value, a.UserID, a.TriggerID)
	if rituals.IsPersonError(err) {
		return e.bot.AnswerAction(ctx, a, Escape(err.Error()), false)
	}
	return err
}

func (e *digestEdge) skipButton(ctx context.Context, a Action) error {
	text := "Skipped this week — no reminder will follow. See you next week!"
	if _, err := e.svc.Skip(ctx, a.Value, a.UserID, e.bot.opts.Now()); err != nil {
		if !rituals.IsPersonError(err) {
			return err
		}
		text = Escape(err.Error())
	}
	if a.Home {
		return e.bot.PublishHome(ctx, a.UserID)
	}
	return e.bot.AnswerAction(ctx, a, text, false)
}

func (e *digestEdge) home(_ context.Context, user string, _ bool) ([]slack.Block, error) {
	var blocks []slack.Block
	for _, ch := range e.svc.ChannelIDs() {
		st, err := e.svc.WeekStatus(ch, user, e.bot.opts.Now())
		if err != nil {
			return nil, err
		}
		var text, label string
		switch st.State {
		case digest.StateUpdated:
			text, label = "you've shared your update — thank you!", "Edit my update"
		case digest.StateSkipped:
			text, label = "you're skipping this week.", "Write my update"
		case digest.StateAway:
			text = "you're away, so nobody will ask."
		default:
			text, label = "no update yet.", "Write my update"
		}
		blocks = append(blocks, slack.NewSectionBlock(markdown(fmt.Sprintf("Weekly update for <#%s>, week %s: %s", ch, st.Week.ID, text)), nil, nil))
		if label != "" {
			blocks = append(blocks, slack.NewActionBlock("digest.home."+ch, slack.NewButtonBlockElement(actionDigestWrite, ch, plain(label))))
		}
	}
	return blocks, nil
}

func checkinButtons(channel string) slack.Block {
	write := slack.NewButtonBlockElement(actionDigestWrite, channel, plain("Write my update"))
	write.Style = slack.StylePrimary
	return slack.NewActionBlock("digest.checkin", write, slack.NewButtonBlockElement(actionDigestSkip, channel, plain("Skip this week")))
}

func (e *digestEdge) renderCheckin(m rituals.Message) (Rendered, error) {
	d, err := decode[digest.CheckinData](m)
	if err != nil {
		return Rendered{}, err
	}
	text := fmt.Sprintf("Hi! Time for your weekly update for <#%s>. A few lines are plenty: what moved, what's next, where a hand would help. It goes into the digest %s.",
		d.Channel, e.bot.when(d.Week.To, DayTime))
	blocks := []slack.Block{slack.NewSectionBlock(markdown(text), nil, nil)}
	if d.LastNext != nil {
		blocks = append(blocks, slack.NewContextBlock("", markdown("Last time you said was next: "+truncateText(Escape(d.LastNext.Text), 2000))))
	}
	blocks = append(blocks, checkinButtons(d.Channel))
	return Rendered{Text: "Time for your weekly update", Blocks: blocks}, nil
}

func (e *digestEdge) renderReminder(m rituals.Message) (Rendered, error) {
	d, err := decode[digest.ReminderData](m)
	if err != nil {
		return Rendered{}, err
	}
	text := fmt.Sprintf("A gentle nudge: the digest for <#%s> goes out %s. Want to add your update? Skipping is fine too.", d.Channel, e.bot.when(d.Week.To, DateTime))
	return Rendered{Text: "A gentle nudge for your weekly update", Blocks: []slack.Block{slack.NewSectionBlock(markdown(text), nil, nil), checkinButtons(d.Channel)}}, nil
}

func renderKudos(m rituals.Message) (Rendered, error) {
	d, err := decode[digest.KudosData](m)
	if err != nil {
		return Rendered{}, err
	}
	text := fmt.Sprintf("🎉 <@%s> says thank you", d.From)
	if len(d.Also) > 0 {
		text += " to you and " + mentionsExcept(d.Also, "")
	}
	text += ":\n" + quote(d.Reason)
	return Rendered{Text: fmt.Sprintf("Kudos from <@%s>", d.From), Blocks: []slack.Block{slack.NewSectionBlock(markdown(truncateText(text, maxTextChars)), nil, nil)}}, nil
}

// renderDigest turns the week's digest into one post plus thread replies, each within Block
// Kit's limits; nobody's words are cut.
func renderDigest(m rituals.Message) (Rendered, error) {
	d, err := decode[digest.Digest](m)
	if err != nil {
		return Rendered{}, err
	}
	msgs := digestMessages(d)
	main := msgs[0]
	main.Thread = msgs[1:]
	return main, nil
}

// digestBlockBudget leaves room under Slack's 50 blocks for a closing context line.
const digestBlockBudget = maxMessageBlocks - 2

// digestMessages lays out a digest as messages of at most digestBlockBudget blocks.
func digestMessages(d digest.Digest) []Rendered {
	var msgs []Rendered
	var cur []slack.Block
	add := func(blocks ...slack.Block) {
		if len(cur)+len(blocks) > digestBlockBudget && len(cur) > 0 {
			msgs = append(msgs, Rendered{Text: "Weekly digest (continued)", Blocks: cur})
			cur = nil
		}
		cur = append(cur, blocks...)
	}
	sections := func(text string) []slack.Block {
		var out []slack.Block
		for _, p := range splitText(text, maxTextChars) {
			out = append(out, slack.NewSectionBlock(markdown(p), nil, nil))
		}
		return out
	}
	// A header is plain text, which Slack does not localise: the week's dates go in the context,
	// in each reader's calendar.
	add(slack.NewHeaderBlock(plain("Weekly digest")))
	add(slack.NewContextBlock("", markdown(fmt.Sprintf("%s – %s · %d of %d shared an update this week.",
		When(d.Week.From, Date, nil), When(d.Week.To, Date, nil), d.Shared, d.Asked))))
	if len(d.HelpWanted) > 0 {
		add(slack.NewSectionBlock(markdown("*🙋 Help wanted* — can you step in?"), nil, nil))
		for _, h := range d.HelpWanted {
			add(sections(fmt.Sprintf("<@%s>:\n%s", h.User, quote(h.Text)))...)
		}
		add(slack.NewDividerBlock())
	}
	if len(d.Updates) > 0 {
		add(slack.NewSectionBlock(markdown("*📝 Updates*"), nil, nil))
		for _, u := range d.Updates {
			var b strings.Builder
			fmt.Fprintf(&b, "*<@%s>*\n", u.User)
			for _, a := range u.Answers {
				fmt.Fprintf(&b, "_%s_\n%s\n", Escape(a.Question), quote(a.Text))
			}
			add(sections(b.String())...)
		}
		add(slack.NewDividerBlock())
	}
	if len(d.Kudos) > 0 {
		var b strings.Builder
		b.WriteString("*🎉 Kudos*\n")
		for _, k := range d.Kudos {
			fmt.Fprintf(&b, "<@%s> → %s: %s\n", k.From, mentionsExcept(k.To, ""), Escape(k.Reason))
		}
		add(sections(b.String())...)
	}
	if d.Stats != nil {
		s := d.Stats
		add(slack.NewSectionBlock(markdown(fmt.Sprintf("*📊 Rituals this week*\n☕ %s started, %d met · 🧊 %s to icebreakers · 🗣 %s of anonymous feedback released",
			plural(s.CoffeeGroups, "coffee group", "coffee groups"), s.CoffeeMet, plural(s.IcebreakerAnswers, "answer", "answers"), plural(s.FeedbackAnswers, "answer", "answers"))), nil, nil))
	}
	for _, f := range d.Feedback {
		var b strings.Builder
		fmt.Fprintf(&b, "*🗣 Anonymous feedback:* %s\n", Escape(f.Question))
		for _, a := range f.Answers {
			b.WriteString(quote(a) + "\n")
		}
		if len(f.Answers) == 0 {
			b.WriteString("_The answers were posted together in the channel._\n")
		}
		for _, r := range f.Responses {
			fmt.Fprintf(&b, "*<@%s> responded:*\n%s\n", r.User, quote(r.Text))
		}
		add(sections(b.String())...)
	}
	if len(cur) > 0 {
		msgs = append(msgs, Rendered{Text: "Weekly digest (continued)", Blocks: cur})
	}
	msgs[0].Text = fmt.Sprintf("Weekly digest: %d of %d shared an update", d.Shared, d.Asked)
	if len(msgs) > 1 {
		msgs[0].Blocks = append(msgs[0].Blocks, slack.NewContextBlock("", markdown("More in the thread 🧵")))
	}
	return msgs
}
