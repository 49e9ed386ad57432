package slackfake

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func slackErr(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// rawCall posts a form to the API like an arbitrary client would.
func rawCall(t *testing.T, f *fixture, method string, form url.Values, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.APIURL()+method, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return out
}

func TestAuthAndTokens(t *testing.T) {
	f := newFixture(t, Options{})
	at, err := f.api.AuthTestContext(ctxT(t))
	if err != nil || at.UserID != f.srv.BotUserID() || at.BotID != f.srv.BotID() || at.TeamID != f.srv.TeamID() {
		t.Fatalf("auth.test = %+v, %v", at, err)
	}
	appOnly := slack.New(f.srv.AppToken(), slack.OptionAPIURL(f.srv.APIURL()))
	if _, _, err := appOnly.PostMessageContext(ctxT(t), f.general, slack.MsgOptionText("hi", false)); slackErr(err) != "not_allowed_token_type" {
		t.Fatalf("xapp on chat.postMessage: %v", err)
	}
	botAsApp := slack.New(f.srv.BotToken(), slack.OptionAPIURL(f.srv.APIURL()), slack.OptionAppLevelToken(f.srv.BotToken()))
	if _, _, err := botAsApp.StartSocketModeContext(ctxT(t)); slackErr(err) != "not_allowed_token_type" {
		t.Fatalf("xoxb on apps.connections.open: %v", err)
	}
	bad := slack.New("xoxb-nope", slack.OptionAPIURL(f.srv.APIURL()))
	if _, err := bad.AuthTestContext(ctxT(t)); slackErr(err) != "invalid_auth" {
		t.Fatalf("bad token: %v", err)
	}
	if out := rawCall(t, f, "auth.test", url.Values{}, ""); out["error"] != "not_authed" {
		t.Fatalf("no token: %v", out)
	}
	// The token form field works too.
	if out := rawCall(t, f, "auth.test", url.Values{"token": {f.srv.BotToken()}}, ""); out["ok"] != true {
		t.Fatalf("token field: %v", out)
	}
}

func TestUnknownMethodAndArguments(t *testing.T) {
	f := newFixture(t, Options{})
	tok := f.srv.BotToken()
	if out := rawCall(t, f, "chat.postMesage", url.Values{}, tok); out["error"] != "unknown_method" {
		t.Fatalf("typo method: %v", out)
	}
	if out := rawCall(t, f, "conversations.list", url.Values{}, tok); out["error"] != "unknown_method" ||
		!strings.Contains(jsonString(out["response_metadata"]), "does not emulate") {
		t.Fatalf("unemulated method: %v", out)
	}
	out := rawCall(t, f, "chat.postMessage", url.Values{"chanel": {f.general}, "text": {"hi"}}, tok)
	if out["error"] != "invalid_arg_name" || !strings.Contains(jsonString(out), "chanel") {
		t.Fatalf("unknown argument: %v", out)
	}
	// Fields slack-go's MsgOption helpers may add, which Slack ignores on this
	// method, are tolerated with a warning.
	if _, err := f.api.PostEphemeralContext(ctxT(t), f.general, f.ana, slack.MsgOptionText("hi", false), slack.MsgOptionDisableLinkUnfurl()); err != nil {
		t.Fatal(err)
	}
	out = rawCall(t, f, "chat.postEphemeral", url.Values{"channel": {f.general}, "user": {f.ana}, "text": {"hi"}, "unfurl_links": {"false"}}, tok)
	if out["ok"] != true || !strings.Contains(jsonString(out["response_metadata"]), "unfurl_links") {
		t.Fatalf("tolerated argument: %v", out)
	}
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestPostMessageErrors(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := ctxT(t)
	cases := []struct {
		name, channel string
		opts          []slack.MsgOption
		want          string
	}{
		{"no text", f.general, nil, "no_text"},
		{"no channel", "", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"unknown channel", "C99999999", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"bot not in channel", f.random, []slack.MsgOption{slack.MsgOptionText("x", false)}, "not_in_channel"},
		{"private, bot not in it", f.secret, []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"dm a bot", f.srv.BotUserID(), []slack.MsgOption{slack.MsgOptionText("x", false)}, "cannot_dm_bot"},
		{"dm slackbot", "USLACKBOT", []slack.MsgOption{slack.MsgOptionText("x", false)}, "cannot_dm_bot"},
		{"dm deactivated", f.gone, []slack.MsgOption{slack.MsgOptionText("x", false)}, "user_disabled"},
		{"bad thread", f.general, []slack.MsgOption{slack.MsgOptionText("x", false), slack.MsgOptionTS("1.000001")}, "thread_not_found"},
		{"header too long", f.general, []slack.MsgOption{slack.MsgOptionBlocks(slack.NewHeaderBlock(
			slack.NewTextBlockObject("plain_text", strings.Repeat("x", 151), false, false)))}, "invalid_blocks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := f.api.PostMessageContext(ctx, c.channel, c.opts...)
			if slackErr(err) != c.want {
				t.Fatalf("err = %v, want %s", err, c.want)
			}
		})
	}
	_, _, err := f.api.PostMessageContext(ctx, f.general, slack.MsgOptionBlocks(slack.NewHeaderBlock(
		slack.NewTextBlockObject("plain_text", strings.Repeat("x", 151), false, false))))
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || len(se.ResponseMetadata.Messages) != 1 ||
		se.ResponseMetadata.Messages[0] != "[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]" {
		t.Fatalf("invalid_blocks reason: %+v", se)
	}
	f.srv.SetArchived(f.general, true)
	if _, _, err := f.api.PostMessageContext(ctx, f.general, slack.MsgOptionText("x", false)); slackErr(err) != "is_archived" {
		t.Fatalf("archived: %v", err)
	}
}

func TestPostMessageMetadataAndThreads(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := ctxT(t)
	meta := slack.SlackMetadata{EventType: "coffee_round", EventPayload: map[string]any{"round": 3.0}}
	ch, ts, err := f.api.PostMessageContext(ctx, f.general,
		slack.MsgOptionText("Coffee time", false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*Coffee* time", false, false), nil, nil)),
		slack.MsgOptionMetadata(meta))
	if err != nil || ch != f.general {
		t.Fatal(err)
	}
	_, rts, err := f.api.PostMessageContext(ctx, f.general, slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts))
	if err != nil || rts <= ts {
		t.Fatalf("reply: %v %s <= %s", err, rts, ts)
	}
	hist, err := f.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: f.general, IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Messages) != 1 {
		t.Fatalf("history has %d top-level messages", len(hist.Messages))
	}
	m := hist.Messages[0]
	if m.User != f.srv.BotUserID() || m.BotID != f.srv.BotID() || m.Metadata.EventType != "coffee_round" ||
		m.Metadata.EventPayload["round"] != 3.0 || m.ReplyCount != 1 || m.ThreadTimestamp != ts {
		t.Fatalf("message = %+v", m.Msg)
	}
	if len(m.Blocks.BlockSet) != 1 || m.Blocks.BlockSet[0].ID() == "" {
		t.Fatalf("blocks lack generated block_id: %+v", m.Blocks)
	}
	hist, _ = f.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: f.general})
	if hist.Messages[0].Metadata.EventType != "" {
		t.Fatal("metadata returned without include_all_metadata")
	}
	replies, _, _, err := f.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: f.general, Timestamp: ts, IncludeAllMetadata: true})
	if err != nil || len(replies) != 2 || replies[1].Text != "reply" || replies[0].Metadata.EventType != "coffee_round" {
		t.Fatalf("replies = %v, %v", replies, err)
	}
	if got := f.srv.Messages(f.general); len(got) != 2 || got[1].ThreadTS != ts || !json.Valid(got[0].Metadata) {
		t.Fatalf("Messages = %+v", got)
	}
	if _, _, _, err := f.api.UpdateMessageContext(ctx, f.general, ts, slack.MsgOptionText("Coffee time!", false)); err != nil {
		t.Fatal(err)
	}
	if err := f.api.AddReactionContext(ctx, "coffee", slack.ItemRef{Channel: f.general, Timestamp: ts}); err != nil {
		t.Fatal(err)
	}
	if err := f.api.AddReactionContext(ctx, "coffee", slack.ItemRef{Channel: f.general, Timestamp: ts}); slackErr(err) != "already_reacted" {
		t.Fatalf("second reaction: %v", err)
	}
	if _, _, _, err := f.api.UpdateMessageContext(ctx, f.general, "1.000000", slack.MsgOptionText("x", false)); slackErr(err) != "message_not_found" {
		t.Fatalf("update missing: %v", err)
	}
	// Reading a channel the bot is not in.
	if _, err := f.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: f.random}); slackErr(err) != "not_in_channel" {
		t.Fatalf("history not in channel: %v", err)
	}
}

