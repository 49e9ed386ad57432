package pairing

import "testing"

func TestExploreFours(t *testing.T) {
	for n := 18; n <= 40; n++ {
		c := struct{ n, k int }{n, 4}
		limit := (c.n - 1) / (c.k - 1)
		r := roundsWithoutRepeat(t, c.n, c.k, true, limit+2)
		r3 := roundsWithoutRepeat(t, c.n, 3, true, (n-1)/2+2)
		t.Logf("n=%d k=4 engine %d/%d  k=3 %d/%d", c.n, r, limit, r3, (n-1)/2)
	}
}
