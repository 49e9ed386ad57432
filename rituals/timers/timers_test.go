package timers_test

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ritualbot/ritualbot/rituals/timers"
)

// fakeStore holds tasks in memory; a handler completes its task by removing it, as the real
// handlers do in the transaction of their effects.
type fakeStore struct {
	mu    sync.Mutex
	tasks map[string]timers.Task
}

func newFakeStore(tasks ...timers.Task) *fakeStore {
	s := &fakeStore{tasks: map[string]timers.Task{}}
	for _, t := range tasks {
		s.add(t)
	}
	return s
}

func (s *fakeStore) add(t timers.Task) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tasks[t.Key] = t
}

func (s *fakeStore) complete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tasks, key)
}

func (s *fakeStore) DueTasksAfter(now time.Time, after *timers.Task, limit int) ([]timers.Task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	order := func(a, b timers.Task) int { return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.Key, b.Key)) }
	var out []timers.Task
	for _, t := range s.tasks {
		if !t.Due.After(now) && (after == nil || order(t, *after) > 0) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, order)
	return out[:min(limit, len(out))], nil
}

func (s *fakeStore) NextDue() (time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, t := range s.tasks {
		if next.IsZero() || t.Due.Before(next) {
			next = t.Due
		}
	}
	return next, !next.IsZero(), nil
}

// ranLog records which tasks ran, in order.
type ranLog struct {
	mu  sync.Mutex
	ran []string
}

func (l *ranLog) add(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ran = append(l.ran, key)
}

func (l *ranLog) keys() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ran)
}

// completing is a handler that records the task and completes it.
func completing(store *fakeStore, l *ranLog) timers.Handler {
	return func(_ context.Context, t timers.Task) error {
		l.add(t.Key)
		store.complete(t.Key)
		return nil
	}
}

var start = time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC)

func TestTasksRunOnceWhenDueInDueOrder(t *testing.T) {
	now := start
	store := newFakeStore(
		timers.Task{Key: "icebreaker.close/C1", Kind: "close", Due: start.Add(24 * time.Hour)},
		timers.Task{Key: "coffee.followup/C2", Kind: "followup", Due: start.Add(2 * time.Hour)},
		timers.Task{Key: "feedback.close/C3", Kind: "close", Due: start.Add(72 * time.Hour)},
	)
	var l ranLog
	r := timers.New(store, timers.Options{Now: func() time.Time { return now }})
	r.Handle("close", completing(store, &l))
	r.Handle("followup", completing(store, &l))

	ctx := context.Background()
	if err := r.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := l.keys(); len(got) != 0 {
		t.Fatalf("tasks ran before they were due: %v", got)
	}
	now = start.Add(25 * time.Hour)
	for range 3 { // looking again changes nothing: each task happens once
		if err := r.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := l.keys(), []string{"coffee.followup/C2", "icebreaker.close/C1"}; !slices.Equal(got, want) {
		t.Errorf("at +25h ran %v, want %v (due order, once each, the +72h one not yet)", got, want)
	}
}

func TestAFailingTaskIsRetriedLaterWithoutBlockingOthers(t *testing.T) {
	now := start
	store := newFakeStore(
		timers.Task{Key: "a", Kind: "flaky", Due: start},
		timers.Task{Key: "b", Kind: "ok", Due: start.Add(time.Minute)},
		timers.Task{Key: "c", Kind: "unknown", Due: start},
		timers.Task{Key: "d", Kind: "panics", Due: start},
	)
	var l ranLog
	failures := 0
	r := timers.New(store, timers.Options{Now: func() time.Time { return now }})
	r.Handle("ok", completing(store, &l))
	r.Handle("panics", func(context.Context, timers.Task) error { panic("a bug in one handler") })
	r.Handle("flaky", func(ctx context.Context, t timers.Task) error {
		if failures < 2 {
			failures++
			return errors.New("slack is down")
		}
		return completing(store, &l)(ctx, t)
	})

	now = start.Add(time.Minute)
	if err := r.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := l.keys(); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("a failing, an unknown and a panicking task must not stop the others: ran %v", got)
	}
	if err := r.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if failures != 1 {
		t.Errorf("a failed task was tried again at once (%d failures); it should wait", failures)
	}
	for range 10 { // an hour later, retries have had their chance
		now = now.Add(10 * time.Minute)
		if err := r.RunDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.keys(); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("the flaky task should succeed on a later try: ran %v", got)
	}
	if _, ok := store.tasks["d"]; !ok {
		t.Error("a task whose handler panicked was dropped; it must stay to be tried again")
	}
}

func TestRunnerFiresATaskAtItsTimeAndOnlyOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := newFakeStore()
		var l ranLog
		r := timers.New(store, timers.Options{})
		r.Handle("close", completing(store, &l))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()

		due := time.Now().Add(90 * time.Minute)
		store.add(timers.Task{Key: "icebreaker.close/C1", Kind: "close", Due: due})
		r.Poke()
		time.Sleep(89 * time.Minute) // the fake clock of the bubble: no real waiting
		synctest.Wait()
		if got := l.keys(); len(got) != 0 {
			t.Fatalf("ran %v a minute early", got)
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if got := l.keys(); !slices.Equal(got, []string{"icebreaker.close/C1"}) {
			t.Fatalf("at its time: ran %v", got)
		}
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if got := l.keys(); len(got) != 1 {
			t.Errorf("a task ran again: %v", got)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v on cancel", err)
		}
	})
}
