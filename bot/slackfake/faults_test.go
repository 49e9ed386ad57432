package slackfake

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestLatencyAfterEffect(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.SetLatency("chat.postMessage", 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := f.api.PostMessageContext(ctx, f.general, slack.MsgOptionText("stored anyway", false))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if m := f.srv.Messages(f.general); len(m) != 1 || m[0].Text != "stored anyway" {
		t.Fatalf("messages = %+v", m)
	}
	f.srv.SetLatency("chat.postMessage", 0)
	if _, _, err := f.api.PostMessageContext(ctxT(t), f.general, slack.MsgOptionText("fast", false)); err != nil {
		t.Fatal(err)
	}
}
