package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/internal/spelling"
	"github.com/ritualbot/ritualbot/rituals"
)

// maxCommandText is the longest command text read; Slack itself caps slash command text near 4,000.
const maxCommandText = 4000

// Command is one slash command invocation as a subcommand handler sees it.
type Command struct {
	UserID      string
	ChannelID   string
	TriggerID   string
	ResponseURL string
	// Name is the subcommand, lower-cased ("help").
	Name string
	// Args is the text after the subcommand, trimmed, control characters removed.
	Args string
	// Admin reports whether the caller is an admin.
	Admin bool
}

// Reply is what the caller sees, only them, in the channel where they typed the command.
type Reply struct {
	Text   string
	Blocks []slack.Block
}

// Subcommand is one word after the slash command.
type Subcommand struct {
	// Name is the word typed, e.g. "help".
	Name string
	// Usage shows the arguments, e.g. "coffee pause 2w".
	Usage string
	// Summary is one line for the help.
	Summary string
	// Admin limits it to admins.
	Admin bool
	// Run handles it; a returned error is logged and the caller told something went wrong.
	Run func(ctx context.Context, cmd Command) (Reply, error)
}

// Register adds a subcommand; a later registration with the same name replaces the earlier.
func (b *Bot) Register(s Subcommand) {
	if _, ok := b.commands[s.Name]; !ok {
		b.order = append(b.order, s.Name)
	}
	b.commands[s.Name] = &s
}

func (b *Bot) registerCore() {
	b.Register(Subcommand{Name: "help", Usage: "help", Summary: "what I can do for you", Run: b.help})
}

// handleCommand parses one slash command and answers the caller.
func (b *Bot) handleCommand(ctx context.Context, sc slack.SlashCommand) {
	cmd := Command{
		UserID:      sc.UserID,
		ChannelID:   sc.ChannelID,
		TriggerID:   sc.TriggerID,
		ResponseURL: sc.ResponseURL,
		Admin:       b.opts.IsAdmin(sc.UserID),
	}
	reply := b.dispatch(ctx, &cmd, sc.Text)
	b.respond(ctx, cmd, reply)
}

// dispatch picks the subcommand and runs it, turning every mistake into a helpful reply.
func (b *Bot) dispatch(ctx context.Context, cmd *Command, text string) Reply {
	if utf8.RuneCountInString(text) > maxCommandText {
		return Reply{Text: fmt.Sprintf("That is %d characters long; I read at most %d. Try `%s help` to see what I understand.",
			utf8.RuneCountInString(text), maxCommandText, b.opts.Command)}
	}
	text = cleanText(text)
	sub, name, args := b.lookup(text)
	cmd.Name, cmd.Args = name, args
	if sub == nil {
		return b.unknown(name)
	}
	if sub.Admin && !cmd.Admin {
		b.log.Info("refused admin subcommand", "subcommand", sub.Name)
		return Reply{Text: fmt.Sprintf("Sorry, `%s %s` is only for the admins who run ritualbot here. If you need it, ask one of them.",
			b.opts.Command, sub.Name)}
	}
	reply, err := sub.Run(ctx, *cmd)
	if rituals.IsPersonError(err) {
		return Reply{Text: Escape(err.Error())}
	}
	if text, ok := slackTrouble(err); ok {
		b.log.Warn("subcommand hit a Slack setup problem", "subcommand", sub.Name, "err", err)
		return Reply{Text: text}
	}
	if err != nil {
		b.log.Error("subcommand failed", "subcommand", sub.Name, "err", err)
		return Reply{Text: fmt.Sprintf("Something went wrong on my side while running `%s %s`; nothing was changed. Please try again in a minute.",
			b.opts.Command, sub.Name)}
	}
	return reply
}

// lookup finds the subcommand text starts with: a two-word name ("coffee pause") before a one-word
// one. It returns the name typed (lower-cased) and the rest.
func (b *Bot) lookup(text string) (*Subcommand, string, string) {
	words := strings.SplitN(text, " ", 3)
	for len(words) < 3 {
		words = append(words, "")
	}
	first, second := strings.ToLower(words[0]), strings.ToLower(words[1])
	if first == "" {
		return b.commands["help"], "help", ""
	}
	if sub, ok := b.commands[first+" "+second]; ok && second != "" {
		return sub, sub.Name, strings.TrimSpace(words[2])
	}
	if sub, ok := b.commands[first]; ok {
		return sub, sub.Name, strings.TrimSpace(words[1] + " " + words[2])
	}
	if b.isGroup(first) {
		return nil, strings.TrimSpace(first + " " + second), ""
	}
	return nil, first, ""
}

