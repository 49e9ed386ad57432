package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrNoDatabase is returned by Open with MustExist, and by Compact, when there is no database at
// the path (no file, or for Open an empty one); errors.Is(err, fs.ErrNotExist) holds too.
var ErrNoDatabase = errors.New("no database exists there")

// noDatabaseError says there is no database at a path, in the words of msg.
type noDatabaseError struct{ msg string }

func (e noDatabaseError) Error() string { return e.msg }
func (e noDatabaseError) Is(target error) bool {
	return target == ErrNoDatabase || target == fs.ErrNotExist
}

// checkFile checks the structure of the bbolt file at path before bbolt maps it (see
// checkStructure), holding a shared lock meanwhile so that a bot writing the file is reported as
// using it rather than read half-written. role names the file in errors ("database", "backup").
// recovered reports a file one of whose two meta pages is invalid, so that bbolt reads the other.
func checkFile(path, role string, lockTimeout time.Duration) (recovered bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("%s %s: %w", role, path, err)
	}
	defer f.Close()
	if err := lockShared(f, lockTimeout); errors.Is(err, errLockTimeout) {
		return false, inUseError{path}
	} else if err != nil {
		return false, fmt.Errorf("lock %s %s: %w", role, path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("%s %s: %w", role, path, err)
	}
	recovered, err = checkStructure(f, fi.Size())
	if err != nil {
		return false, damagedError{role: role, path: path, detail: err.Error()}
	}
	return recovered, nil
}

// openBolt opens path with bbolt after checkFile found it sound, reporting a lock held elsewhere
// as in use and, as a last resort, a panic or memory fault inside bbolt as damage.
func openBolt(path, role string, opts *bolt.Options) (b *bolt.DB, err error) {
	err = guard(role, path, func() error {
		b, err = bolt.Open(path, 0o600, opts)
		return err
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, inUseError{path}
	case errors.Is(err, ErrDamaged):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("open %s %s: %w", role, path, err)
	}
	return b, nil
}

// openReadOnly opens the file at path read-only for an operation on a stopped bot's file
// (verify, compact), after checkFile, waiting at most opsLockTimeout for a lock held elsewhere.
func openReadOnly(path, role string) (*bolt.DB, error) {
	if _, err := checkFile(path, role, opsLockTimeout); err != nil {
		return nil, err
	}
	return openBolt(path, role, &bolt.Options{ReadOnly: true, Timeout: opsLockTimeout})
}

// guard runs fn, turning a panic or a memory fault in it (bbolt reading a page that contradicts
// the file) into a damaged-file error. The structure check runs first, so this is the last
// resort, not the way damage is found.
func guard(role, path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damagedError{role: role, path: path, detail: fmt.Sprint(r)}
		}
	}()
	return fn()
}

// checkPages checks the page structure of tx's file as it is on disk (checkStructure); name
// names it in errors. tx must see the file's newest state with no writer running: a copy just
// written and synced, or a file opened read-only.
func checkPages(tx *bolt.Tx, name string) error {
	f, err := os.Open(tx.DB().Path())
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if _, err := checkStructure(f, fi.Size()); err != nil {
		return fmt.Errorf("%s is damaged: %w", name, err)
	}
	return nil
}
