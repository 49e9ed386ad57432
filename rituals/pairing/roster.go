package pairing

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// roster holds the members in layout order: rank i is the i-th member. Everything else in the
// package works on ranks, never on the order members were given in.
//
// The layout sorts by UTC offset and, within one offset, interleaves teams, so members whose ranks
// are close have close working hours and, where possible, different teams. The designs are laid
// over ranks so that their first rounds group neighbours.
type roster struct {
	ids   []string
	off   []int32 // UTC offset in minutes
	team  []int32 // team number, -1 when unlabelled
	index map[string]int32
}

// newRoster validates members and lays them out for seed.
func newRoster(ms []Member, seed uint64) (roster, error) {
	type entry struct {
		id   string
		off  int32
		team string
		th   uint64 // hash of the team under the seed
		h    uint64 // hash of the id under the seed
	}
	es := make([]entry, len(ms))
	for i, m := range ms {
		if m.ID == "" {
			return roster{}, fmt.Errorf("%w: member %d has an empty id", ErrInvalid, i)
		}
		if m.UTCOffset < -24*time.Hour || m.UTCOffset > 24*time.Hour {
			return roster{}, fmt.Errorf("%w: member %q has UTC offset %v", ErrInvalid, m.ID, m.UTCOffset)
		}
		es[i] = entry{
			id:   m.ID,
			off:  int32(m.UTCOffset / time.Minute),
			team: m.Team,
			th:   hashString(seed^0x7465616d, m.Team),
			h:    hashString(seed, m.ID),
		}
	}
	slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.id, b.id) })
	for i := 1; i < len(es); i++ {
		if es[i].id == es[i-1].id {
			return roster{}, fmt.Errorf("%w: member id %q appears twice", ErrInvalid, es[i].id)
		}
	}
	// Offset first, then team (by hash, so no team is always first), then id hash; ties on
	// equal hashes fall back to the id, so the order never depends on the input order.
	slices.SortFunc(es, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.off, b.off), cmp.Compare(a.th, b.th), cmp.Compare(a.team, b.team),
			cmp.Compare(a.h, b.h), cmp.Compare(a.id, b.id))
	})
	// Within each run of one offset, deal members out team by team, largest team first, so that
	// neighbours belong to different teams wherever the numbers allow.
	out := make([]entry, 0, len(es))
	for lo := 0; lo < len(es); {
		hi := lo
		for hi < len(es) && es[hi].off == es[lo].off {
			hi++
		}
		var teams [][]entry
		for i := lo; i < hi; {
			j := i
			for j < hi && es[j].team == es[i].team {
				j++
			}
			teams = append(teams, es[i:j])
			i = j
		}
		slices.SortStableFunc(teams, func(a, b []entry) int { return cmp.Compare(len(b), len(a)) })
		for d := 0; len(out) < hi; d++ {
			for _, t := range teams {
				if d < len(t) {
					out = append(out, t[d])
				}
			}
		}
		lo = hi
	}
	r := roster{
		ids:   make([]string, len(out)),
		off:   make([]int32, len(out)),
		team:  make([]int32, len(out)),
		index: make(map[string]int32, len(out)),
	}
	teamNo := map[string]int32{}
	for i, e := range out {
		r.ids[i] = e.id
		r.off[i] = e.off
		r.index[e.id] = int32(i)
		r.team[i] = -1
		if e.team != "" {
			n, ok := teamNo[e.team]
			if !ok {
				n = int32(len(teamNo))
				teamNo[e.team] = n
			}
			r.team[i] = n
		}
	}
	return r, nil
}

// gapMinutes is the distance between two UTC offsets around the clock, in minutes (0 to 720).
func gapMinutes(a, b int32) int32 {
	d := a - b
	if d < 0 {
		d = -d
	}
	d %= 24 * 60
	if d > 12*60 {
		d = 24*60 - d
	}
	return d
}
