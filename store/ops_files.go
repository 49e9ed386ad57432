package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// opsLockTimeout is how long the operations that open a database file themselves (VerifyBackup,
// Restore, Compact) wait for another process to release it. A running bot holds its file for as
// long as it runs, so waiting longer would not help.
const opsLockTimeout = time.Second

// existsError refuses to replace an existing file without force.
type existsError struct{ path string }

func (e existsError) Error() string        { return e.path + " exists; pass -force to overwrite it" }
func (e existsError) Is(target error) bool { return target == fs.ErrExist }

// createTemp creates an empty temporary file next to path, named after it and hidden, so that it
// can be renamed onto path atomically. role names the directory in errors ("backup", "database").
func createTemp(path, role string) (*os.File, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err == nil {
		return f, nil
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s directory %s does not exist", role, dir)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("%s directory %s is not writable (permission denied)", role, dir)
	}
	if fi, serr := os.Stat(dir); serr == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%s directory %s is not a directory", role, dir)
	}
	return nil, fmt.Errorf("cannot write in %s directory %s: %w", role, dir, err)
}

// install moves the finished temporary file tmp to path: without force it never replaces a file
// that exists, even one that appeared while tmp was written. tmp is gone afterwards either way.
func install(tmp, path string, force bool) error {
	defer os.Remove(tmp) // after a rename or a failure; after a link it is the spare name
	if force {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("replace %s: %w", path, err)
		}
		return syncDir(filepath.Dir(path))
	}
	err := os.Link(tmp, path)
	switch {
	case errors.Is(err, fs.ErrExist):
		return existsError{path}
	case err != nil:
		// The file system has no hard links: check, then rename (a narrow race, but no worse).
		if _, serr := os.Lstat(path); serr == nil {
			return existsError{path}
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes a rename in dir durable. Not every system can sync a directory: that is not an
// error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	_ = d.Sync()
	return nil
}

// refuseExisting returns existsError when path exists and force is not set.
func refuseExisting(path string, force bool) error {
	if force {
		return nil
	}
	if _, err := os.Lstat(path); err == nil {
		return existsError{path}
	}
	return nil
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// fileKind is what sniffFile found at a path.
type fileKind int

const (
	fileMissing fileKind = iota
	fileEmpty
	fileBolt
	fileForeign
)

// sniffFile tells a bbolt file from an empty, a missing or a foreign one, from its meta pages
// (either will do: bbolt recovers from the second when the first is wiped), and returns its
// FileInfo when it exists. A directory is an error.
func sniffFile(path string) (fileKind, os.FileInfo, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileMissing, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	if fi.IsDir() {
		return 0, fi, fmt.Errorf("%s is a directory", path)
	}
	if fi.Size() == 0 {
		return fileEmpty, fi, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fi, err
	}
	defer f.Close()
	if !hasBoltHeader(f, fi.Size()) {
		return fileForeign, fi, nil
	}
	return fileBolt, fi, nil
}
