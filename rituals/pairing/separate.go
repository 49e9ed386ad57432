package pairing

import "slices"

// separate turns g into groups, taking apart any group the search could not free of an excluded
// pair: the member with the most exclusions in it leaves, until it is clean. Those who left join the
// group that welcomes them at least cost without an exclusion and without growing past maxSize,
// or pair up among themselves; whoever is still left is alone. Exclusions are never broken.
func (e *engine) separate(g *grouping, maxSize int) (groups [][]int32, alone []int32) {
	for i := range g.len() {
		groups = append(groups, slices.Clone(g.at(i)))
	}
	if e.excl == nil {
		return groups, nil
	}
	var left []int32
	for gi, grp := range groups {
		for {
			worst, most := -1, 0
			for i, a := range grp {
				c := 0
				for _, b := range grp {
					if a != b && e.excluded(a, b) {
						c++
					}
				}
				if c > most {
					worst, most = i, c
				}
			}
			if worst < 0 {
				break
			}
			left = append(left, grp[worst])
			grp = slices.Delete(grp, worst, worst+1)
		}
		if len(grp) == 1 {
			left = append(left, grp[0])
			grp = nil
		}
		groups[gi] = grp
	}
	groups = slices.DeleteFunc(groups, func(g []int32) bool { return len(g) == 0 })
	slices.Sort(left)
	var stranded []int32
	for _, a := range left {
		best, bestCost := -1, int64(0)
		for gi, grp := range groups {
			if len(grp) >= maxSize {
				continue
			}
			c, ok := e.joinCost(a, grp)
			if ok && (best < 0 || c < bestCost) {
				best, bestCost = gi, c
			}
		}
		if best >= 0 {
			groups[best] = append(groups[best], a)
			continue
		}
		stranded = append(stranded, a)
	}
	// Those with nowhere to go may still meet each other.
	for len(stranded) > 0 {
		a := stranded[0]
		stranded = stranded[1:]
		j := slices.IndexFunc(stranded, func(b int32) bool { return !e.excluded(a, b) })
		if j < 0 {
			alone = append(alone, a)
			continue
		}
		groups = append(groups, []int32{a, stranded[j]})
		stranded = slices.Delete(stranded, j, j+1)
	}
	return groups, alone
}

// excluded reports whether ranks a and b must be kept apart.
func (e *engine) excluded(a, b int32) bool {
	_, ok := e.excl[pairKey(a, b)]
	return ok
}

// joinCost is the cost of adding a to grp, and false if an exclusion forbids it.
func (e *engine) joinCost(a int32, grp []int32) (int64, bool) {
	var c int64
	for _, b := range grp {
		if e.excluded(a, b) {
			return 0, false
		}
		c += e.pairCost(a, b)
	}
	return c, true
}
