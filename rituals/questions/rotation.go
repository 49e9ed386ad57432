package questions

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"time"
)

// Next returns the question to ask next in a channel, and false if the bank is empty.
//
// asked maps question ID → when it was last asked in this channel; IDs that are not in the bank
// are ignored, and an ID present with a zero time counts as asked longest ago. The order is:
//  1. never-asked questions added with Bank.With (approved suggestions), in the order added;
//  2. the other never-asked questions, in an order fixed by seed;
//  3. questions already asked, least recently asked first (ties in seeded order).
//
// So, as long as each pick is recorded with a later time than the one before, no question repeats
// until every question has been asked, and then the rotation starts again with the one asked
// longest ago. The seeded order depends only on the seed and the question IDs: the same seed gives
// the same order in every run and process, and adding or removing questions does not reshuffle the
// others. Use a different seed per channel (e.g. derived from its ID) so channels differ.
func Next(b *Bank, asked map[string]time.Time, seed int64) (Question, bool) {
	up := Upcoming(b, asked, seed, 1)
	if len(up) == 0 {
		return Question{}, false
	}
	return up[0], true
}

// Upcoming lists the next n questions in rotation order (see Next) without asking them: the first
// is what Next returns, the second what it would return once the first is recorded as asked, and so
// on. It lists each question at most once, so at most b.Len() of them.
func Upcoming(b *Bank, asked map[string]time.Time, seed int64, n int) []Question {
	n = min(n, b.Len())
	if n <= 0 {
		return nil
	}
	type entry struct {
		i     int
		group int // 0 added and never asked, 1 never asked, 2 asked
		at    time.Time
		key   uint64
	}
	entries := make([]entry, b.Len())
	for i, q := range b.qs {
		e := entry{i: i, group: 1, key: seededKey(seed, q.ID)}
		if at, ok := asked[q.ID]; ok {
			e.group, e.at = 2, at
		} else if b.added[i] {
			e.group = 0
		}
		entries[i] = e
	}
	slices.SortFunc(entries, func(x, y entry) int {
		if c := cmp.Compare(x.group, y.group); c != 0 {
			return c
		}
		switch x.group {
		case 0:
			return cmp.Compare(x.i, y.i)
		case 2:
			if c := x.at.Compare(y.at); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(x.key, y.key); c != 0 {
			return c
		}
		return cmp.Compare(b.qs[x.i].ID, b.qs[y.i].ID)
	})
	out := make([]Question, n)
	for k := range out {
		out[k] = b.qs[entries[k].i].copy()
	}
	return out
}

// seededKey places a question in the seeded order: the first 8 bytes of SHA-256(seed, id).
func seededKey(seed int64, id string) uint64 {
	buf := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(buf, uint64(seed))
	sum := sha256.Sum256(append(buf, id...))
	return binary.BigEndian.Uint64(sum[:8])
}
