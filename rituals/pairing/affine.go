package pairing

// affine is the affine geometry AG(m, q) for q = 3 or 4: its q^m points are the members and, for
// each direction, the parallel lines in that direction are one round's groups of q. Any two points
// lie on exactly one line, so the (q^m-1)/(q-1) rounds never repeat a pair: 4 rounds of trios for 9
// people, 13 for 27; 5 rounds of fours for 16 (the affine plane of order 4), 21 for 64.
//
// A rank is a point written in base q, its first coordinate the lowest digit. GF(3) is Z_3; GF(4)
// is {0, 1, α, α+1} coded 0..3, where addition is XOR. Directions are numbered in increasing order
// of their normalised vectors, so round 0 (direction (1, 0, …)) groups q consecutive ranks.
type affine struct {
	q, n  int32
	dims  int
	round []int32 // vector -> round of the direction it spans, -1 for 0
	dirs  []int32 // round -> normalised direction
	seen  []bool
	line  []int32
}

var (
	// gf4Mul is multiplication in GF(4) with elements coded 0, 1, α=2, α+1=3.
	gf4Mul = [4][4]int32{{0, 0, 0, 0}, {0, 1, 2, 3}, {0, 2, 3, 1}, {0, 3, 1, 2}}
	// gfInv holds the multiplicative inverses in GF(3) and GF(4), indexed by q then element.
	gfInv = [5][4]int32{3: {0, 1, 2, 0}, 4: {0, 1, 3, 2}}
)

func newAffine(n, k int) (*affine, bool) {
	if k != 3 && k != 4 || n < k*k {
		return nil, false
	}
	dims, size := 0, 1
	for size < n {
		size *= k
		dims++
	}
	if size != n {
		return nil, false
	}
	a := &affine{q: int32(k), n: int32(n), dims: dims, round: make([]int32, n), seen: make([]bool, n), line: make([]int32, k)}
	a.round[0] = -1
	for v := int32(1); v < a.n; v++ {
		if a.normalise(v) == v {
			a.round[v] = int32(len(a.dirs))
			a.dirs = append(a.dirs, v)
		}
	}
	for v := int32(1); v < a.n; v++ {
		a.round[v] = a.round[a.normalise(v)]
	}
	return a, true
}

// add returns the vector u + s·v.
func (a *affine) add(u, v, s int32) int32 {
	var w int32
	if a.q == 4 {
		for d := 0; d < a.dims; d++ {
			w |= (u>>(2*d)&3 ^ gf4Mul[s][v>>(2*d)&3]) << (2 * d)
		}
		return w
	}
	p := int32(1)
	for d := 0; d < a.dims; d++ {
		w += (u%3 + s*(v%3)) % 3 * p
		u, v, p = u/3, v/3, p*3
	}
	return w
}

// normalise scales v ≠ 0 so that its lowest non-zero digit is 1.
func (a *affine) normalise(v int32) int32 {
	low := v
	for low%a.q == 0 {
		low /= a.q
	}
	return a.add(0, v, gfInv[a.q][low%a.q])
}

func (a *affine) rounds() int { return len(a.dirs) }

func (a *affine) roundOf(x, y int32) int32 {
	if a.q == 4 {
		return a.round[x^y] // x - y = x + y in characteristic 2
	}
	return a.round[a.add(x, y, 2)] // x - y = x + 2y in GF(3)
}

func (a *affine) fill(r int, g *grouping) {
	g.reset(int(a.n))
	clear(a.seen)
	d := a.dirs[r]
	for x := int32(0); x < a.n; x++ {
		if a.seen[x] {
			continue
		}
		for t := int32(0); t < a.q; t++ {
			p := a.add(x, d, t)
			a.seen[p] = true
			a.line[t] = p
		}
		g.add(a.line...)
	}
}

func (a *affine) locality(r int) int { return r }
