package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// liveBot runs a bot on the stand-ins and returns a feed for its envelopes and a stop function,
// which ends the bot and waits for its handlers (the test's cleanup calls it too).
func liveBot(t *testing.T, opts Options, setup func(*Bot)) (chan<- socketmode.Event, *recordingSocket, *recordingAPI, func()) {
	t.Helper()
	sock, api := &recordingSocket{}, &recordingAPI{}
	feed := make(chan socketmode.Event)
	b := newBot(api, sock, feed, opts)
	setup(b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("bot returned %v", err)
		}
	}
	t.Cleanup(stop)
	return feed, sock, api, stop
}

// submission is a view_submission of a one-input modal, shaped as Slack sends it.
func submission(t *testing.T, callbackID string) slack.InteractionCallback {
	t.Helper()
	raw := `{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","type":"modal","callback_id":"` + callbackID + `",
		"title":{"type":"plain_text","text":"Weekly update"},
		"blocks":[{"type":"section","block_id":"xY1","text":{"type":"mrkdwn","text":"Hi"}},
		          {"type":"input","block_id":"q0","label":{"type":"plain_text","text":"Done?"},"element":{"type":"plain_text_input","action_id":"q0"}}],
		"state":{"values":{"q0":{"q0":{"type":"plain_text_input","value":"shipped"}}}}}}`
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(raw), &cb); err != nil {
		t.Fatal(err)
	}
	return cb
}

// waitAck waits for the ack of envelope id and returns its payload and when it was sent.
func waitAck(t *testing.T, sock *recordingSocket, id string) (string, time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var payload string
	var at time.Time
	if err := waitUntil(ctx, func() bool {
		var ok bool
		payload, at, ok = sock.ack(id)
		return ok
	}); err != nil {
		t.Fatalf("%s was not acknowledged", id)
	}
	return payload, at
}

// count returns how many times id was acked.
func (s *recordingSocket) count(id string) int {
	n := 0
	for _, a := range s.acked() {
		if a == id {
			n++
		}
	}
	return n
}

// A handler still running when the budget is spent gets the form answered without it, in time,
// and only once; the person is told to wait and submit again.
func TestSlowSubmissionIsAnsweredInTime(t *testing.T) {
	release := make(chan struct{})
	feed, sock, _, stop := liveBot(t, Options{}, func(b *Bot) {
		b.submissionBudget = 50 * time.Millisecond
		b.HandleView("slow", func(context.Context, Submission) (map[string]string, error) {
			<-release
			return map[string]string{"q0": "Too late to show."}, nil
		})
	})
	sent := time.Now()
	feed <- socketmode.Event{Type: socketmode.EventTypeInteractive, Data: submission(t, "slow"), Request: envelope("env-slow")}
	payload, at := waitAck(t, sock, "env-slow")
	if d := at.Sub(sent); d > time.Second {
		t.Errorf("answered after %v", d)
	}
	if !strings.Contains(payload, `"errors":{"q0":"This is taking me longer`) {
		t.Errorf("ack = %s, want the slow notice on the input", payload)
	}
	close(release)
	stop()
	if n := sock.count("env-slow"); n != 1 {
		t.Errorf("the submission was acked %d times", n)
	}
}

// A full submission lane answers the form at once instead of waiting.
func TestFullSubmissionLaneAnswersAtOnce(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{}, submissionWorkers)
	defer close(release)
	feed, sock, _, _ := liveBot(t, Options{}, func(b *Bot) {
		b.submissionBudget = time.Minute
		b.HandleView("stuck", func(context.Context, Submission) (map[string]string, error) {
			select {
			case started <- struct{}{}:
			default: // the queued ones, after release
			}
			<-release
			return nil, nil
		})
	})
	// Every worker busy, then the queue full: nothing more finds room.
	for i := range submissionWorkers + submissionQueue {
		feed <- socketmode.Event{Type: socketmode.EventTypeInteractive, Data: submission(t, "stuck"), Request: envelope(fmt.Sprint("env-", i))}
		if i == submissionWorkers-1 {
			for range submissionWorkers {
				<-started
			}
		}
	}
	feed <- socketmode.Event{Type: socketmode.EventTypeInteractive, Data: submission(t, "stuck"), Request: envelope("env-over")}
	if payload, _ := waitAck(t, sock, "env-over"); !strings.Contains(payload, `"q0":"I'm handling a lot`) {
		t.Errorf("ack = %s, want the busy notice on the input", payload)
	}
}

