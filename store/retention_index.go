package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketRetention indexes by time the records retention removes, so that Prune and PruneEngine
// read only what expired: "kind/at/record key" to nothing, at in digestTimeLayout (fixed width,
// UTC, so the entries of a kind sort by time). Kinds are the retain* constants. Each write of an
// indexed record puts its entry in the same transaction, and moves it when the record's time
// changes; Forget deletes the entries of the records it deletes.
var bucketRetention = []byte("retention_index")

var _ = registerBuckets(bucketRetention)

// bucketSchema maps the buckets added after schema 1 to the schema that added them: a file of an
// older schema (a backup of an earlier release) lacks them until Open migrates it.
var bucketSchema = map[string]int{string(bucketRetention): 2, string(bucketCoffeeHours): 3}

// The kinds of record in bucketRetention, and the time each is indexed by.
const (
	// retainUpdate is a digest update or skip (bucketDigestUpdates), by digest.Update.At.
	retainUpdate byte = 'u'
	// retainAsk is a record that someone was asked for an update (bucketDigestAsked), by
	// digest.Asked.At.
	retainAsk byte = 'a'
	// retainKudos is kudos (bucketDigestKudos), by digest.Kudos.At.
	retainKudos byte = 'k'
	// retainDelivery is the record of a delivered message (bucketOutboxDone), by
	// rituals.Delivery.At.
	retainDelivery byte = 'd'
	// retainRun is a run record (bucketRuns), by runRecord.At.
	retainRun byte = 'r'
)

// retained lists the bucket of each kind of record in bucketRetention.
var retained = []struct {
	kind   byte
	bucket []byte
}{
	{retainUpdate, bucketDigestUpdates}, {retainAsk, bucketDigestAsked}, {retainKudos, bucketDigestKudos},
	{retainDelivery, bucketOutboxDone}, {retainRun, bucketRuns},
}

// retentionHead is the length of the part of an entry of bucketRetention before the record key:
// "kind/", the time, "/".
const retentionHead = 2 + len(digestTimeLayout) + 1

// retentionKey is the index entry of the record key of kind, dated at.
func retentionKey(kind byte, at time.Time, key []byte) []byte {
	k := make([]byte, 0, retentionHead+len(key))
	k = append(k, kind, '/')
	k = at.UTC().AppendFormat(k, digestTimeLayout)
	k = append(k, '/')
	return append(k, key...)
}

// retentionIndex returns bucketRetention in tx, set to fill its pages: entries are added in time
// order within a kind, so pages split at the end of a kind's range and stay full.
func retentionIndex(tx *bolt.Tx) *bolt.Bucket {
	b := tx.Bucket(bucketRetention)
	b.FillPercent = 0.95
	return b
}

// indexForRetention adds the entry of the record key of kind, dated at, inside tx. A record
// without a time is kept forever, and not indexed.
func indexForRetention(tx *bolt.Tx, kind byte, at time.Time, key []byte) error {
	if at.IsZero() {
		return nil
	}
	return retentionIndex(tx).Put(retentionKey(kind, at, key), []byte{})
}

// unindexForRetention removes the entry of the record key of kind, dated at, inside tx.
func unindexForRetention(tx *bolt.Tx, kind byte, at time.Time, key []byte) error {
	return tx.Bucket(bucketRetention).Delete(retentionKey(kind, at, key))
}

// pruneIndexed removes the records of kind dated before cutoff that keep allows to go, reading
// the index entries before cutoff and nothing else: remove deletes one record by its key (and
// whatever indexes it) and reports whether it was there. Entries whose record is gone (erased by
// Forget) are dropped without being counted; entries keep refuses stay for a later night. It
// returns how many records it removed.
func pruneIndexed(tx *bolt.Tx, kind byte, cutoff time.Time, keep func(key []byte) bool, remove func(key []byte) (bool, error)) (int, error) {
	index := tx.Bucket(bucketRetention)
	prefix := []byte{kind, '/'}
	end := retentionKey(kind, cutoff, nil) // "kind/cutoff/": every entry before it is older
	var expired [][]byte
	c := index.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
		if len(k) < retentionHead {
			return 0, fmt.Errorf("retention index entry %q is malformed", k)
		}
		if !keep(k[retentionHead:]) {
			expired = append(expired, clone(k))
		}
	}
	n := 0
	for _, k := range expired {
		removed, err := remove(k[retentionHead:])
		if err != nil {
			return 0, err
		}
		if removed {
			n++
		}
		if err := index.Delete(k); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// deleteRecord returns a remove function for pruneIndexed that deletes a record of b.
func deleteRecord(b *bolt.Bucket) func(key []byte) (bool, error) {
	return func(key []byte) (bool, error) {
		if b.Get(key) == nil {
			return false, nil
		}
		return true, b.Delete(key)
	}
}

// migrateRetentionIndex builds bucketRetention from the records of every bucket in retained: the
// last time every record is decoded to learn its date. A record that does not decode is left out,
// and so kept (PruneEngine always kept those; refusing to open the file over one would be worse).
// The entries are sorted first and written in order: inserted out of order, a year's entries cost
// seconds of copying inside bbolt's nodes.
func migrateRetentionIndex(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketRetention); err != nil {
		return err
	}
	var entries [][]byte
	for _, r := range retained {
		err := tx.Bucket(r.bucket).ForEach(func(k, v []byte) error {
			var rec struct {
				At time.Time `json:"at"`
			}
			if v != nil && json.Unmarshal(v, &rec) == nil && !rec.At.IsZero() {
				entries = append(entries, retentionKey(r.kind, rec.At, k))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	slices.SortFunc(entries, bytes.Compare)
	index := retentionIndex(tx)
	for _, e := range entries {
		if err := index.Put(e, []byte{}); err != nil {
			return err
		}
	}
	return nil
}

// retainedKey returns the record key of an entry of bucketRetention, and the bucket holding the
// record; nil when the entry is not one this binary writes.
func retainedKey(tx *bolt.Tx, entry []byte) (key []byte, b *bolt.Bucket) {
	if len(entry) < retentionHead {
		return nil, nil
	}
	for _, r := range retained {
		if r.kind == entry[0] {
			return entry[retentionHead:], tx.Bucket(r.bucket)
		}
	}
	return nil, nil
}

// forgetRetentionEntries deletes the entries naming the person, and those whose record Forget
// deleted (kudos to the person alone, the reply to their suggestions): the index stays in step.
func forgetRetentionEntries(f *forgetter, b *bolt.Bucket) error {
	return f.rewrite(bucketRetention, b, func(k, _ []byte) ([]byte, bool, error) {
		if f.names(k) {
			return nil, true, nil
		}
		key, records := retainedKey(f.tx, k)
		return nil, records != nil && records.Get(key) == nil, nil
	})
}
