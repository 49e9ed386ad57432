package pairing

import "testing"

func TestExploreOdd(t *testing.T) {
	for _, c := range []struct{ n, k int }{{31, 2}, {33, 2}, {35, 2}, {37, 2}, {12, 3}, {13, 3}, {14, 3}, {16, 3}, {17, 3}, {18, 3}, {19, 3}, {20, 3}, {21, 3}, {22, 3}, {23, 3}, {24, 3}, {25, 3}, {26, 3}, {28, 3}, {29, 3}, {30, 3}} {
		limit := (c.n - 1) / (c.k - 1)
		if c.k == 2 {
			limit = c.n * (c.n - 1) / (c.n + 3)
		}
		r := roundsWithoutRepeat(t, c.n, c.k, true, limit+2)
		t.Logf("n=%d k=%d engine %d/%d", c.n, c.k, r, limit)
	}
}
