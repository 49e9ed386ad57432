package pairing

import (
	"strings"
	"sync"
)

// table is a precomputed schedule for a small team, where no algebraic design reaches the limit:
// odd counts in pairs (with the trio), and trios and fours of sizes other than 9, 15, 16, 27. The
// schedules were found offline by tabu search over all rounds at once (the method that beats
// choosing round by round), with round 0 fixed to consecutive ranks; tables.go lists them. Each
// round lists the ranks group by group, in the sizes groupSizes gives.
type table struct {
	n     int
	sizes []int
	plan  [][]int32
	round []int8 // a*n+b -> round in which a and b meet, -1 if none
}

// tableAlphabet codes ranks 0..61 as one character each.
const tableAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

var (
	tablesOnce sync.Once
	tables     map[[2]int]*table
)

// lookupTable returns the precomputed schedule for n members in groups of k, if there is one.
func lookupTable(n, k int) (*table, bool) {
	tablesOnce.Do(func() {
		tables = make(map[[2]int]*table, len(smallSchedules))
		for key, text := range smallSchedules {
			tables[key] = decodeTable(key[0], key[1], text)
		}
	})
	t, ok := tables[[2]int{n, k}]
	return t, ok
}

// decodeTable reads a schedule: rounds separated by spaces, one character per rank. It panics on a
// malformed table, which the tests would catch.
func decodeTable(n, k int, text []string) *table {
	t := &table{n: n, sizes: groupSizes(n, k), round: make([]int8, n*n)}
	for i := range t.round {
		t.round[i] = -1
	}
	for r, line := range text {
		if len(line) != n {
			panic("pairing: malformed schedule table")
		}
		ranks := make([]int32, n)
		for i := range line {
			ranks[i] = int32(strings.IndexByte(tableAlphabet, line[i]))
		}
		t.plan = append(t.plan, ranks)
		lo := 0
		for _, size := range t.sizes {
			grp := ranks[lo : lo+size]
			for _, a := range grp {
				for _, b := range grp {
					if a != b {
						t.round[int(a)*n+int(b)] = int8(r)
					}
				}
			}
			lo += size
		}
	}
	return t
}

func (t *table) rounds() int { return len(t.plan) }

func (t *table) roundOf(a, b int32) int32 { return int32(t.round[int(a)*t.n+int(b)]) }

func (t *table) fill(r int, g *grouping) {
	g.reset(t.n)
	lo := 0
	for _, size := range t.sizes {
		g.add(t.plan[r][lo : lo+size]...)
		lo += size
	}
}

func (t *table) locality(r int) int { return r }
