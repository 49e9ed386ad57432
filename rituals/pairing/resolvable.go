package pairing

import "sync"

// Resolvable designs for the sizes where a known construction reaches the limit, ⌊(n-1)/(k-1)⌋
// rounds without a repeat: Kirkman triple systems KTS(n), n ≡ 3 (mod 6), and resolvable
// BIBD(n, 4, 1), n ≡ 4 (mod 12). They are built once from the constructions below, checked (a
// construction that went wrong panics, and the tests build every one), relabelled so that round 0
// groups consecutive ranks, and then used like the precomputed tables.
//
//   - KTS(2q+1) and KTS(3q) for q ≡ 1 (mod 6) a prime power (Ray-Chaudhuri and Wilson 1971,
//     Theorems 5 and 6; Stinson, "A survey of Kirkman triple systems", 1991, Constructions 1.1
//     and 1.2): 21, 39, 51, 57, 63, 75, 87, 93, 99.
//   - KTS(uw) from KTS(u) and KTS(w), through a resolvable transversal design TD(3, w): 45 = 3·15.
//   - KTS(2m+1) by doubling a PBD(m, {4}) with KTS(9) on each block (Beth, Jungnickel and Lenz,
//     Design Theory, Lemma IX.6.4): 33 from the affine plane of order 4.
//   - KTS(69) on Z_23×Z_3 from base blocks found by a search (cyclicKTS).
//   - RBIBD(3q+1, 4, 1) for q ≡ 1 (mod 4) a prime power (Design Theory, VII.7.5.a): 28, 40, 52,
//     76, 88.
//
// 9, 15, 27, 81 in trios and 16, 64 in fours come from affine geometries and Kirkman's own
// solution (affine.go, kirkman.go). Not reached up to 100: RBIBD(100, 4, 1), which exists but
// needs the recursive constructions of the general existence proof.

var (
	resolvableMu    sync.Mutex
	resolvableCache = map[[2]int]*table{}
)

// lookupResolvable returns the resolvable design for n members in groups of k, if one is built here.
func lookupResolvable(n, k int) (*table, bool) {
	resolvableMu.Lock()
	defer resolvableMu.Unlock()
	key := [2]int{n, k}
	if t, ok := resolvableCache[key]; ok {
		return t, t != nil
	}
	var classes [][][]int
	switch k {
	case 3:
		classes = kirkmanSystem(n)
	case 4:
		classes = resolvableFours(n)
	}
	var t *table
	if classes != nil {
		t = tableOfClasses(n, k, classes)
	}
	resolvableCache[key] = t
	return t, t != nil
}

// kirkmanSystem returns the parallel classes of a KTS(n), or nil if none is built here.
func kirkmanSystem(n int) [][][]int {
	if n%6 != 3 {
		return nil
	}
	switch {
	case n == 3:
		return [][][]int{{{0, 1, 2}}}
	case n == 9:
		return affineClasses(9, 3)
	case n == 15:
		return kirkman15Classes()
	}
	if q := (n - 1) / 2; q%6 == 1 {
		if f, ok := newField(q); ok {
			return kts2q1(f)
		}
	}
	if q := n / 3; q%6 == 1 {
		if f, ok := newField(q); ok {
			return kts3q(f)
		}
	}
	for _, u := range []int{3, 9, 15} {
		if w := n / u; n%u == 0 && w > 3 {
			if kw := kirkmanSystem(w); kw != nil {
				return productKTS(kirkmanSystem(u), u, kw, w)
			}
		}
	}
	if n == 33 {
		return doubleAffinePlane4()
	}
	if n == 69 {
		return cyclicKTS(23, kts69Base, kts69Across)
	}
	return nil
}

