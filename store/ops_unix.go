//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// errLockTimeout says another process kept a file locked past the timeout.
var errLockTimeout = errors.New("lock timeout")

// lockShared takes a shared lock on f the way bbolt does (flock), so that it fails while a bot
// holds the file and makes a bot that starts meanwhile wait. It gives up after timeout with
// errLockTimeout. The lock goes when f is closed.
func lockShared(f *os.File, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if err != syscall.EWOULDBLOCK {
			return err
		}
		if time.Now().After(deadline) {
			return errLockTimeout
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// keepOwner gives path the owner and group of ref (the file it replaces), so that a bot running
// as another user than the operator can still open it. Nothing is done when they already match.
func keepOwner(path string, ref os.FileInfo) error {
	want, ok := ref.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	have, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || (have.Uid == want.Uid && have.Gid == want.Gid) {
		return nil
	}
	return os.Chown(path, int(want.Uid), int(want.Gid))
}
