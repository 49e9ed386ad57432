package slackfake

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

func TestRateLimitTierReturns429(t *testing.T) {
	f := newFixture(t, Options{RateLimits: true, TimeScale: 20}) // a minute lasts 3 s
	ctx := ctxT(t)
	call := func() error {
		_, err := f.api.GetUsersContext(ctx, slack.GetUsersOptionLimit(1000))
		return err
	}
	for i := range LimitFor("users.list").Burst {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// slack-go's GetUsersContext retries 429s itself after Retry-After; use
	// the paginator to see the error.
	_, err := f.api.GetUsersPaginated(slack.GetUsersOptionLimit(1000)).Next(ctx)
	var rle *slack.RateLimitedError
	if !errors.As(err, &rle) || rle.RetryAfter != time.Second {
		t.Fatalf("err = %v", err)
	}
	if f.srv.RateLimitedCount() != 1 {
		t.Fatalf("RateLimitedCount = %d", f.srv.RateLimitedCount())
	}
	// The exact scaled wait is in a side header: at most 3 s nominal / 20 = 150 ms.
	req, _ := http.NewRequest(http.MethodPost, f.srv.APIURL()+"users.list", nil)
	req.Header.Set("Authorization", "Bearer "+f.srv.BotToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ms, _ := strconv.Atoi(resp.Header.Get("X-Slackfake-Retry-After-Ms"))
	nominal, _ := strconv.Atoi(resp.Header.Get("X-Slackfake-Nominal-Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" || ms < 1 || ms > 150 ||
		nominal < 1 || nominal > 3 {
		t.Fatalf("429 headers: %d %v", resp.StatusCode, resp.Header)
	}
	// Other methods have their own buckets.
	if _, err := f.api.GetUserInfoContext(ctx, f.ana); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Duration(ms+5) * time.Millisecond)
	if err := call(); err != nil {
		t.Fatalf("after the scaled wait: %v", err)
	}
}

func TestPostMessagePerChannelLimit(t *testing.T) {
	f := newFixture(t, Options{RateLimits: true})
	ctx := ctxT(t)
	post := func(ch string) error {
		_, _, err := f.api.PostMessageContext(ctx, ch, slack.MsgOptionText("x", false))
		return err
	}
	for range postMessagePerChannelBurst {
		if err := post(f.general); err != nil {
			t.Fatal(err)
		}
	}
	var rle *slack.RateLimitedError
	if err := post(f.general); !errors.As(err, &rle) || rle.RetryAfter != time.Second {
		t.Fatalf("burst exceeded: %v", err)
	}
	if err := post(f.ana); err != nil { // another channel (the DM) is fine
		t.Fatal(err)
	}
}

// A client pacing itself at the nominal rate is never refused and finishes
// no earlier than the floor.
func TestWellBehavedClientReachesFloor(t *testing.T) {
	f := newFixture(t, Options{RateLimits: true, TimeScale: 120})
	ctx := ctxT(t)
	const n = 100
	l := LimitFor("conversations.open")
	if l.Tier != "Tier3" || l.PerMinute != 50 {
		t.Fatalf("limit = %+v", l)
	}
	floor := f.srv.Floor("conversations.open", n)
	if want := time.Duration(float64(n-l.Burst) / 50 * float64(time.Minute) / 120); floor != want {
		t.Fatalf("floor = %v, want %v", floor, want)
	}
	pace := rate.NewLimiter(rate.Limit(l.PerMinute/60*f.srv.TimeScale()), l.Burst)
	start := time.Now()
	for i := range n {
		if err := pace.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := f.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{f.ana, f.raj}}); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if elapsed := time.Since(start); elapsed < floor-rateGrace {
		t.Fatalf("elapsed %v below floor %v", elapsed, floor)
	}
	if f.srv.RateLimitedCount() != 0 {
		t.Fatalf("%d calls refused", f.srv.RateLimitedCount())
	}
	// Going faster than the limit is refused.
	for range l.Burst + 1 {
		_, _, _, _ = f.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{f.ana}})
	}
	if f.srv.RateLimitedCount() == 0 {
		t.Fatal("no 429 when bursting past the bucket")
	}
}