// kts69Base and kts69Across are a KTS(69) on Z_23×Z_3, point (x, l) coded l·23+x, found by
// TestGenerateCyclicKTS (resolvablegen_test.go, m = 23, seed 1) and checked like every design
// here: the base class developed over Z_23, and each transversal {(0, 0), (b, 1), (c, 2)}
// developed into one class of its own. Every pure difference ±d within a level and every mixed difference between
// two levels occurs exactly once among them.
var (
	kts69Base = [][3]int{
		{3, 22, 6}, {18, 4, 68}, {44, 64, 28}, {41, 1, 42}, {50, 47, 55}, {58, 46, 60}, {33, 65, 39}, {53, 15, 52},
		{14, 20, 62}, {48, 30, 26}, {7, 61, 8}, {23, 43, 31}, {66, 29, 24}, {57, 67, 51}, {11, 21, 19}, {45, 2, 32},
		{56, 25, 10}, {12, 40, 17}, {34, 63, 59}, {37, 35, 13}, {9, 54, 38}, {49, 16, 5}, {36, 0, 27},
	}
	kts69Across = [][2]int{{12, 17}, {3, 1}, {2, 12}, {19, 3}, {10, 11}, {8, 20}, {9, 13}, {14, 6}, {21, 9}, {16, 16}, {11, 5}}
)

// cyclicKTS is KTS(3m) on Z_m×Z_3 (m odd), point (x, l) coded l·m+x: the base class developed over
// Z_m gives m classes, and each transversal {(0, 0), (b, 1), (c, 2)} developed gives one more.
func cyclicKTS(m int, base [][3]int, across [][2]int) [][][]int {
	shift := func(p, g int) int { return p/m*m + (p%m+g)%m }
	classes := make([][][]int, 0, m+len(across))
	for g := range m {
		var cl [][]int
		for _, b := range base {
			cl = append(cl, []int{shift(b[0], g), shift(b[1], g), shift(b[2], g)})
		}
		classes = append(classes, cl)
	}
	for _, t := range across {
		var cl [][]int
		for g := range m {
			cl = append(cl, []int{g, m + (t[0]+g)%m, 2*m + (t[1]+g)%m})
		}
		classes = append(classes, cl)
	}
	return classes
}

// kts2q1 is KTS(2q+1) for q = 6t+1: points GF(q)×{0,1} and ∞, one base class developed over the
// additive group of GF(q).
func kts2q1(f field) [][][]int {
	t := (f.q - 1) / 6
	a := f.primitive()
	half := f.inv(2 % f.p)
	m := f.log(a, f.mul(f.add(f.pow(a, t), 1), half)) // a^m = (a^t + 1) / 2
	base := [][]fieldPoint{{{0, 0}, {0, 1}, infinity}}
	for _, lo := range []int{0, 2 * t, 4 * t} {
		for i := lo; i < lo+t; i++ {
			ai := f.pow(a, i)
			base = append(base, []fieldPoint{{ai, 0}, {f.mul(f.pow(a, t), ai), 0}, {f.mul(f.pow(a, m), ai), 1}})
		}
	}
	for i := range t {
		base = append(base, []fieldPoint{{f.pow(a, m+t+i), 1}, {f.pow(a, m+3*t+i), 1}, {f.pow(a, m+5*t+i), 1}})
	}
	return developClass(f, 2, base)
}

// fieldPoint is a point (x, level) of GF(q)×levels, or infinity.
type fieldPoint struct{ x, level int }

// infinity is the point that translations fix.
var infinity = fieldPoint{0, -1}

// code numbers a point: level·q + x, and levels·q for infinity.
func (p fieldPoint) code(f field, levels, g int) int {
	if p.level < 0 {
		return levels * f.q
	}
	return p.level*f.q + f.add(p.x, g)
}

// developClass translates the base class by every element g of GF(q): q classes.
func developClass(f field, levels int, base [][]fieldPoint) [][][]int {
	classes := make([][][]int, f.q)
	for g := range f.q {
		for _, b := range base {
			blk := make([]int, len(b))
			for i, p := range b {
				blk[i] = p.code(f, levels, g)
			}
			classes[g] = append(classes[g], blk)
		}
	}
	return classes
}

