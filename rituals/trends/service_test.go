package trends

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
)

// memStore keeps what the Service queues and the latest chart, in memory.
type memStore struct {
	queued []rituals.Message
	latest *SharedChart
}

func (s *memStore) Enqueue(msgs ...rituals.Message) error {
	s.queued = append(s.queued, msgs...)
	return nil
}

func (s *memStore) PutLatestChart(c SharedChart) error { s.latest = &c; return nil }

func (s *memStore) LatestChart() (SharedChart, bool, error) {
	if s.latest == nil {
		return SharedChart{}, false, nil
	}
	return *s.latest, true, nil
}

func newService(src Source, st Store) *Service {
	return &Service{
		Source: src, Store: st, Now: func() time.Time { return end.Add(-2 * 24 * time.Hour) },
		Scope: func(channel string) (Scope, bool) {
			switch channel {
			case "", "C1":
				return Scope{Checkins: []string{"C1"}, Coffee: []string{"C1"}}, true
			}
			return Scope{}, false
		},
		WeekEnd:     func(Scope, time.Time) time.Time { return end },
		DigestScope: func(channel string) Scope { return Scope{Checkins: []string{channel}, Feedback: []string{"C9"}} },
	}
}

func TestFiguresEndWithTheDigestsWeekAndRefuseChannelsWithoutRituals(t *testing.T) {
	src := &fakeSource{ev: Events{Checkins: []Checkin{{At: end, Shared: 2, Asked: 5}}}}
	svc := newService(src, &memStore{})
	f, err := svc.Figures(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if !f.End.Equal(end) || !f.All || f.Weeks[len(f.Weeks)-1].CheckinsAsked != 5 {
		t.Errorf("figures end %v all %v last week %+v: the open digest week should be the last", f.End, f.All, f.Weeks[len(f.Weeks)-1])
	}
	if _, err := svc.Figures(context.Background(), "C404"); !errors.Is(err, ErrNoRitualHere) || !rituals.IsPersonError(err) {
		t.Errorf("a channel without rituals: %v", err)
	}
}

func TestSendQueuesTheFiguresForTheAdmin(t *testing.T) {
	st := &memStore{}
	svc := newService(&fakeSource{}, st)
	woken := 0
	svc.Queued = func() { woken++ }
	f := Bucket(end, 2, Events{})
	if err := svc.Send("U01", f); err != nil {
		t.Fatal(err)
	}
	if len(st.queued) != 1 || woken != 1 {
		t.Fatalf("queued %+v, woken %d", st.queued, woken)
	}
	m := st.queued[0]
	var got Figures
	if m.Kind != KindCharts || m.To.User != "U01" || m.Validate() != nil || json.Unmarshal(m.Data, &got) != nil || len(got.Weeks) != 2 {
		t.Errorf("message %+v", m)
	}
}

func TestDigestThreadCoversTheDigestsScope(t *testing.T) {
	src := &fakeSource{}
	svc := newService(src, &memStore{})
	msgs, err := svc.DigestThread(context.Background(), "C1", end, "digest/C1/2026-11-27T16:00/post")
	if err != nil || len(msgs) != 1 {
		t.Fatalf("%+v %v", msgs, err)
	}
	m := msgs[0]
	if m.ThreadOf != "digest/C1/2026-11-27T16:00/post" || m.To.Channel != "C1" || !strings.HasPrefix(m.Key, m.ThreadOf) {
		t.Errorf("message %+v", m)
	}
	if strings.Join(src.asked["feedback"], ",") != "C9" {
		t.Errorf("feedback read from %v, want the digest's scope", src.asked["feedback"])
	}
}
