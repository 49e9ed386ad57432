package pairing

import (
	"fmt"
	"testing"
)

// checkDesign fails unless every round of d is a partition of the n ranks into groups of the given
// sizes, no pair meets twice across rounds (except the odd circle's trio pairs), and roundOf names
// the round in which each pair meets.
func checkDesign(t *testing.T, name string, d design, n int, oddCircle bool) {
	t.Helper()
	met := map[[2]int32]int{}
	var g grouping
	for r := range d.rounds() {
		d.fill(r, &g)
		seen := make([]bool, n)
		for gi := range g.len() {
			grp := g.at(gi)
			for i, a := range grp {
				if seen[a] {
					t.Fatalf("%s round %d: rank %d twice", name, r, a)
				}
				seen[a] = true
				if g.slot[a] != g.starts[gi]+int32(i) {
					t.Fatalf("%s round %d: slot of %d is wrong", name, r, a)
				}
				for _, b := range grp[i+1:] {
					want := d.roundOf(a, b)
					if want != d.roundOf(b, a) {
						t.Fatalf("%s: roundOf(%d, %d) is not symmetric", name, a, b)
					}
					if oddCircle && want != int32(r) {
						continue // the trio's extra pairs belong to other rounds
					}
					if want != int32(r) {
						t.Fatalf("%s: %d and %d meet in round %d, roundOf says %d", name, a, b, r, want)
					}
					if prev, ok := met[[2]int32{a, b}]; ok {
						t.Fatalf("%s: %d and %d meet in rounds %d and %d", name, a, b, prev, r)
					}
					met[[2]int32{a, b}] = r
				}
			}
		}
		for a, ok := range seen {
			if !ok {
				t.Fatalf("%s round %d: rank %d missing", name, r, a)
			}
		}
	}
}

func TestDesigns(t *testing.T) {
	for n := 2; n <= 40; n++ {
		checkDesign(t, fmt.Sprintf("circle(%d)", n), newCircle(n), n, n%2 == 1)
	}
	checkDesign(t, "kirkman15", newKirkman15(), 15, false)
	for _, c := range []struct{ n, k, rounds int }{{9, 3, 4}, {27, 3, 13}, {81, 3, 40}, {16, 4, 5}, {64, 4, 21}} {
		d, ok := newAffine(c.n, c.k)
		if !ok || d.rounds() != c.rounds {
			t.Fatalf("AG for %d in groups of %d: ok=%v", c.n, c.k, ok)
		}
		checkDesign(t, fmt.Sprintf("AG(%d,%d)", c.n, c.k), d, c.n, false)
	}
	for _, c := range []struct{ n, k int }{{3, 3}, {21, 3}, {33, 3}, {20, 4}, {28, 4}, {44, 4}} {
		d, ok := newTransversal(c.n, c.k)
		if !ok || d.rounds() != c.n/c.k {
			t.Fatalf("TD for %d in groups of %d: ok=%v", c.n, c.k, ok)
		}
		checkDesign(t, fmt.Sprintf("TD(%d,%d)", c.n, c.k), d, c.n, false)
	}
	if _, ok := newTransversal(18, 3); ok {
		t.Error("TD(3, 6) accepted: 2 has no inverse modulo 6")
	}
	for key := range smallSchedules {
		d, ok := lookupTable(key[0], key[1])
		if !ok {
			t.Fatalf("table %v missing", key)
		}
		checkDesign(t, fmt.Sprintf("table%v", key), d, key[0], false)
		// Round 0 groups consecutive ranks, like every other design's.
		var g grouping
		d.fill(0, &g)
		for i, r := range g.members {
			if r != int32(i) {
				t.Fatalf("table%v: round 0 is not consecutive", key)
			}
		}
	}
	for _, c := range []struct{ n, k int }{{2, 3}, {5, 3}, {10, 3}, {14, 4}, {30, 3}, {31, 4}, {100, 3}} {
		checkDesign(t, fmt.Sprintf("strides(%d,%d)", c.n, c.k), newStrides(c.n, groupSizes(c.n, c.k)), c.n, false)
	}
}

// TestCircleRoundZeroPairsNeighbours: the layout puts close time zones on close ranks, and round
// 0 of the circle pairs rank neighbours (with the odd trio at the start).
func TestCircleRoundZeroPairsNeighbours(t *testing.T) {
	for n := 2; n <= 12; n++ {
		var g grouping
		newCircle(n).fill(0, &g)
		for gi := range g.len() {
			grp := g.at(gi)
			lo, hi := grp[0], grp[0]
			for _, r := range grp {
				lo, hi = min(lo, r), max(hi, r)
			}
			if int(hi-lo) != len(grp)-1 {
				t.Errorf("n=%d: round 0 group %v is not consecutive", n, grp)
			}
		}
	}
}