func TestConversationsOpen(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := ctxT(t)
	open := func(users ...string) (*slack.Channel, bool, error) {
		c, _, already, err := f.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: users})
		return c, already, err
	}
	g1, already, err := open(f.ana, f.raj)
	if err != nil || already || !strings.HasPrefix(g1.ID, "G") {
		t.Fatalf("first open: %v %v %v", g1, already, err)
	}
	g2, already, err := open(f.raj, f.ana)
	if err != nil || !already || g2.ID != g1.ID {
		t.Fatalf("second open: %v %v %v", g2, already, err)
	}
	if f.srv.GroupDM(f.ana, f.raj) != g1.ID || f.srv.GroupDM(f.ana) != "" {
		t.Fatal("GroupDM lookup")
	}
	g3, _, _ := open(f.ana, f.raj, f.lee)
	if g3.ID == g1.ID {
		t.Fatal("different set, same id")
	}
	d, _, err := open(f.ana)
	if err != nil || !strings.HasPrefix(d.ID, "D") || f.srv.DMChannel(f.ana) != d.ID {
		t.Fatalf("dm: %v %v", d, err)
	}
	// Posting to the user id lands in the same DM.
	ch, _, err := f.api.PostMessageContext(ctx, f.ana, slack.MsgOptionText("hello", false))
	if err != nil || ch != d.ID {
		t.Fatalf("post to user id: %s %v", ch, err)
	}
	for _, c := range []struct {
		users []string
		want  string
	}{
		{[]string{f.srv.BotUserID()}, "not_enough_users"},
		{[]string{"U77777777"}, "user_not_found"},
		{[]string{f.gone}, "user_disabled"},
		{[]string{"USLACKBOT"}, "cannot_dm_bot"},
	} {
		if _, _, err := open(c.users...); slackErr(err) != c.want {
			t.Errorf("open %v: %v, want %s", c.users, err, c.want)
		}
	}
	members, _, err := f.api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: g1.ID})
	if err != nil || len(members) != 3 || !slices.Contains(members, f.srv.BotUserID()) {
		t.Fatalf("group members = %v %v", members, err)
	}
	info, err := f.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: g1.ID, IncludeNumMembers: true})
	if err != nil || !info.IsMpIM || info.NumMembers != 3 {
		t.Fatalf("info = %+v %v", info, err)
	}
}

