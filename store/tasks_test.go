package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// TestTasksRunOnceAcrossRestarts writes tasks with a run, runs them through the real runner on this
// store, and restarts the process while one is due: each runs once, in due order, and a failing
// task is retried until it succeeds.
func TestTasksRunOnceAcrossRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tasks.db")
		db, err := Open(path, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		key := schedule.Key{Ritual: "icebreaker", Channel: "C1", At: t0}
		tasks := []timers.Task{
			{Key: "close/C1", Ritual: "icebreaker", Kind: "close", Due: t0.Add(2 * time.Hour)},
			{Key: "follow/C1", Ritual: "coffee", Kind: "follow", Due: t0.Add(time.Hour)},
			{Key: "flaky/C1", Ritual: "coffee", Kind: "flaky", Due: t0.Add(3 * time.Hour)},
		}
		if err := db.CommitRun(key, nil, tasks...); err != nil {
			t.Fatal(err)
		}

		var mu sync.Mutex
		var order []string
		flakyFailures := 2
		start := func(db *DB) (stop func()) {
			r := timers.New(db, timers.Options{})
			complete := func(_ context.Context, task timers.Task) error {
				done, err := db.CompleteTask(task.Key, []rituals.Message{{Key: "msg/" + task.Key, Kind: "admin.note", To: rituals.Recipient{Channel: "C1"}}})
				if err == nil && done {
					mu.Lock()
					order = append(order, task.Key)
					mu.Unlock()
				}
				return err
			}
			r.Handle("close", complete)
			r.Handle("follow", complete)
			r.Handle("flaky", func(ctx context.Context, task timers.Task) error {
				mu.Lock()
				fail := flakyFailures > 0
				flakyFailures--
				mu.Unlock()
				if fail {
					return errors.New("slack is having a bad day")
				}
				return complete(ctx, task)
			})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { r.Run(ctx); close(done) }()
			return func() { cancel(); <-done }
		}

		stop := start(db)
		time.Sleep(90 * time.Minute) // the follow-up is due after 1h
		stop()
		db.Close()
		time.Sleep(2 * time.Hour) // down while the close falls due

		db, err = Open(path, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		stop = start(db)
		time.Sleep(time.Hour)
		stop()

		if want := []string{"follow/C1", "close/C1", "flaky/C1"}; len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
			t.Errorf("tasks ran %v, want %v", order, want)
		}
		if _, ok, _ := db.NextDue(); ok {
			t.Error("completed tasks are still pending")
		}
		if items, _ := db.Pending(0, 10); len(items) != 3 {
			t.Errorf("want one message per task, got %d", len(items))
		}
		if done, err := db.CompleteTask("close/C1", nil); done || err != nil {
			t.Errorf("completing twice: %v %v", done, err)
		}
	})
}

// TestFailingTasksDoNotStarveLaterOnes queues 150 tasks that keep failing, all due before one good
// task: the good one still runs on the runner's first pass, and the failing ones are tried again
// only after their backoff.
func TestFailingTasksDoNotStarveLaterOnes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db, err := Open(filepath.Join(t.TempDir(), "tasks.db"), Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		t0 := time.Now()
		var tasks []timers.Task
		for i := range 150 {
			tasks = append(tasks, timers.Task{Key: fmt.Sprintf("bad/%03d", i), Ritual: "coffee", Kind: "bad", Due: t0.Add(-time.Hour + time.Duration(i)*time.Second)})
		}
		tasks = append(tasks, timers.Task{Key: "good", Ritual: "coffee", Kind: "good", Due: t0.Add(-time.Minute)})
		if err := db.CommitRun(schedule.Key{Ritual: "coffee", Channel: "C1", At: t0}, nil, tasks...); err != nil {
			t.Fatal(err)
		}
		r := timers.New(db, timers.Options{})
		badRuns := 0
		r.Handle("bad", func(context.Context, timers.Task) error { badRuns++; return errors.New("Slack is down") })
		goodRuns := 0
		r.Handle("good", func(_ context.Context, task timers.Task) error {
			goodRuns++
			_, err := db.CompleteTask(task.Key, nil)
			return err
		})
		if err := r.RunDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		if goodRuns != 1 || badRuns != 150 {
			t.Fatalf("first pass ran the good task %d times and the failing ones %d times; want 1 and 150", goodRuns, badRuns)
		}
		// A second pass right away tries none of the failing ones: they wait for their backoff.
		if err := r.RunDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		if badRuns != 150 {
			t.Errorf("failing tasks were retried before their backoff: %d runs", badRuns)
		}
	})
}
