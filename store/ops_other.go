//go:build !unix

package store

import (
	"errors"
	"os"
	"time"
)

// errLockTimeout says another process kept a file locked past the timeout.
var errLockTimeout = errors.New("lock timeout")

// lockShared does nothing here: on this system the file lock is only taken through bbolt.
func lockShared(*os.File, time.Duration) error { return nil }

// keepOwner does nothing here: files keep the owner the system gives them.
func keepOwner(string, os.FileInfo) error { return nil }
