package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/store"
)

// childConfigEnv makes the test binary run the real bot (`ritualbot run`) instead of the tests.
const childConfigEnv = "RITUALBOT_TEST_CHILD_CONFIG"

func TestMain(m *testing.M) {
	if path := os.Getenv(childConfigEnv); path != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := runMain(ctx, []string{"run", "-config", path}, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "ritualbot:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild is the real bot in a child process.
type crashChild struct {
	cmd  *exec.Cmd
	done chan error
}

func startChild(t *testing.T, fake *slackfake.Server, config string, logs *syncBuffer) *crashChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childConfigEnv+"="+config, "SLACK_BOT_TOKEN="+fake.BotToken(), "SLACK_APP_TOKEN="+fake.AppToken())
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &crashChild{cmd: cmd, done: make(chan error, 1)}
	go func() { c.done <- cmd.Wait() }()
	return c
}

func (c *crashChild) kill(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatal("child did not die")
	}
}

// TestCrashDuringDeliveryDeliversEachMessageOnce kills the real bot with SIGKILL at random points
// of a 300-message delivery, five times, restarting it each time, under injected server errors,
// rate limits and dropped sockets; afterwards the workspace holds every message exactly once.
func TestCrashDuringDeliveryDeliversEachMessageOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	fake, err := newDemoWorkspace(slackfake.Options{RateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	people := addPeople(fake, 290)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "crash.db")
	config := filepath.Join(dir, "ritualbot.yaml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf("slack:\n  api_url: %s\nstore:\n  path: %s\n", fake.APIURL(), dbPath)), 0o600); err != nil {
		t.Fatal(err)
	}

	db, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []rituals.Message
	for _, p := range people {
		msgs = append(msgs, noteTo("dm/"+p, rituals.Recipient{User: p}))
	}
	for i := range 10 {
		msgs = append(msgs, noteTo(fmt.Sprintf("general/%d", i), rituals.Recipient{Channel: demoGeneral}))
	}
	if err := db.Enqueue(msgs...); err != nil {
		t.Fatal(err)
	}
	db.Close()

	channels := []string{demoGeneral}
	countSent := func() int {
		n := 0
		for _, c := range sentKeys(fake, append(channels, dmChannels(fake, people)...)) {
			n += c
		}
		return n
	}
	// Posting takes a moment after Slack has stored the message: a kill then loses the answer.
	fake.SetLatency("chat.postMessage", 3*time.Millisecond)
	rng := rand.New(rand.NewPCG(1, 2))
	logs := &syncBuffer{}
	faults := []func(){
		func() { fake.FailNext("chat.postMessage", 5, 503) },
		func() { fake.RateLimitNext("chat.postMessage", 3, time.Second) },
		fake.DropSockets,
		func() { fake.FailNext("conversations.history", 2, 500) },
		func() { fake.Disconnect("refresh_requested") },
	}
	for round := range 5 {
		child := startChild(t, fake, config, logs)
		target := countSent() + 10 + rng.IntN(40)
		faults[round]()
		deadline := time.Now().Add(60 * time.Second)
		for countSent() < target && time.Now().Before(deadline) {
			time.Sleep(time.Duration(rng.IntN(3)) * time.Millisecond)
		}
		child.kill(t)
		t.Logf("round %d: killed with %d messages in Slack", round, countSent())
	}
	child := startChild(t, fake, config, logs)
	deadline := time.Now().Add(90 * time.Second)
	for countSent() < len(msgs) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	_ = child.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-child.done:
		if err != nil {
			t.Errorf("bot exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("bot did not stop on SIGTERM")
		child.kill(t)
	}

	sent := sentKeys(fake, append(channels, dmChannels(fake, people)...))
	for _, m := range msgs {
		if sent[m.Key] != 1 {
			t.Errorf("%s arrived %d times, want exactly once", m.Key, sent[m.Key])
		}
	}
	if t.Failed() {
		t.Logf("bot logs:\n%s", logs.String())
	}
}

func dmChannels(fake *slackfake.Server, people []string) []string {
	var out []string
	for _, p := range people {
		if ch := fake.DMChannel(p); ch != "" {
			out = append(out, ch)
		}
	}
	return out
}
