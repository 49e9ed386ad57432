package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestSlashCommandRoundTrip(t *testing.T) {
	f := newFixture(t, Options{})
	got := make(chan slack.SlashCommand, 1)
	b := startBot(t, f, func(b *bot, e socketmode.Event) {
		if e.Type == socketmode.EventTypeSlashCommand {
			got <- e.Data.(slack.SlashCommand)
			b.ack(e, map[string]any{"text": "Welcome <@" + f.ana + ">!"})
		}
	})
	ctx := ctxT(t)
	if err := f.srv.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "hello", func() bool { return b.seen(socketmode.EventTypeHello) == 1 })

	ack, err := f.srv.SlashCommand(ctx, f.ana, f.general, "/ritual", "join <@"+f.raj+"|raj>")
	if err != nil {
		t.Fatal(err)
	}
	cmd := <-got
	if cmd.Command != "/ritual" || cmd.Text != "join <@"+f.raj+"|raj>" || cmd.UserName != "ana" ||
		cmd.ChannelName != "general" || cmd.TeamID != f.srv.TeamID() || cmd.APIAppID != f.srv.AppID() ||
		cmd.TriggerID == "" || !strings.HasPrefix(cmd.ResponseURL, f.srv.BaseURL()+"/hooks/") {
		t.Fatalf("unexpected slash command payload: %+v", cmd)
	}
	if ack.EnvelopeID == "" || !strings.Contains(string(ack.Payload), "Welcome") || ack.Latency <= 0 {
		t.Fatalf("unexpected ack: %+v", ack)
	}
	eph := f.srv.Ephemerals(f.ana)
	if len(eph) != 1 || !strings.Contains(eph[0].Text, "Welcome") || eph[0].Channel != f.general {
		t.Fatalf("ack payload not shown as ephemeral: %+v", eph)
	}
	if f.srv.Connections() != 1 {
		t.Fatalf("connections = %d", f.srv.Connections())
	}
}

func TestHelloFields(t *testing.T) {
	f := newFixture(t, Options{})
	info, url, err := f.api.StartSocketModeContext(ctxT(t))
	if err != nil || info == nil || !strings.HasPrefix(url, "ws://127.0.0.1:") {
		t.Fatalf("apps.connections.open: %v %q", err, url)
	}
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var hello socketmode.Request
	if err := conn.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	if hello.Type != "hello" || hello.NumConnections != 1 || hello.ConnectionInfo.AppID != f.srv.AppID() || hello.DebugInfo.Host == "" {
		t.Fatalf("hello = %+v", hello)
	}
	// The URL is one-time.
	if _, resp, err := websocket.DefaultDialer.Dial(url, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("reused URL accepted: %v", err)
	}
	// The server pings.
	pinged := make(chan struct{}, 1)
	conn.SetPingHandler(func(string) error {
		select {
		case pinged <- struct{}{}:
		default:
		}
		return nil
	})
	go func() {
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case <-pinged:
	case <-time.After(2 * time.Second):
		t.Fatal("no ping")
	}
}

func TestEventRedeliveryOnMissingAck(t *testing.T) {
	f := newFixture(t, Options{})
	var mu sync.Mutex
	var attempts []socketmode.Request
	var eventIDs []string
	startBot(t, f, func(b *bot, e socketmode.Event) {
		if e.Type != socketmode.EventTypeEventsAPI {
			return
		}
		mu.Lock()
		attempts = append(attempts, *e.Request)
		ev := e.Data.(slackevents.EventsAPIEvent)
		eventIDs = append(eventIDs, ev.Data.(*slackevents.EventsAPICallbackEvent).EventID)
		n := len(attempts)
		mu.Unlock()
		if n == 3 { // ignore the first two deliveries
			b.ack(e, nil)
		}
	})
	ctx := ctxT(t)
	ack, err := f.srv.OpenHome(ctx, f.ana)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(attempts) != 3 {
		t.Fatalf("deliveries = %d", len(attempts))
	}
	for i, a := range attempts {
		wantReason := ""
		if i > 0 {
			wantReason = "timeout"
		}
		if a.RetryAttempt != i || a.RetryReason != wantReason || eventIDs[i] != eventIDs[0] {
			t.Fatalf("attempt %d: retry_attempt=%d retry_reason=%q event_id=%s", i, a.RetryAttempt, a.RetryReason, eventIDs[i])
		}
		if i > 0 && a.EnvelopeID == attempts[0].EnvelopeID {
			t.Fatalf("redelivery reused the envelope id")
		}
	}
	if ack.EnvelopeID != attempts[2].EnvelopeID {
		t.Fatalf("ack for %s, want %s", ack.EnvelopeID, attempts[2].EnvelopeID)
	}
}

func TestEventGivesUpAfterThreeRetries(t *testing.T) {
	f := newFixture(t, Options{AckTimeout: 50 * time.Millisecond})
	b := startBot(t, f, nil)
	_, err := f.srv.SendEvent(ctxT(t), map[string]any{"type": "app_mention", "user": f.ana, "text": "hi",
		"channel": f.general, "ts": "1700000000.000100", "event_ts": "1700000000.000100"}, EventOptions{EventID: "Ev123"})
	if !errors.Is(err, ErrNotAcked) {
		t.Fatalf("err = %v", err)
	}
	waitUntil(t, "4 deliveries", func() bool { return b.seen(socketmode.EventTypeEventsAPI) == 4 })
}

