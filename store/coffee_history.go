package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/pairing"
)

// bucketCoffeeHistory is who met whom, all that planning a round reads of the past: under the key
// of each round in bucketCoffeeRounds ("channel/at/round id"), the members of its groups, one
// group a line, ids separated by spaces. It is written with the round, pruned with it, and Forget
// rewrites it as it rewrites the round, so it always holds the groups of the rounds kept (and
// UpdateGroup rewrites it if a change to a group changes its members). A year of
// weekly rounds of 10,000 people reads in a few milliseconds, where decoding the rounds took 0.3 s.
var bucketCoffeeHistory = []byte("coffee_history")

var _ = registerBuckets(bucketCoffeeHistory)

// Separators of a value of bucketCoffeeHistory; neither can be part of a Slack id.
const (
	historyGroupSep  = '\n'
	historyMemberSep = ' '
)

// encodeHistory is the value of bucketCoffeeHistory for r: its groups' members.
func encodeHistory(r coffee.Round) ([]byte, error) {
	var b []byte
	for i, g := range r.Groups {
		if i > 0 {
			b = append(b, historyGroupSep)
		}
		for j, id := range g.Members {
			if id == "" || strings.ContainsAny(id, " \n") {
				return nil, fmt.Errorf("coffee round %s: member id %q is not a Slack id", r.ID, id)
			}
			if j > 0 {
				b = append(b, historyMemberSep)
			}
			b = append(b, id...)
		}
	}
	return b, nil
}

// putHistory records the groups of r in history, under r's key k in bucketCoffeeRounds; a round
// without groups has no entry.
func putHistory(history *bolt.Bucket, k []byte, r coffee.Round) error {
	if len(r.Groups) == 0 {
		return nil
	}
	v, err := encodeHistory(r)
	if err != nil {
		return err
	}
	return history.Put(k, v)
}

// PastGroups implements coffee.History: coffee.PastGroupsOf(Rounds(channel, 0)), read from
// bucketCoffeeHistory.
// Each round's value is copied once, the ids are parts of that copy, and every group's members are
// a slice of one array: a year of weekly rounds of 10,000 people costs a few hundred allocations.
func (s Coffee) PastGroups(channel string) ([]pairing.PastGroup, error) {
	var out []pairing.PastGroup
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		prefix := []byte(channel + "/")
		c := tx.Bucket(bucketCoffeeHistory).Cursor()
		// Count first, so that the results are allocated once.
		groups, ids := 0, 0
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			lines := 1 + bytes.Count(v, []byte{historyGroupSep})
			groups += lines
			ids += lines + bytes.Count(v, []byte{historyMemberSep})
		}
		out = make([]pairing.PastGroup, 0, groups)
		members := make([]string, 0, ids)
		k, v := c.Seek([]byte(channel + "0")) // '0' is the byte after '/'
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			at, _, err := coffeeRoundKeyParts(k)
			if err != nil {
				return err
			}
			text := string(v)
			from, start := len(members), 0
			for i := 0; i <= len(text); i++ {
				if i < len(text) && text[i] != historyMemberSep && text[i] != historyGroupSep {
					continue
				}
				members = append(members, text[start:i])
				start = i + 1
				if i == len(text) || text[i] == historyGroupSep {
					out = append(out, pairing.PastGroup{Members: members[from:len(members):len(members)], At: at})
					from = len(members)
				}
			}
		}
		return nil
	})
	return out, err
}

// migrateCoffeeHistory builds bucketCoffeeHistory from the rounds already stored, in their key
// order. A round that does not decode is left out (refusing to open the file over one would be
// worse); planning then misses its groups, where reading the rounds failed.
func migrateCoffeeHistory(tx *bolt.Tx) error {
	history, err := tx.CreateBucketIfNotExists(bucketCoffeeHistory)
	if err != nil {
		return err
	}
	history.FillPercent = 0.95 // keys come in order: full pages
	return tx.Bucket(bucketCoffeeRounds).ForEach(func(k, v []byte) error {
		var r coffee.Round
		if v == nil || json.Unmarshal(v, &r) != nil {
			return nil
		}
		return putHistory(history, k, r)
	})
}

// forgetCoffeeHistory replaces the person by ForgottenUser among the members of past groups, as in
// the rounds themselves: planning ignores the placeholder, who is never a member.
func forgetCoffeeHistory(f *forgetter, b *bolt.Bucket) error {
	return f.rewrite(bucketCoffeeHistory, b, func(_, v []byte) ([]byte, bool, error) {
		if !f.names(v) {
			return nil, false, nil
		}
		return f.scrub(v), false, nil
	})
}
