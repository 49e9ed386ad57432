package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/ritualbot/ritualbot/rituals"
)

// AdminList is who the admins are, and how an admin adds or removes another without editing the
// configuration file. Refusals (the last admin, an admin of the file) are *rituals.PersonError
// whose text may hold mentions.
type AdminList interface {
	// Admins returns the file's admins and those added in Slack.
	Admins() (fromFile, fromSlack []string)
	Add(by, user string) error
	Remove(by, user string) error
}

// RegisterAdmins adds `/ritual admins [add|remove @someone]`, for admins only.
func RegisterAdmins(b *Bot, l AdminList) {
	b.Register(Subcommand{
		Name:    "admins",
		Usage:   "admins [add|remove @someone]",
		Summary: "who the admins are; make someone an admin, or take it away",
		Admin:   true,
		Run: func(_ context.Context, cmd Command) (Reply, error) {
			verb, rest, _ := strings.Cut(cmd.Args, " ")
			verb = strings.ToLower(verb)
			if verb == "" {
				return Reply{Text: listAdmins(l)}, nil
			}
			if verb != "add" && verb != "remove" {
				return Reply{Text: fmt.Sprintf("Use `%s admins add @someone` or `%s admins remove @someone`.", b.opts.Command, b.opts.Command)}, nil
			}
			ids, _ := leadingMentions(rest)
			if len(ids) != 1 {
				text := fmt.Sprintf("Name one person: `%s admins %s @someone`.", b.opts.Command, verb)
				if plainMention(rest) {
					text += " Pick them from the list as you type @, so that Slack turns the name into a mention."
				}
				return Reply{Text: text}, nil
			}
			change, done := l.Add, "<@%s> is now an admin."
			if verb == "remove" {
				change, done = l.Remove, "<@%s> is no longer an admin."
			}
			if err := change(cmd.UserID, ids[0]); err != nil {
				if rituals.IsPersonError(err) {
					return Reply{Text: err.Error() + "."}, nil // ids only, from mentionPattern
				}
				return Reply{}, err
			}
			return Reply{Text: fmt.Sprintf(done, ids[0])}, nil
		},
	})
}

// listAdmins says who the admins are and where each was made one.
func listAdmins(l AdminList) string {
	fromFile, fromSlack := l.Admins()
	mentions := func(ids []string) string {
		var out []string
		for _, id := range ids {
			out = append(out, "<@"+id+">")
		}
		if len(out) == 0 {
			return "nobody"
		}
		return strings.Join(out, ", ")
	}
	return fmt.Sprintf("Admins in the configuration file: %s.\nAdmins added in Slack: %s.", mentions(fromFile), mentions(fromSlack))
}
