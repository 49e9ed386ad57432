package schedule

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// sleepUntil sleeps the bubble's fake time until now() reads at.
func sleepUntil(now func() time.Time, at time.Time) {
	time.Sleep(at.Sub(now()))
}

func TestFirstStartNothingToCatchUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		berlin := mustLoad(t, "Europe/Berlin")
		now := fakeClock(time.Date(2026, 3, 2, 9, 30, 0, 0, berlin))
		led := newMemLedger()
		s := New(Options{Ledger: led, Now: now})
		if err := s.Add(Job{Ritual: "coffee", Channel: "C1", Spec: MustParse("0 9 * * *", 0, time.Time{}, berlin), Grace: time.Hour,
			Run: led.recordRun(now, func(context.Context, Key) error { return nil })}); err != nil {
			t.Fatal(err)
		}
		r := start(s)
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := led.keys(""); len(got) != 0 {
			t.Errorf("first start ran or skipped %v; want nothing (09:00 was before the first start)", got)
		}
		if at, ok, _ := led.Last("coffee", "C1"); !ok || !at.Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, berlin)) {
			t.Errorf("baseline = %v, %v; want the start time", at, ok)
		}
		sleepUntil(now, time.Date(2026, 3, 3, 9, 1, 0, 0, berlin))
		r.stop(t)
		if got, want := strings.Join(led.keys(""), "; "), "coffee/C1/2026-03-03T09:00 ran"; got != want {
			t.Errorf("recorded %q, want %q", got, want)
		}
		led.check(t)
	})
}

func TestCatchUpWithinGraceOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		berlin := mustLoad(t, "Europe/Berlin")
		now := fakeClock(time.Date(2026, 3, 2, 9, 20, 0, 0, berlin))
		led := newMemLedger()
		// The bot last ran on Friday, and was down over the weekend until Monday 09:20.
		if err := led.commit(Key{"coffee", "C1", time.Date(2026, 2, 27, 9, 0, 0, 0, berlin)}, now()); err != nil {
			t.Fatal(err)
		}
		var calls atomic.Int32
		job := Job{Ritual: "coffee", Channel: "C1", Spec: MustParse("0 9 * * *", 0, time.Time{}, berlin), Grace: time.Hour,
			Run: led.recordRun(now, func(context.Context, Key) error { calls.Add(1); return nil })}
		var skips skipLog
		log, logs := newTestLogger()
		for i := range 3 { // restart twice more, inside the grace window
			s := New(Options{Ledger: led, Now: now, OnSkip: skips.onSkip, Logger: log})
			if err := s.Add(job); err != nil {
				t.Fatal(err)
			}
			r := start(s)
			time.Sleep(10 * time.Minute)
			r.stop(t)
			if i == 0 {
				if c := led.callsFor("coffee/C1/2026-03-02T09:00"); len(c) != 1 || !c[0].start.Equal(time.Date(2026, 3, 2, 9, 20, 0, 0, berlin)) {
					t.Errorf("Monday's run: calls %+v, want one at start-up, 09:20", c)
				}
			}
		}
		if calls.Load() != 1 {
			t.Errorf("Run called %d times over three starts, want 1", calls.Load())
		}
		want := strings.Join([]string{
			"coffee/C1/2026-02-27T09:00 ran",
			"coffee/C1/2026-02-28T09:00 skipped: missed while the bot was down or suspended; only the latest missed run is caught up",
			"coffee/C1/2026-03-01T09:00 skipped: missed while the bot was down or suspended; only the latest missed run is caught up",
			"coffee/C1/2026-03-02T09:00 ran",
		}, "\n")
		if got := strings.Join(led.keys(""), "\n"); got != want {
			t.Errorf("recorded:\n%s\nwant:\n%s", got, want)
		}
		if skips.count() != 2 || len(skips.get("coffee/C1/2026-02-28T09:00")) != 1 {
			t.Errorf("OnSkip calls %v, want one for each of Saturday and Sunday", skips.calls)
		}
		if !strings.Contains(logs.String(), "catching up a late run") {
			t.Errorf("no catch-up log line in:\n%s", logs)
		}
		led.check(t)
	})
}

