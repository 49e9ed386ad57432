package timers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// memStore is a hand-written Store over a slice kept in due order.
type memStore struct{ tasks []Task }

func (m *memStore) DueTasksAfter(now time.Time, after *Task, limit int) ([]Task, error) {
	var out []Task
	for _, t := range m.tasks {
		if t.Due.After(now) || len(out) == limit {
			break
		}
		if after != nil && (t.Due.Before(after.Due) || (t.Due.Equal(after.Due) && t.Key <= after.Key)) {
			continue
		}
		out = append(out, t)
	}
	return out, nil
}

func (m *memStore) NextDue() (time.Time, bool, error) {
	if len(m.tasks) == 0 {
		return time.Time{}, false, nil
	}
	return m.tasks[0].Due, true, nil
}

func (m *memStore) complete(key string) {
	m.tasks = slices.DeleteFunc(m.tasks, func(t Task) bool { return t.Key == key })
}

// TestRunDueReachesTasksBehindFailingOnes: more failing tasks than one batch holds, all due before
// a good one, do not keep it from running; the failing ones wait for their backoff.
func TestRunDueReachesTasksBehindFailingOnes(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	store := &memStore{}
	for i := range 2*dueBatch + 50 {
		store.tasks = append(store.tasks, Task{Key: fmt.Sprintf("bad/%03d", i), Kind: "bad", Due: now.Add(-time.Hour + time.Duration(i)*time.Second)})
	}
	store.tasks = append(store.tasks, Task{Key: "good", Kind: "good", Due: now.Add(-time.Second)}, Task{Key: "later", Kind: "good", Due: now.Add(time.Hour)})
	r := New(store, Options{Now: func() time.Time { return now }})
	var ran []string
	bad := 0
	r.Handle("bad", func(context.Context, Task) error { bad++; return errors.New("slack is down") })
	r.Handle("good", func(_ context.Context, task Task) error {
		ran = append(ran, task.Key)
		store.complete(task.Key)
		return nil
	})
	if err := r.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ran, []string{"good"}) || bad != 2*dueBatch+50 {
		t.Fatalf("first pass ran %v and %d failing tasks; want [good] and %d", ran, bad, 2*dueBatch+50)
	}
	if err := r.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if bad != 2*dueBatch+50 {
		t.Errorf("failing tasks were tried again before their backoff: %d runs", bad)
	}
	now = now.Add(2 * time.Hour)
	if err := r.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ran, "later") || bad != 2*(2*dueBatch+50) {
		t.Errorf("after the backoff: ran %v, %d failing runs", ran, bad)
	}
}
