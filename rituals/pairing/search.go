package pairing

// The local search repairs a design round: it swaps members between groups while that lowers the
// total pair cost, starting from the members whose group holds a repeat, an excluded pair or a
// deviation from the design. Moves are swaps, so group sizes never change.
const (
	// badLevel is the contribution from which a member needs repair: any deviation, repeat or
	// exclusion reaches it, soft wishes alone never do.
	badLevel = devFloor
	// settleGroups is how many more groups a scan looks at after finding a swap that leaves both
	// members clean, to pick the best of the clean swaps on soft wishes.
	settleGroups = 32
	// devScan is how many groups a scan looks at for a member whose only fault is a deviation;
	// members with a repeat or an exclusion scan every group.
	devScan = 256
)

// searcher holds the local search's working memory, reused across candidates.
type searcher struct {
	e       *engine
	g       *grouping
	contrib []int64 // slot -> sum of its pair costs within its group
	budget  int     // pair evaluations left

	work      []int32  // slots to look at
	queued    []bool   // slot -> in work
	conflicts []int32  // slots in conflict, for tabu
	tabuUntil []int    // rank -> iteration until which it may not move
	best      grouping // best grouping tabu has seen
}

func newSearcher(e *engine) *searcher {
	return &searcher{e: e}
}

// run repairs g in place.
func (s *searcher) run(g *grouping) {
	s.g = g
	n := len(g.members)
	s.budget = 400*n + 200_000
	s.contrib = resize(s.contrib, n)
	for gi := range g.len() {
		s.refresh(gi)
	}
	// A worklist of members to repair: a member is looked at again only when its group changed.
	s.queued = resize(s.queued, n)
	clear(s.queued)
	s.work = s.work[:0]
	for slot := range int32(n) {
		s.push(slot, badLevel)
	}
	for head := 0; head < len(s.work) && s.budget > 0; head++ {
		slot := s.work[head]
		s.queued[slot] = false
		if s.contrib[slot] >= badLevel {
			s.improve(slot)
		}
	}
	s.tabu()
}

// refresh recomputes the contributions of group gi's members.
func (s *searcher) refresh(gi int) {
	g := s.g
	lo, hi := g.starts[gi], g.starts[gi+1]
	for i := lo; i < hi; i++ {
		s.contrib[i] = 0
	}
	for i := lo; i < hi; i++ {
		for j := i + 1; j < hi; j++ {
			c := s.e.pairCost(g.members[i], g.members[j])
			s.contrib[i] += c
			s.contrib[j] += c
		}
	}
}

// improve looks for the best swap of the member in slot with a member of another group, scanning
// groups from the next one on, and makes it if it lowers the total cost.
func (s *searcher) improve(slot int32) bool {
	g, e := s.g, s.e
	x := g.members[slot]
	gx := int(g.group[slot])
	mine := g.at(gx)
	cx := s.contrib[slot]
	ng := g.len()
	bestDelta, bestSlot := int64(0), int32(-1)
	settle := -1
	steps := ng
	if cx < costMet {
		steps = min(ng, devScan+1)
	}
	for step := 1; step < steps; step++ {
		if settle == 0 {
			break
		}
		if settle > 0 {
			settle--
		}
		h := (gx + step) % ng
		lo, hi := g.starts[h], g.starts[h+1]
		for t := lo; t < hi; t++ {
			y := g.members[t]
			var newX, newY int64
			for u := lo; u < hi; u++ {
				if u != t {
					newX += e.pairCost(x, g.members[u])
				}
			}
			for _, o := range mine {
				if o != x {
					newY += e.pairCost(o, y) // o's partners stay in cache
				}
			}
			s.budget -= int(hi-lo) + len(mine)
			delta := newX + newY - cx - s.contrib[t]
			if delta < bestDelta {
				bestDelta, bestSlot = delta, t
				if settle < 0 && newX < badLevel && newY < badLevel {
					settle = settleGroups
				}
			}
		}
		if s.budget <= 0 {
			break
		}
	}
	if bestSlot < 0 {
		return false
	}
	g.swap(slot, bestSlot)
	level := int64(costMet)
	if ng <= devScan {
		level = badLevel
	}
	for _, gi := range [2]int{gx, int(g.group[bestSlot])} {
		s.refresh(gi)
		for t := g.starts[gi]; t < g.starts[gi+1]; t++ {
			s.push(t, level)
		}
	}
	return true
}

// push queues slot for repair if its contribution reaches level and it is not queued yet. In large
// groupings, members are queued for deviations only at the start: chasing ever smaller deviation
// savings after each swap would cost much and gain little there.
func (s *searcher) push(slot int32, level int64) {
	if !s.queued[slot] && s.contrib[slot] >= level {
		s.queued[slot] = true
		s.work = append(s.work, slot)
	}
}

// resize returns s with length n, reusing its memory when it can; its contents are unspecified.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
