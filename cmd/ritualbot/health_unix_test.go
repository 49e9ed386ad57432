//go:build unix

package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
)

// limitFileSize makes every write that would grow a file of this process past n bytes fail
// (EFBIG), as a full disk does, until the returned function (also run at cleanup) lifts it.
func limitFileSize(t *testing.T, n int64) (lift func()) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	signal.Ignore(syscall.SIGXFSZ)
	limited := old
	limited.Cur = uint64(n)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limited); err != nil {
		t.Fatal(err)
	}
	lifted := false
	lift = func() {
		if lifted {
			return
		}
		lifted = true
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			t.Fatal(err)
		}
		signal.Reset(syscall.SIGXFSZ)
	}
	t.Cleanup(lift)
	return lift
}

// fileLimitChildEnv runs TestHealthzSays503WhenAWriteFails's body in a process of its own: the file
// size limit holds for the whole process, and would also stop go test's own log files from growing.
const fileLimitChildEnv = "RITUALBOT_TEST_FILE_LIMIT_CHILD"

func TestHealthzSays503WhenAWriteFails(t *testing.T) {
	if os.Getenv(fileLimitChildEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHealthzSays503WhenAWriteFails$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), fileLimitChildEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestHealthzSays503WhenAWriteFails") {
			t.Fatalf("the test, run in a process of its own: %v\n%s", err, out)
		}
		return
	}
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h, base := opsBot(t, clock)
	if code, body := get(t, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthy bot: %d %s", code, body)
	}
	fi, err := os.Stat(h.main.Config.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	// The disk fills up: the file cannot grow, though small writes still fit in its free pages.
	lift := limitFileSize(t, fi.Size())
	var msgs []rituals.Message
	for i := range 2000 {
		msgs = append(msgs, noteTo(fmt.Sprintf("full/%04d", i), rituals.Recipient{User: "U02RAJ"}))
	}
	writeErr := h.main.DB.Enqueue(msgs...)
	code, body := get(t, base+"/healthz")
	lift()
	if writeErr == nil {
		t.Fatal("a write that grows the file succeeded past the file size limit")
	}
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "file too large") {
		t.Errorf("after a failed write: %d %s", code, body)
	}
	// Room again: the next write succeeds and the bot is healthy again.
	if err := h.main.DB.Enqueue(msgs[:10]...); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("after a successful write: %d %s", code, body)
	}
}
