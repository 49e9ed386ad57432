package bot

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// recordingSocket stands in for the Socket Mode connection: it records acks and blocks in RunContext.
type recordingSocket struct {
	mu       sync.Mutex
	acks     []string
	payloads map[string]string
	ackedAt  map[string]time.Time
}

func (s *recordingSocket) RunContext(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }

func (s *recordingSocket) AckCtx(_ context.Context, id string, payload any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acks = append(s.acks, id)
	if s.payloads == nil {
		s.payloads, s.ackedAt = map[string]string{}, map[string]time.Time{}
	}
	if payload != nil {
		raw, err := json.Marshal(payload)
		if err != nil {
			return err
		}
		s.payloads[id] = string(raw)
	}
	s.ackedAt[id] = time.Now()
	return nil
}

// ack returns the payload envelope id was acked with and whether it was acked at all.
func (s *recordingSocket) ack(id string) (payload string, at time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok = s.ackedAt[id]
	return s.payloads[id], at, ok
}

func (s *recordingSocket) acked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.acks)
}

// recordingAPI records replies and published views; other calls are not used by these tests.
type recordingAPI struct {
	slackAPI
	mu        sync.Mutex
	replies   []string
	published []string
}

func (a *recordingAPI) PostWebhook(_ context.Context, _ string, msg *slack.WebhookMessage) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.replies = append(a.replies, msg.Text)
	return nil
}

func (a *recordingAPI) PublishViewContext(_ context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.published = append(a.published, req.UserID)
	return &slack.ViewResponse{}, nil
}

func (a *recordingAPI) counts() (int, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.replies), len(a.published)
}

