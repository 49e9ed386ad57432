package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole database file to w while the bot keeps running:
// one read transaction, so writers are not stopped (a very long backup only delays the file's
// growth). It returns the bytes written. The copy includes bbolt's free pages, and with them
// whatever was on them: erased records can survive there until the pages are reused (see
// Compact).
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup of %s: %w", db.path, err)
	}
	return n, nil
}

// VerifyBackup checks that the file at path is a complete ritualbot database this binary can
// open: a bbolt file whose pages are sound (checkFile: a damaged file gives ErrDamaged), opened
// read-only, waiting at most a second for its lock, whose schema version is one this binary
// knows, with every registered bucket. A file the running bot holds is reported as in use.
func VerifyBackup(path string) error {
	return verifyFile(path, "backup")
}

// verifyFile is VerifyBackup, with role naming the file in errors.
func verifyFile(path, role string) error {
	kind, _, err := sniffFile(path)
	switch {
	case err != nil:
		return fmt.Errorf("%s %s: %w", role, path, err)
	case kind == fileMissing:
		return fmt.Errorf("%s %s does not exist", role, path)
	case kind == fileEmpty:
		return fmt.Errorf("%s %s is empty, not a ritualbot database", role, path)
	case kind == fileForeign:
		return fmt.Errorf("%s %s is not a ritualbot database (no bbolt header)", role, path)
	}
	b, err := openReadOnly(path, role)
	if err != nil {
		return err
	}
	defer b.Close()
	return guard(role, path, func() error {
		return b.View(func(tx *bolt.Tx) error { return checkRitualbot(tx, role+" "+path) })
	})
}

// checkRitualbot checks, inside tx, the schema and the registered buckets (those its schema has);
// name names the file in errors. The page structure was checked before bbolt opened the file
// (checkFile).
func checkRitualbot(tx *bolt.Tx, name string) error {
	if err := checkSchema(tx, name); err != nil {
		return err
	}
	version := binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keySchema)) // checked above
	var missing []string
	for _, b := range buckets {
		if tx.Bucket(b) == nil && version >= uint64(bucketSchema[string(b)]) {
			missing = append(missing, string(b))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s lacks bucket %s: not a complete ritualbot database", name, strings.Join(missing, ", "))
	}
	return nil
}

// checkSchema checks that tx's file has a schema version this binary knows.
func checkSchema(tx *bolt.Tx, name string) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return fmt.Errorf("%s is not a ritualbot database (no %s bucket)", name, bucketMeta)
	}
	v := meta.Get(keySchema)
	if len(v) != 8 || binary.BigEndian.Uint64(v) == 0 {
		return fmt.Errorf("%s is not a ritualbot database (no schema version)", name)
	}
	if version := binary.BigEndian.Uint64(v); version > uint64(SchemaVersion()) {
		return fmt.Errorf("%s: %w (schema %d; this binary knows up to %d): upgrade ritualbot", name, ErrNewerSchema, version, SchemaVersion())
	}
	return nil
}

// Backup file names: BackupName writes them, BackupTime reads them, PruneBackups keeps the newest.
const (
	backupPrefix     = "ritualbot-"
	backupSuffix     = ".db"
	backupTimeLayout = "20060102T150405Z"
)

// BackupName is the file name of a scheduled backup taken at t, e.g. ritualbot-20261125T031900Z.db
// (UTC, to the second): names sort in time order.
func BackupName(t time.Time) string {
	return backupPrefix + t.UTC().Format(backupTimeLayout) + backupSuffix
}

// BackupTime returns the time in a name BackupName wrote, and false for any other name.
func BackupTime(name string) (time.Time, bool) {
	stamp, ok := strings.CutPrefix(name, backupPrefix)
	if !ok {
		return time.Time{}, false
	}
	if stamp, ok = strings.CutSuffix(stamp, backupSuffix); !ok || len(stamp) != len(backupTimeLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(backupTimeLayout, stamp)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// PruneBackups deletes from dir every backup named by BackupName except the newest keep (by the
// time in the name), and returns the paths deleted, oldest first. Other files, subdirectories and
// the temporary files of a backup in progress are left alone. keep must be at least 1.
func PruneBackups(dir string, keep int) ([]string, error) {
	if keep < 1 {
		return nil, fmt.Errorf("keep %d backups: keep must be at least 1", keep)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("backup directory: %w", err)
	}
	type backup struct {
		name string
		at   time.Time
	}
	var found []backup
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if at, ok := BackupTime(e.Name()); ok {
			found = append(found, backup{e.Name(), at})
		}
	}
	if len(found) <= keep {
		return nil, nil
	}
	slices.SortFunc(found, func(a, b backup) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	var deleted []string
	for _, b := range found[:len(found)-keep] {
		p := filepath.Join(dir, b.name)
		if err := os.Remove(p); err != nil {
			return deleted, fmt.Errorf("delete old backup: %w", err)
		}
		deleted = append(deleted, p)
	}
	return deleted, nil
}

// Restore replaces the database at dbPath with the backup at backupPath; the bot must be stopped.
// The backup is verified first (VerifyBackup). An existing dbPath is replaced only with force,
// only if it is a bbolt file (or empty: a foreign file is never overwritten), and only while no
// process holds it ("database PATH is in use by another process" otherwise; its lock is held
// until the replacement is in place). The backup is copied to a temporary file next to dbPath,
// synced, verified again and renamed into place, keeping the replaced file's permissions and
// owner: dbPath is either the old database or the complete backup.
func Restore(backupPath, dbPath string, force bool) error {
	if err := VerifyBackup(backupPath); err != nil {
		return err
	}
	if sameFile(backupPath, dbPath) {
		return fmt.Errorf("%s is the backup itself", dbPath)
	}
	kind, old, err := sniffFile(dbPath)
	if err != nil {
		return fmt.Errorf("database %s: %w", dbPath, err)
	}
	perm := os.FileMode(0o600)
	if kind != fileMissing {
		if err := refuseExisting(dbPath, force); err != nil {
			return err
		}
		if kind == fileForeign {
			return fmt.Errorf("%s is not a ritualbot database (no bbolt header); refusing to replace it", dbPath)
		}
		lock, err := os.Open(dbPath)
		if err != nil {
			return fmt.Errorf("database %s: %w", dbPath, err)
		}
		defer lock.Close()
		if err := lockShared(lock, opsLockTimeout); errors.Is(err, errLockTimeout) {
			return inUseError{dbPath}
		} else if err != nil {
			return fmt.Errorf("lock database %s: %w", dbPath, err)
		}
		perm = old.Mode().Perm()
	}
	f, err := createTemp(dbPath, "database")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = copyFrom(f, backupPath)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && old != nil {
		err = keepOwner(tmp, old)
	}
	if err == nil {
		err = verifyFile(tmp, "restored copy")
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore %s: %w", dbPath, err)
	}
	return install(tmp, dbPath, force)
}

// copyFrom copies the file at path to w.
func copyFrom(w io.Writer, path string) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = io.Copy(w, src)
	return err
}
