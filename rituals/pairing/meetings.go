package pairing

import "slices"

// meetings records who met whom, from the history, as one sorted list of partners per member
// (compressed sparse rows). A lookup reads one short list, and the local search asks about many
// partners of the same member in a row, so that list stays in cache: this is what keeps 10,000
// members fast.
type meetings struct {
	start []int32   // rank -> index of its first entry; start[n] ends the last list
	ends  []int32   // rank -> end of its list after duplicates are dropped
	list  []meeting // each member's partners, sorted by partner
	pairs int       // distinct pairs
}

// meeting is one partner in a member's list.
type meeting struct {
	partner int32
	src     int32 // index in the history of their latest meeting
	at      int64 // their latest meeting, Unix seconds
}

// pairKey packs two distinct ranks into a key, smaller rank first.
func pairKey(a, b int32) uint64 {
	if a > b {
		a, b = b, a
	}
	return uint64(a)<<32 | uint64(b)
}

// newMeetings indexes the history for n members; rank maps an id to its rank.
func newMeetings(n int, hist []PastGroup, rank map[string]int32) meetings {
	// Resolve ids once: flat holds each usable group's ranks, bounds where each group ends.
	type span struct {
		end int32
		src int32
	}
	total := 0
	for _, g := range hist {
		total += len(g.Members)
	}
	flat := make([]int32, 0, total)
	spans := make([]span, 0, len(hist))
	deg := make([]int32, n+1)
	for gi, g := range hist {
		lo := len(flat)
	ids:
		for _, id := range g.Members {
			r, ok := rank[id]
			if !ok {
				continue
			}
			for _, o := range flat[lo:] {
				if o == r {
					continue ids
				}
			}
			flat = append(flat, r)
		}
		if len(flat)-lo < 2 {
			flat = flat[:lo]
			continue
		}
		for _, r := range flat[lo:] {
			deg[r] += int32(len(flat) - lo - 1)
		}
		spans = append(spans, span{end: int32(len(flat)), src: int32(gi)})
	}
	m := meetings{start: make([]int32, n+1), ends: make([]int32, n)}
	for r := range n {
		m.start[r+1] = m.start[r] + deg[r]
	}
	m.list = make([]meeting, m.start[n])
	fill := deg[:n]
	copy(fill, m.start[:n])
	lo := int32(0)
	for _, sp := range spans {
		at := hist[sp.src].At.Unix()
		grp := flat[lo:sp.end]
		for _, a := range grp {
			for _, b := range grp {
				if a != b {
					m.list[fill[a]] = meeting{partner: b, src: sp.src, at: at}
					fill[a]++
				}
			}
		}
		lo = sp.end
	}
	// Sort each list by partner and keep one entry per partner, its latest meeting. Sorting
	// packed integers (partner, index) is several times faster than sorting the entries.
	var keys []uint64
	var tmp []meeting
	for r := range n {
		seg := m.list[m.start[r]:m.start[r+1]]
		keys = keys[:0]
		for i, x := range seg {
			keys = append(keys, uint64(x.partner)<<32|uint64(i))
		}
		slices.Sort(keys)
		tmp = append(tmp[:0], seg...)
		w := 0
		for _, key := range keys {
			x := tmp[uint32(key)]
			switch {
			case w == 0 || seg[w-1].partner != x.partner:
				seg[w] = x
				w++
			case x.at > seg[w-1].at || x.at == seg[w-1].at && x.src < seg[w-1].src:
				seg[w-1] = x
			}
		}
		m.ends[r] = m.start[r] + int32(w)
		m.pairs += w
	}
	m.pairs /= 2
	return m
}

// of returns the partners member a has met, sorted.
func (m *meetings) of(a int32) []meeting {
	return m.list[m.start[a]:m.ends[a]]
}

// find returns the latest meeting of a and b, and false if they never met. It reads a's list, so
// callers asking about many partners of one member should pass that member as a.
func (m *meetings) find(a, b int32) (meeting, bool) {
	seg := m.list[m.start[a]:m.ends[a]]
	lo, hi := 0, len(seg)
	for hi-lo > 8 {
		mid := int(uint(lo+hi) >> 1)
		if seg[mid].partner < b {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	// seg[lo] is now at or before the first partner >= b, and at most 8 entries before it.
	for ; lo < len(seg); lo++ {
		if seg[lo].partner >= b {
			return seg[lo], seg[lo].partner == b
		}
	}
	return meeting{}, false
}
