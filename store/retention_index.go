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
// read only what expired: "kind/at/record key" to nothing, at in digestTimeLayout (fixed width, UTC, so entries
// of a kind sort by time). Kinds are the retain* constants. Each write of an indexed record puts
// its entry in the same transaction, and moves it when the record's time changes.
var bucketRetention = []byte("retention_index")

var _ = registerBuckets(bucketRetention)

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

// retentionKey is the index entry of the record key of kind, dated at.
func retentionKey(kind byte, at time.Time, key []byte) []byte {
	k := make([]byte, 0, 3+len(digestTimeLayout)+len(key))
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
		if !bytes.HasPrefix(k, prefix) || len(k) < len(prefix)+len(digestTimeLayout)+1 {
			return 0, fmt.Errorf("retention index entry %q is malformed", k)
		}
		if !keep(k[len(prefix)+len(digestTimeLayout)+1:]) {
			expired = append(expired, clone(k))
		}
	}
	n := 0
	for _, k := range expired {
		removed, err := remove(k[len(prefix)+len(digestTimeLayout)+1:])
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

// migrateRetentionIndex builds bucketRetention from the digest's updates, asks and kudos, the
// delivery records and the run records: the last time every record is decoded to learn its date. The entries are sorted first and written
// in order (inserted out of order, a year's entries cost seconds of copying inside bbolt's nodes).
func migrateRetentionIndex(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketRetention); err != nil {
		return err
	}
	var entries [][]byte
	for _, b := range []struct {
		name []byte
		kind byte
	}{{bucketDigestUpdates, retainUpdate}, {bucketDigestAsked, retainAsk}, {bucketDigestKudos, retainKudos},
		{bucketOutboxDone, retainDelivery}, {bucketRuns, retainRun}} {
		err := tx.Bucket(b.name).ForEach(func(k, v []byte) error {
			if v == nil {
				return nil
			}
			var rec struct {
				At time.Time `json:"at"`
			}
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("%s record %q: %w", b.name, k, err)
			}
			if !rec.At.IsZero() {
				entries = append(entries, retentionKey(b.kind, rec.At, k))
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
