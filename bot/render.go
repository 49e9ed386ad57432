package bot

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/rituals"
)

// RegisterCoreRenderers adds the renderers of messages that belong to no ritual.
func (d *Delivery) RegisterCoreRenderers() {
	d.Render(rituals.KindAdminNote, renderAdminNote)
}

// renderAdminNote shows a note to an admin. Its text is written by the bot, not typed by people.
func renderAdminNote(m rituals.Message) (Rendered, error) {
	var note rituals.AdminNote
	if err := json.Unmarshal(m.Data, &note); err != nil {
		return Rendered{}, fmt.Errorf("admin note: %w", err)
	}
	if note.Text == "" {
		return Rendered{}, fmt.Errorf("admin note %s is empty", m.Key)
	}
	return Rendered{
		Text: note.Text,
		Blocks: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncateText(note.Text, maxTextChars), false, false), nil, nil),
			slack.NewContextBlock("", slack.NewTextBlockObject(slack.PlainTextType, "A note for ritualbot's admins", false, false)),
		},
	}, nil
}

// maxTextChars is Block Kit's limit for one text object.
const maxTextChars = 3000

// truncateText cuts s to n characters, marking the cut. Only for the bot's own text: people's
// words are split across messages, never cut silently.
func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// splitText cuts s into pieces of at most n characters, at a line break or space when one is near,
// and never inside an HTML entity such as &amp;. Nothing is dropped.
func splitText(s string, n int) []string {
	var out []string
	r := []rune(s)
	for len(r) > n {
		cut := n
		for i := n; i > n*3/4; i-- {
			if r[i-1] == '\n' || r[i-1] == ' ' {
				cut = i
				break
			}
		}
		if amp := lastIndex(r[:cut], '&'); amp >= 0 && amp > cut-6 && lastIndex(r[amp:cut], ';') < 0 {
			cut = amp
		}
		out = append(out, string(r[:cut]))
		r = r[cut:]
	}
	return append(out, string(r))
}

func lastIndex(r []rune, c rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == c {
			return i
		}
	}
	return -1
}
