package pairing

// Pair costs, in one int64 so that the local search compares moves with plain arithmetic. The
// scales keep them lexicographic: any exclusion outweighs any number of repeats, any repeat any
// number of deviations, any deviation all soft wishes of a group (a group has at most 4 pairs per
// member, each of soft cost at most softMax).
const (
	costExcl = 1 << 52 // an excluded pair
	costMet  = 1 << 38 // a repeat, plus up to recencyScale for how recent it is
	// recencyScale bounds the extra cost of a repeat: recencyScale·w/(w+age) for age in hours and
	// w a week, so a repeat from last week costs more than one from last year.
	recencyScale = 1 << 26
	costDev      = 1 << 14 // a pair the design puts in another round that is still unused
	devFloor     = 1 << 10 // the least a deviation costs, however used its round is
	softMax      = 255     // the most soft wishes cost one pair
	teamCost     = 32      // two members of one team
)

// score totals a grouping's pair costs by kind, for comparing whole candidate groupings. Its fields
// are integers so that totals never depend on summing order.
type score struct {
	excl, met int64 // excluded pairs and repeats
	rec       int64 // sum of the repeats' recency
	dev       int64 // sum of deviation costs
	soft      int64 // sum of soft costs
}

// less orders scores: fewer exclusions, then fewer repeats, then older ones, then fewer
// deviations from the design, then soft wishes.
func (s score) less(o score) bool {
	switch {
	case s.excl != o.excl:
		return s.excl < o.excl
	case s.met != o.met:
		return s.met < o.met
	case s.rec != o.rec:
		return s.rec < o.rec
	case s.dev != o.dev:
		return s.dev < o.dev
	}
	return s.soft < o.soft
}

// soft is the cost of a pair's soft wishes: the square of the gap between their UTC offsets (up to
// 216 for 12 hours), plus teamCost if they share a team label.
func (e *engine) soft(a, b int32) int64 {
	g := int64(gapMinutes(e.ros.off[a], e.ros.off[b]))
	c := g * g * 3 / 7200
	if t := e.ros.team[a]; t >= 0 && t == e.ros.team[b] {
		c += teamCost
	}
	return c
}

// recency is the extra cost of repeating a pair that last met at the given Unix time.
func (e *engine) recency(at int64) int64 {
	const week = 7 * 24
	age := max(0, e.now-at) / 3600
	return recencyScale * week / (week + age)
}

// pairCost is the cost of putting ranks a and b in one group of the grouping being built.
func (e *engine) pairCost(a, b int32) int64 {
	key := pairKey(a, b)
	c := e.soft(a, b)
	if e.excl != nil {
		if _, ok := e.excl[key]; ok {
			c += costExcl
		}
	}
	if m, ok := e.met.find(a, b); ok {
		return c + costMet + e.recency(m.at)
	}
	return c + e.deviation(a, b)
}

// deviation is the cost of a pair the design puts in another round: high if that round is still
// clean (it will need repair when its turn comes), low if it is already spoilt. Spoiling the same
// few rounds keeps the others clean.
func (e *engine) deviation(a, b int32) int64 {
	if e.round < 0 {
		return 0
	}
	r := e.d.roundOf(a, b)
	if r < 0 || r == e.round {
		return 0
	}
	return devFloor + (costDev-devFloor)/(1+int64(e.poll[r]))
}

// score totals grouping g.
func (e *engine) score(g *grouping) score {
	var s score
	for i := range g.len() {
		grp := g.at(i)
		for x := range grp {
			for y := x + 1; y < len(grp); y++ {
				a, b := grp[x], grp[y]
				key := pairKey(a, b)
				s.soft += e.soft(a, b)
				if e.excl != nil {
					if _, ok := e.excl[key]; ok {
						s.excl++
					}
				}
				if m, ok := e.met.find(a, b); ok {
					s.met++
					s.rec += e.recency(m.at)
				} else {
					s.dev += e.deviation(a, b)
				}
			}
		}
	}
	return s
}
