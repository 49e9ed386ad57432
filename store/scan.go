package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// eachUnder calls fn for every key under prefix in b, in key order, with the key's rest.
func eachUnder(b *bolt.Bucket, prefix string, fn func(rest string, v []byte) error) error {
	p := []byte(prefix)
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && hasPrefix(k, p); k, v = c.Next() {
		if err := fn(string(k[len(p):]), v); err != nil {
			return err
		}
	}
	return nil
}

// jsonUnder decodes every value under prefix in b, keyed by the key's rest.
func jsonUnder[T any](b *bolt.Bucket, prefix string) (map[string]T, error) {
	out := map[string]T{}
	err := eachUnder(b, prefix, func(rest string, v []byte) error {
		var t T
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		out[rest] = t
		return nil
	})
	return out, err
}

// timesUnder reads values written by time.MarshalText under prefix in b, keyed by the key's rest.
func timesUnder(b *bolt.Bucket, prefix string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := eachUnder(b, prefix, func(rest string, v []byte) error {
		var at time.Time
		if err := at.UnmarshalText(v); err != nil {
			return err
		}
		out[rest] = at
		return nil
	})
	return out, err
}

// newestUnder decodes the values under channel+"/" from the last key backwards, at most limit
// (0: all). Keys under a channel sort by time, so this is newest first.
func newestUnder[T any](b *bolt.Bucket, channel string, limit int) ([]T, error) {
	var out []T
	prefix := []byte(channel + "/")
	c := b.Cursor()
	k, v := c.Seek([]byte(channel + "0")) // '0' is the byte after '/'
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && hasPrefix(k, prefix) && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
		var t T
		if err := json.Unmarshal(v, &t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}
