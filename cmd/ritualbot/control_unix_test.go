//go:build unix

package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/store"
)

func TestCLIAsksTheRunningBotOverItsSocket(t *testing.T) {
	old := syscall.Umask(0) // the socket must be private whatever the umask
	h := startBot(t, slackfake.Options{}, nil)
	syscall.Umask(old)
	if h.main.Config.Ops.Listen != "" {
		t.Fatal("this test needs a bot without ops.listen")
	}
	dbPath := h.main.Config.Store.Path
	sock := dbPath + ".sock"
	fi, err := os.Lstat(sock)
	if err != nil {
		t.Fatalf("no control socket beside the database: %v", err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("control socket %s is %v; want a socket with mode 0600", sock, fi.Mode())
	}
	if err := h.main.DB.Enqueue(noteTo("waiting/1", rituals.Recipient{User: "U02RAJ"})); err != nil {
		t.Fatal(err)
	}
	cfg := cliConfig(t, dbPath)
	out, err := cli(t, "status", "-config", cfg)
	if err != nil || !strings.Contains(out, "Outbox:") || !strings.Contains(out, "Next scheduled runs") && !strings.Contains(out, "Nothing is scheduled") {
		t.Errorf("status while the bot runs: %v\n%s", err, out)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if out, err := cli(t, "backup", "-config", cfg, "-o", backup); err != nil || !strings.Contains(out, "Backup written to "+backup) {
		t.Fatalf("backup while the bot runs: %v\n%s", err, out)
	}
	if err := store.VerifyBackup(backup); err != nil {
		t.Errorf("the backup from the running bot: %v", err)
	}
	if out, err := cli(t, "restore", "-config", cfg, "-from", backup, "-force"); err == nil || !strings.Contains(err.Error(), "the bot is running") {
		t.Errorf("restore while the bot runs: %v\n%s", err, out)
	}
	h.shutdown()
	if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the control socket outlived the bot: %v", err)
	}
	// Stopped: the same commands open the file themselves.
	if out, err := cli(t, "status", "-config", cfg); err != nil || !strings.Contains(out, "1 messages waiting") {
		t.Errorf("status with the bot stopped: %v\n%s", err, out)
	}
}
