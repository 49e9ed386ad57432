package slackfake

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// fixture is a server with two people, a bot-less #random and a #general
// the bot is in.
type fixture struct {
	srv                     *Server
	api                     *slack.Client
	ana, raj, lee, gone     string
	general, random, secret string
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	if opts.AckTimeout == 0 {
		opts.AckTimeout = 200 * time.Millisecond
	}
	if opts.PingInterval == 0 {
		opts.PingInterval = 100 * time.Millisecond
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	f := &fixture{srv: srv}
	t.Cleanup(func() {
		// PRINT_TRANSCRIPT=1 go test -v … shows what each test's workspace saw.
		if os.Getenv("PRINT_TRANSCRIPT") != "" {
			var b strings.Builder
			_ = srv.WriteTranscript(&b)
			t.Log("transcript:\n" + b.String())
		}
	})
	f.ana = srv.AddUserID(User{Name: "ana", RealName: "Ana Lima", TZ: "Europe/Paris"})
	f.raj = srv.AddUserID(User{Name: "raj", RealName: "Raj Patel", TZ: "Asia/Kolkata", IsAdmin: true})
	f.lee = srv.AddUserID(User{Name: "lee", RealName: "Lee Chen", TZ: "America/New_York", IsRestricted: true})
	f.gone = srv.AddUserID(User{Name: "gone", RealName: "Gone Person", Deleted: true})
	f.general = srv.AddChannelID(Channel{Name: "general", Members: []string{f.ana, f.raj, f.lee, srv.BotUserID()}})
	f.random = srv.AddChannelID(Channel{Name: "random", Members: []string{f.ana, f.raj}})
	f.secret = srv.AddChannelID(Channel{Name: "secret", Members: []string{f.ana}, IsPrivate: true})
	f.api = slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken(srv.AppToken()))
	return f
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// bot is a minimal app on the real socketmode client: handle runs on the
// event loop for every event.
type bot struct {
	client *socketmode.Client
	mu     sync.Mutex
	events []socketmode.Event
}

func (b *bot) seen(tpe socketmode.EventType) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, e := range b.events {
		if e.Type == tpe {
			n++
		}
	}
	return n
}

func startBot(t *testing.T, f *fixture, handle func(b *bot, e socketmode.Event)) *bot {
	t.Helper()
	api := slack.New(f.srv.BotToken(), slack.OptionAPIURL(f.srv.APIURL()), slack.OptionAppLevelToken(f.srv.AppToken()))
	b := &bot{client: socketmode.New(api, socketmode.OptionLog(log.New(io.Discard, "", 0)))}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	loopDone := make(chan struct{})
	go func() {
		defer close(runDone)
		_ = b.client.RunContext(ctx)
	}()
	go func() {
		defer close(loopDone)
		for {
			select {
			case e := <-b.client.Events:
				b.mu.Lock()
				b.events = append(b.events, e)
				b.mu.Unlock()
				if handle != nil {
					handle(b, e)
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-loopDone
		<-runDone
	})
	return b
}

// ack acks any request-bearing event with payload (nil for none).
func (b *bot) ack(e socketmode.Event, payload any) {
	if e.Request != nil && e.Request.EnvelopeID != "" {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = b.client.AckCtx(ctx, e.Request.EnvelopeID, payload)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func rawJSON(t *testing.T, f *fixture, method, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.APIURL()+method, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out
}
