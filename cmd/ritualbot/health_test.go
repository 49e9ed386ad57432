package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/store"
)

// getHealth GETs /healthz and decodes it; it returns the body too, for messages.
func getHealth(t *testing.T, base string) (int, health, string) {
	t.Helper()
	code, body := get(t, base+"/healthz")
	var hz health
	if err := json.Unmarshal([]byte(body), &hz); err != nil {
		t.Fatalf("healthz body %q: %v", body, err)
	}
	return code, hz, body
}

func TestHealthzSaysDegradedWhenTheDiskIsNearlyFull(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	var free atomic.Uint64
	free.Store(40 << 30)
	var asked atomic.Value
	h, base := opsBotWith(t, clock, func(m *Main) {
		m.DiskSpace = func(path string) (store.DiskSpace, error) {
			asked.Store(path)
			return store.DiskSpace{Free: free.Load(), Total: 100 << 30}, nil
		}
	})
	if code, hz, body := getHealth(t, base); code != http.StatusOK || hz.Status != "ok" || hz.DiskFreeBytes != 40<<30 || hz.DiskTotalBytes != 100<<30 {
		t.Errorf("40 GiB free of 100: %d %s", code, body)
	}
	if got := asked.Load(); got != h.main.Config.Store.Path {
		t.Errorf("free space measured for %v, want the database %s", got, h.main.Config.Store.Path)
	}
	for _, tc := range []struct {
		free uint64
		says string
	}{
		{50 << 20, "50.0 MiB free of 100.0 GiB"}, // under 100 MiB
		{3 << 30, "3.0 GiB free of 100.0 GiB"},   // under 5%
	} {
		free.Store(tc.free)
		code, hz, body := getHealth(t, base)
		if code != http.StatusOK || hz.Status != "degraded" || hz.DiskFreeBytes != tc.free ||
			len(hz.Problems) != 1 || !strings.Contains(hz.Problems[0], "nearly full: "+tc.says) {
			t.Errorf("%d bytes free: %d %s", tc.free, code, body)
		}
	}
}

func TestHealthzMeasuresTheRealDisk(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	_, base := opsBot(t, clock)
	if _, hz, body := getHealth(t, base); hz.DiskTotalBytes == 0 || hz.DiskFreeBytes > hz.DiskTotalBytes {
		t.Errorf("free space of the real disk: %s", body)
	}
}
