package schedule

import (
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

var yearSeed = flag.Uint64("year.seed", 20260101, "seed of TestYear's restarts")

// simJob is a job of the simulated year and what kind of behaviour to expect from it.
type simJob struct {
	Job
	kind string // "plain", "panicky" or "slow"
}

// panicky says whether the panicky job panics on this key.
func panicky(k Key) bool { return k.At.Hour() == 12 && k.At.YearDay()%3 == 0 }

// slowFor is how long the slow job takes on this key: 0 to 99 minutes, fixed per key.
func slowFor(k Key) time.Duration {
	h := fnv.New32a()
	h.Write([]byte(k.String()))
	return time.Duration(h.Sum32()%100) * time.Minute
}

// TestYear drives a year of schedules in five jobs through random restarts and checks every
// occurrence: it ran exactly once, on time or caught up within grace, or it was recorded skipped for
// a reason the rules give; nothing ran twice and nothing was recorded that is not an occurrence.
func TestYear(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		began := time.Now() // fake; see realStart for the real duration
		t0 := time.Date(2026, 1, 1, 0, 0, 17, 0, time.UTC)
		end := t0.AddDate(1, 0, 0)
		now := fakeClock(t0)
		berlin, ny := mustLoad(t, "Europe/Berlin"), mustLoad(t, "America/New_York")
		led := newMemLedger()
		rng := rand.New(rand.NewPCG(*yearSeed, 0))
		t.Logf("seed %d (-year.seed to change)", *yearSeed)

		plain := func(context.Context, Key) error { return nil }
		jobs := []simJob{
			{Job{Ritual: "coffee", Channel: "CBER", Spec: MustParse("CRON_TZ=Europe/Berlin 30 2 * * *", 0, time.Time{}, nil), Grace: 90 * time.Minute,
				Run: led.recordRun(now, plain)}, "plain"},
			{Job{Ritual: "icebreaker", Channel: "CNYC", Spec: MustParse("TZ=America/New_York 30 1 * * *", 0, time.Time{}, nil), Grace: time.Hour,
				Run: led.recordRun(now, plain)}, "plain"},
			{Job{Ritual: "digest", Channel: "CNYC", Spec: MustParse("0 9 * * MON", 2, time.Time{}, ny), Grace: 2 * time.Hour,
				Run: led.recordRun(now, plain)}, "plain"},
			{Job{Ritual: "feedback", Channel: "CUTC", Spec: MustParse("0 */6 * * *", 0, time.Time{}, time.UTC), Grace: 30 * time.Minute,
				Run: led.recordRun(now, func(_ context.Context, k Key) error {
					if panicky(k) {
						panic("feedback bug on " + k.String())
					}
					return nil
				})}, "panicky"},
			{Job{Ritual: "pairs", Channel: "CBER", Spec: MustParse("0 * * * *", 0, time.Time{}, berlin), Grace: 10 * time.Minute,
				Run: led.recordRun(now, func(ctx context.Context, k Key) error {
					select {
					case <-ctx.Done():
						return ctx.Err() // interrupted: nothing committed
					case <-time.After(slowFor(k)):
						return nil
					}
				})}, "slow"},
		}
		var skips skipLog

		// Restarts at chosen moments around the DST changes, on top of the random ones.
		type outage struct{ stop, restart time.Time }
		scripted := []outage{
			// Berlin spring: down from 01:50 CET to 03:10 CEST; there is no 02:30 that night.
			{time.Date(2026, 3, 29, 0, 50, 17, 0, time.UTC), time.Date(2026, 3, 29, 1, 10, 17, 0, time.UTC)},
			// Berlin autumn: down from 02:20 CEST to the second 02:31 (CET): the one 02:30 is caught up.
			{time.Date(2026, 10, 25, 0, 20, 17, 0, time.UTC), time.Date(2026, 10, 25, 1, 31, 17, 0, time.UTC)},
			// New York autumn: 01:30 EDT runs, then down from 01:40 EDT to the second 01:35 (EST).
			{time.Date(2026, 11, 1, 5, 40, 17, 0, time.UTC), time.Date(2026, 11, 1, 6, 35, 17, 0, time.UTC)},
		}
		minutes := func(lo, hi int) time.Duration { return time.Duration(lo+rng.IntN(hi-lo)) * time.Minute }

		type interval struct{ start, stop time.Time }
		var ups []interval
		for now().Before(end) {
			s := New(Options{Ledger: led, Now: now, OnSkip: skips.onSkip})
			s.maxSleep = 24 * time.Hour // wake only for occurrences: the default minute is for real clocks
			for _, j := range jobs {
				must(t, s.Add(j.Job))
			}
			r := start(s)
			up := interval{start: now()}
			stopAt := up.start.Add(minutes(60, 7*24*60))
			var down time.Duration
			switch {
			case rng.IntN(100) < 45:
				down = minutes(1, 90)
			case rng.IntN(100) < 65:
				down = minutes(90, 12*60)
			default:
				down = minutes(12*60, 3*24*60)
			}
			for len(scripted) > 0 && !scripted[0].stop.After(up.start) {
				scripted = scripted[1:] // already down at that moment
			}
			// A scripted outage wins over a random stop or downtime that would reach it.
			if len(scripted) > 0 && scripted[0].stop.Before(stopAt.Add(down)) {
				stopAt, down = scripted[0].stop, scripted[0].restart.Sub(scripted[0].stop)
				scripted = scripted[1:]
			}
			if stopAt.After(end) {
				stopAt = end
			}
			sleepUntil(now, stopAt)
			r.stop(t)
			up.stop = now()
			ups = append(ups, up)
			time.Sleep(down)
		}
		led.check(t)

		// Judge every occurrence up to a few hours before the end (the last runs may be cut off).
		checkUntil := ups[len(ups)-1].stop.Add(-3 * time.Hour)
		var (
			onTime, caughtUp, missed, stillRunning, panicked, interrupted, retried int
			total                                                                  int
		)
		for _, j := range jobs {
			var occ []time.Time
			for at := j.Spec.Next(t0); !at.After(end.AddDate(0, 0, 7)); at = j.Spec.Next(at) {
				occ = append(occ, at)
			}
			isOcc := map[string]bool{}
			for _, at := range occ {
				isOcc[Key{j.Ritual, j.Channel, at}.String()] = true
			}
			// Nothing recorded that is not an occurrence (no 02:30 on the spring night, no second 02:30).
			for _, k := range led.keys(j.Ritual + "/" + j.Channel + "/") {
				if k := strings.Fields(k)[0]; !isOcc[k] {
					t.Errorf("%s recorded, but it is no occurrence", k)
				}
			}
			for i, at := range occ {
				if at.After(checkUntil) {
					break
				}
				total++
				key := Key{j.Ritual, j.Channel, at}
				ks := key.String()
				rec := led.record(ks)
				calls := led.callsFor(ks)
				if rec == nil {
					t.Errorf("%s: neither ran nor recorded skipped", ks)
					continue
				}
				for _, c := range calls[:max(len(calls)-1, 0)] {
					if c.committed || c.err != context.Canceled.Error() {
						t.Errorf("%s: run again after a call that was not interrupted: %+v", ks, calls)
					}
				}
				if len(calls) > 1 {
					retried++
				}
				// Where was the scheduler at time at? Up, or down until a restart.
				up := slices.IndexFunc(ups, func(u interval) bool { return u.start.Before(at) && at.Before(u.stop) })
				restart := slices.IndexFunc(ups, func(u interval) bool { return !u.start.Before(at) })
				latestMissed := restart >= 0 && (i+1 == len(occ) || occ[i+1].After(ups[restart].start))
				lastCall := runCall{}
				if len(calls) > 0 {
					lastCall = calls[len(calls)-1]
				}
				switch {
				case rec.ran:
					late := lastCall.start.Sub(at)
					if !lastCall.committed || late < 0 || late > j.Grace {
						t.Errorf("%s ran %v late (grace %v): %+v", ks, late, j.Grace, calls)
					}
					if late == 0 {
						onTime++
					} else {
						caughtUp++
						if !slices.ContainsFunc(ups, func(u interval) bool { return u.start.Equal(lastCall.start) }) {
							t.Errorf("%s ran late, at %v, not at a start-up", ks, lastCall.start)
						}
					}
				case strings.HasPrefix(rec.reason, "the run panicked"):
					panicked++
					if j.kind != "panicky" || !panicky(key) || len(calls) != 1 {
						t.Errorf("%s: unexpected panic: %q", ks, rec.reason)
					}
				case rec.reason == "the previous run was still running":
					stillRunning++
					prev := occ[max(i-1, 0)]
					pc := led.callsFor(Key{j.Ritual, j.Channel, prev}.String())
					if j.kind != "slow" || up < 0 || !slices.ContainsFunc(pc, func(c runCall) bool { return c.start.Before(at) && !c.end.Before(at) }) {
						t.Errorf("%s skipped as still running, but the previous run was not: %+v", ks, pc)
					}
				case strings.HasPrefix(rec.reason, "interrupted by shutdown"):
					interrupted++
					if j.kind != "slow" || len(calls) != 1 || calls[0].committed || !slices.ContainsFunc(ups, func(u interval) bool { return u.stop.Equal(calls[0].end) }) {
						t.Errorf("%s: skipped as interrupted, but calls were %+v", ks, calls)
					}
				case strings.HasPrefix(rec.reason, "missed"):
					missed++
					if up >= 0 && (j.kind != "slow" || len(calls) == 0) {
						t.Errorf("%s: skipped as missed while the scheduler was up: %q", ks, rec.reason)
					}
				default:
					t.Errorf("%s: skipped for an unexpected reason: %q", ks, rec.reason)
				}
				if n := len(skips.get(ks)); (n == 1) == rec.ran {
					t.Errorf("%s: %d OnSkip calls, ran=%v", ks, n, rec.ran)
				}
				// What the rules say, for the jobs that do not overlap themselves.
				if j.kind == "slow" {
					continue
				}
				var want string
				switch {
				case up >= 0:
					want = "run on time"
				case latestMissed && ups[restart].start.Sub(at) <= j.Grace:
					want = "caught up"
				default:
					want = "missed"
				}
				if want != "missed" && j.kind == "panicky" && panicky(key) {
					want = "panicked"
				}
				var got string
				switch {
				case rec.ran && lastCall.start.Equal(at):
					got = "run on time"
				case rec.ran && restart >= 0 && lastCall.start.Equal(ups[restart].start):
					got = "caught up"
				case strings.HasPrefix(rec.reason, "missed"):
					got = "missed"
				case strings.HasPrefix(rec.reason, "the run panicked"):
					got = "panicked"
				default:
					got = fmt.Sprintf("ran=%v reason=%q calls=%+v", rec.ran, rec.reason, calls)
				}
				if got != want {
					t.Errorf("%s: %s, want %s", ks, got, want)
				}
			}
		}

		// The DST nights, by name.
		for key, want := range map[string]string{
			"coffee/CBER/2026-03-29T02:30":     "",
			"coffee/CBER/2026-10-25T02:30":     "ran",
			"icebreaker/CNYC/2026-11-01T01:30": "ran",
		} {
			rec := led.record(key)
			switch {
			case want == "" && rec != nil:
				t.Errorf("%s recorded; that night has no 02:30", key)
			case want == "ran" && (rec == nil || !rec.ran):
				t.Errorf("%s: %+v, want ran once", key, rec)
			}
		}
		if c := led.callsFor("coffee/CBER/2026-10-25T02:30"); len(c) != 1 || !c[0].start.Equal(time.Date(2026, 10, 25, 1, 31, 17, 0, time.UTC)) {
			t.Errorf("autumn 02:30 in Berlin: calls %+v, want one, caught up at 02:31 CET", c)
		}

		t.Logf("%d restarts over a year (fake %v); %d occurrences: %d on time, %d caught up after downtime, %d skipped as missed, %d skipped while still running, %d panicked, %d interrupted by shutdown; %d interrupted runs caught up",
			len(ups), time.Since(began).Round(time.Hour), total, onTime, caughtUp, missed, stillRunning, panicked, interrupted, retried)
		for name, n := range map[string]int{"restarts": len(ups), "caught up": caughtUp, "missed": missed, "still running": stillRunning, "panicked": panicked} {
			if n < 3 {
				t.Errorf("only %d %s: the simulation does not exercise it", n, name)
			}
		}
	})
}