// kts3q is KTS(3q) for q = 6t+1: points GF(q)×Z_3; a base class developed over GF(q), and 3t
// classes each the orbit of one triple across the three levels.
func kts3q(f field) [][][]int {
	t := (f.q - 1) / 6
	a := f.primitive()
	across := func(i int) []fieldPoint {
		return []fieldPoint{{f.pow(a, i), 0}, {f.pow(a, i+2*t), 1}, {f.pow(a, i+4*t), 2}}
	}
	base := [][]fieldPoint{{{0, 0}, {0, 1}, {0, 2}}}
	for j := range 3 {
		for i := range t {
			base = append(base, []fieldPoint{{f.pow(a, i), j}, {f.pow(a, i+2*t), j}, {f.pow(a, i+4*t), j}})
		}
	}
	for _, lo := range []int{t, 3 * t, 5 * t} {
		for i := lo; i < lo+t; i++ {
			base = append(base, across(i))
		}
	}
	classes := developClass(f, 3, base)
	for _, lo := range []int{0, 2 * t, 4 * t} {
		for i := lo; i < lo+t; i++ {
			orbit := developClass(f, 3, [][]fieldPoint{across(i)})
			var c [][]int
			for _, cl := range orbit {
				c = append(c, cl[0])
			}
			classes = append(classes, c)
		}
	}
	return classes
}

// productKTS is KTS(u·w) on points a·w+x (a of the KTS(u), x of the KTS(w), w odd): for each class
// R of KTS(u) and c in Z_w, the triples {(a, x), (b, x+c), (d, -2x-c)} for {a, b, d} in R and x
// in Z_w (a resolvable transversal design on each block); then each class of KTS(w) on every a.
func productKTS(ku [][][]int, u int, kw [][][]int, w int) [][][]int {
	var classes [][][]int
	for _, r := range ku {
		for c := range w {
			var cl [][]int
			for _, b := range r {
				for x := range w {
					cl = append(cl, []int{b[0]*w + x, b[1]*w + (x+c)%w, b[2]*w + ((-2*x-c)%w+2*w)%w})
				}
			}
			classes = append(classes, cl)
		}
	}
	for _, s := range kw {
		var cl [][]int
		for a := range u {
			for _, b := range s {
				cl = append(cl, []int{a*w + b[0], a*w + b[1], a*w + b[2]})
			}
		}
		classes = append(classes, cl)
	}
	return classes
}

// doubleAffinePlane4 is KTS(33): each point y of the affine plane of order 4 (16 points, 20 lines
// of 4) becomes 2y and 2y+1, with ∞ = 32. A KTS(9) is laid on each line's 8 points and ∞ so that
// its blocks through ∞ are {2y, 2y+1, ∞}; class y of the KTS(33) is {2y, 2y+1, ∞} and, from
// the KTS(9) of every line through y, the rest of that line's class which holds {2y, 2y+1, ∞}.
func doubleAffinePlane4() [][][]int {
	k9 := affineClasses(9, 3)
	// Label the KTS(9) so that class i's block through ∞ (point 8) is {2i, 2i+1, 8}.
	label := make([]int, 9)
	label[8] = 8
	for i, cl := range k9 {
		for _, b := range cl {
			if b[0] == 8 || b[1] == 8 || b[2] == 8 {
				j := 0
				for _, p := range b {
					if p != 8 {
						label[p] = 2*i + j
						j++
					}
				}
			}
		}
	}
	classes := make([][][]int, 16)
	for y := range 16 {
		classes[y] = [][]int{{2 * y, 2*y + 1, 32}}
	}
	for _, line := range affineClasses(16, 4) {
		for _, l := range line {
			for i, cl := range k9 {
				for _, b := range cl {
					if b[0] == 8 || b[1] == 8 || b[2] == 8 {
						continue
					}
					blk := make([]int, 3)
					for j, p := range b {
						lp := label[p]
						blk[j] = 2*l[lp/2] + lp%2
					}
					classes[l[i]] = append(classes[l[i]], blk)
				}
			}
		}
	}
	return classes
}

