package bot

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/slack-go/slack"
)

// Action id of the button that confirms erasing a person's data.
const actionForgetConfirm = "forget.confirm"

// Privacy is what the bot needs to show people their data and erase it; the wiring implements it
// over the store.
type Privacy struct {
	// Describe says in plain words everything kept about user.
	Describe func(user string) (string, error)
	// Forget erases everything kept about user and returns how many records went.
	Forget func(user string) (int, error)
}

// RegisterPrivacy adds /ritual mydata, /ritual forget me, the admins' /ritual forget @someone, and
// the Home tab's line about them.
func RegisterPrivacy(b *Bot, p Privacy) {
	e := &privacyEdge{bot: b, p: p}
	b.Register(Subcommand{Name: "mydata", Usage: "mydata", Summary: "everything I keep about you", Run: e.myData})
	b.Register(Subcommand{Name: "forget", Usage: "forget me", Summary: "erase everything I keep about you (admins: forget @someone who left)", Run: e.forget})
	b.HandleAction(actionForgetConfirm, e.confirm)
	b.AddHomeSection(func(context.Context, string, bool) ([]slack.Block, error) {
		return []slack.Block{slack.NewContextBlock("", markdown(fmt.Sprintf("Your data: `%s mydata` shows everything I keep about you; `%s forget me` erases it.",
			b.opts.Command, b.opts.Command)))}, nil
	})
}

type privacyEdge struct {
	bot *Bot
	p   Privacy
}

func (e *privacyEdge) myData(_ context.Context, cmd Command) (Reply, error) {
	text, err := e.p.Describe(cmd.UserID)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: truncateText(text, maxTextChars)}, nil
}

// wholeMention is a command argument that is exactly one user mention.
var wholeMention = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$`)

func (e *privacyEdge) forget(_ context.Context, cmd Command) (Reply, error) {
	command := e.bot.opts.Command
	target := ""
	switch arg := strings.TrimSpace(cmd.Args); {
	case strings.EqualFold(arg, "me"):
		target = cmd.UserID
	case wholeMention.MatchString(arg):
		if !cmd.Admin {
			return Reply{Text: "Only admins can erase someone else's data; you can erase your own with `" + command + " forget me`."}, nil
		}
		target = wholeMention.FindStringSubmatch(arg)[1]
	default:
		return Reply{Text: fmt.Sprintf("Type `%s forget me` to erase everything I keep about you (admins: `%s forget @someone` for someone who left).", command, command)}, nil
	}
	who := "everything I keep about you"
	if target != cmd.UserID {
		who = fmt.Sprintf("everything I keep about <@%s>", target)
	}
	button := slack.NewButtonBlockElement(actionForgetConfirm, target, plain("Erase it"))
	button.Style = slack.StyleDanger
	text := fmt.Sprintf("This erases %s: coffee history and choices, updates, kudos, suggestions, everything. It cannot be undone. "+
		"Rituals still include people who are members of their channels; to stop taking part, also leave those channels.", who)
	return Reply{Text: text, Blocks: []slack.Block{slack.NewSectionBlock(markdown(text), nil, nil), slack.NewActionBlock("forget", button)}}, nil
}

func (e *privacyEdge) confirm(ctx context.Context, a Action) error {
	target := a.Value
	if target != a.UserID && !a.Admin {
		return e.bot.AnswerAction(ctx, a, "Only admins can erase someone else's data.", true)
	}
	n, err := e.p.Forget(target)
	if err != nil {
		return err
	}
	e.bot.log.Info("personal data erased", "records", n)
	if target == a.UserID {
		return e.bot.AnswerAction(ctx, a, fmt.Sprintf("Done: %d records about you were erased. I keep nothing about you now.", n), true)
	}
	return e.bot.AnswerAction(ctx, a, fmt.Sprintf("Done: %d records about <@%s> were erased.", n, target), true)
}
