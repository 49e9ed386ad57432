package bot

import (
	"context"
	"net/http"
	"time"

	"github.com/slack-go/slack"
)

// slackAPI lists the slack-go calls the bot makes, so handlers never hold a *slack.Client and
// routing can be tested with a fake.
type slackAPI interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
	GetConversationRepliesContext(ctx context.Context, params *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error)
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	GetUsersInConversationContext(ctx context.Context, params *slack.GetUsersInConversationParameters) ([]string, string, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	GetUsersContext(ctx context.Context, options ...slack.GetUsersOption) ([]slack.User, error)
	GetUserGroupsContext(ctx context.Context, options ...slack.GetUserGroupsOption) ([]slack.UserGroup, error)
	// PostWebhook answers through a response_url.
	PostWebhook(ctx context.Context, url string, msg *slack.WebhookMessage) error
}

// webAPI adapts *slack.Client to slackAPI.
type webAPI struct {
	*slack.Client
	hooks *http.Client
}

func newWebAPI(c *slack.Client) *webAPI {
	return &webAPI{Client: c, hooks: &http.Client{Timeout: 10 * time.Second}}
}

// PostWebhook implements slackAPI.
func (w *webAPI) PostWebhook(ctx context.Context, url string, msg *slack.WebhookMessage) error {
	return slack.PostWebhookCustomHTTPContext(ctx, url, w.hooks, msg)
}
