package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/store"
)

// cli runs a ritualbot subcommand as a person types it and returns its output and error.
func cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	err := runMain(ctx, args, &out, &errOut)
	return out.String() + errOut.String(), err
}

// cliConfig writes a configuration naming the database at dbPath, with no ops listener, and
// returns its path.
func cliConfig(t *testing.T, dbPath string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ritualbot.yaml")
	writeConfig(t, path, &Config{Store: StoreConfig{Path: dbPath}})
	return path
}

func TestOpsListenServesOnlyHealthzAndMetrics(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	_, base := opsBot(t, clock)
	for _, path := range []string{"/backup", "/status", "/debug/pprof/"} {
		if code, body := get(t, base+path); code != http.StatusNotFound {
			t.Errorf("GET %s on ops.listen: %d, %d bytes; want 404", path, code, len(body))
		}
	}
	for _, path := range []string{"/healthz", "/metrics"} {
		if code, _ := get(t, base+path); code != http.StatusOK {
			t.Errorf("GET %s on ops.listen: %d", path, code)
		}
	}
}

// staleSocket leaves at path the socket a killed bot leaves: nothing listens on it any more.
func staleSocket(t *testing.T, path string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != fs.ModeSocket {
		t.Fatalf("no stale socket at %s: %v", path, err)
	}
}

func TestAStaleSocketStopsNothing(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	db, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Enqueue(noteTo("waiting/1", rituals.Recipient{User: "U02RAJ"})); err != nil {
		t.Fatal(err)
	}
	db.Close()
	staleSocket(t, dbPath+".sock")
	cfg := cliConfig(t, dbPath)
	if out, err := cli(t, "status", "-config", cfg); err != nil || !strings.Contains(out, "1 messages waiting") {
		t.Errorf("status beside a stale socket: %v\n%s", err, out)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if out, err := cli(t, "backup", "-config", cfg, "-o", backup); err != nil {
		t.Errorf("backup beside a stale socket: %v\n%s", err, out)
	}
	// The bot starts over it and answers on a fresh one.
	h := startBot(t, slackfake.Options{}, func(c *Config) { c.Store.Path = dbPath })
	if out, err := cli(t, "status", "-config", cfg); err != nil || !strings.Contains(out, "Outbox:") {
		t.Errorf("status from a bot started over a stale socket: %v\n%s", err, out)
	}
	h.shutdown()
}

func TestASocketPathHoldingSomethingElseIsLeftAlone(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	if err := os.WriteFile(dbPath+".sock", []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := runOn(t, dbPath, "", ""); err == nil || !strings.Contains(err.Error(), dbPath+".sock exists and is not a socket") {
		t.Errorf("run beside a file at the socket path: %v", err)
	}
	if got, _ := os.ReadFile(dbPath + ".sock"); string(got) != "mine" {
		t.Error("the file at the socket path was replaced")
	}
}

func TestASocketPathTooLongIsExplained(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	err := runOn(t, filepath.Join(dir, "bot.db"), "", "")
	if err == nil || !strings.Contains(err.Error(), "give store.path a shorter one") {
		t.Errorf("run with a database path too long for a socket beside it: %v", err)
	}
}

func TestCommandsSayThereIsNoDatabase(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.db")
	cfg := cliConfig(t, missing)
	for _, args := range [][]string{
		{"status", "-config", cfg},
		{"backup", "-config", cfg, "-o", filepath.Join(dir, "copy.db")},
		{"compact", "-config", cfg},
	} {
		out, err := cli(t, args...)
		if err == nil || !strings.Contains(err.Error(), "no database exists at "+missing) {
			t.Errorf("%s on a missing database: %v\n%s", args[0], err, out)
		}
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a command created %s", missing)
	}
	out, err := cli(t, "restore", "-config", cfg, "-from", filepath.Join(dir, "no-backup.db"))
	if err == nil || !strings.Contains(err.Error(), "no-backup.db does not exist") {
		t.Errorf("restore from a missing backup: %v\n%s", err, out)
	}
}

func TestCommandsExplainADamagedDatabase(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	db, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dbPath, raw[:len(raw)/3], 0o600); err != nil { // cut short
		t.Fatal(err)
	}
	cfg := cliConfig(t, dbPath)
	// run must stop at the database: were it to go on, no Slack answers there.
	runCfg := filepath.Join(t.TempDir(), "run.yaml")
	if err := os.WriteFile(runCfg, []byte("store:\n  path: "+dbPath+"\nslack:\n  api_url: http://127.0.0.1:1/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-test")
	t.Setenv("SLACK_APP_TOKEN", "xapp-test")
	elsewhere := cliConfig(t, filepath.Join(t.TempDir(), "new.db"))
	for _, args := range [][]string{
		{"run", "-config", runCfg},
		{"status", "-config", cfg},
		{"backup", "-config", cfg, "-o", filepath.Join(t.TempDir(), "copy.db")},
		{"compact", "-config", cfg},
		{"restore", "-config", elsewhere, "-from", dbPath},
	} {
		out, err := cli(t, args...)
		if err == nil || !strings.Contains(err.Error(), "is damaged (") || !strings.Contains(err.Error(), "backup") {
			t.Errorf("%s on a damaged database: %v\n%s", args[0], err, out)
		}
	}
	// What the message advises works: restore a backup over the damaged file.
	good := filepath.Join(t.TempDir(), "good.db")
	db, err = store.Open(good, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if out, err := cli(t, "restore", "-config", cfg, "-from", good, "-force"); err != nil {
		t.Fatalf("restore over the damaged database: %v\n%s", err, out)
	}
	if out, err := cli(t, "status", "-config", cfg); err != nil || !strings.Contains(out, "Outbox:") {
		t.Errorf("status after the restore: %v\n%s", err, out)
	}
}
