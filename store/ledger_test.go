package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// TestYearOfSchedulesWithRestartsOnRealFile drives a year of two rituals in zones with different DST
// dates through the real scheduler and this store, restarting the process (scheduler and database)
// at random. Every occurrence after the first start runs exactly once or is recorded skipped;
// nothing runs twice, and every run's message is queued exactly once.
func TestYearOfSchedulesWithRestartsOnRealFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		offset := start.Sub(time.Now())
		now := func() time.Time { return time.Now().Add(offset) }
		end := start.AddDate(1, 0, 0)
		path := filepath.Join(t.TempDir(), "year.db")
		rng := rand.New(rand.NewPCG(7, 11))

		specs := map[string]schedule.Spec{
			"coffee/C1":     schedule.MustParse("CRON_TZ=Europe/Berlin 30 2 * * *", 1, time.Time{}, time.UTC),
			"icebreaker/C2": schedule.MustParse("CRON_TZ=America/New_York 30 1 * * SUN", 2, time.Time{}, time.UTC),
		}
		var mu sync.Mutex
		runs := map[string]int{}

		for restarts := 0; now().Before(end); restarts++ {
			db, err := Open(path, Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			db.Now = now
			s := schedule.New(schedule.Options{Ledger: db.Runs(), Now: now})
			for name, spec := range specs {
				ritual, channel, _ := cut(name)
				err := s.Add(schedule.Job{Ritual: ritual, Channel: channel, Spec: spec, Grace: 3 * time.Hour,
					Run: func(_ context.Context, key schedule.Key) error {
						msg := rituals.Message{Key: key.String(), Ritual: ritual, Kind: "admin.note", To: rituals.Recipient{Channel: channel}}
						err := db.CommitRun(key, []rituals.Message{msg})
						if err == nil {
							mu.Lock()
							runs[key.String()]++
							mu.Unlock()
						}
						return err
					}})
				if err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			time.Sleep(time.Duration(rng.Int64N(int64(20 * 24 * time.Hour))))
			cancel()
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				t.Fatal(err)
			}
			db.Close()
			// Down for up to six hours: sometimes inside the grace window, sometimes beyond it.
			time.Sleep(time.Duration(rng.Int64N(int64(6 * time.Hour))))
		}

		db, err := Open(path, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ran, skipped := 0, 0
		for name, spec := range specs {
			ritual, channel, _ := cut(name)
			for at := spec.Next(start); at.Before(end.Add(-25 * 24 * time.Hour)); at = spec.Next(at) {
				key := schedule.Key{Ritual: ritual, Channel: channel, At: at}
				done, err := db.Runs().Done(key.String())
				if err != nil {
					t.Fatal(err)
				}
				switch n := runs[key.String()]; {
				case n > 1:
					t.Errorf("%s ran %d times", key, n)
				case n == 1:
					ran++
				case !done:
					t.Errorf("%s neither ran nor was recorded skipped", key)
				default:
					skipped++
				}
			}
		}
		items, err := db.Pending(0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, n := range runs {
			total += n
		}
		if len(items) != total {
			t.Errorf("%d runs queued %d messages", total, len(items))
		}
		if ran < 300 || skipped == 0 {
			t.Errorf("ran %d, skipped %d: the simulation should exercise both", ran, skipped)
		}
		t.Logf("a year: %d runs, %d skipped by the grace rule", ran, skipped)
	})
}

func cut(name string) (string, string, bool) {
	for i := range name {
		if name[i] == '/' {
			return name[:i], name[i+1:], true
		}
	}
	return name, "", false
}
