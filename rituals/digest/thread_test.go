package digest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/digest"
)

func TestThreadMessagesAreQueuedWithThePostAboutItsWeek(t *testing.T) {
	e := newEnv(t, berlinChannel(t, false), monday)
	var gotEnd time.Time
	e.svc.Thread = func(_ context.Context, channel string, end time.Time, postKey string) ([]rituals.Message, error) {
		gotEnd = end
		return []rituals.Message{{Key: postKey + "/charts", Ritual: "stats", Kind: "stats.charts", To: rituals.Recipient{Channel: channel}, ThreadOf: postKey}}, nil
	}
	d, err := e.svc.PostNow(context.Background(), chanID, monday)
	if err != nil {
		t.Fatal(err)
	}
	if !gotEnd.Equal(d.Week.To) {
		t.Errorf("the thread was asked about the weeks to %v, want the digest's week to %v", gotEnd, d.Week.To)
	}
	posts, replies := e.outbox(digest.KindPost), e.outbox("stats.charts")
	if len(posts) != 1 || len(replies) != 1 || replies[0].ThreadOf != posts[0].Key {
		t.Fatalf("posts %+v, thread %+v", posts, replies)
	}
}

func TestThreadFailureStillPosts(t *testing.T) {
	e := newEnv(t, berlinChannel(t, false), monday)
	e.svc.Thread = func(context.Context, string, time.Time, string) ([]rituals.Message, error) {
		return nil, errors.New("charts unavailable")
	}
	if _, err := e.svc.PostNow(context.Background(), chanID, monday); err != nil {
		t.Fatal(err)
	}
	if len(e.outbox(digest.KindPost)) != 1 || len(e.outbox("stats.charts")) != 0 {
		t.Error("the digest did not go out alone")
	}
}