// When every worker is busy and the queue is full, a slash command is answered in its ack, and
// an event or a button press is left unacknowledged, so Slack retries it or shows the person it
// failed; a retried event is then handled.
func TestFullSharedLaneRefusesVisibly(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{}, 10)
	feed, sock, api, _ := liveBot(t, Options{Workers: 1}, func(b *Bot) {
		b.Register(Subcommand{Name: "wait", Run: func(context.Context, Command) (Reply, error) {
			started <- struct{}{}
			<-release
			return Reply{Text: "done"}, nil
		}})
	})
	command := func(id string) socketmode.Event {
		return socketmode.Event{Type: socketmode.EventTypeSlashCommand, Data: slack.SlashCommand{UserID: "U1", Text: "wait", ResponseURL: "http://x"}, Request: envelope(id)}
	}
	home := slackevents.EventsAPIEvent{InnerEvent: slackevents.EventsAPIInnerEvent{Data: &slackevents.AppHomeOpenedEvent{User: "U1", Tab: "home"}}}
	event := func(id string) socketmode.Event {
		return socketmode.Event{Type: socketmode.EventTypeEventsAPI, Data: home,
			Request: &socketmode.Request{EnvelopeID: id, Payload: json.RawMessage(`{"event_id":"Ev9"}`)}}
	}
	// One worker, busy, and a queue of four, full: nothing more finds room.
	feed <- command("env-cmd-0")
	<-started
	for i := 1; i <= 4; i++ {
		feed <- command(fmt.Sprint("env-cmd-", i))
	}
	feed <- event("env-event")
	feed <- socketmode.Event{Type: socketmode.EventTypeInteractive, Request: envelope("env-button"),
		Data: slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U1"}}}
	feed <- command("env-cmd-last")
	if payload, _ := waitAck(t, sock, "env-cmd-last"); !strings.Contains(payload, `"text":"I'm handling a lot`) || !strings.Contains(payload, `"response_type":"ephemeral"`) {
		t.Errorf("refused command ack = %s", payload)
	}
	if sock.count("env-event") != 0 || sock.count("env-button") != 0 {
		t.Error("an event or a button press was acknowledged although nothing could handle it")
	}
	for i := range 5 {
		if payload, _, _ := sock.ack(fmt.Sprint("env-cmd-", i)); payload != "" {
			t.Errorf("command %d, which had room, was refused: %s", i, payload)
		}
	}
	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := waitUntil(ctx, func() bool { replies, _ := api.counts(); return replies == 5 }); err != nil {
		t.Fatal("the 5 accepted commands were not all answered")
	}
	retry := event("env-event-retry")
	retry.Request.RetryAttempt, retry.Request.RetryReason = 1, "timeout"
	feed <- retry
	if err := waitUntil(ctx, func() bool { _, published := api.counts(); return published == 1 }); err != nil {
		t.Error("the retried event was not handled")
	}
}

// A submission still waiting for a worker when the budget is spent is answered in time too, and
// its handler does not run later behind the person's back.
func TestQueuedSubmissionIsAnsweredInTime(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	ran := 0
	feed, sock, _, stop := liveBot(t, Options{}, func(b *Bot) {
		b.submissionBudget = 50 * time.Millisecond
		b.HandleView("stuck", func(context.Context, Submission) (map[string]string, error) {
			mu.Lock()
			ran++
			mu.Unlock()
			<-release
			return nil, nil
		})
	})
	for i := range submissionWorkers {
		feed <- socketmode.Event{Type: socketmode.EventTypeInteractive, Data: submission(t, "stuck"), Request: envelope(fmt.Sprint("env-", i))}
	}
	sent := time.Now()
	feed <- socketmode.Event{Type: socketmode.EventTypeInteractive, Data: submission(t, "stuck"), Request: envelope("env-queued")}
	payload, at := waitAck(t, sock, "env-queued")
	if d := at.Sub(sent); d > time.Second {
		t.Errorf("the queued submission was answered after %v", d)
	}
	if !strings.Contains(payload, `"q0":"This is taking me longer`) {
		t.Errorf("ack = %s, want the slow notice", payload)
	}
	close(release)
	stop()
	if ran != submissionWorkers {
		t.Errorf("the handler ran %d times, want %d: the answered submission ran after all", ran, submissionWorkers)
	}
	if n := sock.count("env-queued"); n != 1 {
		t.Errorf("the queued submission was acked %d times", n)
	}
}
