// Package timers runs one-off work that a ritual run leaves for later: closing an icebreaker's
// thread, a coffee follow-up halfway through the round, closing a feedback prompt. A task is written
// in the same transaction as the run that implies it, and completed in the same transaction as its
// own effects, so it happens once even across restarts; a task that fell due while the process was
// down runs at start-up.
package timers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Task is a piece of work due at a time.
type Task struct {
	// Key is unique, e.g. "icebreaker.close/C0123/2026-11-25T11:00".
	Key string `json:"key"`
	// Ritual names the ritual, for logs.
	Ritual string `json:"ritual"`
	// Kind selects the handler.
	Kind string `json:"kind"`
	// Due is when it should run.
	Due time.Time `json:"due"`
	// Data holds the kind's fields as JSON.
	Data json.RawMessage `json:"data,omitempty"`
}

// Store is what the runner needs from storage.
type Store interface {
	// DueTasksAfter returns up to limit tasks due at or before now, earliest first, starting after
	// the task after (nil: from the first).
	DueTasksAfter(now time.Time, after *Task, limit int) ([]Task, error)
	// NextDue returns the earliest due time of any task.
	NextDue() (time.Time, bool, error)
}

// Handler performs a task. It must complete the task (remove it from the store) in the same
// transaction as its effects; a task it leaves in place is tried again later.
type Handler func(ctx context.Context, t Task) error

// Options configure a Runner.
type Options struct {
	// Logger receives a line per failure; nil discards.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// MaxSleep bounds one wait, so a changed wall clock is noticed; 0 means one minute.
	MaxSleep time.Duration
}

// Runner runs due tasks one at a time, in due order.
type Runner struct {
	store    Store
	log      *slog.Logger
	now      func() time.Time
	maxSleep time.Duration
	poke     chan struct{}

	mu       sync.Mutex
	handlers map[string]Handler
	retry    map[string]retryState
}

type retryState struct {
	failures int
	until    time.Time
}

// New returns a runner with no handlers.
func New(store Store, opts Options) *Runner {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxSleep <= 0 {
		opts.MaxSleep = time.Minute
	}
	return &Runner{
		store: store, log: opts.Logger.With("component", "timers"), now: opts.Now, maxSleep: opts.MaxSleep,
		poke: make(chan struct{}, 1), handlers: map[string]Handler{}, retry: map[string]retryState{},
	}
}

// Handle registers the handler of a kind of task.
func (r *Runner) Handle(kind string, h Handler) {
	r.mu.Lock()
	r.handlers[kind] = h
	r.mu.Unlock()
}

// Poke makes the runner look at the store again, after a task was added.
func (r *Runner) Poke() {
	select {
	case r.poke <- struct{}{}:
	default:
	}
}

// dueBatch is how many due tasks one pass reads.
const dueBatch = 100

// maxRetryWait caps the wait before a failed task is tried again.
const maxRetryWait = time.Hour

// Run runs due tasks until ctx is cancelled.
func (r *Runner) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.poke:
		case <-timer.C:
		}
		if err := r.RunDue(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("reading due tasks failed", "err", err)
		}
		timer.Reset(r.wait())
	}
}

// wait is how long to sleep before the next task is due.
func (r *Runner) wait() time.Duration {
	next, ok, err := r.store.NextDue()
	wait := r.maxSleep
	if err == nil && ok {
		wait = min(wait, max(0, next.Sub(r.now())))
	}
	r.mu.Lock()
	for _, s := range r.retry {
		wait = min(wait, max(0, s.until.Sub(r.now())))
	}
	r.mu.Unlock()
	// Never spin on a task that keeps failing or has no handler.
	return max(wait, 10*time.Millisecond)
}

// RunDue runs every task due now, in due order. It reads them a batch at a time, each batch after
// the last task of the one before, so tasks that keep failing (waiting for their backoff) never
// hide the ones due after them.
func (r *Runner) RunDue(ctx context.Context) error {
	now := r.now()
	var after *Task
	for ctx.Err() == nil {
		tasks, err := r.store.DueTasksAfter(now, after, dueBatch)
		if err != nil {
			return err
		}
		for _, t := range tasks {
			if ctx.Err() != nil {
				return nil
			}
			r.runOne(ctx, t)
		}
		if len(tasks) < dueBatch {
			return nil
		}
		after = &tasks[len(tasks)-1]
	}
	return nil
}

func (r *Runner) runOne(ctx context.Context, t Task) {
	r.mu.Lock()
	h, ok := r.handlers[t.Kind]
	st := r.retry[t.Key]
	r.mu.Unlock()
	if r.now().Before(st.until) {
		return
	}
	if !ok {
		r.failed(t, fmt.Errorf("no handler for task kind %q", t.Kind))
		return
	}
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		return h(ctx, t)
	}()
	if err != nil {
		if ctx.Err() == nil {
			r.failed(t, err)
		}
		return
	}
	r.mu.Lock()
	delete(r.retry, t.Key)
	r.mu.Unlock()
}

// failed schedules t again after a capped exponential wait.
func (r *Runner) failed(t Task, err error) {
	r.mu.Lock()
	st := r.retry[t.Key]
	st.failures++
	wait := min(time.Duration(1<<min(st.failures, 20))*time.Second, maxRetryWait)
	st.until = r.now().Add(wait)
	r.retry[t.Key] = st
	r.mu.Unlock()
	r.log.Error("task failed; will retry", "task", t.Key, "ritual", t.Ritual, "failures", st.failures, "in", wait, "err", err)
}