// isGroup reports whether name is the first word of two-word subcommands.
func (b *Bot) isGroup(name string) bool {
	for _, n := range b.order {
		if strings.HasPrefix(n, name+" ") {
			return true
		}
	}
	return false
}

// slackTrouble explains Slack errors that come from how the app is set up, not from a bug.
func slackTrouble(err error) (string, bool) {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		return "", false
	}
	switch se.Err {
	case "not_in_channel":
		return "I'm not a member of that ritual's channel, so I can't see who is in it. Invite me there with `/invite @ritualbot` and try again.", true
	case "channel_not_found":
		return "Slack says that ritual's channel does not exist: an admin should check its channel id in my configuration. " +
			"(A private channel I'm not in looks the same to me: if it is one, invite me there with `/invite @ritualbot`.)", true
	case "is_archived":
		return "That ritual's channel is archived; an admin should move the ritual to another channel in my configuration.", true
	case "missing_scope":
		return "The Slack app lacks a permission this needs (" + se.Needed + "); an admin should update it from `ritualbot manifest` and reinstall it.", true
	}
	return "", false
}

// cleanText removes control characters (keeping line breaks) and folds runs of spaces after the
// first word, so "  Help  me" reads as "help me".
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return ' '
		case unicode.IsControl(r) || r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// unknown answers a subcommand nobody registered, suggesting the closest one.
func (b *Bot) unknown(name string) Reply {
	shown := name
	if utf8.RuneCountInString(shown) > 40 {
		shown = string([]rune(shown)[:40]) + "…"
	}
	text := fmt.Sprintf("I don't know `%s %s`.", b.opts.Command, Escape(Unescape(shown)))
	if group, _, _ := strings.Cut(name, " "); b.isGroup(group) {
		var verbs []string
		for _, n := range b.order {
			if strings.HasPrefix(n, group+" ") {
				verbs = append(verbs, fmt.Sprintf("`%s %s`", b.opts.Command, Escape(b.commands[n].Usage)))
			}
		}
		text += " With " + group + " you can use " + strings.Join(verbs, ", ") + "."
	} else if best := closest(name, b.names()); best != "" {
		text += fmt.Sprintf(" Did you mean `%s %s`?", b.opts.Command, best)
	}
	text += fmt.Sprintf(" Type `%s help` to see everything I can do.", b.opts.Command)
	return Reply{Text: text}
}

// names lists every subcommand name and the first word of two-word ones.
func (b *Bot) names() []string {
	out := append([]string(nil), b.order...)
	for _, n := range b.order {
		if group, _, ok := strings.Cut(n, " "); ok && !slices.Contains(out, group) {
			out = append(out, group)
		}
	}
	return out
}

// closest returns the registered name within edit distance 2 of name, if any.
func closest(name string, names []string) string { return spelling.Closest(name, names, 2) }

// help lists the subcommands the caller may use; admins also see theirs.
func (b *Bot) help(_ context.Context, cmd Command) (Reply, error) {
	var everyone, admin []string
	names := append([]string(nil), b.order...)
	sort.Strings(names)
	for _, n := range names {
		s := b.commands[n]
		line := fmt.Sprintf("• `%s %s` — %s", b.opts.Command, Escape(s.Usage), s.Summary)
		if s.Admin {
			admin = append(admin, line)
		} else {
			everyone = append(everyone, line)
		}
	}
	text := b.about() + "\n\n" + strings.Join(everyone, "\n")
	if cmd.Admin && len(admin) > 0 {
		text += "\n\n*For admins*\n" + strings.Join(admin, "\n")
	}
	text += "\n\nYour settings are also on my *Home* tab."
	return Reply{Text: text, Blocks: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
	}}, nil
}

// respond sends reply to the person who typed cmd, visible only to them.
func (b *Bot) respond(ctx context.Context, cmd Command, reply Reply) {
	if reply.Text == "" && len(reply.Blocks) == 0 {
		return
	}
	msg := &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: reply.Text, ReplaceOriginal: false}
	if len(reply.Blocks) > 0 {
		msg.Blocks = &slack.Blocks{BlockSet: reply.Blocks}
	}
	if cmd.ResponseURL != "" {
		err := b.api.PostWebhook(ctx, cmd.ResponseURL, msg)
		if err == nil {
			return
		}
		b.log.Warn("reply through response_url failed; trying chat.postEphemeral", "err", err)
	}
	opts := []slack.MsgOption{slack.MsgOptionText(reply.Text, false)}
	if len(reply.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(reply.Blocks...))
	}
	if _, err := b.api.PostEphemeralContext(ctx, cmd.ChannelID, cmd.UserID, opts...); err != nil {
		b.log.Error("could not reply to a command", "err", err)
	}
}
