package slackfake

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func feedbackModal() slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           slack.NewTextBlockObject("plain_text", "Feedback", false, false),
		Submit:          slack.NewTextBlockObject("plain_text", "Send", false, false),
		Close:           slack.NewTextBlockObject("plain_text", "Cancel", false, false),
		CallbackID:      "feedback",
		PrivateMetadata: "prompt-1",
		NotifyOnClose:   true,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "How was the week?", false, false), nil, nil),
			slack.NewInputBlock("", slack.NewTextBlockObject("plain_text", "Answer", false, false), nil,
				slack.NewPlainTextInputBlockElement(nil, "answer")),
			slack.NewInputBlock("", slack.NewTextBlockObject("plain_text", "Mood", false, false), nil,
				slack.NewOptionsSelectBlockElement("static_select", nil, "mood",
					slack.NewOptionBlockObject("good", slack.NewTextBlockObject("plain_text", "Good", false, false), nil),
					slack.NewOptionBlockObject("meh", slack.NewTextBlockObject("plain_text", "Meh", false, false), nil))),
		}},
	}
}

// modalBot opens the feedback modal on /feedback and records submissions.
type modalBot struct {
	*bot
	mu          sync.Mutex
	submissions []slack.InteractionCallback
	closed      []slack.InteractionCallback
	ackPayload  any
	triggers    []string
	openErr     error
}

func startModalBot(t *testing.T, f *fixture) *modalBot {
	mb := &modalBot{}
	mb.bot = startBot(t, f, func(b *bot, e socketmode.Event) {
		switch e.Type {
		case socketmode.EventTypeSlashCommand:
			cmd := e.Data.(slack.SlashCommand)
			b.ack(e, nil)
			mb.mu.Lock()
			mb.triggers = append(mb.triggers, cmd.TriggerID)
			mb.mu.Unlock()
			if cmd.Text == "no-open" {
				return
			}
			_, err := b.client.OpenViewContext(context.Background(), cmd.TriggerID, feedbackModal())
			mb.mu.Lock()
			mb.openErr = err
			mb.mu.Unlock()
		case socketmode.EventTypeInteractive:
			cb := e.Data.(slack.InteractionCallback)
			mb.mu.Lock()
			payload := mb.ackPayload
			switch cb.Type {
			case slack.InteractionTypeViewSubmission:
				mb.submissions = append(mb.submissions, cb)
			case slack.InteractionTypeViewClosed:
				mb.closed = append(mb.closed, cb)
			}
			mb.mu.Unlock()
			b.ack(e, payload)
		default:
			b.ack(e, nil)
		}
	})
	return mb
}