func TestPagination(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := ctxT(t)
	var ids []string
	for i := range 7 {
		ids = append(ids, f.srv.AddUserID(User{Name: "p" + string(rune('a'+i))}))
	}
	f.srv.AddChannel(Channel{ID: "C0BIG0001", Name: "big", Members: append(slices.Clone(ids), f.srv.BotUserID())})

	// conversations.members: follow next_cursor until empty; pages may be short.
	var all []string
	cursor, pages := "", 0
	for {
		page, next, err := f.api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: "C0BIG0001", Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 3 {
			t.Fatalf("page of %d > limit", len(page))
		}
		all = append(all, page...)
		pages++
		if next == "" {
			break
		}
		cursor = next
	}
	if len(all) != 8 || pages < 3 {
		t.Fatalf("members %v in %d pages", all, pages)
	}
	if _, _, err := f.api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: "C0BIG0001", Cursor: "garbage"}); slackErr(err) != "invalid_cursor" {
		t.Fatalf("bad cursor: %v", err)
	}
	// users.list through slack-go's own paginator.
	users, err := f.api.GetUsersContext(ctx, slack.GetUsersOptionLimit(2))
	if err != nil || len(users) != len(f.srv.Users()) {
		t.Fatalf("users.list: %d users, %v", len(users), err)
	}
	var sawSlackbot, sawDeleted, sawBot bool
	for _, u := range users {
		sawSlackbot = sawSlackbot || (u.ID == "USLACKBOT" && !u.IsBot)
		sawDeleted = sawDeleted || (u.ID == f.gone && u.Deleted)
		sawBot = sawBot || (u.ID == f.srv.BotUserID() && u.IsBot)
	}
	if !sawSlackbot || !sawDeleted || !sawBot {
		t.Fatal("users.list must include Slackbot, deactivated users and bots")
	}
	// conversations.history pages, newest first.
	for i := range 5 {
		if _, _, err := f.api.PostMessageContext(ctx, f.general, slack.MsgOptionText(string(rune('0'+i)), false)); err != nil {
			t.Fatal(err)
		}
	}
	var texts []string
	params := &slack.GetConversationHistoryParameters{ChannelID: f.general, Limit: 2}
	for {
		h, err := f.api.GetConversationHistoryContext(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range h.Messages {
			texts = append(texts, m.Text)
		}
		if h.ResponseMetaData.NextCursor == "" {
			if h.HasMore {
				t.Fatal("has_more on the last page")
			}
			break
		}
		params.Cursor = h.ResponseMetaData.NextCursor
	}
	if strings.Join(texts, "") != "43210" {
		t.Fatalf("history order %v", texts)
	}
}

