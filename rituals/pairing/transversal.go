package pairing

// transversal is the cyclic transversal design TD(k, q) on k·q members: rank x·k+i is point (i, x),
// i < k, x in Z_q, and round r's groups are {(i, g + i·r) : i < k} for g in Z_q. Two points of
// different parts meet exactly once in the q rounds, provided 1..k-1 are invertible modulo q (q odd
// for trios, q prime to 6 for fours); two points of one part never meet. So it gives q rounds
// without a repeat, about two thirds of the limit for trios and three quarters for fours; after
// that the local search carries on alone.
type transversal struct {
	k, q int64
	inv  [4]int64 // inverse of d modulo q, d < k
}

func newTransversal(n, k int) (*transversal, bool) {
	q := int64(n / k)
	t := &transversal{k: int64(k), q: q}
	for d := int64(1); d < t.k; d++ {
		inv := int64(-1)
		for x := int64(0); x < q; x++ {
			if d*x%q == 1%q {
				inv = x
				break
			}
		}
		if inv < 0 {
			return nil, false
		}
		t.inv[d] = inv
	}
	return t, true
}

func (t *transversal) rounds() int { return int(t.q) }

func (t *transversal) roundOf(a, b int32) int32 {
	i, x := int64(a)%t.k, int64(a)/t.k
	j, y := int64(b)%t.k, int64(b)/t.k
	if i == j {
		return -1
	}
	if i > j {
		i, j, x, y = j, i, y, x
	}
	return int32((y - x + t.q) % t.q * t.inv[j-i] % t.q)
}

func (t *transversal) fill(r int, g *grouping) {
	g.reset(int(t.k * t.q))
	var grp [4]int32
	for x := int64(0); x < t.q; x++ {
		for i := int64(0); i < t.k; i++ {
			grp[i] = int32((x+i*int64(r))%t.q*t.k + i)
		}
		g.add(grp[:t.k]...)
	}
}

func (t *transversal) locality(r int) int { return min(r, int(t.q)-r) }
