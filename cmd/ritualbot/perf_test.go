package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/rituals"
)

// startForBench opens and runs the real wiring against fake; it returns a stop function.
func startForBench(b *testing.B, fake *slackfake.Server) (*Main, func()) {
	b.Helper()
	cfg, err := demoConfig(fake.APIURL(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	m := &Main{Config: cfg, Logger: slog.New(slog.DiscardHandler), BotToken: fake.BotToken(), AppToken: fake.AppToken()}
	if err := m.Open(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	return m, func() { cancel(); <-done; m.Close() }
}

// BenchmarkStartToConnected measures from opening the database to the first Socket Mode hello.
//
//	go test -run '^$' -bench StartToConnected -benchtime 20x ./cmd/ritualbot/
func BenchmarkStartToConnected(b *testing.B) {
	for range b.N {
		fake, err := newDemoWorkspace(slackfake.Options{})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		_, stop := startForBench(b, fake)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := fake.WaitConnected(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "ms-to-connected")
		cancel()
		stop()
		fake.Close()
	}
}

// BenchmarkIdleMemory starts the bot and reports the process's resident
// memory after it settles (the emulator shares the process, so this is an upper bound) and the
// Go heap in use.
//
//	go test -run '^$' -bench IdleMemory -benchtime 1x ./cmd/ritualbot/
func BenchmarkIdleMemory(b *testing.B) {
	for range b.N {
		fake, err := newDemoWorkspace(slackfake.Options{})
		if err != nil {
			b.Fatal(err)
		}
		m, stop := startForBench(b, fake)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := fake.WaitConnected(ctx); err != nil {
			b.Fatal(err)
		}
		time.Sleep(time.Second)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
		b.ReportMetric(rssMB(), "process-RSS-MB")
		_ = m
		cancel()
		stop()
		fake.Close()
	}
}

// rssMB reads the process's resident set size from /proc (0 where there is none).
func rssMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkMetricsScrape10kMembers times one /metrics scrape with 10,000 members in the
// workspace, their profiles cached, and a busy outbox.
//
//	go test -run '^$' -bench MetricsScrape ./cmd/ritualbot/
func BenchmarkMetricsScrape10kMembers(b *testing.B) {
	fake, err := newDemoWorkspace(slackfake.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer fake.Close()
	people := addPeople(fake, 10_000)
	m, stop := startForBench(b, fake)
	defer stop()
	if _, err := m.Directory.People(context.Background(), people); err != nil {
		b.Fatal(err)
	}
	var msgs []rituals.Message
	for i := range 500 {
		msgs = append(msgs, noteTo(fmt.Sprintf("bench/%d", i), rituals.Recipient{Channel: "C99NOWHERE"}))
	}
	if err := m.DB.Enqueue(msgs...); err != nil {
		b.Fatal(err)
	}
	handler := m.opsHandler()
	b.ResetTimer()
	for range b.N {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if rec.Code != 200 {
			b.Fatalf("scrape: %d", rec.Code)
		}
	}
}
