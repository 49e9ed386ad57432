package pairing

import (
	"cmp"
	"slices"
	"time"
)

// result turns groups of ranks into the Result: ids, repeats, hours apart and reasons.
func (e *engine) result(groups [][]int32, alone []int32) Result {
	res := Result{Groups: make([]Group, 0, len(groups))}
	for _, grp := range groups {
		g := Group{Members: make([]string, len(grp))}
		var gap int32
		for i, a := range grp {
			g.Members[i] = e.ros.ids[a]
			for _, b := range grp[i+1:] {
				gap = max(gap, gapMinutes(e.ros.off[a], e.ros.off[b]))
				if m, ok := e.met.find(a, b); ok {
					r := Repeat{A: e.ros.ids[a], B: e.ros.ids[b], LastMet: e.hist[m.src].At}
					if r.B < r.A {
						r.A, r.B = r.B, r.A
					}
					g.Repeats = append(g.Repeats, r)
				}
			}
		}
		slices.Sort(g.Members)
		slices.SortFunc(g.Repeats, func(a, b Repeat) int { return cmp.Or(cmp.Compare(a.A, b.A), cmp.Compare(a.B, b.B)) })
		g.HoursApart = float64(gap) / 60
		g.Reason = e.reason(grp, g)
		res.Groups = append(res.Groups, g)
	}
	slices.SortFunc(res.Groups, func(a, b Group) int { return cmp.Compare(a.Members[0], b.Members[0]) })
	for _, a := range alone {
		res.Alone = append(res.Alone, e.ros.ids[a])
	}
	slices.Sort(res.Alone)
	return res
}

// nowTime is the round's date as a time.Time, for reasons.
func (e *engine) nowTime() time.Time { return time.Unix(e.now, 0) }