func TestModalSubmissionWithGeneratedBlockIDs(t *testing.T) {
	f := newFixture(t, Options{})
	mb := startModalBot(t, f)
	ctx := ctxT(t)
	if _, err := f.srv.SlashCommand(ctx, f.ana, f.general, "/feedback", ""); err != nil {
		t.Fatal(err)
	}
	var viewID string
	waitUntil(t, "modal", func() bool { viewID, _ = f.srv.OpenView(f.ana); return viewID != "" })
	mb.mu.Lock()
	if mb.openErr != nil {
		t.Fatal(mb.openErr)
	}
	mb.mu.Unlock()

	// The app answers the first submission with a field error.
	var stored slack.View
	_ = json.Unmarshal(f.srv.View(viewID), &stored)
	answerBlock := stored.Blocks.BlockSet[1].ID()
	if answerBlock == "" || len(answerBlock) > 255 {
		t.Fatalf("no generated block_id: %q", answerBlock)
	}
	mb.mu.Lock()
	mb.ackPayload = slack.NewErrorsViewSubmissionResponse(map[string]string{answerBlock: "Too short"})
	mb.mu.Unlock()
	if _, err := f.srv.SubmitView(ctx, f.ana, viewID, map[string]string{"answer": "ok", "mood": "meh"}); err != nil {
		t.Fatal(err)
	}
	if got := f.srv.ViewErrors(viewID); got[answerBlock] != "Too short" {
		t.Fatalf("errors = %v", got)
	}
	if id, _ := f.srv.OpenView(f.ana); id != viewID {
		t.Fatal("modal closed despite errors")
	}

	mb.mu.Lock()
	mb.ackPayload = nil
	mb.mu.Unlock()
	if _, err := f.srv.SubmitView(ctx, f.ana, viewID, map[string]string{"answer": "A calm week", "mood": "good"}); err != nil {
		t.Fatal(err)
	}
	mb.mu.Lock()
	sub := mb.submissions[len(mb.submissions)-1]
	mb.mu.Unlock()
	vals := sub.View.State.Values
	if vals[answerBlock]["answer"].Value != "A calm week" {
		t.Fatalf("state = %+v", vals)
	}
	moodBlock := stored.Blocks.BlockSet[2].ID()
	if vals[moodBlock]["mood"].SelectedOption.Value != "good" || sub.View.CallbackID != "feedback" ||
		sub.View.PrivateMetadata != "prompt-1" || sub.User.ID != f.ana || sub.View.Hash == "" || sub.TriggerID == "" {
		t.Fatalf("submission = %+v", sub)
	}
	if id, _ := f.srv.OpenView(f.ana); id != "" {
		t.Fatal("modal still open after an empty ack")
	}
	// Required inputs cannot be skipped; unknown action ids are test bugs.
	if _, err := f.srv.SlashCommand(ctx, f.ana, f.general, "/feedback", ""); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "second modal", func() bool { id, _ := f.srv.OpenView(f.ana); return id != "" && id != viewID })
	second, _ := f.srv.OpenView(f.ana)
	if _, err := f.srv.SubmitView(ctx, f.ana, second, map[string]string{"mood": "good"}); err == nil {
		t.Fatal("submitted with a required input empty")
	}
	if _, err := f.srv.SubmitView(ctx, f.ana, second, map[string]string{"answr": "x"}); err == nil {
		t.Fatal("unknown action_id accepted")
	}
	if _, err := f.srv.CloseView(ctx, f.ana, second); err != nil {
		t.Fatal(err)
	}
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if len(mb.closed) != 1 || mb.closed[0].View.ID != second {
		t.Fatalf("view_closed = %+v", mb.closed)
	}
}

