package pairing

// tabuBudget is the pair evaluations tabu search may spend, plus 20 per member.
const tabuBudget = 100_000

// tabu runs when hill climbing leaves repeats or exclusions: it keeps taking the best swap for a
// member in conflict even when that makes things worse, forbids moving the swapped members back for
// a while, and keeps the best grouping seen. This finds groupings that single improving swaps
// cannot reach, near the end of a schedule or after churn, within a budget of pair evaluations.
func (s *searcher) tabu() {
	g, e := s.g, s.e
	n := len(g.members)
	var total int64
	conflicts := s.conflicts[:0]
	for slot, c := range s.contrib {
		total += c
		if c >= costMet {
			conflicts = append(conflicts, int32(slot))
		}
	}
	if len(conflicts) == 0 {
		return
	}
	s.budget = min(s.budget, tabuBudget+20*n)
	s.tabuUntil = resize(s.tabuUntil, n)
	clear(s.tabuUntil)
	s.best.copyFrom(g)
	bestTotal := total
	rng := e.seed ^ uint64(e.round)<<32
	tenure := 3 + n/8
	for it := 1; s.budget > 0 && len(conflicts) > 0; it++ {
		rng = mix64(rng + 0x9e3779b97f4a7c15)
		slot := conflicts[rng%uint64(len(conflicts))]
		x := g.members[slot]
		gx := int(g.group[slot])
		mine := g.at(gx)
		bestDelta, bestSlot := int64(0), int32(-1)
		for h := range g.len() {
			if h == gx {
				continue
			}
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
				delta := 2 * (newX + newY - s.contrib[slot] - s.contrib[t])
				allowed := s.tabuUntil[x] < it && s.tabuUntil[y] < it || total+delta < bestTotal
				if allowed && (bestSlot < 0 || delta < bestDelta) {
					bestDelta, bestSlot = delta, t
				}
			}
		}
		if bestSlot < 0 {
			break
		}
		// Pair costs inside the two groups change beyond x and y; recount them exactly.
		gy := int(g.group[bestSlot])
		before := s.groupTotal(gx) + s.groupTotal(gy)
		y := g.members[bestSlot]
		g.swap(slot, bestSlot)
		s.refresh(gx)
		s.refresh(gy)
		total += s.groupTotal(gx) + s.groupTotal(gy) - before
		s.tabuUntil[x] = it + tenure
		s.tabuUntil[y] = it + tenure + int(rng>>40)%3
		if total < bestTotal {
			bestTotal = total
			s.best.copyFrom(g)
		}
		conflicts = conflicts[:0]
		for slot, c := range s.contrib {
			if c >= costMet {
				conflicts = append(conflicts, int32(slot))
			}
		}
	}
	s.conflicts = conflicts
	g.copyFrom(&s.best)
}

// groupTotal is the sum of the contributions of group gi's members (each pair counted twice).
func (s *searcher) groupTotal(gi int) int64 {
	var t int64
	for i := s.g.starts[gi]; i < s.g.starts[gi+1]; i++ {
		t += s.contrib[i]
	}
	return t
}
