package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/charts"
	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/trends"
)

// ChartsOptions tune the trends' edge.
type ChartsOptions struct {
	// Upload draws the charts and uploads them with each table; off, the table goes alone.
	Upload bool
	// Channels lists the channels a ritual runs in, for the stats command's help.
	Channels []string
}

// RegisterCharts adds `stats`, the admins' Home summary, and the renderer of the charts
// messages (the table, with the charts uploaded in its thread).
func RegisterCharts(b *Bot, d *Delivery, svc *trends.Service, opts ChartsOptions) {
	e := &chartsEdge{bot: b, svc: svc, opts: opts}
	b.Register(Subcommand{Name: "stats", Usage: "stats [#channel | all]", Admin: true, Run: e.stats,
		Summary: "the rituals' last 12 weeks in charts and a table: here, in a channel, or everywhere"})
	b.AddHomeSection(e.home)
	d.Render(trends.KindCharts, e.render)
	if opts.Upload {
		d.OnUploaded(trends.KindCharts, e.uploaded)
	}
}

type chartsEdge struct {
	bot  *Bot
	svc  *trends.Service
	opts ChartsOptions
}

// channelMention matches an escaped channel mention, <#C0123|name> or <#C0123>.
var channelMention = regexp.MustCompile(`^<#([CG][A-Z0-9]+)(\|[^>]*)?>$`)

// stats answers at once with the table; the charts follow in a DM, through the outbox.
func (e *chartsEdge) stats(ctx context.Context, cmd Command) (Reply, error) {
	channel, r := e.scope(cmd)
	if r != nil {
		return *r, nil
	}
	f, err := e.svc.Figures(ctx, channel)
	if err != nil {
		return Reply{}, err
	}
	where := "all the rituals' channels"
	if channel != "" {
		where = "<#" + channel + ">"
	}
	next := "Charts are off here (`charts: false`), so the table is all there is."
	if e.opts.Upload {
		if err := e.svc.Send(cmd.UserID, f); err != nil {
			return Reply{}, err
		}
		next = "The charts are on their way to our direct messages."
	}
	text := fmt.Sprintf("*The last %d weeks in %s*\n%s", len(f.Weeks), where, next)
	return Reply{Text: text, Blocks: append([]slack.Block{slack.NewSectionBlock(markdown(text), nil, nil)}, tableBlocks(f)...)}, nil
}

// scope reads the channel the caller asks about: a mention, "all", or (nothing typed) the channel
// the command was typed in when a ritual runs there, else all of them. "" means all.
func (e *chartsEdge) scope(cmd Command) (string, *Reply) {
	arg := strings.TrimSpace(cmd.Args)
	switch {
	case strings.EqualFold(arg, "all"):
		return "", nil
	case arg == "":
		for _, c := range e.opts.Channels {
			if c == cmd.ChannelID {
				return c, nil
			}
		}
		return "", nil
	}
	if m := channelMention.FindStringSubmatch(arg); m != nil {
		return m[1], nil
	}
	return "", &Reply{Text: fmt.Sprintf("I read `%s stats` with a channel picked from Slack's list as you type #, or `all`.", e.bot.opts.Command)}
}

// tableBlocks shows the figures' table in code blocks, split where a block would be too long.
func tableBlocks(f trends.Figures) []slack.Block {
	var blocks []slack.Block
	for _, part := range splitText(Escape(f.Table()), maxTextChars-8) {
		blocks = append(blocks, slack.NewSectionBlock(markdown("```\n"+strings.TrimRight(part, "\n")+"\n```"), nil, nil))
	}
	return blocks
}

// render turns a KindCharts message into the table, with the charts as files in its thread.
func (e *chartsEdge) render(m rituals.Message) (Rendered, error) {
	var f trends.Figures
	if err := json.Unmarshal(m.Data, &f); err != nil {
		return Rendered{}, fmt.Errorf("charts: %w", err)
	}
	heading := fmt.Sprintf("📊 How the rituals went, the last %d weeks", len(f.Weeks))
	blocks := []slack.Block{slack.NewSectionBlock(markdown("*"+heading+"*"), nil, nil)}
	blocks = append(blocks, tableBlocks(f)...)
	out := Rendered{Text: heading, Blocks: blocks}
	if !e.opts.Upload {
		return out, nil
	}
	imgs, err := charts.Render(f)
	if err != nil {
		return Rendered{}, err
	}
	for _, img := range imgs {
		out.Files = append(out.Files, File{Name: img.File, Title: img.Title, Alt: img.Alt, Data: img.PNG})
	}
	blocks = append(blocks, slack.NewContextBlock("", plain("Charts of the same numbers follow in the thread; each describes itself for screen readers.")))
	out.Blocks = blocks
	return out, nil
}

