package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// controlSocket is the Unix socket on which the running bot answers `ritualbot status` and
// `ritualbot backup`: beside its database, so the commands find it from the configuration alone,
// and never on the network (ops.listen serves only /healthz and /metrics).
func controlSocket(dbPath string) string { return dbPath + ".sock" }

// maxSocketPath is the longest socket path every Unix accepts (sun_path is 104 bytes on the BSDs
// and macOS, 108 on Linux, with its terminating NUL).
const maxSocketPath = 103

// control is the bot's side of the control socket.
type control struct {
	ln   *net.UnixListener
	path string
	made os.FileInfo // the socket this bot made, so that it removes only that one
	srv  *http.Server
}

// listenControl creates the control socket, readable and writable by the bot's user only from
// its first moment whatever the umask: it is bound inside a new directory only the owner may
// enter, made 0600 there, then renamed into place. A socket already at the path was left by a
// bot that stopped without removing it (this bot holds the database's lock, so no other runs on
// this file): it is replaced. Anything else at the path is left alone and reported.
func (m *Main) listenControl() (*control, error) {
	path := controlSocket(m.Config.Store.Path)
	// The socket is bound at <dir>/.cNNNNNNNNNN/s (see below), then renamed to path.
	if longest := max(len(path), len(filepath.Join(filepath.Dir(path), ".c0123456789", "s"))); longest > maxSocketPath {
		return nil, fmt.Errorf("control socket %s: the path is longer than the %d bytes a Unix socket allows; give store.path a shorter one", path, maxSocketPath)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("control socket %s exists and is not a socket; move it away", path)
		}
		m.Logger.Info("replacing the control socket a stopped bot left", "component", "control", "path", path)
	}
	private, err := os.MkdirTemp(filepath.Dir(path), ".c")
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	defer os.RemoveAll(private)
	bound := filepath.Join(private, "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: bound, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(false) // it is renamed: the bot removes it itself (close)
	err = os.Chmod(bound, 0o600)
	if err == nil {
		err = os.Rename(bound, path)
	}
	var made os.FileInfo
	if err == nil {
		made, err = os.Lstat(path)
	}
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	return &control{ln: ln, path: path, made: made, srv: &http.Server{Handler: m.controlHandler(), ReadHeaderTimeout: 5 * time.Second}}, nil
}

// serve answers on the control socket until ctx is done.
func (c *control) serve(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.srv.Shutdown(shutdown)
	}()
	if err := c.srv.Serve(c.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// close stops listening and removes the socket, if it is still the one this bot made.
func (c *control) close() {
	c.srv.Close()
	c.ln.Close()
	if fi, err := os.Lstat(c.path); err == nil && os.SameFile(fi, c.made) {
		os.Remove(c.path)
	}
}

// controlHandler serves the CLI over the control socket: /status (text) and /backup (a
// compacted, consistent copy of the database).
func (m *Main) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		stats, err := m.DB.Stats()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, formatOutboxStats(stats, m.Now())+upcomingOnTerminal(m.Scheduler.NextRuns(m.Now(), 5), m.Config.Location())+formatSettings(m.effective()))
	})
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		out := &countingWriter{w: w}
		_, err := m.DB.CompactBackup(out)
		switch {
		case err != nil && out.n == 0:
			http.Error(w, "backup failed: "+err.Error(), http.StatusInternalServerError)
			fallthrough
		case err != nil:
			m.Logger.Error("backup over the control socket failed", "component", "control", "err", err)
		default:
			m.Logger.Info("backup sent over the control socket", "component", "control", "bytes", out.n)
		}
	})
	return mux
}

// countingWriter counts what went through it.
type countingWriter struct {
	w http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
