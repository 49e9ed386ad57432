package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/bot"
	"github.com/ritualbot/ritualbot/store"
)

// Action id of the button that confirms erasing a person's data.
const actionForgetConfirm = "forget.confirm"

// registerPersonalData adds /ritual mydata, /ritual forget me, the admins' /ritual forget @someone,
// and the Home tab's links to them.
func (m *Main) registerPersonalData() {
	m.Bot.Register(bot.Subcommand{Name: "mydata", Usage: "mydata", Summary: "everything I keep about you", Run: m.myData})
	m.Bot.Register(bot.Subcommand{Name: "forget", Usage: "forget me", Summary: "erase everything I keep about you (admins: forget @someone who left)", Run: m.forget})
	m.Bot.HandleAction(actionForgetConfirm, m.confirmForget)
	m.Bot.AddHomeSection(func(context.Context, string, bool) ([]slack.Block, error) {
		return []slack.Block{slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
			fmt.Sprintf("Your data: `%s mydata` shows everything I keep about you; `%s forget me` erases it.", m.Config.Command, m.Config.Command), false, false))}, nil
	})
}

func (m *Main) myData(_ context.Context, cmd bot.Command) (bot.Reply, error) {
	d, err := m.DB.PersonData(cmd.UserID)
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Text: formatPersonData(d, m.Config.Command)}, nil
}

// formatPersonData says in plain words what the database holds about one person.
func formatPersonData(d store.PersonData, command string) string {
	if d.Empty() {
		return "I keep nothing about you."
	}
	var b strings.Builder
	b.WriteString("*Everything I keep about you*\n")
	for _, c := range d.Coffee {
		state := "in"
		switch {
		case c.Left:
			state = "left"
		case !c.PausedUntil.IsZero():
			state = "paused until " + c.PausedUntil.Format("2 Jan 2006")
		}
		fmt.Fprintf(&b, "• Coffee in <#%s>: %s.\n", c.Channel, state)
	}
	if n := len(d.CoffeeGroups); n > 0 {
		fmt.Fprintf(&b, "• Coffee history: %d rounds, the latest on %s.\n", n, d.CoffeeGroups[n-1].At.Format("2 Jan 2006"))
	}
	if d.CoffeeAvoiding > 0 {
		fmt.Fprintf(&b, "• You keep apart from %d %s in coffee (who is never shown).\n", d.CoffeeAvoiding, pluralWord(d.CoffeeAvoiding, "person", "people"))
	}
	if len(d.Updates) > 0 {
		fmt.Fprintf(&b, "• %d weekly %s (`%s checkin history` shows the last 8 weeks).\n", len(d.Updates), pluralWord(len(d.Updates), "update", "updates"), command)
	}
	if len(d.Asked) > 0 {
		fmt.Fprintf(&b, "• When you were asked for your update: %d weeks.\n", len(d.Asked))
	}
	if len(d.KudosGiven)+len(d.KudosReceived) > 0 {
		fmt.Fprintf(&b, "• Kudos: %d given, %d received.\n", len(d.KudosGiven), len(d.KudosReceived))
	}
	if d.Away != nil {
		fmt.Fprintf(&b, "• Away through %s.\n", d.Away.Until)
	}
	if len(d.Suggestions) > 0 {
		fmt.Fprintf(&b, "• %d icebreaker %s.\n", len(d.Suggestions), pluralWord(len(d.Suggestions), "suggestion", "suggestions"))
	}
	if d.SuggestionsDecided > 0 {
		fmt.Fprintf(&b, "• %d icebreaker suggestions you decided on as an admin.\n", d.SuggestionsDecided)
	}
	if len(d.FeedbackPrompts) > 0 {
		fmt.Fprintf(&b, "• %d open feedback %s sent to you (whether you answered is not kept).\n", len(d.FeedbackPrompts), pluralWord(len(d.FeedbackPrompts), "prompt", "prompts"))
	}
	if len(d.FeedbackResponses) > 0 {
		fmt.Fprintf(&b, "• %d signed %s to released feedback.\n", len(d.FeedbackResponses), pluralWord(len(d.FeedbackResponses), "response", "responses"))
	}
	if len(d.Queued) > 0 {
		fmt.Fprintf(&b, "• %d %s waiting to be sent to you.\n", len(d.Queued), pluralWord(len(d.Queued), "message", "messages"))
	}
	if d.Delivered > 0 {
		fmt.Fprintf(&b, "• Where and when %d of my messages to you landed.\n", d.Delivered)
	}
	if len(d.Tasks) > 0 {
		fmt.Fprintf(&b, "• %d scheduled %s about you (such as when to ask for your update).\n", len(d.Tasks), pluralWord(len(d.Tasks), "task", "tasks"))
	}
	b.WriteString("Nothing about anonymous feedback answers: nothing is kept that could link them to you.\n")
	fmt.Fprintf(&b, "`%s forget me` erases all of this.", command)
	return b.String()
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

var mentionID = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$`)

func (m *Main) forget(_ context.Context, cmd bot.Command) (bot.Reply, error) {
	target := ""
	switch arg := strings.TrimSpace(cmd.Args); {
	case strings.EqualFold(arg, "me"):
		target = cmd.UserID
	case mentionID.MatchString(arg):
		if !cmd.Admin {
			return bot.Reply{Text: "Only admins can erase someone else's data; you can erase your own with `" + m.Config.Command + " forget me`."}, nil
		}
		target = mentionID.FindStringSubmatch(arg)[1]
	default:
		return bot.Reply{Text: fmt.Sprintf("Type `%s forget me` to erase everything I keep about you (admins: `%s forget @someone` for someone who left).", m.Config.Command, m.Config.Command)}, nil
	}
	who := "everything I keep about you"
	if target != cmd.UserID {
		who = fmt.Sprintf("everything I keep about <@%s>", target)
	}
	button := slack.NewButtonBlockElement(actionForgetConfirm, target, slack.NewTextBlockObject(slack.PlainTextType, "Erase it", false, false))
	button.Style = slack.StyleDanger
	text := fmt.Sprintf("This erases %s: coffee history and choices, updates, kudos, suggestions, everything. It cannot be undone. "+
		"Rituals still include people who are members of their channels; to stop taking part, also leave those channels.", who)
	return bot.Reply{Text: text, Blocks: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
		slack.NewActionBlock("forget", button),
	}}, nil
}

func (m *Main) confirmForget(ctx context.Context, a bot.Action) error {
	target := a.Value
	reply := func(text string) error {
		return m.Bot.AnswerAction(ctx, a, text, true)
	}
	if target != a.UserID && !a.Admin {
		return reply("Only admins can erase someone else's data.")
	}
	report, err := m.DB.Forget(target)
	if err != nil {
		return err
	}
	m.Logger.Info("personal data erased", "component", "privacy", "records", report.Total())
	if target == a.UserID {
		return reply(fmt.Sprintf("Done: %d records about you were erased. I keep nothing about you now.", report.Total()))
	}
	return reply(fmt.Sprintf("Done: %d records about <@%s> were erased.", report.Total(), target))
}
