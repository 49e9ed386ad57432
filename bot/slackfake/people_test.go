package slackfake

import (
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestPeopleAnswerInThreads(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := ctxT(t)
	got := make(chan *slackevents.MessageEvent, 1)
	startBot(t, f, func(b *bot, e socketmode.Event) {
		b.ack(e, nil)
		if e.Type == socketmode.EventTypeEventsAPI {
			if m, ok := e.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent); ok {
				got <- m
			}
		}
	})
	_, q, err := f.api.PostMessageContext(ctx, f.general, slack.MsgOptionText("What did you cook this week?", false))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := f.srv.PostAs(f.raj, f.general, q, "Dal makhani")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.PostAs(f.raj, f.secret, "", "x"); err == nil {
		t.Fatal("raj posted in a channel he is not in")
	}
	if _, err := f.srv.SendEvent(ctx, f.srv.MessageEvent(f.general, ts), EventOptions{}); err != nil {
		t.Fatal(err)
	}
	m := <-got
	if m.User != f.raj || m.Text != "Dal makhani" || m.ThreadTimeStamp != q || m.Channel != f.general {
		t.Fatalf("message event = %+v", m)
	}
	replies, _, _, err := f.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: f.general, Timestamp: q})
	if err != nil || len(replies) != 2 || replies[1].User != f.raj {
		t.Fatalf("replies = %+v %v", replies, err)
	}
	dm, err := f.srv.OpenDM(f.ana)
	if err != nil || dm != f.srv.DMChannel(f.ana) {
		t.Fatal(err)
	}
	if _, err := f.srv.SlashCommand(ctx, f.ana, dm, "/ritual", "help"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.WaitMessages(ctx, f.general, 2); err != nil {
		t.Fatal(err)
	}
}
