package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/icebreaker"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// Action ids of the icebreaker's buttons.
const (
	actionIceApprove = "icebreaker.approve"
	actionIceReject  = "icebreaker.reject"
)

// RegisterIcebreaker adds the icebreaker's subcommands, buttons and renderers.
func RegisterIcebreaker(b *Bot, d *Delivery, svc *icebreaker.Service) {
	ice := &icebreakerEdge{bot: b, svc: svc}
	b.Register(Subcommand{Name: "icebreaker suggest", Usage: "icebreaker suggest <question>", Summary: "propose a question for the icebreaker", Run: ice.suggest})
	b.Register(Subcommand{Name: "icebreaker now", Usage: "icebreaker now", Summary: "post the next icebreaker in this channel now", Admin: true, Run: ice.now})
	b.Register(Subcommand{Name: "icebreaker list", Usage: "icebreaker list", Summary: "the icebreaker rotation and what was asked recently", Admin: true, Run: ice.list})
	b.HandleAction(actionIceApprove, func(ctx context.Context, a Action) error { return ice.decide(ctx, a, true) })
	b.HandleAction(actionIceReject, func(ctx context.Context, a Action) error { return ice.decide(ctx, a, false) })
	d.Render(icebreaker.KindQuestion, renderIceQuestion)
	d.Render(icebreaker.KindClosing, renderIceClosing)
	d.Render(icebreaker.KindSuggestion, renderIceSuggestion)
	d.Render(icebreaker.KindOutcome, renderIceOutcome)
}

type icebreakerEdge struct {
	bot *Bot
	svc *icebreaker.Service
}

// channelFor picks the icebreaker channel a command is about: the one it was typed in, or the only
// one configured.
func channelFor(typedIn string, configured []string, ritual, command string) (string, error) {
	for _, c := range configured {
		if c == typedIn {
			return c, nil
		}
	}
	switch len(configured) {
	case 0:
		return "", fmt.Errorf("%s is not set up in this workspace yet; an admin can add it to the configuration", ritual)
	case 1:
		return configured[0], nil
	}
	links := make([]string, len(configured))
	for i, c := range configured {
		links[i] = "<#" + c + ">"
	}
	return "", fmt.Errorf("%s runs in %s: type `%s` in one of those channels", ritual, strings.Join(links, ", "), command)
}

// ritualChannel resolves the channel a ritual command is about, or the reply that says why not.
func (b *Bot) ritualChannel(cmd Command, configured []string, ritual string) (string, *Reply) {
	ch, err := channelFor(cmd.ChannelID, configured, ritual, b.opts.Command+" "+cmd.Name)
	if err != nil {
		return "", &Reply{Text: err.Error()}
	}
	return ch, nil
}

func (e *icebreakerEdge) suggest(ctx context.Context, cmd Command) (Reply, error) {
	channel, r := e.bot.ritualChannel(cmd, e.svc.ChannelIDs(), "The icebreaker")
	if r != nil {
		return *r, nil
	}
	if cmd.Args == "" {
		return Reply{Text: fmt.Sprintf("Write the question after the command, e.g. `%s icebreaker suggest What is a small thing that made your week better?`", e.bot.opts.Command)}, nil
	}
	res, err := e.svc.Suggest(ctx, cmd.UserID, channel, Unescape(cmd.Args))
	if err != nil {
		return Reply{}, err
	}
	quoted := quote(res.Suggestion.Text)
	if res.Accepted {
		return Reply{Text: fmt.Sprintf("Thank you! Your question joins the rotation in <#%s>:\n%s", channel, quoted)}, nil
	}
	return Reply{Text: fmt.Sprintf("Thank you! I sent your question to the admins; I'll tell you what they decide.\n%s", quoted)}, nil
}

// quote shows a person's text as a Slack quote, escaped, line breaks kept.
func quote(text string) string {
	lines := strings.Split(Escape(text), "\n")
	return ">" + strings.Join(lines, "\n>")
}

func (e *icebreakerEdge) now(ctx context.Context, cmd Command) (Reply, error) {
	channel, r := e.bot.ritualChannel(cmd, e.svc.ChannelIDs(), "The icebreaker")
	if r != nil {
		return *r, nil
	}
	key := schedule.Key{Ritual: icebreaker.Ritual, Channel: channel, At: e.bot.opts.Now().Truncate(time.Minute)}
	err := e.svc.Run(ctx, key)
	if errors.Is(err, schedule.ErrAlreadyRan) {
		return Reply{Text: "An icebreaker was already posted this minute; give it a moment."}, nil
	}
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Done: the next icebreaker is on its way to <#%s>.", channel)}, nil
}

// iceListShown is how many upcoming and recent questions the list shows.
const iceListShown = 5