func TestCatchUpBeyondGraceSkipped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ny := mustLoad(t, "America/New_York")
		now := fakeClock(time.Date(2026, 3, 2, 10, 30, 0, 0, ny))
		led := newMemLedger()
		if err := led.commit(Key{"icebreaker", "C2", time.Date(2026, 3, 1, 9, 0, 0, 0, ny)}, now()); err != nil {
			t.Fatal(err)
		}
		var skips skipLog
		log, logs := newTestLogger()
		s := New(Options{Ledger: led, Now: now, OnSkip: skips.onSkip, Logger: log})
		if err := s.Add(Job{Ritual: "icebreaker", Channel: "C2", Spec: MustParse("0 9 * * *", 0, time.Time{}, ny), Grace: time.Hour,
			Run: led.recordRun(now, func(context.Context, Key) error { return nil })}); err != nil {
			t.Fatal(err)
		}
		r := start(s)
		sleepUntil(now, time.Date(2026, 3, 3, 9, 0, 1, 0, ny))
		r.stop(t)
		reason := "missed by 1h30m0s, more than its grace of 1h0m0s: the bot was down or suspended"
		want := "icebreaker/C2/2026-03-01T09:00 ran\nicebreaker/C2/2026-03-02T09:00 skipped: " + reason + "\nicebreaker/C2/2026-03-03T09:00 ran"
		if got := strings.Join(led.keys(""), "\n"); got != want {
			t.Errorf("recorded:\n%s\nwant:\n%s", got, want)
		}
		if got := skips.get("icebreaker/C2/2026-03-02T09:00"); len(got) != 1 || got[0] != reason || skips.count() != 1 {
			t.Errorf("OnSkip calls %v, want one for Monday", skips.calls)
		}
		if !strings.Contains(logs.String(), `msg="run skipped"`) || !strings.Contains(logs.String(), "key=icebreaker/C2/2026-03-02T09:00") {
			t.Errorf("no skip log line in:\n%s", logs)
		}
		led.check(t)
	})
}

func TestLateTimerSkippedBeyondGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The wall clock jumps while the timers (monotonic) do not: a suspended laptop or VM.
		var jump atomic.Int64
		clock := fakeClock(time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC))
		now := func() time.Time { return clock().Add(time.Duration(jump.Load())) }
		led := newMemLedger()
		var skips skipLog
		s := New(Options{Ledger: led, Now: now, OnSkip: skips.onSkip})
		if err := s.Add(Job{Ritual: "digest", Channel: "C3", Spec: MustParse("0 9 * * *", 0, time.Time{}, nil), Grace: 10 * time.Minute,
			Run: led.recordRun(now, func(context.Context, Key) error { return nil })}); err != nil {
			t.Fatal(err)
		}
		r := start(s)
		time.Sleep(30 * time.Minute)
		synctest.Wait()
		jump.Add(int64(2 * time.Hour)) // 08:30 → 10:30: the 09:00 timer had not fired
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		rec := led.record("digest/C3/2026-05-04T09:00")
		if rec == nil || rec.ran || !strings.HasPrefix(rec.reason, "missed by 1h31m0s") {
			t.Errorf("a run 1h31m late with 10m grace: %+v, want skipped", rec)
		}
		if len(skips.get("digest/C3/2026-05-04T09:00")) != 1 {
			t.Errorf("OnSkip not called for the late run: %v", skips.calls)
		}
		// Next day: suspended from 08:58 to 09:03 on the wall: 3 minutes late is within grace.
		sleepUntil(now, time.Date(2026, 5, 5, 8, 58, 0, 0, time.UTC))
		jump.Add(int64(5 * time.Minute))
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		c := led.callsFor("digest/C3/2026-05-05T09:00")
		if len(c) != 1 || !c[0].committed || c[0].start.Sub(time.Date(2026, 5, 5, 9, 0, 0, 0, time.UTC)) > 10*time.Minute {
			t.Errorf("a run a few minutes late: calls %+v, want one run within grace", c)
		}
		r.stop(t)
		led.check(t)
	})
}

