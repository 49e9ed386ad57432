package pairing

// engine is the state of one Plan call: the members laid out, who met whom, the design, and how
// much of each design round the history has already used.
type engine struct {
	ros   roster
	hist  []PastGroup
	met   meetings
	excl  map[uint64]struct{} // excluded pairs of current members; nil if none
	now   int64               // Unix seconds
	d     design
	round int32   // design round of the grouping being built, -1 when scoring without one
	poll  []int32 // per design round: its pairs already met or excluded
	seed  uint64
}

// newEngine indexes the history and exclusions of in against the roster.
func newEngine(in Input, ros roster) *engine {
	e := &engine{ros: ros, hist: in.History, round: -1, seed: uint64(in.Seed)}
	e.met = newMeetings(len(ros.ids), in.History, ros.index)
	for _, l := range e.met.list {
		e.now = max(e.now, l.at)
	}
	if !in.Now.IsZero() {
		e.now = in.Now.Unix()
	}
	for _, x := range in.Exclusions {
		a, okA := ros.index[x[0]]
		b, okB := ros.index[x[1]]
		if !okA || !okB || a == b {
			continue
		}
		if e.excl == nil {
			e.excl = make(map[uint64]struct{}, len(in.Exclusions))
		}
		e.excl[pairKey(a, b)] = struct{}{}
	}
	return e
}