func TestTriggerIDs(t *testing.T) {
	f := newFixture(t, Options{TriggerTTL: 100 * time.Millisecond})
	mb := startModalBot(t, f)
	ctx := ctxT(t)
	if _, err := f.srv.SlashCommand(ctx, f.ana, f.general, "/feedback", "no-open"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.SlashCommand(ctx, f.ana, f.general, "/feedback", "no-open"); err != nil {
		t.Fatal(err)
	}
	mb.mu.Lock()
	stale, fresh := mb.triggers[0], mb.triggers[1]
	mb.mu.Unlock()
	if _, err := f.api.OpenViewContext(ctx, fresh, feedbackModal()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.api.OpenViewContext(ctx, fresh, feedbackModal()); slackErr(err) != "trigger_exchanged" {
		t.Fatalf("reused trigger: %v", err)
	}
	if _, err := f.api.OpenViewContext(ctx, "123.456.abc", feedbackModal()); slackErr(err) != "invalid_trigger_id" {
		t.Fatalf("unknown trigger: %v", err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, err := f.api.OpenViewContext(ctx, stale, feedbackModal()); slackErr(err) != "expired_trigger_id" {
		t.Fatalf("expired trigger: %v", err)
	}
}

func TestViewValidationAndUpdate(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := ctxT(t)
	long := feedbackModal()
	long.Title = slack.NewTextBlockObject("plain_text", strings.Repeat("t", 25), false, false)
	_, err := f.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: f.ana,
		View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "", false, false), nil, nil)}}}})
	var se slack.SlackErrorResponse
	if slackErr(err) != "invalid_arguments" || !errorsAs(err, &se) || !strings.Contains(se.ResponseMetadata.Messages[0], "/view/blocks/0/text/text") {
		t.Fatalf("empty text: %v %+v", err, se)
	}
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, ExternalID: "home-ana", Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject("plain_text", "Your rituals", false, false)),
		slack.NewActionBlock("", slack.NewButtonBlockElement("join", "coffee", slack.NewTextBlockObject("plain_text", "Join coffee", false, false))),
	}}}
	v, err := f.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: f.ana, View: home})
	if err != nil || v.ID == "" || v.Hash == "" {
		t.Fatalf("publish: %v", err)
	}
	v2, err := f.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: f.ana, View: home})
	if err != nil || v2.ID != v.ID || v2.Hash == v.Hash {
		t.Fatalf("republish: %v %v", v2, err)
	}
	if _, err := f.api.UpdateViewContext(ctx, feedbackModal(), "", "", "V99999999"); slackErr(err) != "view_not_found" {
		t.Fatalf("unknown view: %v", err)
	}
	home.Blocks.BlockSet = home.Blocks.BlockSet[:1]
	hv := slack.ModalViewRequest{Type: slack.VTHomeTab, Blocks: home.Blocks, ExternalID: "home-ana"}
	if _, err := f.api.UpdateViewContext(ctx, hv, "home-ana", "", ""); err != nil {
		t.Fatalf("update by external_id: %v", err)
	}
	if _, err := f.api.UpdateViewContext(ctx, hv, "", "stale-hash", v.ID); slackErr(err) != "hash_conflict" {
		t.Fatalf("stale hash: %v", err)
	}
	var got slack.View
	_ = json.Unmarshal(f.srv.HomeView(f.ana), &got)
	if len(got.Blocks.BlockSet) != 1 || f.srv.HomeView(f.raj) != nil {
		t.Fatalf("home = %+v", got)
	}
}

func errorsAs(err error, se *slack.SlackErrorResponse) bool {
	x, ok := err.(slack.SlackErrorResponse)
	if ok {
		*se = x
	}
	return ok
}