// resolvableFours returns the parallel classes of an RBIBD(n, 4, 1), or nil if none is built here.
func resolvableFours(n int) [][][]int {
	if q := (n - 1) / 3; n%12 == 4 && q%4 == 1 {
		if f, ok := newField(q); ok {
			return rbibd3q1(f)
		}
	}
	return nil
}

// rbibd3q1 is RBIBD(3q+1, 4, 1) for q ≡ 1 (mod 4): points GF(q)×Z_3 and ∞; with w primitive and
// e = w^((q-1)/4) (so e² = -1), the base class {(±w^i, j), (±e·w^i, j+1)} for i < (q-1)/4 and
// j in Z_3, and {(0, 0), (0, 1), (0, 2), ∞}, developed over GF(q).
func rbibd3q1(f field) [][][]int {
	nn := (f.q - 1) / 4
	w := f.primitive()
	e := f.pow(w, nn)
	base := [][]fieldPoint{{{0, 0}, {0, 1}, {0, 2}, infinity}}
	for i := range nn {
		wi := f.pow(w, i)
		ewi := f.mul(e, wi)
		for j := range 3 {
			base = append(base, []fieldPoint{{wi, j}, {f.neg(wi), j}, {ewi, (j + 1) % 3}, {f.neg(ewi), (j + 1) % 3}})
		}
	}
	return developClass(f, 3, base)
}

// affineClasses lists the rounds of AG(m, q) as classes of points.
func affineClasses(n, k int) [][][]int {
	d, ok := newAffine(n, k)
	if !ok {
		panic("pairing: no affine geometry")
	}
	return classesOf(d, n)
}

func kirkman15Classes() [][][]int { return classesOf(newKirkman15(), 15) }

// classesOf lists a design's rounds as classes of points.
func classesOf(d design, n int) [][][]int {
	var g grouping
	classes := make([][][]int, d.rounds())
	for r := range classes {
		d.fill(r, &g)
		for i := range g.len() {
			var blk []int
			for _, x := range g.at(i) {
				blk = append(blk, int(x))
			}
			classes[r] = append(classes[r], blk)
		}
	}
	return classes
}

// tableOfClasses turns parallel classes into a schedule, relabelling points so that round 0
// groups consecutive ranks. It panics unless the classes are a resolvable design with
// (n-1)/(k-1) rounds in which every pair meets exactly once.
func tableOfClasses(n, k int, classes [][][]int) *table {
	if len(classes) != (n-1)/(k-1) || (n-1)%(k-1) != 0 || n%k != 0 {
		panic("pairing: resolvable design of the wrong shape")
	}
	rank := make([]int32, n)
	next := int32(0)
	for _, b := range classes[0] {
		for _, p := range b {
			rank[p] = next
			next++
		}
	}
	t := &table{n: n, sizes: groupSizes(n, k), round: make([]int8, n*n)}
	for i := range t.round {
		t.round[i] = -1
	}
	for r, cl := range classes {
		ranks := make([]int32, 0, n)
		seen := make([]bool, n)
		for _, b := range cl {
			if len(b) != k {
				panic("pairing: resolvable design with a block of the wrong size")
			}
			for i, p := range b {
				if p < 0 || p >= n || seen[p] {
					panic("pairing: resolvable design whose round is not a partition")
				}
				seen[p] = true
				ranks = append(ranks, rank[p])
				for _, o := range b[:i] {
					ab := int(rank[p])*n + int(rank[o])
					if t.round[ab] >= 0 {
						panic("pairing: resolvable design with a pair meeting twice")
					}
					t.round[ab] = int8(r)
					t.round[int(rank[o])*n+int(rank[p])] = int8(r)
				}
			}
		}
		if len(ranks) != n {
			panic("pairing: resolvable design whose round is not a partition")
		}
		t.plan = append(t.plan, ranks)
	}
	return t
}
