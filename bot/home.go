package bot

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
)

// maxHomeBlocks is Slack's limit for a Home tab.
const maxHomeBlocks = 100

// PublishHome renders and publishes userID's Home tab.
func (b *Bot) PublishHome(ctx context.Context, userID string) error {
	return b.publishHome(ctx, userID, "")
}

// publishHome renders and publishes userID's Home tab with notice (mrkdwn, when not empty) at the
// top: the answer to a press on the Home tab, which has nowhere else to go. The next publish,
// without it, clears it.
func (b *Bot) publishHome(ctx context.Context, userID, notice string) error {
	admin := b.opts.IsAdmin(userID)
	var blocks []slack.Block
	if notice != "" {
		blocks = append(blocks,
			slack.NewSectionBlock(markdown(truncateText(":warning: "+notice, maxTextChars)), nil, nil),
			slack.NewContextBlock("", plain("This note goes away the next time you open this tab.")))
	}
	blocks = append(blocks,
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "ritualbot", false, false)),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, b.about(), false, false), nil, nil),
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
			fmt.Sprintf("Type `%s help` in any channel to see what you can ask me.", b.opts.Command), false, false)),
	)
	for _, section := range b.home {
		more, err := section(ctx, userID, admin)
		if err != nil {
			return fmt.Errorf("home section: %w", err)
		}
		if len(more) > 0 {
			blocks = append(blocks, slack.NewDividerBlock())
			blocks = append(blocks, more...)
		}
	}
	if len(blocks) > maxHomeBlocks {
		blocks = append(blocks[:maxHomeBlocks-1], slack.NewContextBlock("", slack.NewTextBlockObject(slack.PlainTextType,
			"There is more than fits here; ask me with the slash command.", false, false)))
	}
	_, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{
		UserID: userID,
		View:   slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}},
	})
	if err != nil && refusedSlackFile(err) {
		return b.publishWithoutSlackFiles(ctx, userID, blocks) // bot/charts.go
	}
	return err
}

// AddHomeText appends a section of plain mrkdwn text under title (when the text is not empty).
func (b *Bot) AddHomeText(title string, text func(ctx context.Context, userID string, admin bool) (string, error)) {
	b.AddHomeSection(func(ctx context.Context, userID string, admin bool) ([]slack.Block, error) {
		t, err := text(ctx, userID, admin)
		if err != nil || t == "" {
			return nil, err
		}
		return []slack.Block{
			slack.NewHeaderBlock(plain(title)),
			slack.NewSectionBlock(markdown(truncateText(t, maxTextChars)), nil, nil),
		}, nil
	})
}
