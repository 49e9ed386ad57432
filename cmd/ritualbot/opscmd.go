package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/store"
)

// opsClientTimeout bounds a CLI request to the running bot that is not a backup.
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

// askRunningBot GETs path from the bot running on cfg's database, over its control socket;
// timeout bounds the whole request (0: no bound, for backups). ok is false when no bot answers
// there (no socket, or one a stopped bot left), so the caller can open the file itself.
func askRunningBot(cfg *Config, path string, timeout time.Duration) (resp *http.Response, ok bool, err error) {
	sock := controlSocket(cfg.Store.Path)
	dialer := net.Dialer{Timeout: 5 * time.Second}
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return dialer.DialContext(ctx, "unix", sock) },
	}}
	resp, err = client.Get("http://ritualbot" + path)
	switch {
	case err == nil:
		return resp, true, nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
		return nil, false, nil // the bot is stopped
	case errors.Is(err, fs.ErrPermission):
		return nil, false, fmt.Errorf("the running bot's control socket %s is not yours (permission denied): run this as the bot's user", sock)
	}
	return nil, false, fmt.Errorf("ask the running bot over %s: %w", sock, err)
}

// openStopped opens the database of a stopped bot for a command that reads it: one that does not
// exist is reported, not created.
func openStopped(cfg *Config) (*store.DB, error) {
	db, err := store.Open(cfg.Store.Path, store.Options{LockTimeout: time.Duration(cfg.Store.LockTimeout), MustExist: true})
	if errors.Is(err, store.ErrInUse) {
		return nil, fmt.Errorf("%w, and no bot answers on its control socket %s (a ritualbot older than this one, or one starting or stopping): try again, or restart the bot", err, controlSocket(cfg.Store.Path))
	}
	return db, err
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
	resp, err := (&http.Client{Timeout: opsClientTimeout}).Get(opsURL(cfg) + "/healthz")
	if err != nil {
		return fmt.Errorf("no bot answers on %s: %w", cfg.Ops.Listen, err)
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
	resp, ok, err := askRunningBot(cfg, "/backup", 0)
	if err != nil {
		return err
	}
	var n int64
	if ok {
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			return fmt.Errorf("the running bot could not make the backup: %s", strings.TrimSpace(string(b)))
		}
		if n, err = writeAtomically(out, resp.Body); err != nil {
			return err
		}
		if err := store.VerifyBackup(out); err != nil {
			os.Remove(out)
			return fmt.Errorf("the backup from the running bot is not valid: %w", err)
		}
	} else {
		db, err := openStopped(cfg)
		if err != nil {
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
	if resp, ok, _ := askRunningBot(cfg, "/status", opsClientTimeout); ok {
		resp.Body.Close()
		return errors.New("the bot is running; stop it before restoring")
	}
	if _, err := os.Stat(from); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup %s does not exist", from)
	} else if err != nil {
		return err
	}
	if err := store.Restore(from, cfg.Store.Path, force); err != nil {
		return err
	}
	// The bot that ran on after the backup may have sent messages it knows nothing of: those
	// queued in it, and those of runs it will catch up. Have them checked against Slack first.
	db, err := store.Open(cfg.Store.Path, store.Options{LockTimeout: time.Duration(cfg.Store.LockTimeout), MustExist: true})
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
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// statusFromRunningBot prints the running bot's status; ok is false when no bot answers.
func statusFromRunningBot(cfg *Config, stdout io.Writer) (bool, error) {
	resp, ok, err := askRunningBot(cfg, "/status", opsClientTimeout)
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
