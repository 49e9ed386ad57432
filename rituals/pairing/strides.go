package pairing

// strides is the fallback design for sizes no algebraic design covers. Round t lists the ranks
// in steps of s_t (0, s_t, 2s_t, … modulo n) and cuts the list into consecutive groups of the given
// sizes. The steps are prime to n and chosen greedily so that no difference ±j·s_t (j below the
// largest size) belongs to two steps: a pair, whose difference is fixed, can then meet in at most
// one round. Not every pair meets in some round, and the rounds run out well before the limit;
// the local search does the rest. Step 1 comes first: it groups rank neighbours.
type strides struct {
	n     int64
	steps []int64
	inv   []int64 // inverse of each step modulo n
	owner []int32 // difference -> round whose step produces it, -1 if none
	block []int32 // index in a round's list -> group number
	sizes []int
	line  []int32
}

func newStrides(n int, sizes []int) *strides {
	s := &strides{n: int64(n), owner: make([]int32, n), block: make([]int32, 0, n), sizes: sizes}
	maxSize := 0
	for g, size := range sizes {
		for range size {
			s.block = append(s.block, int32(g))
		}
		maxSize = max(maxSize, size)
	}
	for i := range s.owner {
		s.owner[i] = -1
	}
	for step := int64(1); step < max(s.n, 2); step++ {
		inv, ok := inverseMod(step, s.n)
		if !ok {
			continue
		}
		free := true
		for j := int64(1); j < int64(maxSize) && free; j++ {
			d := j * step % s.n
			free = s.owner[d] < 0 && s.owner[(s.n-d)%s.n] < 0
		}
		if !free && len(s.steps) > 0 {
			continue
		}
		r := int32(len(s.steps))
		s.steps = append(s.steps, step)
		s.inv = append(s.inv, inv)
		for j := int64(1); j < int64(maxSize); j++ {
			d := j * step % s.n
			for _, e := range [2]int64{d, (s.n - d) % s.n} {
				if s.owner[e] < 0 {
					s.owner[e] = r
				}
			}
		}
	}
	return s
}

// inverseMod returns the inverse of a modulo n, if a is prime to n.
func inverseMod(a, n int64) (int64, bool) {
	if n == 1 {
		return 0, true
	}
	t, nt, r, nr := int64(0), int64(1), n, a%n
	for nr != 0 {
		q := r / nr
		t, nt = nt, t-q*nt
		r, nr = nr, r-q*nr
	}
	if r != 1 {
		return 0, false
	}
	return (t%n + n) % n, true
}

func (s *strides) rounds() int { return len(s.steps) }

func (s *strides) roundOf(a, b int32) int32 {
	r := s.owner[(int64(b)-int64(a)+s.n)%s.n]
	if r < 0 {
		return -1
	}
	ia, ib := int64(a)*s.inv[r]%s.n, int64(b)*s.inv[r]%s.n
	if s.block[ia] != s.block[ib] {
		return -1
	}
	return r
}

func (s *strides) fill(r int, g *grouping) {
	g.reset(int(s.n))
	step, x := s.steps[r], int64(0)
	for _, size := range s.sizes {
		s.line = s.line[:0]
		for range size {
			s.line = append(s.line, int32(x))
			x = (x + step) % s.n
		}
		g.add(s.line...)
	}
}

func (s *strides) locality(r int) int { return r }