func TestClickButtonAndResponseURL(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := ctxT(t)
	var mu sync.Mutex
	var clicks []slack.InteractionCallback
	var hookErrs []error
	startBot(t, f, func(b *bot, e socketmode.Event) {
		b.ack(e, nil)
		switch e.Type {
		case socketmode.EventTypeInteractive:
			cb := e.Data.(slack.InteractionCallback)
			mu.Lock()
			clicks = append(clicks, cb)
			mu.Unlock()
			if cb.ResponseURL != "" {
				err := slack.PostWebhookContext(context.Background(), cb.ResponseURL, &slack.WebhookMessage{
					Text: "You joined coffee", ReplaceOriginal: true})
				mu.Lock()
				hookErrs = append(hookErrs, err)
				mu.Unlock()
			}
		case socketmode.EventTypeSlashCommand:
			cmd := e.Data.(slack.SlashCommand)
			for i := range 6 {
				err := slack.PostWebhookContext(context.Background(), cmd.ResponseURL, &slack.WebhookMessage{
					Text: "reply " + string(rune('1'+i)), ResponseType: "ephemeral"})
				mu.Lock()
				hookErrs = append(hookErrs, err)
				mu.Unlock()
			}
		}
	})
	_, ts, err := f.api.PostMessageContext(ctx, f.general, slack.MsgOptionText("Coffee?", false), slack.MsgOptionBlocks(
		slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "Who wants coffee?", false, false), nil, nil),
		slack.NewActionBlock("", slack.NewButtonBlockElement("join", "round-1", slack.NewTextBlockObject("plain_text", "Join", false, false)))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.ClickButton(ctx, f.raj, Location{Channel: f.general, TS: ts}, "join"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "replace_original", func() bool {
		m := f.srv.Messages(f.general)
		return len(m) == 1 && m[0].Text == "You joined coffee"
	})
	mu.Lock()
	cb := clicks[0]
	mu.Unlock()
	a := cb.ActionCallback.BlockActions
	if cb.Type != slack.InteractionTypeBlockActions || len(a) != 1 || a[0].ActionID != "join" || a[0].Value != "round-1" ||
		a[0].BlockID == "" || cb.User.ID != f.raj || cb.User.Name != "raj" || cb.Container.MessageTs != ts ||
		cb.Container.ChannelID != f.general || cb.Message.Timestamp != ts || cb.TriggerID == "" || cb.Channel.ID != f.general {
		t.Fatalf("block_actions = %+v", cb)
	}
	if _, err := f.srv.ClickButton(ctx, f.raj, Location{Channel: f.general, TS: ts}, "nope"); err == nil {
		t.Fatal("clicked a missing button")
	}

	// response_url: ephemeral replies, five uses at most.
	if _, err := f.srv.SlashCommand(ctx, f.ana, f.general, "/ritual", "status"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "six webhook posts", func() bool { mu.Lock(); defer mu.Unlock(); return len(hookErrs) == 7 })
	mu.Lock()
	for i, err := range hookErrs[1:] {
		if (i < 5) != (err == nil) {
			t.Errorf("webhook post %d: %v", i+1, err)
		}
	}
	mu.Unlock()
	eph := f.srv.Ephemerals(f.ana)
	if len(eph) != 5 || eph[0].Text != "reply 1" || eph[0].Channel != f.general || !eph[0].Ephemeral {
		t.Fatalf("ephemerals = %+v", eph)
	}
	// Clicking a button on the Home tab.
	if _, err := f.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: f.ana, View: slack.HomeTabViewRequest{
		Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewActionBlock("acts",
			slack.NewButtonBlockElement("pause", "", slack.NewTextBlockObject("plain_text", "Pause", false, false)))}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.ClickButton(ctx, f.ana, Location{Home: true}, "pause"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	last := clicks[len(clicks)-1]
	mu.Unlock()
	if last.View.Type != slack.VTHomeTab || last.Container.Type != "view" || last.ActionCallback.BlockActions[0].BlockID != "acts" {
		t.Fatalf("home click = %+v", last)
	}
}

func TestTranscriptReadable(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := ctxT(t)
	startBot(t, f, func(b *bot, e socketmode.Event) {
		if e.Type == socketmode.EventTypeSlashCommand {
			b.ack(e, map[string]any{"text": "Paired you with <@" + f.raj + ">"})
			return
		}
		b.ack(e, nil)
	})
	if _, err := f.srv.SlashCommand(ctx, f.ana, f.general, "/ritual", "coffee"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.api.PostMessageContext(ctx, f.ana, slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(
		slack.NewHeaderBlock(slack.NewTextBlockObject("plain_text", "Coffee time", false, false)),
		slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "You're meeting <@"+f.raj+"> &amp; <#"+f.general+">", false, false), nil, nil),
		slack.NewDividerBlock(),
		slack.NewContextBlock("", slack.NewTextBlockObject("mrkdwn", "Round 3", false, false)),
		slack.NewActionBlock("", slack.NewButtonBlockElement("met", "y", slack.NewTextBlockObject("plain_text", "We met", false, false))),
	)); err != nil {
		t.Fatal(err)
	}
	_, _, _ = f.api.PostMessageContext(ctx, f.random, slack.MsgOptionText("x", false))
	var buf strings.Builder
	if err := f.srv.WriteTranscript(&buf); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"#general  @ana: /ritual coffee",
		"#general  @ritualbot (only visible to ana): Paired you with @raj",
		"DM with ana  @ritualbot:\n    == Coffee time ==\n    You're meeting @raj & #general\n    ───",
		"    › Round 3\n    [ We met ]",
		"!! api error: chat.postMessage → not_in_channel (#random)",
	}
	for _, w := range want {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("transcript lacks %q:\n%s", w, buf.String())
		}
	}
	if strings.Contains(buf.String(), f.ana) {
		t.Errorf("transcript shows ids:\n%s", buf.String())
	}
}
