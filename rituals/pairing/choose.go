package pairing

import "slices"

// Rounds are ranked by how much of them the history has used; the first few are built, repaired
// and compared in full. Beyond those, rounds the history has not touched at all are still compared,
// on soft wishes alone, while the members they place stay within cleanEvalBudget: for a small team
// every unused round is looked at, so the first weeks go to the best time-zone and team mixes.
const (
	candidates      = 4
	cleanEvalBudget = 1 << 16
)

// roundRank is a design round with what the history says about it.
type roundRank struct {
	r         int
	excl, met int64
	rec       int64
	local     int
}

func (a roundRank) less(b roundRank) bool {
	switch {
	case a.excl != b.excl:
		return a.excl < b.excl
	case a.met != b.met:
		return a.met < b.met
	case a.rec != b.rec:
		return a.rec < b.rec
	case a.local != b.local:
		return a.local < b.local
	}
	return a.r < b.r
}

// choose returns the round's grouping: of the design rounds the history has used least, each
// repaired by local search, the one that scores best. Among untouched rounds that is the one that
// best suits time zones and teams; rounds are tried in order of locality, so for large teams, where
// only some are tried, the likeliest come first.
//
// Each past pair of current members belongs to exactly one design round (at most one for designs
// that do not cover every pair), found in constant time, so ranking all rounds costs one pass over
// the history. With stable membership the history is made of whole design rounds, the least used
// round is untouched, and the schedule follows the design to its end: n-1 rounds of pairs without
// a repeat. When members join or leave, the layout, hence the design, changes: the history then
// spreads thinly over all rounds, and the least used one is repaired.
func (e *engine) choose() *grouping {
	d := e.d
	nr := d.rounds()
	ranks := make([]roundRank, nr)
	for r := range ranks {
		ranks[r] = roundRank{r: r, local: d.locality(r)}
	}
	for a := range int32(len(e.ros.ids)) {
		for _, m := range e.met.of(a) {
			if m.partner < a {
				continue
			}
			if r := d.roundOf(a, m.partner); r >= 0 {
				ranks[r].met++
				ranks[r].rec += e.recency(m.at)
			}
		}
	}
	for key := range e.excl {
		if r := d.roundOf(int32(key>>32), int32(uint32(key))); r >= 0 {
			ranks[r].excl++
		}
	}
	e.poll = make([]int32, nr)
	for r := range ranks {
		e.poll[r] = int32(ranks[r].met + ranks[r].excl)
	}
	slices.SortFunc(ranks, func(a, b roundRank) int {
		if a.less(b) {
			return -1
		}
		return 1
	})
	var best, cand grouping
	var bestScore score
	found := false
	s := newSearcher(e)
	cleanBudget := cleanEvalBudget
	for i, rr := range ranks {
		clean := rr.met == 0 && rr.excl == 0
		if i >= candidates && !(clean && cleanBudget > 0) {
			break
		}
		if found && bestScore.excl == 0 && bestScore.met == 0 && bestScore.dev == 0 && !clean {
			break // a clean round beats any round that needs repair
		}
		e.round = int32(rr.r)
		d.fill(rr.r, &cand)
		s.run(&cand)
		sc := e.score(&cand)
		cleanBudget -= len(cand.members)
		if !found || sc.less(bestScore) {
			best.copyFrom(&cand)
			bestScore, found = sc, true
		}
	}
	e.round = -1
	return &best
}