func TestPanicDoesNotStopScheduler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := fakeClock(time.Date(2026, 1, 5, 9, 0, 30, 0, time.UTC))
		led := newMemLedger()
		var skips skipLog
		log, logs := newTestLogger()
		s := New(Options{Ledger: led, Now: now, OnSkip: skips.onSkip, Logger: log})
		every := MustParse("* * * * *", 0, time.Time{}, nil)
		var panics, fine atomic.Int32
		must(t, s.Add(Job{Ritual: "feedback", Channel: "C1", Spec: every, Run: led.recordRun(now, func(context.Context, Key) error {
			panics.Add(1)
			panic("nil map")
		})}))
		must(t, s.Add(Job{Ritual: "failing", Channel: "C1", Spec: every, Run: led.recordRun(now, func(context.Context, Key) error {
			return errBoom
		})}))
		must(t, s.Add(Job{Ritual: "coffee", Channel: "C1", Spec: every, Run: led.recordRun(now, func(context.Context, Key) error {
			fine.Add(1)
			return nil
		})}))
		r := start(s)
		time.Sleep(10 * time.Minute)
		r.stop(t)
		if panics.Load() != 10 || fine.Load() != 10 {
			t.Errorf("in 10 minutes: %d panicking runs, %d fine runs; want 10 and 10", panics.Load(), fine.Load())
		}
		for _, k := range led.keys("feedback/") {
			if !strings.HasSuffix(k, "skipped: the run panicked: nil map") {
				t.Errorf("panicking run recorded as %q", k)
			}
		}
		for _, k := range led.keys("failing/") {
			if !strings.HasSuffix(k, "skipped: the run failed: boom") {
				t.Errorf("failing run recorded as %q", k)
			}
		}
		if n := len(led.keys("coffee/")); n != 10 {
			t.Errorf("coffee recorded %d runs, want 10", n)
		}
		if skips.count() != 20 {
			t.Errorf("OnSkip called %d times, want 20 (10 panics, 10 failures)", skips.count())
		}
		if !strings.Contains(logs.String(), `msg="run panicked"`) || !strings.Contains(logs.String(), "stack=") {
			t.Errorf("no panic log line with a stack")
		}
		led.check(t)
	})
}

func TestSlowJobOverlapSkipped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := fakeClock(time.Date(2026, 1, 5, 9, 0, 30, 0, time.UTC))
		led := newMemLedger()
		var skips skipLog
		log, logs := newTestLogger()
		s := New(Options{Ledger: led, Now: now, OnSkip: skips.onSkip, Logger: log})
		every := MustParse("* * * * *", 0, time.Time{}, nil)
		must(t, s.Add(Job{Ritual: "slow", Channel: "C1", Spec: every, Run: led.recordRun(now, func(ctx context.Context, _ Key) error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(150 * time.Second):
				return nil
			}
		})}))
		must(t, s.Add(Job{Ritual: "fast", Channel: "C1", Spec: every, Run: led.recordRun(now, func(context.Context, Key) error { return nil })}))
		r := start(s)
		sleepUntil(now, time.Date(2026, 1, 5, 9, 12, 45, 0, time.UTC))
		r.stop(t)
		var got []string
		for _, k := range led.keys("slow/") {
			got = append(got, strings.TrimPrefix(k, "slow/C1/2026-01-05T"))
		}
		want := []string{"09:01 ran", "09:02 skipped: the previous run was still running", "09:03 skipped: the previous run was still running",
			"09:04 ran", "09:05 skipped: the previous run was still running", "09:06 skipped: the previous run was still running",
			"09:07 ran", "09:08 skipped: the previous run was still running", "09:09 skipped: the previous run was still running",
			"09:10 ran", "09:11 skipped: the previous run was still running", "09:12 skipped: the previous run was still running"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("slow job:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// The fast job ran every minute on the minute, undelayed.
		for m := 1; m <= 12; m++ {
			at := time.Date(2026, 1, 5, 9, m, 0, 0, time.UTC)
			c := led.callsFor(Key{"fast", "C1", at}.String())
			if len(c) != 1 || !c[0].start.Equal(at) {
				t.Errorf("fast job at %v: calls %+v, want one on time", at, c)
			}
		}
		if skips.count() != 8 || !strings.Contains(logs.String(), "reason=\"the previous run was still running\"") {
			t.Errorf("OnSkip called %d times, want 8; or no log line", skips.count())
		}
		led.check(t)
	})
}

func TestRunWaitsForRunningJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := fakeClock(time.Date(2026, 1, 5, 8, 59, 0, 0, time.UTC))
		led := newMemLedger()
		s := New(Options{Ledger: led, Now: now})
		must(t, s.Add(Job{Ritual: "stubborn", Channel: "C1", Spec: MustParse("0 9 * * *", 0, time.Time{}, nil),
			Run: led.recordRun(now, func(context.Context, Key) error {
				time.Sleep(5 * time.Minute) // ignores its context
				return nil
			})}))
		r := start(s)
		time.Sleep(2 * time.Minute) // 09:01: the run is under way
		r.cancel()
		err := <-r.done
		if err != nil || !now().Equal(time.Date(2026, 1, 5, 9, 5, 0, 0, time.UTC)) {
			t.Errorf("Run returned %v at %v, want nil at 09:05 when the run ended", err, now())
		}
		if rec := led.record("stubborn/C1/2026-01-05T09:00"); rec == nil || !rec.ran {
			t.Errorf("the run was not recorded: %+v", rec)
		}
		led.check(t)
	})
}

func TestInterruptedRunCaughtUpAfterRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := fakeClock(time.Date(2026, 1, 5, 8, 59, 0, 0, time.UTC))
		led := newMemLedger()
		job := Job{Ritual: "pairs", Channel: "C1", Spec: MustParse("0 9 * * *", 0, time.Time{}, nil), Grace: 30 * time.Minute,
			Run: led.recordRun(now, func(ctx context.Context, _ Key) error {
				select {
				case <-ctx.Done():
					return ctx.Err() // the transaction never committed
				case <-time.After(10 * time.Minute):
					return nil
				}
			})}
		s := New(Options{Ledger: led, Now: now})
		must(t, s.Add(job))
		r := start(s)
		time.Sleep(3 * time.Minute)
		r.stop(t) // 09:02, mid-run
		time.Sleep(5 * time.Minute)
		s = New(Options{Ledger: led, Now: now})
		must(t, s.Add(job))
		r = start(s)
		time.Sleep(20 * time.Minute)
		r.stop(t)
		c := led.callsFor("pairs/C1/2026-01-05T09:00")
		if len(c) != 2 || c[0].committed || !c[1].committed || !c[1].start.Equal(time.Date(2026, 1, 5, 9, 7, 0, 0, time.UTC)) {
			t.Errorf("calls %+v; want an interrupted one, then one caught up at 09:07", c)
		}
		led.check(t)
	})
}

func TestRunErrors(t *testing.T) {
	led := newMemLedger()
	led.lastErr = errors.New("disk on fire")
	s := New(Options{Ledger: led})
	must(t, s.Add(Job{Ritual: "coffee", Channel: "C1", Spec: MustParse("@daily", 0, time.Time{}, nil), Run: func(context.Context, Key) error { return nil }}))
	err := s.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "coffee in C1") {
		t.Errorf("Run with a broken ledger: %v", err)
	}
	if err := s.Run(context.Background()); err == nil {
		t.Error("second Run: no error")
	}
	if err := s.Add(Job{Ritual: "late", Channel: "C1", Spec: MustParse("@daily", 0, time.Time{}, nil), Run: func(context.Context, Key) error { return nil }}); err == nil {
		t.Error("Add after Run: no error")
	}
	if err := New(Options{}).Run(context.Background()); err == nil {
		t.Error("Run without a Ledger: no error")
	}
}