func TestUsersInfoTimeZones(t *testing.T) {
	f := newFixture(t, Options{})
	u, err := f.api.GetUserInfoContext(ctxT(t), f.ana)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/Paris")
	_, off := time.Now().In(loc).Zone()
	if u.TZ != "Europe/Paris" || u.TZOffset != off || !strings.HasPrefix(u.TZLabel, "Central European") || u.Name != "ana" || u.RealName != "Ana Lima" {
		t.Fatalf("user = %+v", u)
	}
	r, _ := f.api.GetUserInfoContext(ctxT(t), f.raj)
	if r.TZOffset != 19800 || r.TZLabel != "India Standard Time" || !r.IsAdmin {
		t.Fatalf("raj = %+v", r)
	}
	l, _ := f.api.GetUserInfoContext(ctxT(t), f.lee)
	if !l.IsRestricted || l.IsUltraRestricted {
		t.Fatalf("lee = %+v", l)
	}
	if _, err := f.api.GetUserInfoContext(ctxT(t), "U12345678"); slackErr(err) != "user_not_found" {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestFaultInjection(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := ctxT(t)
	f.srv.FailNext("chat.postMessage", 2, http.StatusServiceUnavailable)
	for range 2 {
		_, _, err := f.api.PostMessageContext(ctx, f.general, slack.MsgOptionText("x", false))
		var sce slack.StatusCodeError
		if !errors.As(err, &sce) || sce.Code != http.StatusServiceUnavailable {
			t.Fatalf("err = %v", err)
		}
	}
	if _, _, err := f.api.PostMessageContext(ctx, f.general, slack.MsgOptionText("x", false)); err != nil {
		t.Fatal(err)
	}
	f.srv.RateLimitNext("users.info", 1, 30*time.Second)
	_, err := f.api.GetUserInfoContext(ctx, f.ana)
	var rle *slack.RateLimitedError
	if !errors.As(err, &rle) || rle.RetryAfter != 30*time.Second {
		t.Fatalf("err = %v", err)
	}
	if f.srv.RateLimitedCount() != 1 || f.srv.CallCount("chat.postMessage") != 3 {
		t.Fatalf("counts: %d %d", f.srv.RateLimitedCount(), f.srv.CallCount("chat.postMessage"))
	}
}

func TestCallsRecordArgs(t *testing.T) {
	f := newFixture(t, Options{})
	_, _, _ = f.api.PostMessageContext(ctxT(t), f.random, slack.MsgOptionText("hi", false))
	calls := f.srv.Calls()
	c := calls[len(calls)-1]
	if c.Method != "chat.postMessage" || c.Args["channel"] != f.random || c.Args["text"] != "hi" || c.Error != "not_in_channel" || c.Status != 200 {
		t.Fatalf("call = %+v", c)
	}
	if _, ok := c.Args["token"]; ok {
		t.Fatal("token recorded")
	}
}
