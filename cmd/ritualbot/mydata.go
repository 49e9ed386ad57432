package main

import (
	"fmt"
	"strings"

	"github.com/ritualbot/ritualbot/bot"
	"github.com/ritualbot/ritualbot/store"
)

// privacy lets people see and erase what the store keeps about them.
func (m *Main) privacy() bot.Privacy {
	return bot.Privacy{
		Describe: func(user string) (string, error) {
			d, err := m.DB.PersonData(user)
			if err != nil {
				return "", err
			}
			return formatPersonData(d, m.Config.Command), nil
		},
		Forget: func(user string) (int, error) {
			report, err := m.DB.Forget(user)
			return report.Total(), err
		},
	}
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
			state = "paused until " + bot.When(c.PausedUntil, bot.Date, nil)
		}
		fmt.Fprintf(&b, "• Coffee in <#%s>: %s.\n", c.Channel, state)
	}
	if n := len(d.CoffeeGroups); n > 0 {
		fmt.Fprintf(&b, "• Coffee history: %d rounds, the latest on %s.\n", n, bot.When(d.CoffeeGroups[n-1].At, bot.Date, nil))
	}
	if d.CoffeeHours != nil {
		fmt.Fprintf(&b, "• Your working hours for coffee: %s.\n", d.CoffeeHours.Label())
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
	if d.Settings > 0 {
		fmt.Fprintf(&b, "• %d %s made in Slack name you (as an admin, who changed a ritual, or a responder).\n", d.Settings, pluralWord(d.Settings, "setting", "settings"))
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