func TestAddErrors(t *testing.T) {
	spec := MustParse("0 9 * * MON", 0, time.Time{}, nil)
	run := func(context.Context, Key) error { return nil }
	s := New(Options{Ledger: newMemLedger()})
	must(t, s.Add(Job{Ritual: "coffee", Channel: "C1", Spec: spec, Run: run}))
	for _, tt := range []struct {
		job  Job
		want string
	}{
		{Job{Ritual: "coffee", Channel: "C1", Spec: spec, Run: run}, "coffee is scheduled twice in channel C1"},
		{Job{Ritual: "", Channel: "C1", Spec: spec, Run: run}, "needs both a ritual and a channel"},
		{Job{Ritual: "a/b", Channel: "C1", Spec: spec, Run: run}, `may not contain "/"`},
		{Job{Ritual: "coffee", Channel: "C2", Run: run}, "has no schedule"},
		{Job{Ritual: "coffee", Channel: "C2", Spec: spec}, "has no Run function"},
		{Job{Ritual: "coffee", Channel: "C2", Spec: spec, Run: run, Grace: -time.Second}, "negative grace"},
	} {
		if err := s.Add(tt.job); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Add(%s/%s): %v, want %q", tt.job.Ritual, tt.job.Channel, err, tt.want)
		}
	}
}

func TestNextRuns(t *testing.T) {
	berlin, ny := mustLoad(t, "Europe/Berlin"), mustLoad(t, "America/New_York")
	run := func(context.Context, Key) error { return nil }
	s := New(Options{Ledger: newMemLedger()})
	must(t, s.Add(Job{Ritual: "coffee", Channel: "C1", Spec: MustParse("0 9 * * MON", 0, time.Time{}, berlin), Run: run}))
	must(t, s.Add(Job{Ritual: "icebreaker", Channel: "C2", Spec: MustParse("0 9 * * *", 0, time.Time{}, ny), Run: run}))
	must(t, s.Add(Job{Ritual: "digest", Channel: "C1", Spec: MustParse("0 9 * * MON", 2, time.Time{}, ny), Run: run}))
	now := time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC) // Friday
	var got []string
	for _, u := range s.NextRuns(now, 6) {
		got = append(got, u.Key().String()+" "+u.At.UTC().Format("15:04Z"))
	}
	want := []string{
		"icebreaker/C2/2026-03-06T09:00 14:00Z",
		"icebreaker/C2/2026-03-07T09:00 14:00Z",
		"icebreaker/C2/2026-03-08T09:00 13:00Z", // New York is on summer time from that morning
		"coffee/C1/2026-03-09T09:00 08:00Z",
		"digest/C1/2026-03-09T09:00 13:00Z", // 2026-03-09 is an even number of weeks after 2024-01-01
		"icebreaker/C2/2026-03-09T09:00 13:00Z",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("NextRuns:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := s.NextRuns(now, 0); got != nil {
		t.Errorf("NextRuns(0) = %v", got)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestLongOutageRecordsLatestMissed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := fakeClock(time.Date(2026, 2, 1, 0, 30, 0, 0, time.UTC))
		led := newMemLedger()
		must(t, led.commit(Key{"pairs", "C1", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, now()))
		var skips skipLog
		log, logs := newTestLogger()
		s := New(Options{Ledger: led, Now: now, OnSkip: skips.onSkip, Logger: log})
		must(t, s.Add(Job{Ritual: "pairs", Channel: "C1", Spec: MustParse("0 * * * *", 0, time.Time{}, nil), Grace: 10 * time.Minute,
			Run: led.recordRun(now, func(context.Context, Key) error { return nil })}))
		r := start(s)
		time.Sleep(time.Minute)
		r.stop(t)
		// 31 days of hourly runs missed: the latest (00:00, 30 minutes late) is beyond grace, and
		// only the 100 before it are recorded one by one.
		got := led.keys("")
		if len(got) != 1+100+1 || got[1] != "pairs/C1/2026-01-27T20:00 skipped: missed while the bot was down or suspended; only the latest missed run is caught up" ||
			!strings.HasPrefix(got[101], "pairs/C1/2026-02-01T00:00 skipped: missed by 30m0s") {
			t.Errorf("recorded %d keys: %v ... %v", len(got), got[:min(3, len(got))], got[max(len(got)-2, 0):])
		}
		if skips.count() != 101 || !strings.Contains(logs.String(), "count=643") {
			t.Errorf("OnSkip called %d times, want 101; log:\n%.500s", skips.count(), logs)
		}
		if at, _, _ := led.Last("pairs", "C1"); !at.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("Last = %v after catch-up", at)
		}
		led.check(t)
	})
}
