package slackfake

import (
	"testing"

	"github.com/slack-go/slack"
)

func TestScopesDecideWhatTheBotTokenCanRead(t *testing.T) {
	f := newFixture(t, Options{})
	dm, err := f.srv.OpenDM(f.ana)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.api.PostMessageContext(ctxT(t), f.ana, slack.MsgOptionText("a private prompt", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.api.PostMessageContext(ctxT(t), f.general, slack.MsgOptionText("hello all", false)); err != nil {
		t.Fatal(err)
	}
	read := func(channel string) error {
		_, err := f.api.GetConversationHistoryContext(ctxT(t), &slack.GetConversationHistoryParameters{ChannelID: channel})
		return err
	}
	// By default every scope is granted, as tests that do not care about scopes expect.
	if err := read(dm); err != nil {
		t.Fatalf("history of a DM with all scopes: %v", err)
	}
	f.srv.SetScopes([]string{"chat:write", "im:write", "channels:history"})
	if got := slackErr(read(dm)); got != "missing_scope" {
		t.Fatalf("history of a DM without im:history = %q, want missing_scope", got)
	}
	if _, _, _, err := f.api.GetConversationRepliesContext(ctxT(t), &slack.GetConversationRepliesParameters{ChannelID: dm, Timestamp: "1.0"}); slackErr(err) != "missing_scope" {
		t.Fatalf("replies in a DM without im:history = %v, want missing_scope", err)
	}
	if err := read(f.general); err != nil {
		t.Fatalf("history of a public channel with channels:history: %v", err)
	}
	f.srv.SetScopes([]string{"im:history"})
	if err := read(dm); err != nil {
		t.Fatalf("history of a DM with im:history: %v", err)
	}
}

func TestFailForHitsOneConversation(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.FailFor("chat.postMessage", f.ana, "user_not_visible")
	if _, _, err := f.api.PostMessageContext(ctxT(t), f.ana, slack.MsgOptionText("hi", false)); slackErr(err) != "user_not_visible" {
		t.Fatalf("post to ana = %v, want user_not_visible", err)
	}
	if _, _, err := f.api.PostMessageContext(ctxT(t), f.raj, slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("post to raj: %v", err)
	}
	f.srv.FailFor("chat.postMessage", f.ana, "")
	if _, _, err := f.api.PostMessageContext(ctxT(t), f.ana, slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("post to ana after clearing: %v", err)
	}
}

func TestScopesDecideWhoseMembersTheBotTokenCanList(t *testing.T) {
	f := newFixture(t, Options{})
	members := func() error {
		_, _, err := f.api.GetUsersInConversationContext(ctxT(t), &slack.GetUsersInConversationParameters{ChannelID: f.general})
		return err
	}
	f.srv.SetScopes([]string{"chat:write", "channels:history"})
	if got := slackErr(members()); got != "missing_scope" {
		t.Fatalf("members of a public channel without channels:read = %q, want missing_scope", got)
	}
	if _, err := f.api.GetConversationInfoContext(ctxT(t), &slack.GetConversationInfoInput{ChannelID: f.general}); slackErr(err) != "missing_scope" {
		t.Fatalf("info of a public channel without channels:read = %v, want missing_scope", err)
	}
	f.srv.SetScopes([]string{"channels:read"})
	if err := members(); err != nil {
		t.Fatalf("members of a public channel with channels:read: %v", err)
	}
}
