package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/ritualbot/ritualbot/bot/slackfake"
)

const (
	edgeUser    = "U01ANA"
	edgeChannel = "C01GENERAL"
)

// edgeBot runs a Bot, as main builds it, against the emulator over loopback; setup registers
// handlers before it connects.
func edgeBot(t *testing.T, setup func(*Bot)) *slackfake.Server {
	t.Helper()
	fake, err := slackfake.New(slackfake.Options{AckTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	fake.AddUser(slackfake.User{ID: edgeUser, Name: "ana", TZ: "Europe/Paris"})
	fake.AddChannel(slackfake.Channel{ID: edgeChannel, Name: "general", Members: []string{edgeUser, fake.BotUserID()}})
	api := slack.New(fake.BotToken(), slack.OptionAPIURL(fake.APIURL()), slack.OptionAppLevelToken(fake.AppToken()))
	b := New(api, socketmode.New(api), Options{Command: "/ritual"})
	setup(b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("bot returned %v", err)
		}
	})
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if err := fake.WaitConnected(wait); err != nil {
		t.Fatal(err)
	}
	return fake
}

// waitUntil polls cond until it holds or ctx ends.
func waitUntil(ctx context.Context, cond func() bool) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// openForm types `/ritual <command>` and returns the modal it opened.
func openForm(t *testing.T, fake *slackfake.Server, command string) (string, json.RawMessage) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := fake.SlashCommand(ctx, edgeUser, edgeChannel, "/ritual", command); err != nil {
		t.Fatal(err)
	}
	var viewID string
	var raw json.RawMessage
	if err := waitUntil(ctx, func() bool { viewID, raw = fake.OpenView(edgeUser); return viewID != "" }); err != nil {
		t.Fatalf("the form did not open; the bot answered %+v", fake.Ephemerals(edgeUser))
	}
	return viewID, raw
}

// Values are read as Slack nests them, by block and action: two inputs sharing an action id keep
// their own values, an input whose block id Slack generated is still found, and each problem is
// shown on the input it concerns.
func TestSubmissionValuesKeyedByBlockAndAction(t *testing.T) {
	var mu sync.Mutex
	var got Values
	fake := edgeBot(t, func(b *Bot) {
		b.Register(Subcommand{Name: "form", Run: func(ctx context.Context, cmd Command) (Reply, error) {
			pick := func(block string) slack.Block {
				return slack.NewInputBlock(block, plain("Pick "+block), nil, slack.NewPlainTextInputBlockElement(nil, "pick"))
			}
			// The note's block has no id: Slack (and the emulator) makes one up.
			note := slack.NewInputBlock("", plain("Note"), nil, slack.NewPlainTextInputBlockElement(nil, "note"))
			_, err := b.api.OpenViewContext(ctx, cmd.TriggerID, modal("test.form", "Form", "Send", "", pick("first"), pick("second"), note))
			return Reply{}, err
		}})
		b.HandleView("test.form", func(_ context.Context, s Submission) (map[string]string, error) {
			mu.Lock()
			got = s.Values
			mu.Unlock()
			return map[string]string{"second": "Not that one.", "note": "Say more."}, nil
		})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	viewID, raw := openForm(t, fake, "form")
	var view struct {
		Blocks []struct {
			BlockID string `json:"block_id"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &view); err != nil || len(view.Blocks) != 3 {
		t.Fatalf("form = %s (%v)", raw, err)
	}
	noteBlock := view.Blocks[2].BlockID
	if noteBlock == "" || noteBlock == "note" {
		t.Fatalf("the emulator did not generate the note's block id: %q", noteBlock)
	}
	ack, err := fake.SubmitView(ctx, edgeUser, viewID, map[string]string{"first/pick": "apples", "second/pick": "pears", "note": "hello"})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if a, b := got.Get("first", "pick"), got.Get("second", "pick"); a != "apples" || b != "pears" {
		t.Errorf("two inputs sharing an action id read %q and %q, want apples and pears", a, b)
	}
	if note, ok := got.ByAction("note"); !ok || note != "hello" || got.Get(noteBlock, "note") != "hello" {
		t.Errorf("the note under a generated block id read %q (%v)", note, ok)
	}
	if _, ok := got.ByAction("pick"); ok {
		t.Error("ByAction found one value for an action id two inputs share")
	}
	errs := fake.ViewErrors(viewID)
	if errs["second"] != "Not that one." || errs[noteBlock] != "Say more." || errs["first"] != "" {
		t.Errorf("form errors = %v (ack %s), want them on second and on %s", errs, ack.Payload, noteBlock)
	}
}

// A handler's answer to a press on the Home tab, which has no response_url nor channel, shows at
// the top of the person's Home.
func TestAnswerToHomePressShowsOnHome(t *testing.T) {
	fake := edgeBot(t, func(b *Bot) {
		b.AddHomeSection(func(context.Context, string, bool) ([]slack.Block, error) {
			return []slack.Block{slack.NewActionBlock("test.home", slack.NewButtonBlockElement("test.press", "x", plain("Press")))}, nil
		})
		b.HandleAction("test.press", func(ctx context.Context, a Action) error {
			return b.AnswerAction(ctx, a, "You can't do that &amp; more yet.", false)
		})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := fake.OpenHome(ctx, edgeUser); err != nil {
		t.Fatal(err)
	}
	if err := waitUntil(ctx, func() bool { return fake.HomeView(edgeUser) != nil }); err != nil {
		t.Fatal("no Home tab")
	}
	if _, err := fake.ClickButton(ctx, edgeUser, slackfake.Location{Home: true}, "test.press"); err != nil {
		t.Fatal(err)
	}
	var home struct {
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := waitUntil(ctx, func() bool {
		return json.Unmarshal(fake.HomeView(edgeUser), &home) == nil && len(home.Blocks) > 0 &&
			bytes.Contains(home.Blocks[0], []byte("You can't do that &amp; more yet."))
	}); err != nil {
		t.Errorf("the answer is not at the top of the Home tab: %s", fake.HomeView(edgeUser))
	}
}

// A handler can thank the person inside the modal: the ack, sent from the submissions' lane,
// replaces the form with its view.
func TestSubmissionThanksInsideTheModal(t *testing.T) {
	fake := edgeBot(t, func(b *Bot) {
		b.Register(Subcommand{Name: "thanks", Run: func(ctx context.Context, cmd Command) (Reply, error) {
			input := slack.NewInputBlock("say", plain("Say"), nil, slack.NewPlainTextInputBlockElement(nil, "say"))
			_, err := b.api.OpenViewContext(ctx, cmd.TriggerID, modal("test.thanks", "Feedback", "Send", "", input))
			return Reply{}, err
		}})
		b.HandleView("test.thanks", func(_ context.Context, s Submission) (map[string]string, error) {
			s.UpdateView(slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Feedback"), Close: plain("Close"),
				Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(markdown("Thank you: your answer is in."), nil, nil)}}})
			return nil, nil
		})
	})
	viewID, _ := openForm(t, fake, "thanks")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := fake.SubmitView(ctx, edgeUser, viewID, map[string]string{"say": "hi"}); err != nil {
		t.Fatal(err)
	}
	open, view := fake.OpenView(edgeUser)
	if open != viewID || !bytes.Contains(view, []byte("Thank you: your answer is in.")) || bytes.Contains(view, []byte(`"submit":{`)) ||
		!bytes.Contains(view, []byte("Feedback")) {
		t.Errorf("after the submission the modal %s shows %s", open, view)
	}
}
