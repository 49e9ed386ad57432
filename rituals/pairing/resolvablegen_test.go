package pairing

import (
	"flag"
	"math"
	"math/rand/v2"
	"testing"
)

var genResolvable = flag.Int("gen-kts", 0, "search base blocks of a KTS(3m) on Z_m×Z_3 for this odd m, e.g. 23")

// TestGenerateCyclicKTS searches the base blocks of a Kirkman triple system on Z_m×Z_3, as
// cyclicKTS develops them (kts69Base and kts69Across came from m = 23, seed 1, in about a minute), and
// prints them. Run it with go test -run TestGenerateCyclicKTS -gen-kts 23 -v ./rituals/pairing/.
func TestGenerateCyclicKTS(t *testing.T) {
	m := *genResolvable
	if m == 0 {
		t.Skip("run with -gen-kts m")
	}
	base, across := searchCyclicKTS(m, 1)
	tableOfClasses(3*m, 3, cyclicKTS(m, base, across)) // panics unless it is a KTS
	t.Logf("base: %v\nacross: %v", base, across)
}

// searchCyclicKTS anneals a partition of Z_m×Z_3 into m triples (the base class) and (m-1)/2
// transversals {(0, 0), (b, 1), (c, 2)} until every difference is covered exactly once: each ±d
// within a level, and each d from one level to another. The cost counts the differences covered
// more than once.
func searchCyclicKTS(m int, seed uint64) ([][3]int, [][2]int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	half := m / 2
	slot := func(p, q int) int {
		lp, xp, lq, xq := p/m, p%m, q/m, q%m
		if lp == lq {
			d := ((xq-xp)%m + m) % m
			return lp*half + min(d, m-d) - 1
		}
		if lp > lq {
			lp, lq, xp, xq = lq, lp, xq, xp
		}
		return 3*half + (lp+lq-1)*m + ((xq-xp)%m+m)%m // (0,1), (0,2), (1,2)
	}
	count := make([]int, 3*half+3*m)
	add := func(s, v int) int { // the change in cost
		count[s] += v
		if v > 0 {
			return count[s] - 1
		}
		return -count[s]
	}
	pts := rng.Perm(3 * m)
	base := make([][3]int, m)
	where := make([][2]int, 3*m)
	cost := 0
	for i := range base {
		copy(base[i][:], pts[3*i:3*i+3])
		for j, p := range base[i] {
			where[p] = [2]int{i, j}
			for _, o := range base[i][:j] {
				cost += add(slot(p, o), 1)
			}
		}
	}
	across := make([][2]int, half)
	acrossSlots := func(t [2]int) [3]int { return [3]int{slot(0, m+t[0]), slot(0, 2*m+t[1]), slot(m+t[0], 2*m+t[1])} }
	for i := range across {
		across[i] = [2]int{rng.IntN(m), rng.IntN(m)}
		for _, s := range acrossSlots(across[i]) {
			cost += add(s, 1)
		}
	}
	temp := 2.0
	accept := func(d int) bool { return d <= 0 || rng.Float64() < math.Exp(-float64(d)/temp) }
	for it := 1; cost > 0; it++ {
		if it%200000 == 0 {
			if temp *= 0.97; temp < 0.05 {
				temp = 0.6
			}
		}
		if rng.IntN(4) == 0 { // move one transversal
			i := rng.IntN(half)
			old, t := across[i], across[i]
			t[rng.IntN(2)] = rng.IntN(m)
			d := 0
			for _, s := range acrossSlots(old) {
				d += add(s, -1)
			}
			for _, s := range acrossSlots(t) {
				d += add(s, 1)
			}
			if accept(d) {
				across[i], cost = t, cost+d
				continue
			}
			for _, s := range acrossSlots(t) {
				add(s, -1)
			}
			for _, s := range acrossSlots(old) {
				add(s, 1)
			}
			continue
		}
		p, q := rng.IntN(3*m), rng.IntN(3*m) // swap two points of the base class
		wp, wq := where[p], where[q]
		if wp[0] == wq[0] {
			continue
		}
		bp, bq := &base[wp[0]], &base[wq[0]]
		move := func(from, to int, v int) int {
			d := 0
			for j, o := range bp {
				if j != wp[1] {
					d += add(slot(from, o), -v)
					d += add(slot(to, o), v)
				}
			}
			for j, o := range bq {
				if j != wq[1] {
					d += add(slot(to, o), -v)
					d += add(slot(from, o), v)
				}
			}
			return d
		}
		d := move(p, q, 1)
		if accept(d) {
			bp[wp[1]], bq[wq[1]] = q, p
			where[p], where[q] = wq, wp
			cost += d
			continue
		}
		move(p, q, -1)
	}
	return base, across
}