func (e *icebreakerEdge) list(_ context.Context, cmd Command) (Reply, error) {
	channel, r := e.bot.ritualChannel(cmd, e.svc.ChannelIDs(), "The icebreaker")
	if r != nil {
		return *r, nil
	}
	ov, err := e.svc.Overview(channel, iceListShown)
	if err != nil {
		return Reply{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Icebreakers in <#%s>*: %d questions in rotation, %d asked so far in this pass.\n", channel, ov.BankSize, ov.AskedSinceReset)
	b.WriteString("\n*Next up*\n")
	for i, q := range ov.Upcoming {
		fmt.Fprintf(&b, "%d. %s\n", i+1, Escape(q.Text))
	}
	if len(ov.Recent) > 0 {
		b.WriteString("\n*Recently asked*\n")
		for _, r := range ov.Recent {
			answers := "open"
			switch {
			case r.Closed && r.Answers >= 0:
				answers = plural(r.Answers, "answer", "answers")
			case r.Closed:
				answers = "not delivered"
			}
			fmt.Fprintf(&b, "• %s — %s (%s)\n", e.bot.when(r.PostedAt, Date), Escape(r.Question), answers)
		}
	}
	if len(ov.Pending) > 0 {
		fmt.Fprintf(&b, "\n%s waiting for an admin's decision (look in your DMs).\n", plural(len(ov.Pending), "suggestion is", "suggestions are"))
	}
	return Reply{Text: truncateText(b.String(), maxTextChars)}, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func (e *icebreakerEdge) decide(ctx context.Context, a Action, approve bool) error {
	reply := func(text string, replace bool) error { return e.bot.AnswerAction(ctx, a, text, replace) }
	if !a.Admin {
		return reply("Only ritualbot's admins can decide on suggestions.", false)
	}
	sg, err := e.svc.Decide(ctx, a.UserID, a.Value, approve)
	switch {
	case errors.Is(err, icebreaker.ErrDecided):
		return reply(fmt.Sprintf("<@%s> already decided on this suggestion (%s).", sg.DecidedBy, sg.Status), false)
	case err != nil:
		return err
	}
	verdict := "Approved"
	if !approve {
		verdict = "Rejected"
	}
	return reply(fmt.Sprintf("%s by <@%s>: %s\n%s", verdict, a.UserID, "suggestion from <@"+sg.By+"> for <#"+sg.Channel+">", quote(sg.Text)), true)
}

func decode[T any](m rituals.Message) (T, error) {
	var v T
	if err := json.Unmarshal(m.Data, &v); err != nil {
		return v, fmt.Errorf("%s %s: %w", m.Kind, m.Key, err)
	}
	return v, nil
}

func markdown(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, false)
}

func plain(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, false, false)
}

func renderIceQuestion(m rituals.Message) (Rendered, error) {
	d, err := decode[icebreaker.QuestionData](m)
	if err != nil {
		return Rendered{}, err
	}
	q := truncateText(Escape(d.Question), 2000)
	note := "Answer in the thread 🧵 — anyone can join, and there are no wrong answers."
	if d.CloseAfter > 0 {
		note += fmt.Sprintf(" I'll say thanks in %s.", humanDuration(d.CloseAfter))
	}
	return Rendered{
		Text: "Icebreaker: " + q,
		Blocks: []slack.Block{
			slack.NewSectionBlock(markdown("*Icebreaker* ☕\n>"+q), nil, nil),
			slack.NewContextBlock("", markdown(note)),
		},
	}, nil
}

// humanDuration says a duration the way people do: "2 days", "6 hours", "45 minutes".
func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d >= time.Hour:
		return "an hour"
	default:
		return fmt.Sprintf("%d minutes", max(1, int(d/time.Minute)))
	}
}

func renderIceClosing(m rituals.Message) (Rendered, error) {
	d, err := decode[icebreaker.ClosingData](m)
	if err != nil {
		return Rendered{}, err
	}
	var text string
	switch d.Answers {
	case 0:
		text = "Nobody answered this one — no worries, there's always next time."
	case 1:
		text = "1 person answered — thank you for sharing!"
	default:
		text = fmt.Sprintf("%d people answered — thank you all for sharing!", d.Answers)
	}
	return Rendered{Text: text, Blocks: []slack.Block{slack.NewSectionBlock(markdown(text), nil, nil)}}, nil
}

func renderIceSuggestion(m rituals.Message) (Rendered, error) {
	d, err := decode[icebreaker.SuggestionData](m)
	if err != nil {
		return Rendered{}, err
	}
	sg := d.Suggestion
	text := fmt.Sprintf("<@%s> suggests an icebreaker for <#%s>:\n%s", sg.By, sg.Channel, quote(sg.Text))
	approve := slack.NewButtonBlockElement(actionIceApprove, sg.ID, plain("Approve"))
	approve.Style = slack.StylePrimary
	reject := slack.NewButtonBlockElement(actionIceReject, sg.ID, plain("Reject"))
	reject.Style = slack.StyleDanger
	return Rendered{
		Text: "New icebreaker suggestion",
		Blocks: []slack.Block{
			slack.NewSectionBlock(markdown(text), nil, nil),
			slack.NewActionBlock("icebreaker.decide", approve, reject),
		},
	}, nil
}

func renderIceOutcome(m rituals.Message) (Rendered, error) {
	d, err := decode[icebreaker.SuggestionData](m)
	if err != nil {
		return Rendered{}, err
	}
	sg := d.Suggestion
	text := fmt.Sprintf("Good news: your icebreaker suggestion was approved and joins the rotation in <#%s>:\n%s", sg.Channel, quote(sg.Text))
	if sg.Status != icebreaker.StatusApproved {
		text = fmt.Sprintf("Thanks for your icebreaker suggestion; the admins decided not to add it this time:\n%s", quote(sg.Text))
	}
	return Rendered{Text: text, Blocks: []slack.Block{slack.NewSectionBlock(markdown(text), nil, nil)}}, nil
}
