package store

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"
)

// The benchmarks of issue 13 ("a year of data"), on the year year_test.go builds (cached in the
// system's temporary directory; the first run builds it):
//
//	go test -run '^$' -bench Year -benchtime 5x ./store/
//
// Figures and what they mean: store/BENCHMARKS.md.

// memWatch samples the Go heap while an operation runs, and the process's peak resident set.
type memWatch struct {
	stop, done chan struct{}
	base, peak uint64 // heap objects, bytes
	baseRSS    uint64
}

// heapObjects reads the bytes of heap objects (live, or dead and not yet swept) through s.
func heapObjects(s []metrics.Sample) uint64 {
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// watchMemory collects garbage, resets the kernel's peak-RSS mark and starts sampling the heap
// every 200 µs.
func watchMemory() *memWatch {
	runtime.GC()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM to VmRSS (Linux)
	w := &memWatch{stop: make(chan struct{}), done: make(chan struct{}), baseRSS: procStatus("VmRSS")}
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	w.base = heapObjects(s)
	w.peak = w.base
	go func() {
		defer close(w.done)
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			w.peak = max(w.peak, heapObjects(s))
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// end stops sampling and returns the peak growth of the heap and of the resident set, in bytes.
// The resident set counts the pages of the database file that bbolt's memory map reads (clean
// page cache, which the kernel can take back), and only heap the runtime had to ask the system
// for: a second run reuses what the first one left.
func (w *memWatch) end() (heap, rss uint64) {
	close(w.stop)
	<-w.done
	hwm := procStatus("VmHWM")
	if hwm > w.baseRSS {
		rss = hwm - w.baseRSS
	}
	return w.peak - w.base, rss
}

// procStatus returns a "kB" field of /proc/self/status in bytes, or 0 where there is none.
func procStatus(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte(field+":"))
		if !ok {
			continue
		}
		kb, _ := strconv.ParseUint(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
		return kb << 10
	}
	return 0
}

const mb = 1 << 20

// BenchmarkYearBackup takes the running bot's backup (BackupToFile) of the database of a
// quarter, half and whole year, and reports, besides the time, the largest growth of the heap and
// of the resident set during one backup, and the sizes of the live file and of the copy.
func BenchmarkYearBackup(b *testing.B) {
	for _, weeks := range []int{13, 26, yearWeeks} {
		b.Run(fmt.Sprintf("weeks=%d", weeks), func(b *testing.B) {
			db, err := Open(yearFile(b, weeks), Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			live, _ := db.Size()
			dir := b.TempDir()
			b.ResetTimer()
			var heap, rss uint64
			var size int64
			for i := 0; i < b.N; i++ {
				path := filepath.Join(dir, "backup.db")
				os.Remove(path)
				w := watchMemory()
				n, err := BackupToFile(db, path, false)
				h, r := w.end()
				if err != nil {
					b.Fatal(err)
				}
				heap, rss, size = max(heap, h), max(rss, r), n
			}
			b.ReportMetric(float64(live)/mb, "live-MB")
			b.ReportMetric(float64(size)/mb, "copy-MB")
			b.ReportMetric(float64(heap)/mb, "peak-heap-MB")
			b.ReportMetric(float64(rss)/mb, "peak-rss-MB")
		})
	}
}

// BenchmarkYearRetention runs the nightly retention job (Prune, then PruneEngine with
// EngineHistory) on a year's database whose job ran the night before, in a transaction rolled
// back afterwards so that every iteration sees the same night: "night" is a steady night with
// 52-week limits (a day's records expire), "half" a night after the limits were cut to 26 weeks
// (half the year expires). The commit is not timed.
func BenchmarkYearRetention(b *testing.B) {
	db, err := Open(yearFile(b, yearWeeks), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := nightBefore(db); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for _, c := range []struct {
		name  string
		now   time.Time
		limit time.Duration
	}{
		{"night", yearEnd.Add(day), yearWeeks * 7 * day},
		{"half", yearEnd, yearWeeks / 2 * 7 * day},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := Retention{Checkins: c.limit, Kudos: c.limit, Coffee: c.limit}
			var rep PruneReport
			var deliveries int
			for i := 0; i < b.N; i++ {
				tx, err := db.bolt.Begin(true)
				if err != nil {
					b.Fatal(err)
				}
				rep, err = prune(tx, c.now, r)
				if err == nil {
					deliveries, _, err = pruneEngine(tx, c.now.Add(-EngineHistory))
				}
				_ = tx.Rollback()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rep.Updates), "updates-removed")
			b.ReportMetric(float64(rep.Kudos), "kudos-removed")
			b.ReportMetric(float64(deliveries), "deliveries-removed")
		})
	}
}

// nightBefore runs the retention job at the end of the year, with 52-week limits.
func nightBefore(db *DB) error {
	limit := yearWeeks * 7 * day
	if _, err := db.Prune(yearEnd, Retention{Checkins: limit, Kudos: limit, Coffee: limit}); err != nil {
		return err
	}
	_, _, err := db.PruneEngine(yearEnd, EngineHistory)
	return err
}
