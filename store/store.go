// Package store keeps ritualbot's state in one bbolt file: schema, run ledger, outbox and the
// records each ritual declares. It implements the storage interfaces the rituals packages declare.
package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrInUse is returned by Open when another process holds the database file.
var ErrInUse = errors.New("database is in use by another process")

// inUseError names the file another process holds.
type inUseError struct{ path string }

func (e inUseError) Error() string        { return "database " + e.path + " is in use by another process" }
func (e inUseError) Is(target error) bool { return target == ErrInUse }

// ErrNewerSchema is returned by Open when the file was written by a newer ritualbot.
var ErrNewerSchema = errors.New("database was written by a newer ritualbot")

// Options tune Open.
type Options struct {
	// LockTimeout is how long to wait for another process to release the file; 0 means 2s.
	LockTimeout time.Duration
	// NoSync skips fsync on commit; only for tests and benchmarks.
	NoSync bool
	// Logger receives store messages; nil discards them.
	Logger *slog.Logger
	// MustExist refuses to create the database: commands that read one say that none exists
	// (ErrNoDatabase) rather than create an empty one.
	MustExist bool
}

// DB is an open ritualbot database.
type DB struct {
	bolt *boltDB
	path string
	log  *slog.Logger

	// Now returns the current time; tests replace it.
	Now func() time.Time
}

var (
	bucketMeta = []byte("meta")
	keySchema  = []byte("schema")
)

// buckets lists every bucket; each file registers its own with registerBuckets. They are created
// (if missing) at every Open, so a new bucket needs no migration step.
var buckets [][]byte

// registerBuckets adds names to the buckets created at Open; it returns true so files can call it
// in a package-level declaration.
func registerBuckets(names ...[]byte) bool {
	buckets = append(buckets, names...)
	return true
}

var _ = registerBuckets(bucketMeta)

// migrations change the shape of stored records from schema i to i+1; the schema version is
// len(migrations). Append only: a released step never changes. Buckets are not migrations.
var migrations = []func(tx *bolt.Tx) error{
	// 1: the first schema; nothing to convert.
	func(*bolt.Tx) error { return nil },
	// 2: the retention index (bucketRetention): digest updates, asks and kudos, delivery and run
	// records, by time.
	migrateRetentionIndex,
	// 3: working hours people set for coffee (bucketCoffeeHours, created at Open); nothing to
	// convert, but a file of schema 2 lacks the bucket, so it is a new schema.
	func(*bolt.Tx) error { return nil },
}

// SchemaVersion is the schema this binary writes.
func SchemaVersion() int { return len(migrations) }

// Open opens or creates the database at path, waits at most LockTimeout for another process to
// release it, and migrates it to the current schema. An existing file is checked before bbolt
// reads it (checkFile): a damaged one gives ErrDamaged, with what to do, and is left as it is.
func Open(path string, opts Options) (*DB, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	log := opts.Logger.With("component", "store")
	kind, _, err := sniffFile(path)
	switch {
	case err != nil:
		return nil, fmt.Errorf("open database %s: %w", path, err)
	case kind == fileMissing && opts.MustExist:
		return nil, noDatabaseError{"no database exists at " + path}
	case kind == fileEmpty && opts.MustExist:
		return nil, noDatabaseError{"database " + path + " is empty: no database was ever written there"}
	case kind == fileForeign:
		return nil, fmt.Errorf("%s is not a ritualbot database (no bbolt header); move it away or point store.path elsewhere", path)
	case kind == fileBolt:
		recovered, err := checkFile(path, "database", opts.LockTimeout)
		if err != nil {
			return nil, err
		}
		if recovered {
			log.Warn("one of the database's two meta pages is damaged; bbolt reads the other, and the next write rewrites it", "path", path)
		}
	}
	b, err := openLocked(path, opts)
	if err != nil {
		return nil, err
	}
	db := &DB{bolt: &boltDB{DB: b}, path: path, log: log, Now: time.Now}
	db.bolt.now = func() time.Time { return db.Now() }
	if err := guard("database", path, db.migrate); err != nil {
		b.Close()
		if errors.Is(err, ErrDamaged) {
			return nil, err
		}
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return db, nil
}

// openLocked opens path with bbolt's lock. While it waited for the lock, compact or restore may
// have renamed a new file over path: then the lock it holds is the old file's, so it opens again.
func openLocked(path string, opts Options) (*bolt.DB, error) {
	for range 3 {
		before, statErr := os.Stat(path)
		b, err := openBolt(path, "database", &bolt.Options{Timeout: opts.LockTimeout, NoSync: opts.NoSync})
		if err != nil {
			return nil, err
		}
		after, err := os.Stat(path)
		if statErr != nil || (err == nil && os.SameFile(before, after)) {
			return b, nil
		}
		b.Close()
	}
	return nil, fmt.Errorf("open database %s: the file kept being replaced while opening it", path)
}

func (db *DB) migrate() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if err := createBuckets(tx, buckets...); err != nil {
			return err
		}
		version := 0
		if v := meta.Get(keySchema); v != nil {
			version = int(binary.BigEndian.Uint64(v))
		}
		if version > len(migrations) {
			return fmt.Errorf("%w (schema %d; this binary knows up to %d): upgrade ritualbot", ErrNewerSchema, version, len(migrations))
		}
		for ; version < len(migrations); version++ {
			if err := migrations[version](tx); err != nil {
				return fmt.Errorf("migrate to schema %d: %w", version+1, err)
			}
			db.log.Info("migrated database", "schema", version+1)
		}
		return meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, uint64(version)))
	})
}

// Schema returns the schema version stored in the file.
func (db *DB) Schema() (int, error) {
	var version int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keySchema); v != nil {
			version = int(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	return version, err
}

// Path is the file the database lives in.
func (db *DB) Path() string { return db.path }

// Close releases the file.
func (db *DB) Close() error { return db.bolt.Close() }

func createBuckets(tx *bolt.Tx, names ...[]byte) error {
	for _, name := range names {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// clone copies a byte slice out of a transaction.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
