package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
)

// openCheckinForm has user type `/ritual checkin` in #general and returns the check-in modal's id
// and a value for each of its inputs.
func (h *harness) openCheckinForm(user string) (string, map[string]string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.fake.SlashCommand(ctx, user, demoGeneral, "/ritual", "checkin"); err != nil {
		h.t.Fatal(err)
	}
	var viewID string
	var raw json.RawMessage
	if err := waitFor(ctx, func() bool { viewID, raw = h.fake.OpenView(user); return viewID != "" }); err != nil {
		h.t.Fatalf("no check-in form; logs:\n%s", h.logs.String())
	}
	var view struct {
		Blocks []struct {
			Type    string `json:"type"`
			Element struct {
				ActionID string `json:"action_id"`
			} `json:"element"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &view); err != nil {
		h.t.Fatal(err)
	}
	values := map[string]string{}
	for _, b := range view.Blocks {
		if b.Type == "input" {
			values[b.Element.ActionID] = "Shipped the thing."
		}
	}
	if len(values) == 0 {
		h.t.Fatalf("the check-in form has no inputs: %s", raw)
	}
	return viewID, values
}

// A modal submission must be answered within Slack's 3 seconds even when every worker is busy
// with slow Web API calls and the queue behind them is full.
func TestSubmissionAnsweredWhileThePoolIsSaturated(t *testing.T) {
	const ackTimeout = time.Second
	h := startBot(t, slackfake.Options{AckTimeout: ackTimeout}, func(c *Config) {
		c.Icebreakers = nil
		c.Digest = []DigestConfig{{
			RitualChannel:   RitualChannel{Channel: demoGeneral, Schedule: "CRON_TZ=Europe/Berlin 0 16 * * FRI"},
			CheckinSchedule: "CRON_TZ=Europe/Berlin 0 10 * * THU",
		}}
		c.setDefaults()
	})
	viewID, values := h.openCheckinForm("U02RAJ")

	// Every Home tab opened now takes 400 ms to publish: 40 of them fill the 8 workers and the
	// queue of 32 behind them for about two seconds.
	h.fake.SetLatency("views.publish", 400*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var acked sync.WaitGroup
	for i := range 40 {
		user := demoTeam[i%len(demoTeam)].ID
		event := map[string]any{"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home",
			"event_ts": fmt.Sprintf("1764000000.%06d", i)}
		acked.Go(func() {
			if _, err := h.fake.SendEvent(ctx, event, slackfake.EventOptions{}); err != nil {
				t.Errorf("home event %d: %v", i, err)
			}
		})
	}
	acked.Wait()

	ack, err := h.fake.SubmitView(ctx, "U02RAJ", viewID, values)
	if err != nil {
		t.Fatalf("the check-in form was not answered in time: %v", err)
	}
	// Within the emulator's AckTimeout, or SubmitView fails above; the figure goes in the log.
	t.Logf("submission acknowledged after %v with 8 workers and 32 queued Home publishes of 400 ms each", ack.Latency)
	if errs := h.fake.ViewErrors(viewID); len(errs) > 0 {
		t.Errorf("the form shows errors: %v", errs)
	}
	if err := waitFor(ctx, func() bool { return h.fake.CallCount("views.publish") >= 40 }); err != nil {
		t.Fatalf("the Home tabs were not all published")
	}
	if got := h.command("U02RAJ", "checkin history"); !strings.Contains(got, "Shipped the thing.") {
		t.Errorf("the update was not saved:\n%s", got)
	}
}

// scopesFor returns the bot scopes call needs, as Slack's Web API spec lists them, for the kind of
// conversation it is about; configured channels may be public or private, so both are needed.
func scopesFor(call slackfake.Call, configured map[string]bool) []string {
	kind := func(suffix string) []string {
		ch := call.Args["channel"]
		switch {
		case configured[ch]:
			return []string{"channels:" + suffix, "groups:" + suffix}
		case strings.HasPrefix(ch, "D"):
			return []string{"im:" + suffix}
		default:
			return []string{"mpim:" + suffix}
		}
	}
	switch call.Method {
	case "auth.test", "apps.connections.open", "views.publish", "views.open", "views.update", "views.push":
		return nil
	case "chat.postMessage", "chat.postEphemeral", "chat.update", "chat.delete":
		return []string{"chat:write"}
	case "users.info", "users.list":
		return []string{"users:read"}
	case "reactions.add":
		return []string{"reactions:write"}
	case "files.getUploadURLExternal", "files.completeUploadExternal":
		return []string{"files:write"}
	case "usergroups.list", "usergroups.users.list":
		return []string{"usergroups:read"}
	case "conversations.members", "conversations.info":
		return kind("read")
	case "conversations.history", "conversations.replies":
		return kind("history")
	case "conversations.open":
		if strings.Contains(call.Args["users"], ",") {
			return []string{"mpim:write"}
		}
		return []string{"im:write"}
	}
	return []string{"unknown scope for " + call.Method}
}

// The manifest built for a configuration with one ritual grants every scope the bot uses when it
// starts and when that ritual runs.
func TestManifestCoversWhatEachRitualCalls(t *testing.T) {
	channel := RitualChannel{Channel: demoGeneral, Schedule: "0 11 * * WED"}
	for ritual, c := range map[string]struct {
		edit func(*Config)
		run  []string
	}{
		"coffee":     {func(c *Config) { c.Coffee = []CoffeeConfig{{RitualChannel: channel}} }, []string{"coffee now"}},
		"icebreaker": {func(c *Config) { c.Icebreakers = []IcebreakerConfig{{RitualChannel: channel}} }, []string{"icebreaker now"}},
		"digest": {func(c *Config) {
			c.Digest = []DigestConfig{{RitualChannel: channel, CheckinSchedule: "0 10 * * THU"}}
		}, []string{"checkin now", "digest now"}},
		"feedback": {func(c *Config) { c.Feedback = []FeedbackConfig{{RitualChannel: channel, MinAnswers: 3}} }, []string{"feedback now"}},
	} {
		t.Run(ritual, func(t *testing.T) {
			h := startBot(t, slackfake.Options{}, func(cfg *Config) {
				cfg.Icebreakers = nil
				c.edit(cfg)
				cfg.setDefaults()
			})
			for _, cmd := range c.run {
				h.command(demoAdmin, cmd)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := waitFor(ctx, func() bool {
				st, err := h.main.DB.Stats()
				return err == nil && st.Pending == 0 && st.Delivered > 0
			}); err != nil {
				t.Fatalf("%s's messages were not delivered; logs:\n%s", ritual, h.logs.String())
			}
			granted := map[string]bool{}
			for _, s := range buildManifest(h.main.Config).OAuthConfig.Scopes.Bot {
				granted[s] = true
			}
			missing := map[string][]string{}
			for _, call := range h.fake.Calls() {
				for _, s := range scopesFor(call, map[string]bool{demoGeneral: true}) {
					if !granted[s] && !slices.Contains(missing[s], call.Method) {
						missing[s] = append(missing[s], call.Method)
					}
				}
			}
			seenMethods := map[string]int{}
			for _, call := range h.fake.Calls() {
				seenMethods[call.Method]++
			}
			t.Logf("calls: %v", seenMethods)
			if len(missing) > 0 {
				t.Errorf("the manifest for %s lacks scopes the bot used: %v", ritual, missing)
			}
		})
	}
}

// pressOnHome sends a Home-tab button press shaped exactly like Slack's recorded one
// (testdata/home_block_actions.json, from java-slack-sdk's tests): no channel, no response_url.
// Only the person and, when given, the button's action_id and value are adapted.
func (h *harness) pressOnHome(user, actionID, value string) {
	h.t.Helper()
	raw, err := os.ReadFile("testdata/home_block_actions.json")
	if err != nil {
		h.t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(raw, &payload); err != nil {
		h.t.Fatal(err)
	}
	if _, ok := payload["channel"]; ok {
		h.t.Fatal("the recorded Home payload has a channel")
	}
	if _, ok := payload["response_url"]; ok {
		h.t.Fatal("the recorded Home payload has a response_url")
	}
	payload["user"].(map[string]any)["id"] = user
	if actionID != "" {
		action := payload["actions"].([]any)[0].(map[string]any)
		action["action_id"], action["value"] = actionID, value
	}
	envelope, err := json.Marshal(map[string]any{"envelope_id": fmt.Sprintf("home-%d", time.Now().UnixNano()), "type": "interactive",
		"payload": payload, "accepts_response_payload": false})
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.fake.SendRaw(ctx, envelope); err != nil {
		h.t.Fatal(err)
	}
}

// waitHome waits until user's Home tab satisfies cond and returns it.
func (h *harness) waitHome(user string, cond func(home string) bool) string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var home string
	if err := waitFor(ctx, func() bool { home = string(h.fake.HomeView(user)); return cond(home) }); err != nil {
		h.t.Fatalf("Home tab of %s = %s\nlogs:\n%s", user, home, h.logs.String())
	}
	return home
}

// A button on the Home tab that fails tells the person there, at the top of their Home, until it
// is next refreshed.
func TestFailedHomeButtonIsExplainedOnTheHomeTab(t *testing.T) {
	h := startBot(t, slackfake.Options{}, func(c *Config) {
		c.Digest = []DigestConfig{{RitualChannel: RitualChannel{Channel: demoGeneral, Schedule: "0 16 * * FRI"}, CheckinSchedule: "0 10 * * THU"}}
		c.setDefaults()
	})
	const user = "U05LENA"
	// The recorded button itself: no handler knows it.
	h.pressOnHome(user, "", "")
	home := h.waitHome(user, func(home string) bool { return strings.Contains(home, "no longer does anything") })
	var view struct {
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(home), &view); err != nil || len(view.Blocks) == 0 || !strings.Contains(string(view.Blocks[0]), "no longer does anything") {
		t.Errorf("the notice is not at the top of the Home tab: %s", home)
	}
	// A ritual's button whose handler fails (a channel the digest does not run in).
	h.pressOnHome(user, "digest.write", "C0NOTHERE")
	h.waitHome(user, func(home string) bool {
		return !strings.Contains(home, "no longer does anything") && strings.Contains(home, "Something went wrong on my side")
	})
	// Opening the Home tab again clears the notice.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.fake.OpenHome(ctx, user); err != nil {
		t.Fatal(err)
	}
	h.waitHome(user, func(home string) bool {
		return !strings.Contains(home, ":warning:") && strings.Contains(home, "/ritual help")
	})
}

// A coffee button on a stale Home tab (Pause after leaving) tells the person why nothing changed.
func TestCoffeeHomeButtonMistakeIsExplained(t *testing.T) {
	h := startBot(t, slackfake.Options{}, func(c *Config) {
		c.Coffee = []CoffeeConfig{{RitualChannel: RitualChannel{Channel: demoCoffee, Schedule: "0 10 * * MON"}}}
		c.setDefaults()
	})
	const user = "U02RAJ"
	h.pressOnHome(user, "coffee.home.leave", demoCoffee)
	h.waitHome(user, func(home string) bool { return strings.Contains(home, "coffee.home.join") })
	h.pressOnHome(user, "coffee.home.pause", demoCoffee)
	h.waitHome(user, func(home string) bool {
		return strings.Contains(home, "You left coffee pairings here; nothing to pause")
	})
}
