package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// healthyFile writes a ritualbot database with enough records for branch pages (the outbox) and a
// value spanning several pages, closes it, and returns its path and bytes.
func healthyFile(t testing.TB) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "healthy.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if err := db.Enqueue(opsNote(fmt.Sprintf("note/%04d", i), opsAlice)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte("test_blob"), bytes.Repeat([]byte("blob "), 4000))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, raw
}

// fileLayout is what the damage recipes need to know about a healthy file.
type fileLayout struct {
	pageSize   int
	outboxRoot int // a branch page: the outbox holds hundreds of records
	metaRoot   int // a leaf page: the meta bucket's records
	freelist   int
}

func layoutOf(t testing.TB, path string) fileLayout {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var l fileLayout
	l.pageSize = b.Info().PageSize
	err = b.View(func(tx *bolt.Tx) error {
		l.outboxRoot = int(tx.Bucket(bucketOutbox).Root())
		l.metaRoot = int(tx.Bucket(bucketMeta).Root())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l.freelist = int(currentMetaField(t, path, l.pageSize, 32))
	if l.outboxRoot == 0 || l.metaRoot == 0 {
		t.Fatalf("the fixture has inline buckets: %+v", l)
	}
	return l
}

// currentMetaField reads the 8-byte field at off in the meta page with the higher transaction id.
func currentMetaField(t testing.TB, path string, pageSize, off int) uint64 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	field := func(page, off int) uint64 { return binary.NativeEndian.Uint64(raw[page*pageSize+16+off:]) }
	const txid = 48
	if field(1, txid) > field(0, txid) {
		return field(1, off)
	}
	return field(0, off)
}

// damages are ways a database file gets broken, each applied to a copy of a healthy file: a
// truncated copy, pages overwritten, a header claiming more than the file holds.
var damages = map[string]func(raw []byte, l fileLayout) []byte{
	"truncated": func(raw []byte, l fileLayout) []byte { return raw[:len(raw)/2] },
	"cut inside the meta pages": func(raw []byte, l fileLayout) []byte {
		return raw[:l.pageSize+100]
	},
	"garbled branch page": func(raw []byte, l fileLayout) []byte {
		r := rand.New(rand.NewPCG(1, 2))
		page := raw[l.outboxRoot*l.pageSize : (l.outboxRoot+1)*l.pageSize]
		for i := range page {
			page[i] = byte(r.UintN(256))
		}
		return raw
	},
	"huge overflow count": func(raw []byte, l fileLayout) []byte {
		binary.NativeEndian.PutUint32(raw[l.outboxRoot*l.pageSize+12:], 0x7ffffff0)
		return raw
	},
	"child page beyond the end": func(raw []byte, l fileLayout) []byte {
		// The first branch element: pos u32, ksize u32, pgid u64.
		binary.NativeEndian.PutUint64(raw[l.outboxRoot*l.pageSize+16+8:], 1<<40)
		return raw
	},
	"page that names another id": func(raw []byte, l fileLayout) []byte {
		binary.NativeEndian.PutUint64(raw[l.metaRoot*l.pageSize:], 3)
		return raw
	},
	"key outside its page": func(raw []byte, l fileLayout) []byte {
		// The first leaf element: flags u32, pos u32, ksize u32, vsize u32.
		binary.NativeEndian.PutUint32(raw[l.metaRoot*l.pageSize+16+4:], 0x7fff0000)
		return raw
	},
	"freelist claiming millions of pages": func(raw []byte, l fileLayout) []byte {
		p := raw[l.freelist*l.pageSize:]
		binary.NativeEndian.PutUint16(p[10:], 0xffff)
		binary.NativeEndian.PutUint64(p[16:], 1<<40)
		return raw
	},
	"both meta checksums wrong": func(raw []byte, l fileLayout) []byte {
		raw[16+56] ^= 0xff
		raw[l.pageSize+16+56] ^= 0xff
		return raw
	},
}

// damagedCopy writes raw after the named damage to a new file and returns its path.
func damagedCopy(t testing.TB, raw []byte, l fileLayout, name string) string {
	t.Helper()
	broken := damages[name](bytes.Clone(raw), l)
	path := filepath.Join(t.TempDir(), strings.ReplaceAll(name, " ", "-")+".db")
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// allocated runs fn and returns the bytes it allocated on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// damageBudget bounds what reading a damaged file may allocate: a few pages, not what the file
// claims.
const damageBudget = 32 << 20

func TestEveryEntryPointRefusesADamagedFileClearly(t *testing.T) {
	healthy, raw := healthyFile(t)
	l := layoutOf(t, healthy)
	for name := range damages {
		t.Run(name, func(t *testing.T) {
			path := damagedCopy(t, raw, l, name)
			before, _ := os.ReadFile(path)
			entries := map[string]func() error{
				"Open": func() error {
					db, err := Open(path, Options{NoSync: true})
					if err == nil {
						db.Close()
					}
					return err
				},
				"VerifyBackup": func() error { return VerifyBackup(path) },
				"Compact":      func() error { _, _, err := Compact(path); return err },
				"Restore from it": func() error {
					return Restore(path, filepath.Join(t.TempDir(), "restored.db"), false)
				},
			}
			for entry, fn := range entries {
				var err error
				if n := allocated(func() { err = fn() }); n > damageBudget {
					t.Errorf("%s allocated %d MB", entry, n>>20)
				}
				if entry == "Open" {
					t.Log(err)
				}
				if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "is damaged") || !strings.Contains(err.Error(), "backup") {
					t.Errorf("%s: want a damaged-file error that points to a backup, got %v", entry, err)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("the damaged file was changed")
			}
		})
	}
}

func TestZeroedFirstMetaPageOpensFromTheSecond(t *testing.T) {
	healthy, raw := healthyFile(t)
	l := layoutOf(t, healthy)
	clear(raw[:l.pageSize])
	path := filepath.Join(t.TempDir(), "zeroed-meta.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := VerifyBackup(path); err != nil {
		t.Fatalf("VerifyBackup: %v", err)
	}
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if n := opsCount(t, db, bucketOutbox); n != 300 {
		t.Errorf("the outbox holds %d records, want 300", n)
	}
	db.Close()
	if _, _, err := Compact(path); err != nil {
		t.Fatalf("Compact: %v", err)
	}
}

func TestMissingDatabaseIsNotCreatedWhenItMustExist(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.db")
	_, err := Open(missing, Options{MustExist: true})
	if !errors.Is(err, ErrNoDatabase) || err.Error() != "no database exists at "+missing {
		t.Errorf("Open of a missing file: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created %s", missing)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(empty, Options{MustExist: true}); !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("Open of an empty file: %v", err)
	}
	if fi, _ := os.Stat(empty); fi.Size() != 0 {
		t.Error("Open initialised the empty file")
	}
}

// FuzzOpenDamagedFile opens mutations of a real database file: every one opens, or is refused
// with an error, in bounded memory, never a panic. The seeds (the damages above and the healthy
// file) run in every go test.
func FuzzOpenDamagedFile(f *testing.F) {
	healthy, raw := healthyFile(f)
	l := layoutOf(f, healthy)
	f.Add(raw)
	zeroed := bytes.Clone(raw)
	clear(zeroed[:l.pageSize])
	f.Add(zeroed)
	for name, damage := range damages {
		_ = name
		f.Add(damage(bytes.Clone(raw), l))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var verr, oerr error
		n := allocated(func() {
			verr = VerifyBackup(path)
			db, err := Open(path, Options{NoSync: true, MustExist: true})
			if oerr = err; err == nil {
				_, _ = db.Stats() // reads every queued record: garbled values give an error, never a panic
				db.Close()
			}
		})
		if n > damageBudget+uint64(len(data))*4 {
			t.Errorf("opening a %d-byte file allocated %d MB", len(data), n>>20)
		}
		if verr == nil && oerr != nil {
			t.Errorf("VerifyBackup accepted a file Open refuses: %v", oerr)
		}
	})
}

// TestStructureCheckAcceptsWhatBboltWrites writes a file through bbolt alone, in many
// transactions of puts, deletes, nested and inline buckets and values over several pages, and
// checks that the structure check finds nothing wrong where bbolt's own check agrees: a false
// alarm would keep the bot from starting.
func TestStructureCheckAcceptsWhatBboltWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "churn.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	key := func() []byte { return fmt.Appendf(nil, "k%05d", r.IntN(3000)) }
	for tx := range 200 {
		err := b.Update(func(tx *bolt.Tx) error {
			top, err := tx.CreateBucketIfNotExists(fmt.Appendf(nil, "b%d", r.IntN(4)))
			if err != nil {
				return err
			}
			for range 50 {
				switch op := r.IntN(10); {
				case op < 5:
					if err := top.Put(key(), bytes.Repeat([]byte{'v'}, r.IntN(200))); err != nil {
						return err
					}
				case op < 7:
					if err := top.Delete(key()); err != nil {
						return err
					}
				case op < 8:
					if err := top.Put(key(), bytes.Repeat([]byte{'L'}, 5000+r.IntN(20000))); err != nil {
						return err
					}
				default: // a small (inline) or growing nested bucket
					nested, err := top.CreateBucketIfNotExists(fmt.Appendf(nil, "n%d", r.IntN(20)))
					if err != nil {
						return err
					}
					for range r.IntN(40) {
						if err := nested.Put(key(), []byte("x")); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("transaction %d: %v", tx, err)
		}
	}
	if err := b.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("bbolt's own check: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	if recovered, err := checkStructure(f, fi.Size()); err != nil || recovered {
		t.Errorf("a file bbolt wrote: recovered %v, %v", recovered, err)
	}
	t.Logf("checked a %d KiB file", fi.Size()>>10)
}

// BenchmarkCheckStructure measures the check every command runs before bbolt opens a file, on a
// file of about 84 MB (a year of a 500-person team): time, and memory allocated, per check.
func BenchmarkCheckStructure(b *testing.B) {
	path := filepath.Join(b.TempDir(), "year.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	value := bytes.Repeat([]byte("x"), 900)
	for batch := range 8 {
		err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists(fmt.Appendf(nil, "bucket%d", batch%4))
			if err != nil {
				return err
			}
			for i := range 10_000 {
				if err := bk.Put(fmt.Appendf(nil, "%02d/%08d", batch, i), value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	db.Close()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := checkStructure(f, fi.Size()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
}
