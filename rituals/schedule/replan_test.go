package schedule

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// A schedule changed while the scheduler runs moves the next run at once: the old time passes
// without a run, the new one runs, and NextRuns shows it.
func TestSetMovesTheNextRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		berlin := mustLoad(t, "Europe/Berlin")
		now := fakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, berlin)) // a Sunday
		led := newMemLedger()
		s := New(Options{Ledger: led, Now: now})
		run := led.recordRun(now, func(context.Context, Key) error { return nil })
		must(t, s.Add(Job{Ritual: "coffee", Channel: "C1", Spec: MustParse("0 9 * * MON", 0, time.Time{}, berlin), Run: run}))
		r := start(s)
		time.Sleep(time.Hour)
		must(t, s.Set(Job{Ritual: "coffee", Channel: "C1", Spec: MustParse("0 10 * * TUE", 0, time.Time{}, berlin), Run: run}))
		if next := s.NextRuns(now(), 1); len(next) != 1 || !next[0].At.Equal(time.Date(2026, 3, 3, 10, 0, 0, 0, berlin)) {
			t.Errorf("NextRuns after the change = %v, want Tuesday 10:00", next)
		}
		sleepUntil(now, time.Date(2026, 3, 3, 10, 1, 0, 0, berlin))
		r.stop(t)
		if got, want := strings.Join(led.keys(""), "; "), "coffee/C1/2026-03-03T10:00 ran"; got != want {
			t.Errorf("recorded %q, want %q (Monday 09:00 was the old schedule)", got, want)
		}
		led.check(t)
	})
}

// A change while a run is under way lets that run finish with its old settings; the new settings
// apply from the next occurrence, and no occurrence runs twice.
func TestSetDuringARun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := fakeClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
		led := newMemLedger()
		s := New(Options{Ledger: led, Now: now})
		var oldRuns, newRuns atomic.Int32
		var finished atomic.Bool
		slow := led.recordRun(now, func(ctx context.Context, _ Key) error {
			oldRuns.Add(1)
			time.Sleep(30 * time.Minute)
			finished.Store(ctx.Err() == nil)
			return nil
		})
		fast := led.recordRun(now, func(context.Context, Key) error { newRuns.Add(1); return nil })
		must(t, s.Add(Job{Ritual: "coffee", Channel: "C1", Spec: MustParse("0 9 * * *", 0, time.Time{}, nil), Run: slow}))
		r := start(s)
		sleepUntil(now, time.Date(2026, 3, 2, 9, 10, 0, 0, time.UTC)) // the 09:00 run is under way
		if oldRuns.Load() != 1 {
			t.Fatalf("the 09:00 run has not started (%d calls)", oldRuns.Load())
		}
		must(t, s.Set(Job{Ritual: "coffee", Channel: "C1", Spec: MustParse("0 9,11 * * *", 0, time.Time{}, nil), Run: fast}))
		sleepUntil(now, time.Date(2026, 3, 2, 11, 1, 0, 0, time.UTC))
		r.stop(t)
		if !finished.Load() {
			t.Error("the run under way was cut short by the change")
		}
		if c := led.callsFor("coffee/C1/2026-03-02T09:00"); len(c) != 1 || !c[0].committed {
			t.Errorf("09:00 calls %+v, want one, committed", c)
		}
		if oldRuns.Load() != 1 || newRuns.Load() != 1 {
			t.Errorf("old settings ran %d times, new %d; want 1 and 1 (09:00 old, 11:00 new)", oldRuns.Load(), newRuns.Load())
		}
		want := "coffee/C1/2026-03-02T09:00 ran; coffee/C1/2026-03-02T11:00 ran"
		if got := strings.Join(led.keys(""), "; "); got != want {
			t.Errorf("recorded %q, want %q", got, want)
		}
		led.check(t)
	})
}

// After a change, a restart does not catch up an occurrence of the new schedule that lay before
// the change: it would run only because of the change.
func TestSetThenRestartCatchesUpNothingBeforeTheChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := fakeClock(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)) // Tuesday
		led := newMemLedger()
		must(t, led.commit(Key{"coffee", "C1", time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}, now()))
		run := led.recordRun(now, func(context.Context, Key) error { return nil })
		s := New(Options{Ledger: led, Now: now})
		must(t, s.Add(Job{Ritual: "coffee", Channel: "C1", Spec: MustParse("0 10 * * MON", 0, time.Time{}, nil), Grace: 24 * time.Hour, Run: run}))
		r := start(s)
		time.Sleep(time.Minute)
		tuesdayEight := Job{Ritual: "coffee", Channel: "C1", Spec: MustParse("0 8 * * TUE", 0, time.Time{}, nil), Grace: 24 * time.Hour, Run: run}
		must(t, s.Set(tuesdayEight))
		r.stop(t)
		time.Sleep(time.Hour)
		s = New(Options{Ledger: led, Now: now})
		must(t, s.Add(tuesdayEight))
		r = start(s)
		time.Sleep(time.Minute)
		r.stop(t)
		if got, want := strings.Join(led.keys(""), "; "), "coffee/C1/2026-03-02T10:00 ran"; got != want {
			t.Errorf("recorded %q, want %q: Tuesday 08:00 came before the change", got, want)
		}
		led.check(t)
	})
}

