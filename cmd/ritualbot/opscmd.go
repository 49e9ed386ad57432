package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/store"
)

// opsClientTimeout bounds a CLI request to the running bot.
const opsClientTimeout = 10 * time.Second

// opsURL is where the running bot's ops listener answers, or "" when none is configured.
func opsURL(cfg *Config) string {
	addr := cfg.Ops.Listen
	if addr == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// askRunningBot GETs path from the running bot. ok is false when no bot answers (not configured,
// or not running), so the caller can open the file itself.
func askRunningBot(cfg *Config, path string) (resp *http.Response, ok bool, err error) {
	base := opsURL(cfg)
	if base == "" {
		return nil, false, nil
	}
	client := &http.Client{Timeout: opsClientTimeout}
	resp, err = client.Get(base + path)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			return nil, false, nil // nothing listening: the bot is stopped
		}
		return nil, false, err
	}
	return resp, true, nil
}

// opsFlags parses -config plus the subcommand's own flags.
func opsFlags(name string, args []string, stderr io.Writer, define func(*flag.FlagSet)) (*Config, error) {
	fs := newFlagSet(name, stderr)
	path := fs.String("config", "ritualbot.yaml", "configuration `file`")
	if define != nil {
		define(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, usageError{err}
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))}
	}
	return configFlag(name, []string{"-config", *path}, stderr)
}

func cmdHealth(args []string, stdout, stderr io.Writer) error {
	cfg, err := opsFlags("health", args, stderr, nil)
	if err != nil {
		return err
	}
	if cfg.Ops.Listen == "" {
		return usageError{errors.New("ops.listen is not set in the configuration; health asks the running bot there")}
	}
	resp, ok, err := askRunningBot(cfg, "/healthz")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no bot answers on %s", cfg.Ops.Listen)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(stdout, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy (%s)", resp.Status)
	}
	return nil
}

func cmdBackup(args []string, stdout, stderr io.Writer) error {
	var out string
	var force bool
	cfg, err := opsFlags("backup", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "o", "", "write the backup to `path`")
		fs.BoolVar(&force, "force", false, "overwrite an existing file")
	})
	if err != nil {
		return err
	}
	if out == "" {
		return usageError{errors.New("backup: say where with -o PATH")}
	}
	if _, err := os.Stat(out); err == nil && !force {
		return usageError{fmt.Errorf("%s exists; pass -force to overwrite it", out)}
	}
	resp, ok, err := askRunningBot(cfg, "/backup")
	if err != nil {
		return err
	}
	var n int64
	if ok {
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("the running bot refused the backup: %s", resp.Status)
		}
		if n, err = writeAtomically(out, resp.Body); err != nil {
			return err
		}
		if err := store.VerifyBackup(out); err != nil {
			os.Remove(out)
			return fmt.Errorf("the backup from the running bot is not valid: %w", err)
		}
	} else {
		db, err := store.Open(cfg.Store.Path, store.Options{LockTimeout: time.Duration(cfg.Store.LockTimeout)})
		if err != nil {
			if errors.Is(err, store.ErrInUse) {
				return fmt.Errorf("%w; set ops.listen so that backup can ask the running bot", err)
			}
			return err
		}
		defer db.Close()
		if n, err = store.BackupToFile(db, out, force); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "Backup written to %s (%d bytes).\n", out, n)
	return nil
}

// writeAtomically writes r to a temporary file beside path, then renames it over path.
func writeAtomically(path string, r io.Reader) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ritualbot-backup-*")
	if err != nil {
		return 0, fmt.Errorf("cannot write in %s: %w", filepath.Dir(path), err)
	}
	n, err := io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return 0, err
	}
	return n, nil
}

func cmdRestore(args []string, stdout, stderr io.Writer) error {
	var from string
	var force bool
	cfg, err := opsFlags("restore", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "the backup `file` to restore")
		fs.BoolVar(&force, "force", false, "replace an existing database")
	})
	if err != nil {
		return err
	}
	if from == "" {
		return usageError{errors.New("restore: name the backup with -from PATH")}
	}
	if _, ok, _ := askRunningBot(cfg, "/healthz"); ok {
		return errors.New("the bot is running; stop it before restoring")
	}
	if _, err := os.Stat(from); err != nil {
		return err
	}
	if err := store.Restore(from, cfg.Store.Path, force); err != nil {
		return err
	}
	// The bot that ran on after the backup may have sent messages it knows nothing of: those
	// queued in it, and those of runs it will catch up. Have them checked against Slack first.
	db, err := store.Open(cfg.Store.Path, store.Options{LockTimeout: time.Duration(cfg.Store.LockTimeout)})
	if err != nil {
		return err
	}
	defer db.Close()
	window := catchUpWindow(cfg)
	n, err := db.MarkRestored(window)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Restored %s to %s. Start the bot: it resumes from there. What it sends first (%d queued messages, "+
		"and the messages of what it catches up during its first %s) is looked for in Slack before it is sent, so nothing "+
		"the bot sent after the backup goes out twice.\n", from, cfg.Store.Path, n, window)
	return nil
}

// catchUpWindow is how long after now a run due before now may still be caught up: the longest
// grace of any scheduled job.
func catchUpWindow(cfg *Config) time.Duration {
	window := schedule.MinGrace
	for _, r := range cfg.Rituals() {
		for _, rc := range r.Channels {
			window = max(window, time.Duration(rc.Grace))
		}
	}
	for _, d := range cfg.Digest {
		window = max(window, time.Duration(d.CheckinGrace))
	}
	return window
}

func cmdCompact(args []string, stdout, stderr io.Writer) error {
	cfg, err := opsFlags("compact", args, stderr, nil)
	if err != nil {
		return err
	}
	before, after, err := store.Compact(cfg.Store.Path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Compacted %s: %s → %s.\n", cfg.Store.Path, humanBytes(before), humanBytes(after))
	return nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// statusFromRunningBot prints the running bot's status; ok is false when no bot answers.
func statusFromRunningBot(cfg *Config, stdout io.Writer) (bool, error) {
	resp, ok, err := askRunningBot(cfg, "/status")
	if err != nil || !ok {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return true, fmt.Errorf("the running bot answered %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	_, err = io.Copy(stdout, resp.Body)
	return true, err
}
