package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/rituals/presence"
)

// RegisterPresence adds /ritual away and /ritual back, and the Home tab's line about them.
func RegisterPresence(b *Bot, svc *presence.Service, dir *Directory) {
	p := &presenceEdge{bot: b, svc: svc, dir: dir}
	b.Register(Subcommand{Name: "away", Usage: "away until 2026-12-24", Summary: "no check-ins, feedback prompts or coffee until that date", Run: p.away})
	b.Register(Subcommand{Name: "back", Usage: "back", Summary: "end your time away early", Run: p.back})
	b.AddHomeSection(p.home)
}

type presenceEdge struct {
	bot *Bot
	svc *presence.Service
	dir *Directory
}

func (p *presenceEdge) away(ctx context.Context, cmd Command) (Reply, error) {
	until, ok := cutPrefixFold(cmd.Args, "until ")
	if !ok {
		return Reply{Text: fmt.Sprintf("Until when? For example `%s away until 2026-12-24`.", p.bot.opts.Command)}, nil
	}
	person, err := p.dir.Person(ctx, cmd.UserID)
	if err != nil {
		return Reply{}, err
	}
	a, err := p.svc.SetAway(person, until, p.bot.opts.Now())
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Enjoy your time away! No check-ins, feedback prompts or coffee through %s; it ends by itself, or `%s back` ends it sooner.",
		a.Until, p.bot.opts.Command)}, nil
}

func (p *presenceEdge) back(_ context.Context, cmd Command) (Reply, error) {
	was, err := p.svc.Back(cmd.UserID, p.bot.opts.Now())
	if err != nil {
		return Reply{}, err
	}
	if !was {
		return Reply{Text: "You weren't marked away — nothing to change."}, nil
	}
	return Reply{Text: "Welcome back! Rituals include you again from now on."}, nil
}

func (p *presenceEdge) home(_ context.Context, user string, _ bool) ([]slack.Block, error) {
	a, away, err := p.svc.AwayUntil(user, p.bot.opts.Now())
	if err != nil || !away {
		return nil, err
	}
	return []slack.Block{slack.NewSectionBlock(markdown(fmt.Sprintf("🌴 You're away through %s: no check-ins, feedback prompts or coffee. `%s back` ends it sooner.",
		a.Until, p.bot.opts.Command)), nil, nil)}, nil
}

// cutPrefixFold is strings.CutPrefix ignoring case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return strings.TrimSpace(s[len(prefix):]), true
	}
	return "", false
}
