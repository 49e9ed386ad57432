package pairing

import (
	"fmt"
	"testing"
)

// TestKnownResolvableDesigns builds every Kirkman triple system and resolvable design in fours up
// to 100 members that the package knows, and checks each: a partition every round, (n-1)/(k-1)
// rounds, every pair meeting exactly once (checkDesign, with the construction's own checks).
func TestKnownResolvableDesigns(t *testing.T) {
	trios := []int{3, 9, 15, 21, 27, 33, 39, 45, 51, 57, 63, 69, 75, 81, 87, 93, 99}
	fours := []int{28, 40, 52, 76, 88}
	for _, c := range []struct {
		k     int
		sizes []int
	}{{3, trios}, {4, fours}} {
		for _, n := range c.sizes {
			d, ok := lookupResolvable(n, c.k)
			if !ok {
				t.Errorf("no resolvable design for %d in groups of %d", n, c.k)
				continue
			}
			if d.rounds() != (n-1)/(c.k-1) {
				t.Errorf("%d in groups of %d: %d rounds, want %d", n, c.k, d.rounds(), (n-1)/(c.k-1))
			}
			checkDesign(t, fmt.Sprintf("resolvable(%d,%d)", n, c.k), d, n, false)
			pairs := 0
			for a := range int32(n) {
				for b := a + 1; b < int32(n); b++ {
					if d.roundOf(a, b) >= 0 {
						pairs++
					}
				}
			}
			if pairs != n*(n-1)/2 {
				t.Errorf("%d in groups of %d: %d pairs meet, want all %d", n, c.k, pairs, n*(n-1)/2)
			}
		}
	}
	for _, c := range [][2]int{{100, 4}, {24, 3}, {20, 4}} {
		if _, ok := lookupResolvable(c[0], c[1]); ok {
			t.Errorf("a resolvable design for %d in groups of %d, which is not built here", c[0], c[1])
		}
	}
}