func TestSlashCommandNotAckedAndAckDelay(t *testing.T) {
	f := newFixture(t, Options{})
	startBot(t, f, func(b *bot, e socketmode.Event) { b.ack(e, nil) })
	ctx := ctxT(t)
	f.srv.SetAckDelay(300 * time.Millisecond)
	if _, err := f.srv.SlashCommand(ctx, f.ana, f.general, "/ritual", ""); !errors.Is(err, ErrNotAcked) {
		t.Fatalf("err = %v", err)
	}
	f.srv.SetAckDelay(0)
	if _, err := f.srv.SlashCommand(ctx, f.ana, f.general, "/ritual", ""); err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	_ = f.srv.WriteTranscript(&buf)
	if !strings.Contains(buf.String(), `/ritual failed with the error "operation_timeout"`) {
		t.Fatalf("transcript lacks the timeout:\n%s", buf.String())
	}
}

func TestDisconnectReconnects(t *testing.T) {
	for _, reason := range []string{"warning", "refresh_requested"} {
		t.Run(reason, func(t *testing.T) {
			f := newFixture(t, Options{})
			startBot(t, f, func(b *bot, e socketmode.Event) { b.ack(e, nil) })
			ctx := ctxT(t)
			if err := f.srv.WaitConnected(ctx); err != nil {
				t.Fatal(err)
			}
			f.srv.Disconnect(reason)
			if err := f.srv.WaitConnections(ctx, 2); err != nil {
				t.Fatal(err)
			}
			if n := f.srv.CallCount("apps.connections.open"); n != 2 {
				t.Fatalf("apps.connections.open called %d times; each connection needs a fresh URL", n)
			}
			if _, err := f.srv.SlashCommand(ctx, f.ana, f.general, "/ritual", "help"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDropSocketsAndRefuse(t *testing.T) {
	f := newFixture(t, Options{})
	startBot(t, f, func(b *bot, e socketmode.Event) { b.ack(e, nil) })
	ctx := ctxT(t)
	if err := f.srv.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	f.srv.RefuseConnections(300 * time.Millisecond)
	start := time.Now()
	f.srv.DropSockets()
	if err := f.srv.WaitConnections(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 300*time.Millisecond {
		t.Fatalf("reconnected while refusing")
	}
	refused := 0
	for _, c := range f.srv.Calls() {
		if c.Method == "apps.connections.open" && c.Status == http.StatusServiceUnavailable {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("no refused apps.connections.open")
	}
	// A slash command sent while no socket is up waits for the reconnect.
	f.srv.DropSockets()
	if _, err := f.srv.SlashCommand(ctx, f.ana, f.general, "/ritual", ""); err != nil {
		t.Fatal(err)
	}
}

func TestSendRawMalformed(t *testing.T) {
	f := newFixture(t, Options{})
	b := startBot(t, f, nil)
	ctx := ctxT(t)
	raw := `{"envelope_id":"e1","type":"events_api","payload":{"type":"event_callback","token":"x","event":{"type":"no_such_event"}},"accepts_response_payload":false}`
	if err := f.srv.SendRaw(ctx, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.SendRaw(ctx, []byte(`{"type":"mystery"}`)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "bad message events", func() bool {
		return b.seen(socketmode.EventTypeErrorBadMessage)+b.seen(socketmode.EventTypeEventsAPI) >= 2
	})
}

func TestNoConnectionDispatchFailed(t *testing.T) {
	f := newFixture(t, Options{AckTimeout: 50 * time.Millisecond})
	_, err := f.srv.SlashCommand(ctxT(t), f.ana, f.general, "/ritual", "")
	if !errors.Is(err, ErrNoConnection) {
		t.Fatalf("err = %v", err)
	}
	tr := f.srv.Transcript()
	if last := tr[len(tr)-1]; !strings.Contains(last.Text, "dispatch_failed") || last.To != "ana" {
		t.Fatalf("last entry = %+v", last)
	}
}

func TestEnvelopeShape(t *testing.T) {
	f := newFixture(t, Options{})
	info, url, err := f.api.StartSocketModeContext(ctxT(t))
	if err != nil || info == nil {
		t.Fatal(err)
	}
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var hello map[string]any
	_ = conn.ReadJSON(&hello)
	done := make(chan Ack, 1)
	go func() {
		ack, _ := f.srv.SlashCommand(context.Background(), f.ana, f.general, "/ritual", "x")
		done <- ack
	}()
	var env map[string]any
	if err := conn.ReadJSON(&env); err != nil {
		t.Fatal(err)
	}
	if env["type"] != "slash_commands" || env["accepts_response_payload"] != true || env["envelope_id"] == "" {
		t.Fatalf("envelope = %v", env)
	}
	if _, ok := env["retry_attempt"]; ok {
		t.Fatalf("slash command envelopes carry no retry fields: %v", env)
	}
	p := env["payload"].(map[string]any)
	for _, k := range []string{"token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name",
		"command", "text", "api_app_id", "is_enterprise_install", "response_url", "trigger_id"} {
		if _, ok := p[k]; !ok {
			t.Errorf("payload lacks %s", k)
		}
	}
	_ = conn.WriteJSON(map[string]any{"envelope_id": env["envelope_id"], "payload": map[string]any{"text": "ok"}})
	ack := <-done
	var got map[string]string
	if err := json.Unmarshal(ack.Payload, &got); err != nil || got["text"] != "ok" {
		t.Fatalf("ack = %+v", ack)
	}
}
