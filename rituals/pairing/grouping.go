package pairing

// grouping is a partition of ranks into groups, stored flat: group i is
// members[starts[i]:starts[i+1]]. Swaps between groups keep every group's size.
type grouping struct {
	members []int32
	starts  []int32
	group   []int32 // slot -> group index
	slot    []int32 // rank -> slot
}

// reset empties g, keeping its memory, for n ranks.
func (g *grouping) reset(n int) {
	g.members = g.members[:0]
	g.starts = append(g.starts[:0], 0)
	g.group = g.group[:0]
	if cap(g.slot) < n {
		g.slot = make([]int32, n)
	}
	g.slot = g.slot[:n]
}

// add appends a group of ranks.
func (g *grouping) add(ranks ...int32) {
	gi := int32(len(g.starts) - 1)
	for _, r := range ranks {
		g.slot[r] = int32(len(g.members))
		g.members = append(g.members, r)
		g.group = append(g.group, gi)
	}
	g.starts = append(g.starts, int32(len(g.members)))
}

// len returns the number of groups.
func (g *grouping) len() int { return len(g.starts) - 1 }

// at returns group i.
func (g *grouping) at(i int) []int32 { return g.members[g.starts[i]:g.starts[i+1]] }

// swap exchanges the members in slots s and t, which are in different groups.
func (g *grouping) swap(s, t int32) {
	a, b := g.members[s], g.members[t]
	g.members[s], g.members[t] = b, a
	g.slot[a], g.slot[b] = t, s
}

// copyFrom makes g a copy of o.
func (g *grouping) copyFrom(o *grouping) {
	g.members = append(g.members[:0], o.members...)
	g.starts = append(g.starts[:0], o.starts...)
	g.group = append(g.group[:0], o.group...)
	g.slot = append(g.slot[:0], o.slot...)
}