func TestFloorMath(t *testing.T) {
	if d := NominalFloorSpread("chat.postMessage", 10); d != 7*time.Second {
		t.Errorf("10 posts in one channel: %v", d)
	}
	if d := NominalFloorSpread("chat.postMessage", 3, 3, 3); d != 0 {
		t.Errorf("3 posts in each of 3 channels: %v", d)
	}
	spread := make([]int, 700)
	for i := range spread {
		spread[i] = 1
	}
	if d := NominalFloorSpread("chat.postMessage", spread...); d != 10*time.Second {
		t.Errorf("700 DMs: %v", d)
	}
	if d := NominalFloorSpread("conversations.open", 500); d != 9*time.Minute {
		t.Errorf("500 group DMs: %v", d)
	}
	if l := LimitFor("apps.connections.open"); l.Tier != "Tier1" || l.PerMinute != 1 {
		t.Errorf("apps.connections.open: %+v", l)
	}
	if l := LimitFor("auth.test"); l.Tier != "Tier4" {
		t.Errorf("special tiers default to Tier4: %+v", l)
	}
	srv := &Server{opts: Options{TimeScale: 60}}
	if d := srv.Floor("users.list", 40); d != time.Second {
		t.Errorf("scaled floor: %v", d)
	}
	if len(Limits()) != len(EmulatedMethods()) {
		t.Error("Limits() incomplete")
	}
}

func TestEmulatedMethodsAreKnown(t *testing.T) {
	for _, m := range EmulatedMethods() {
		if !KnownMethod(m) {
			t.Errorf("%s is missing from the embedded spec table", m)
		}
	}
	// Everything slack-go sends for the emulated methods is accepted.
	for method, args := range map[string][]string{
		"chat.postMessage":      {"channel", "text", "blocks", "attachments", "metadata", "thread_ts", "reply_broadcast", "unfurl_links", "unfurl_media", "mrkdwn", "username", "icon_emoji", "icon_url", "as_user", "parse", "link_names"},
		"conversations.history": {"channel", "cursor", "inclusive", "latest", "limit", "oldest", "include_all_metadata"},
		"conversations.replies": {"channel", "ts", "cursor", "inclusive", "latest", "limit", "oldest", "include_all_metadata"},
		"conversations.open":    {"channel", "users", "return_im"},
		"conversations.info":    {"channel", "include_locale", "include_num_members"},
		"conversations.members": {"channel", "cursor", "limit"},
		"users.info":            {"user", "users", "include_locale"},
		"users.list":            {"limit", "cursor", "team_id", "include_locale"},
		"views.open":            {"trigger_id", "view"},
		"views.publish":         {"user_id", "view", "hash"},
		"views.update":          {"view", "external_id", "hash", "view_id"},
		"reactions.add":         {"name", "channel", "timestamp"},
	} {
		for _, a := range args {
			if classifyArg(method, a) == argUnknown {
				t.Errorf("%s rejects %s", method, a)
			}
		}
	}
	if classifyArg("chat.postMessage", "chanel") != argUnknown {
		t.Error("typo accepted")
	}
}

func TestJSONBodies(t *testing.T) {
	f := newFixture(t, Options{})
	// A JSON body with blocks as an array (not a string) and the token in the header.
	body := `{"channel":"` + f.general + `","text":"hi","blocks":[{"type":"divider"}],"metadata":{"event_type":"x","event_payload":{"a":1}}}`
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, f.srv.APIURL()+"chat.postMessage", stringsReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+f.srv.BotToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	msgs := f.srv.Messages(f.general)
	if len(msgs) != 1 || string(msgs[0].Metadata) != `{"event_payload":{"a":1},"event_type":"x"}` {
		t.Fatalf("messages = %+v", msgs)
	}
	// A token inside a JSON body does not authenticate.
	if out := rawJSON(t, f, "auth.test", `{"token":"`+f.srv.BotToken()+`"}`); out["error"] != "not_authed" {
		t.Fatalf("token in JSON body: %v", out)
	}
	_ = url.Values{}
}