// runBot runs a bot on the stand-ins, feeds it events and stops it, which waits for handlers.
func runBot(t *testing.T, events ...socketmode.Event) (*recordingSocket, *recordingAPI) {
	t.Helper()
	sock, api := &recordingSocket{}, &recordingAPI{}
	ch := make(chan socketmode.Event, len(events))
	for _, e := range events {
		ch <- e
	}
	close(ch)
	b := newBot(api, sock, ch, Options{Command: "/ritual"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return sock, api
}

func envelope(id string) *socketmode.Request { return &socketmode.Request{EnvelopeID: id} }

func TestEveryEnvelopeIsAckedButHello(t *testing.T) {
	bad, _ := json.Marshal(map[string]any{"envelope_id": "env-bad", "type": "events_api", "payload": "x"})
	sock, api := runBot(t,
		socketmode.Event{Type: socketmode.EventTypeHello, Request: &socketmode.Request{Type: "hello"}},
		socketmode.Event{Type: socketmode.EventTypeSlashCommand, Data: slack.SlashCommand{UserID: "U1", Text: "help", ResponseURL: "http://x"}, Request: envelope("env-cmd")},
		socketmode.Event{Type: socketmode.EventType("brand_new_type"), Request: envelope("env-new")},
		socketmode.Event{Type: socketmode.EventTypeErrorBadMessage, Data: &socketmode.ErrorBadMessage{Message: bad}},
		socketmode.Event{Type: socketmode.EventTypeErrorBadMessage, Data: &socketmode.ErrorBadMessage{Message: json.RawMessage("garbage")}},
		socketmode.Event{Type: socketmode.EventTypeInteractive, Data: slack.InteractionCallback{Type: "message_action"}, Request: envelope("env-shortcut")},
	)
	got := sock.acked()
	want := []string{"env-cmd", "env-new", "env-bad", "env-shortcut"}
	if !slices.Equal(got, want) {
		t.Errorf("acked %v, want %v", got, want)
	}
	if replies, _ := api.counts(); replies != 1 {
		t.Errorf("help answered %d times", replies)
	}
}

func TestRedeliveredEventIsDropped(t *testing.T) {
	payload := json.RawMessage(`{"event_id":"Ev1","type":"event_callback"}`)
	home := slackevents.EventsAPIEvent{InnerEvent: slackevents.EventsAPIInnerEvent{Data: &slackevents.AppHomeOpenedEvent{User: "U1", Tab: "home"}}}
	first := &socketmode.Request{EnvelopeID: "a", Payload: payload}
	retry := &socketmode.Request{EnvelopeID: "b", Payload: payload, RetryAttempt: 1, RetryReason: "timeout"}
	sock, api := runBot(t,
		socketmode.Event{Type: socketmode.EventTypeEventsAPI, Data: home, Request: first},
		socketmode.Event{Type: socketmode.EventTypeEventsAPI, Data: home, Request: retry},
	)
	if got := sock.acked(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("both deliveries must be acked, got %v", got)
	}
	if _, published := api.counts(); published != 1 {
		t.Errorf("home published %d times for one event", published)
	}
}

func TestEventIDsForgetOldest(t *testing.T) {
	ids := newEventIDs(2, time.Hour)
	now := time.Now()
	for _, id := range []string{"a", "b", "c"} {
		if !ids.firstTime(id, now) {
			t.Fatalf("%s seen as repeat", id)
		}
	}
	if ids.firstTime("c", now) {
		t.Error("c should be remembered")
	}
	if !ids.firstTime("a", now) {
		t.Error("a should have been forgotten when the set was full")
	}
	if !ids.firstTime("b", now.Add(2*time.Hour)) {
		t.Error("entries older than the ttl should be forgotten")
	}
}

func TestEscapeStopsMentions(t *testing.T) {
	got := Escape("hi <!channel> & <@U123|ana>\nbye")
	if strings.ContainsAny(got, "<>") || !strings.Contains(got, "&amp;") || !strings.Contains(got, "\n") {
		t.Errorf("Escape = %q", got)
	}
}

func TestClosestSubcommand(t *testing.T) {
	names := []string{"help", "status", "coffee"}
	for in, want := range map[string]string{"hepl": "help", "stauts": "status", "cofee": "coffee", "xyzzy": ""} {
		if got := closest(in, names); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitTextKeepsEverythingWithinLimits(t *testing.T) {
	text := strings.Repeat("word &amp; more\n", 500)
	parts := splitText(text, 3000)
	if strings.Join(parts, "") != text {
		t.Fatal("splitting lost or changed text")
	}
	for _, p := range parts {
		if runeLen(p) > 3000 {
			t.Errorf("part of %d characters", runeLen(p))
		}
		if i := strings.LastIndex(p, "&"); i >= 0 && !strings.Contains(p[i:], ";") {
			t.Errorf("part ends inside an entity: %q", p[max(0, len(p)-10):])
		}
	}
	if got := splitText("short", 3000); len(got) != 1 || got[0] != "short" {
		t.Errorf("short text = %q", got)
	}
}

func TestPeoplesMessagesReachTheirHandlerOthersDoNot(t *testing.T) {
	msg := func(id string, ev slackevents.MessageEvent) socketmode.Event {
		ev.Type, ev.Channel, ev.ChannelType = "message", "G1", "mpim"
		outer := slackevents.EventsAPIEvent{InnerEvent: slackevents.EventsAPIInnerEvent{Type: "message", Data: &ev}}
		return socketmode.Event{Type: socketmode.EventTypeEventsAPI, Data: outer, Request: envelope(id)}
	}
	events := []socketmode.Event{
		msg("written", slackevents.MessageEvent{User: "U1", Text: "Thursday works!", TimeStamp: "1.1"}),
		msg("voice note", slackevents.MessageEvent{User: "U2", SubType: "file_share", TimeStamp: "1.2"}),
		msg("the bot's own", slackevents.MessageEvent{User: "UBOT", BotID: "B1", TimeStamp: "1.3"}),
		msg("another bot", slackevents.MessageEvent{BotID: "B2", SubType: "bot_message", TimeStamp: "1.4"}),
		msg("an edit", slackevents.MessageEvent{SubType: "message_changed", TimeStamp: "1.5"}),
		msg("a join", slackevents.MessageEvent{User: "U3", SubType: "channel_join", TimeStamp: "1.6"}),
	}
	ch := make(chan socketmode.Event, len(events))
	for _, e := range events {
		ch <- e
	}
	close(ch)
	b := newBot(&recordingAPI{}, &recordingSocket{}, ch, Options{Command: "/ritual"})
	var mu sync.Mutex
	var seen []string
	b.HandleMessages(func(_ context.Context, m Message) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, m.UserID+"@"+m.ChannelID+"/"+m.ChannelType)
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Run(ctx); err != nil {
		t.Fatal(err)
	}
	slices.Sort(seen)
	if want := []string{"U1@G1/mpim", "U2@G1/mpim"}; !slices.Equal(seen, want) {
		t.Errorf("handled %v, want only the people's message and voice note %v", seen, want)
	}
}
