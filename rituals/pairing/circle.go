package pairing

// circle is the circle method (round-robin) for pairs, a 1-factorisation of the complete graph.
//
// For even n the positions are Z_m, m = n-1, plus a fixed point ∞; round r pairs ∞ with r and x
// with y whenever x + y ≡ 2r (mod m). Every pair meets in exactly one of the n-1 rounds. For odd n,
// m = n and round r leaves r alone, who joins the pair (r+1, r-1) to make the trio; the trio's two
// extra pairs are not the design's, and the local search may move them (see search.go).
//
// Ranks are laid on positions in a zigzag (∞, 0, 1, -1, 2, -2, …), so that round 0 pairs rank
// neighbours and round ±r pairs ranks about 4r apart: rounds near 0 pair people with close
// working hours.
type circle struct {
	m    int64
	even bool
	pos  []int32 // rank -> position; m stands for ∞
	rank []int32 // position -> rank
}

func newCircle(n int) *circle {
	c := &circle{even: n%2 == 0, pos: make([]int32, n), rank: make([]int32, n+1)}
	if c.even {
		c.m = int64(n - 1)
	} else {
		c.m = int64(n)
	}
	m := int32(c.m)
	for rk := int32(0); rk < int32(n); rk++ {
		var p int32
		switch {
		case c.even && rk == 0:
			p = m
		case c.even && rk == 1:
			p = 0
		case c.even && rk%2 == 0:
			p = rk / 2
		case c.even:
			p = m - rk/2
		case rk == 0:
			p = 0
		case rk%2 == 1:
			p = (rk + 1) / 2
		default:
			p = m - rk/2
		}
		c.pos[rk] = p
		c.rank[p] = rk
	}
	return c
}

func (c *circle) rounds() int { return int(c.m) }

func (c *circle) roundOf(a, b int32) int32 {
	pa, pb := int64(c.pos[a]), int64(c.pos[b])
	if c.even {
		if pa == c.m {
			return int32(pb)
		}
		if pb == c.m {
			return int32(pa)
		}
	}
	// 2r ≡ pa + pb, and (m+1)/2 is the inverse of 2 modulo the odd m.
	return int32((pa + pb) % c.m * ((c.m + 1) / 2) % c.m)
}

func (c *circle) fill(r int, g *grouping) {
	g.reset(len(c.pos))
	m, rr := c.m, int64(r)
	if c.even {
		g.add(c.rank[m], c.rank[rr])
	}
	for i := int64(1); i <= (m-1)/2; i++ {
		a, b := c.rank[(rr+i)%m], c.rank[(rr-i+m)%m]
		if !c.even && i == 1 {
			g.add(c.rank[rr], a, b)
			continue
		}
		g.add(a, b)
	}
}

func (c *circle) locality(r int) int { return min(r, int(c.m)-r) }
