package pairing

import "fmt"

// Plan groups one round. It is a pure function of its input, safe for concurrent use. It returns an
// error wrapping ErrInvalid for a group size outside 2..4, an empty or duplicate member id, or a
// UTC offset beyond ±24 h; anything else gives a Result. No member is ever left out unless there
// is only one, or exclusions leave no group to put them in (see Result.Alone).
func Plan(in Input) (Result, error) {
	k := in.GroupSize
	if k < 2 || k > 4 {
		return Result{}, fmt.Errorf("%w: group size %d, want 2 to 4", ErrInvalid, k)
	}
	ros, err := newRoster(in.Members, uint64(in.Seed))
	if err != nil {
		return Result{}, err
	}
	switch len(ros.ids) {
	case 0:
		return Result{}, nil
	case 1:
		return Result{Alone: []string{ros.ids[0]}}, nil
	}
	e := newEngine(in, ros)
	e.d = chooseDesign(len(ros.ids), k)
	g := e.choose()
	groups, alone := e.separate(g, k+1)
	return e.result(groups, alone), nil
}