// uploaded remembers the first chart shared in a channel (not a DM) for the Home tab.
func (e *chartsEdge) uploaded(item rituals.OutboxItem, files []Uploaded) {
	if item.To.Channel == "" || len(files) == 0 {
		return
	}
	f := files[0]
	if err := e.svc.Shared(trends.SharedChart{FileID: f.ID, Title: f.Title, Alt: f.Alt, Channel: f.Channel}); err != nil {
		e.bot.log.Error("could not remember the latest chart", "err", err)
	}
}

// home shows admins this week's figures in a line or two, with the latest chart shared.
func (e *chartsEdge) home(ctx context.Context, _ string, admin bool) ([]slack.Block, error) {
	if !admin {
		return nil, nil
	}
	f, err := e.svc.Figures(ctx, "")
	if err != nil {
		return nil, err
	}
	blocks := []slack.Block{slack.NewHeaderBlock(plain("How the rituals are going"))}
	blocks = append(blocks, slack.NewSectionBlock(markdown(summary(f)), nil, nil))
	if latest, ok, err := e.svc.Latest(); err != nil {
		return nil, err
	} else if ok && e.opts.Upload {
		img := slack.NewImageBlockSlackFile(&slack.SlackFileObject{ID: latest.FileID}, truncateText(latest.Alt, 2000), "", plain(truncateText(latest.Title, 2000)))
		blocks = append(blocks, img, slack.NewContextBlock("", markdown(fmt.Sprintf("Latest chart, shared in <#%s> on %s.", latest.Channel, e.bot.when(latest.At, Date)))))
	}
	blocks = append(blocks, slack.NewContextBlock("", markdown(fmt.Sprintf("`%s stats` gives every chart and the table.", e.bot.opts.Command))))
	return blocks, nil
}

// summary is the figures of the latest week with anything in it, in a sentence or two.
func summary(f trends.Figures) string {
	w, ok := f.Latest()
	if !ok {
		return fmt.Sprintf("Nothing to show yet for the last %d weeks: the figures appear as the rituals run.", len(f.Weeks))
	}
	var parts []string
	if f.Has.Checkins {
		parts = append(parts, fmt.Sprintf("%d of %d shared an update", w.CheckinsShared, w.CheckinsAsked))
	}
	if f.Has.Coffee {
		parts = append(parts, fmt.Sprintf("%d of %d coffee groups met", w.CoffeeMet, w.CoffeeGroups))
	}
	if f.Has.Icebreakers {
		parts = append(parts, fmt.Sprintf("%d icebreaker answers", w.IcebreakerAnswers))
	}
	if f.Has.Feedback {
		parts = append(parts, fmt.Sprintf("%d feedback answers released", w.FeedbackAnswers))
	}
	text := fmt.Sprintf("Week to %s: %s.", trends.Label(w.End), strings.Join(parts, ", "))
	// The pulse question released last, with its ratings drawn as the release drew them.
	var latest *trends.Pulse
	for i, p := range f.Pulses {
		if latest == nil || p.Batches[len(p.Batches)-1].At.After(latest.Batches[len(latest.Batches)-1].At) {
			latest = &f.Pulses[i]
		}
	}
	if latest != nil {
		last := latest.Batches[len(latest.Batches)-1]
		text += fmt.Sprintf("\nPulse “%s”, released %s: mean %.1f of 5 from %d answers.\n%s", Escape(latest.Question),
			trends.Label(last.At), last.Mean(), last.Count(), distribution(last.Distribution, latest.Scale))
	}
	return text
}

// refusedSlackFile reports Slack's refusal of a view whose image names a file it does not have
// (deleted since it was shared, or not processed yet).
func refusedSlackFile(err error) bool {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		return false
	}
	for _, m := range se.ResponseMetadata.Messages {
		if strings.Contains(m, "slack_file") {
			return true
		}
	}
	return false
}

// publishWithoutSlackFiles publishes a Home tab again without its images of Slack files, so a
// chart deleted in Slack costs the picture, not the whole tab.
func (b *Bot) publishWithoutSlackFiles(ctx context.Context, userID string, blocks []slack.Block) error {
	kept := slices.DeleteFunc(slices.Clone(blocks), func(bl slack.Block) bool {
		img, ok := bl.(*slack.ImageBlock)
		return ok && img.SlackFile != nil
	})
	b.log.Warn("Slack refused a chart on the Home tab (deleted in Slack?); showing the tab without it")
	_, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{
		UserID: userID,
		View:   slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: kept}},
	})
	return err
}
