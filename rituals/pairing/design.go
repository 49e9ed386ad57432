package pairing

// A design is a schedule laid over ranks 0..n-1: rounds of groups in which, as far as the design
// goes, no pair meets twice. Every design here is algebraic, so the round in which two ranks meet
// is computed in constant time, and a round's groups in linear time: nothing of size n² is built.
type design interface {
	// rounds is the number of rounds.
	rounds() int
	// roundOf returns the round in which ranks a and b meet, or -1 if the design never groups them.
	roundOf(a, b int32) int32
	// fill writes round r into g, replacing its contents.
	fill(r int, g *grouping)
	// locality ranks rounds: a lower value groups members whose ranks are closer, which the layout
	// makes people with closer working hours.
	locality(r int) int
}

// chooseDesign returns the best design known for n members in groups of k: for pairs, the circle
// method, or for small odd n a precomputed schedule; for trios and fours, Kirkman's 15, affine
// geometries (q^m members in groups of q), the Kirkman triple systems and resolvable designs in
// fours built by known constructions (resolvable.go), then whichever of a transversal design (k·q members) and
// a precomputed schedule has more rounds; otherwise difference-disjoint strides with the group
// sizes groupSizes gives.
func chooseDesign(n, k int) design {
	t, hasTable := lookupTable(n, k)
	if k == 2 {
		if hasTable {
			return t
		}
		return newCircle(n)
	}
	if n%k == 0 {
		if k == 3 && n == 15 {
			return newKirkman15()
		}
		if d, ok := newAffine(n, k); ok {
			return d
		}
		if d, ok := lookupResolvable(n, k); ok {
			return d
		}
		if d, ok := newTransversal(n, k); ok && (!hasTable || d.rounds() >= t.rounds()) {
			return d
		}
	}
	if hasTable {
		return t
	}
	return newStrides(n, groupSizes(n, k))
}

// groupSizes returns the sizes of the groups for n members and size k, largest first: leftovers join
// groups of k to make groups of k+1. When there are more leftovers than groups (only for some
// n < k(k-1)), the sizes are instead spread as evenly as possible over one more group, which makes
// groups of k-1, never of 1. It returns nil for n < 2.
func groupSizes(n, k int) []int {
	if n < 2 {
		return nil
	}
	g, rem := n/k, n%k
	if g == 0 || rem > g {
		g++
		base, extra := n/g, n%g
		sizes := make([]int, g)
		for i := range sizes {
			sizes[i] = base
			if i < extra {
				sizes[i]++
			}
		}
		return sizes
	}
	sizes := make([]int, g)
	for i := range sizes {
		sizes[i] = k
		if i < rem {
			sizes[i]++
		}
	}
	return sizes
}
