package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/ritualbot/ritualbot/bot/slackfake"
)

// subcommandAbout is, for every subcommand, words its -h must say about what it does.
var subcommandAbout = map[string]string{
	"run":      "Socket Mode",
	"demo":     "emulator",
	"check":    "Validates",
	"manifest": "app manifest",
	"status":   "outbox",
	"health":   "/healthz",
	"backup":   "consistent copy",
	"restore":  "backup",
	"compact":  "free pages",
	"version":  "build",
}

func TestTopHelpListsEverySubcommandWithOneLine(t *testing.T) {
	for _, flagName := range []string{"-h", "--help", "help"} {
		var out, errOut bytes.Buffer
		if err := runMain(t.Context(), []string{flagName}, &out, &errOut); err != nil {
			t.Fatalf("ritualbot %s: %v", flagName, err)
		}
		lines := strings.Split(out.String(), "\n")
		for name := range subcommandAbout {
			found := false
			for _, l := range lines {
				if f := strings.Fields(l); len(f) > 2 && f[0] == name {
					found = true
				}
			}
			if !found {
				t.Errorf("ritualbot %s lacks a line for %s:\n%s", flagName, name, out.String())
			}
		}
	}
}

func TestEverySubcommandHelpSaysWhatItDoesAndItsFlags(t *testing.T) {
	for name, about := range subcommandAbout {
		var out, errOut bytes.Buffer
		err := runMain(t.Context(), []string{name, "-h"}, &out, &errOut)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s -h: want flag.ErrHelp (exit 0), got %v", name, err)
		}
		help := errOut.String()
		if !strings.Contains(help, "Usage: ritualbot ") || !strings.Contains(help, about) {
			t.Errorf("%s -h does not say what it does (want %q):\n%s", name, about, help)
		}
		if name != "version" && name != "demo" && !strings.Contains(help, "-config") {
			t.Errorf("%s -h does not list its flags:\n%s", name, help)
		}
	}
}

func TestVersionPrintsBuildInfo(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := runMain(t.Context(), []string{"version"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "ritualbot ") || !strings.Contains(out.String(), runtime.Version()) {
		t.Errorf("version output:\n%s", out.String())
	}
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/ritualbot/ritualbot", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-11-29T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}, {Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "arm64"}}}
	got := formatVersion(info)
	for _, want := range []string{"ritualbot v1.4.0", "0123456789abcdef0123", "2026-11-29T10:00:00Z", "uncommitted changes", "go1.26.8", "linux/arm64"} {
		if !strings.Contains(got, want) {
			t.Errorf("version lacks %q:\n%s", want, got)
		}
	}
}

func TestWrongTokensExitWithConfigurationStatus(t *testing.T) {
	// systemd's RestartPreventExitStatus=78 stops restarting on a wrong token: it must exit 78.
	for _, tokens := range [][2]string{{"xoxb-not-the-right-one", ""}, {"", "xapp-not-the-right-one"}} {
		if err := runWithTokens(t, tokens[0], tokens[1]); exitCode(err) != exitConfig {
			t.Errorf("tokens %q: exit status %d, want %d: %v", tokens, exitCode(err), exitConfig, err)
		}
	}
}

func TestExitStatusTellsAConfigurationMistakeFromACrash(t *testing.T) {
	// Go exits 2 on a panic, and a crash should be restarted: a wrong configuration, which a
	// restart cannot fix, must exit with another status.
	if exitConfig == 2 || exitConfig == 1 {
		t.Fatalf("exitConfig = %d is also the status of a crash", exitConfig)
	}
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("cofee: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLACK_BOT_TOKEN", "")
	for _, args := range [][]string{{"check", "-config", path}, {"run", "-config", path}, {"status", "-config", path}, {"run", "-config", filepath.Join("..", "..", "config.example.yaml")}} {
		err := runMain(t.Context(), args, io.Discard, io.Discard)
		if got := exitCode(err); got != exitConfig {
			t.Errorf("%v: exit status %d, want %d: %v", args, got, exitConfig, err)
		}
	}
	for _, args := range [][]string{{"chekc"}, {"check", "-nope"}, {"backup", "-config", path + ".missing"}} {
		if got := exitCode(runMain(t.Context(), args, io.Discard, io.Discard)); got != exitUsage && args[0] != "backup" {
			t.Errorf("%v: exit status %d, want %d", args, got, exitUsage)
		}
	}
	if got := exitCode(runMain(t.Context(), []string{"check", "-h"}, io.Discard, io.Discard)); got != 0 {
		t.Errorf("check -h: exit status %d, want 0", got)
	}
}

func TestRunLogsOneLineAtShutdown(t *testing.T) {
	h := startBot(t, slackfake.Options{}, nil)
	h.shutdown()
	var stopped []string
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(l, "ritualbot stopped") {
			stopped = append(stopped, l)
		}
	}
	if len(stopped) != 1 {
		t.Fatalf("want one shutdown line, got %d:\n%s", len(stopped), h.logs.String())
	}
	for _, want := range []string{"reason=", "ran="} {
		if !strings.Contains(stopped[0], want) {
			t.Errorf("shutdown line lacks %s: %s", want, stopped[0])
		}
	}
}

func TestVersionShowsARevisionStampedWithoutGit(t *testing.T) {
	// A docker build has no .git (see .dockerignore): the Dockerfile stamps the revision instead.
	old := stampedRevision
	t.Cleanup(func() { stampedRevision = old })
	stampedRevision = "4f2a9c1"
	got := formatVersion(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/ritualbot/ritualbot", Version: "(devel)"}})
	if !strings.Contains(got, "revision  4f2a9c1") {
		t.Errorf("stamped revision not shown:\n%s", got)
	}
}