// A job added while the scheduler runs runs at its first occurrence; a removed job stops, and a
// run under way when it is removed finishes.
func TestSetAddsAndRemoveStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := fakeClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
		led := newMemLedger()
		s := New(Options{Ledger: led, Now: now})
		r := start(s)
		time.Sleep(time.Minute)
		var finished atomic.Bool
		run := led.recordRun(now, func(ctx context.Context, _ Key) error {
			time.Sleep(10 * time.Minute)
			finished.Store(ctx.Err() == nil)
			return nil
		})
		must(t, s.Set(Job{Ritual: "coffee", Channel: "C9", Spec: MustParse("0 9 * * *", 0, time.Time{}, nil), Run: run}))
		if !s.Has("coffee", "C9") {
			t.Fatal("Has after Set = false")
		}
		sleepUntil(now, time.Date(2026, 3, 2, 9, 5, 0, 0, time.UTC))
		if !s.Remove("coffee", "C9") || s.Has("coffee", "C9") {
			t.Error("Remove did not remove the job")
		}
		if s.Remove("coffee", "C9") {
			t.Error("second Remove reported a job")
		}
		sleepUntil(now, time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC))
		r.stop(t)
		if !finished.Load() {
			t.Error("the run under way was cut short by Remove")
		}
		if got, want := strings.Join(led.keys(""), "; "), "coffee/C9/2026-03-02T09:00 ran"; got != want {
			t.Errorf("recorded %q, want %q", got, want)
		}
		if len(s.NextRuns(now(), 5)) != 0 {
			t.Error("NextRuns lists a removed job")
		}
		led.check(t)
	})
}

// BenchmarkSetWhileRunning measures re-planning one job of a running scheduler with 200 jobs, as
// a settings change in Slack does.
func BenchmarkSetWhileRunning(b *testing.B) {
	led := newMemLedger()
	s := New(Options{Ledger: led})
	run := func(context.Context, Key) error { return nil }
	for i := range 200 {
		must(b, s.Add(Job{Ritual: "coffee", Channel: fmt.Sprintf("C%03d", i), Spec: MustParse("0 9 * * MON", 0, time.Time{}, nil), Run: run}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	for !s.Has("coffee", "C000") || s.ctxUnset() {
		time.Sleep(time.Millisecond)
	}
	specs := []Spec{MustParse("0 10 * * TUE", 0, time.Time{}, nil), MustParse("0 9 * * MON", 0, time.Time{}, nil)}
	b.ResetTimer()
	for i := range b.N {
		must(b, s.Set(Job{Ritual: "coffee", Channel: "C100", Spec: specs[i%2], Run: run}))
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// ctxUnset reports whether Run has not started the loops yet.
func (s *Scheduler) ctxUnset() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctx == nil
}

// Set with the same schedule (another group size) keeps the plan: the ledger's baseline does not
// move, so a run due at that moment, or missed while the bot was down, is not lost.
func TestSetWithTheSameScheduleKeepsThePlan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := fakeClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
		led := newMemLedger()
		s := New(Options{Ledger: led, Now: now})
		var second atomic.Int32
		first := led.recordRun(now, func(context.Context, Key) error { return nil })
		spec := MustParse("0 9 * * *", 0, time.Time{}, nil)
		must(t, s.Add(Job{Ritual: "coffee", Channel: "C1", Spec: spec, Run: first}))
		r := start(s)
		time.Sleep(30 * time.Minute)
		before, _, _ := led.Last("coffee", "C1")
		must(t, s.Set(Job{Ritual: "coffee", Channel: "C1", Spec: MustParse("0 9 * * *", 0, time.Time{}, nil),
			Run: led.recordRun(now, func(context.Context, Key) error { second.Add(1); return nil })}))
		if after, _, _ := led.Last("coffee", "C1"); !after.Equal(before) {
			t.Errorf("the baseline moved from %v to %v though the schedule stayed", before, after)
		}
		sleepUntil(now, time.Date(2026, 3, 2, 9, 1, 0, 0, time.UTC))
		r.stop(t)
		if second.Load() != 1 {
			t.Errorf("the new Run ran %d times at 09:00, want 1", second.Load())
		}
		led.check(t)
	})
}
