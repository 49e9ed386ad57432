package pairing

// kirkman15 is a solution of Kirkman's schoolgirl problem: 15 members in 7 rounds of 5 trios, every
// pair meeting exactly once. It is a packing of the lines of PG(3, 2) into spreads, relabelled so
// that round 0 groups consecutive ranks.
var kirkman15 = [7][5][3]int32{
	{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9, 10, 11}, {12, 13, 14}},
	{{0, 3, 6}, {1, 4, 7}, {2, 11, 14}, {5, 10, 12}, {8, 9, 13}},
	{{0, 9, 12}, {1, 10, 13}, {2, 5, 8}, {3, 7, 14}, {4, 6, 11}},
	{{0, 4, 13}, {1, 5, 14}, {2, 6, 9}, {3, 8, 10}, {7, 11, 12}},
	{{0, 7, 10}, {1, 8, 11}, {2, 3, 12}, {4, 9, 14}, {5, 6, 13}},
	{{0, 5, 11}, {1, 3, 9}, {2, 7, 13}, {4, 8, 12}, {6, 10, 14}},
	{{0, 8, 14}, {1, 6, 12}, {2, 4, 10}, {3, 11, 13}, {5, 7, 9}},
}

// kirkman is the design built from kirkman15.
type kirkman struct {
	round [15][15]int32
}

func newKirkman15() *kirkman {
	k := &kirkman{}
	for r, groups := range kirkman15 {
		for _, t := range groups {
			for _, a := range t {
				for _, b := range t {
					k.round[a][b] = int32(r)
				}
			}
		}
	}
	return k
}

func (k *kirkman) rounds() int { return len(kirkman15) }

func (k *kirkman) roundOf(a, b int32) int32 { return k.round[a][b] }

func (k *kirkman) fill(r int, g *grouping) {
	g.reset(15)
	for _, t := range kirkman15[r] {
		g.add(t[:]...)
	}
}

func (k *kirkman) locality(r int) int { return r }
