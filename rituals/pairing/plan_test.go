package pairing

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func ids(n int) []Member { return members(n, false, 0) }

func mustPlan(t *testing.T, in Input) Result {
	t.Helper()
	res, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkPartition fails unless every member is in exactly one group or in Alone.
func checkPartition(t *testing.T, in Input, res Result) {
	t.Helper()
	seen := map[string]int{}
	for _, g := range res.Groups {
		if len(g.Members) < 2 {
			t.Fatalf("group of %d: %v", len(g.Members), g.Members)
		}
		for _, id := range g.Members {
			seen[id]++
		}
	}
	for _, id := range res.Alone {
		seen[id]++
	}
	for _, m := range in.Members {
		if seen[m.ID] != 1 {
			t.Fatalf("%s placed %d times in %+v", m.ID, seen[m.ID], res)
		}
	}
	if len(seen) != len(in.Members) {
		t.Fatalf("result names %d people, input has %d", len(seen), len(in.Members))
	}
}

func TestPlanRejectsInvalidInput(t *testing.T) {
	for name, in := range map[string]Input{
		"size 1":    {Members: ids(4), GroupSize: 1},
		"size 5":    {Members: ids(4), GroupSize: 5},
		"empty id":  {Members: []Member{{ID: "a"}, {ID: ""}}, GroupSize: 2},
		"duplicate": {Members: []Member{{ID: "a"}, {ID: "b"}, {ID: "a"}}, GroupSize: 2},
		"offset":    {Members: []Member{{ID: "a"}, {ID: "b", UTCOffset: 25 * time.Hour}}, GroupSize: 2},
	} {
		if _, err := Plan(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestNoMembersAndOneMember(t *testing.T) {
	if res := mustPlan(t, Input{GroupSize: 2}); len(res.Groups) != 0 || len(res.Alone) != 0 {
		t.Errorf("no members: %+v", res)
	}
	res := mustPlan(t, Input{Members: []Member{{ID: "solo"}}, GroupSize: 3})
	if len(res.Groups) != 0 || !reflect.DeepEqual(res.Alone, []string{"solo"}) {
		t.Errorf("one member: %+v", res)
	}
}

// TestNobodyLeftOut checks every n from 0 to 30 and every size, over a few rounds of history so
// that repairs happen too: everyone is placed once, and the sizes are groupSizes'.
func TestNobodyLeftOut(t *testing.T) {
	for k := 2; k <= 4; k++ {
		for n := 0; n <= 30; n++ {
			s := newSim(t, n, k, true)
			for range 3 {
				res := s.step()
				checkPartition(t, s.in, res)
				if n >= 2 && len(res.Alone) > 0 {
					t.Fatalf("n=%d k=%d: alone %v", n, k, res.Alone)
				}
				var sizes []int
				for _, g := range res.Groups {
					sizes = append(sizes, len(g.Members))
					if len(g.Members) > k+1 {
						t.Fatalf("n=%d k=%d: group of %d", n, k, len(g.Members))
					}
				}
				slices.Sort(sizes)
				slices.Reverse(sizes)
				if want := groupSizes(n, k); !slices.Equal(sizes, want) {
					t.Fatalf("n=%d k=%d: sizes %v, want %v", n, k, sizes, want)
				}
			}
		}
	}
}

func TestGroupSizes(t *testing.T) {
	for _, c := range []struct {
		n, k int
		want []int
	}{
		{2, 2, []int{2}}, {3, 2, []int{3}}, {7, 2, []int{3, 2, 2}},
		{2, 3, []int{2}}, {4, 3, []int{4}}, {5, 3, []int{3, 2}}, {7, 3, []int{4, 3}}, {8, 3, []int{4, 4}},
		{3, 4, []int{3}}, {5, 4, []int{5}}, {6, 4, []int{3, 3}}, {7, 4, []int{4, 3}}, {11, 4, []int{4, 4, 3}},
		{13, 4, []int{5, 4, 4}},
	} {
		if got := groupSizes(c.n, c.k); !slices.Equal(got, c.want) {
			t.Errorf("groupSizes(%d, %d) = %v, want %v", c.n, c.k, got, c.want)
		}
	}
}

func TestOddCountMakesOneTrio(t *testing.T) {
	for n := 3; n <= 31; n += 2 {
		res := mustPlan(t, Input{Members: ids(n), GroupSize: 2, Seed: int64(n)})
		trios := 0
		for _, g := range res.Groups {
			switch len(g.Members) {
			case 3:
				trios++
			case 2:
			default:
				t.Fatalf("n=%d: group of %d", n, len(g.Members))
			}
		}
		if trios != 1 {
			t.Fatalf("n=%d: %d trios", n, trios)
		}
	}
}

// shuffled returns a copy of in with members, history, group members and exclusions reordered.
func shuffled(in Input, seed uint64) Input {
	rng := rand.New(rand.NewPCG(seed, seed))
	out := in
	out.Members = slices.Clone(in.Members)
	rng.Shuffle(len(out.Members), func(i, j int) { out.Members[i], out.Members[j] = out.Members[j], out.Members[i] })
	out.History = make([]PastGroup, len(in.History))
	for i, g := range in.History {
		out.History[i] = PastGroup{Members: slices.Clone(g.Members), At: g.At}
		rng.Shuffle(len(g.Members), func(a, b int) {
			out.History[i].Members[a], out.History[i].Members[b] = out.History[i].Members[b], out.History[i].Members[a]
		})
	}
	rng.Shuffle(len(out.History), func(i, j int) { out.History[i], out.History[j] = out.History[j], out.History[i] })
	out.Exclusions = slices.Clone(in.Exclusions)
	for i := range out.Exclusions {
		if rng.IntN(2) == 0 {
			out.Exclusions[i][0], out.Exclusions[i][1] = out.Exclusions[i][1], out.Exclusions[i][0]
		}
	}
	rng.Shuffle(len(out.Exclusions), func(i, j int) { out.Exclusions[i], out.Exclusions[j] = out.Exclusions[j], out.Exclusions[i] })
	return out
}

func TestSameSeedSameGroupingWhateverTheOrder(t *testing.T) {
	for _, k := range []int{2, 3, 4} {
		for _, n := range []int{9, 16, 25} {
			s := newSim(t, n, k, true)
			s.in.Exclusions = [][2]string{{"m00001", "m00002"}, {"m00003", "m00007"}}
			for s.round < 12 {
				s.step()
				// Churn too, so that repairs and tabu search run.
				if s.round%4 == 0 {
					s.churn(true)
				}
			}
			want := mustPlan(t, s.in)
			for i := range 5 {
				if got := mustPlan(t, shuffled(s.in, uint64(i))); !reflect.DeepEqual(got, want) {
					t.Fatalf("n=%d k=%d: shuffled input %d gives\n%+v\nwant\n%+v", n, k, i, got, want)
				}
			}
			// The seed orders members with equal offsets and teams: without time zones or
			// teams, another seed gives another grouping.
			plain := Input{Members: ids(n), GroupSize: k, Seed: 1}
			first := mustPlan(t, plain)
			plain.Seed = 2
			if reflect.DeepEqual(mustPlan(t, plain), first) {
				t.Errorf("n=%d k=%d: another seed gives the same grouping", n, k)
			}
		}
	}
}

func TestExclusionsAreNeverBroken(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range []int{2, 3, 4} {
		for _, n := range []int{6, 11, 20} {
			s := newSim(t, n, k, true)
			excluded := map[[2]string]bool{}
			for range n / 2 {
				a, b := s.in.Members[rng.IntN(n)].ID, s.in.Members[rng.IntN(n)].ID
				s.in.Exclusions = append(s.in.Exclusions, [2]string{a, b})
				excluded[[2]string{a, b}], excluded[[2]string{b, a}] = true, true
			}
			for s.round < n+3 {
				res := s.step()
				checkPartition(t, s.in, res)
				for _, g := range res.Groups {
					for _, a := range g.Members {
						for _, b := range g.Members {
							if a != b && excluded[[2]string{a, b}] {
								t.Fatalf("n=%d k=%d round %d: %s and %s grouped", n, k, s.round, a, b)
							}
						}
					}
					if strings.Contains(g.Reason, "exclu") {
						t.Fatalf("reason reveals an exclusion: %q", g.Reason)
					}
				}
			}
		}
	}
}

func TestImpossibleExclusionsLeaveMembersAlone(t *testing.T) {
	in := Input{Members: ids(2), GroupSize: 2, Exclusions: [][2]string{{"m00000", "m00001"}}}
	if res := mustPlan(t, in); len(res.Groups) != 0 || len(res.Alone) != 2 {
		t.Errorf("two excluded members: %+v", res)
	}
	// m00000 may meet nobody: the other two still meet.
	in = Input{Members: ids(3), GroupSize: 2, Exclusions: [][2]string{{"m00000", "m00001"}, {"m00002", "m00000"}}}
	res := mustPlan(t, in)
	if !reflect.DeepEqual(res.Alone, []string{"m00000"}) || len(res.Groups) != 1 || !slices.Equal(res.Groups[0].Members, []string{"m00001", "m00002"}) {
		t.Errorf("one member excluded from all: %+v", res)
	}
	// Exclusions naming strangers or one person twice are ignored.
	in = Input{Members: ids(2), GroupSize: 2, Exclusions: [][2]string{{"m00000", "ghost"}, {"m00001", "m00001"}}}
	if res := mustPlan(t, in); len(res.Groups) != 1 {
		t.Errorf("irrelevant exclusions: %+v", res)
	}
}

// TestOldestRepeatWhenForced: four people have met in all three possible pairings; the next round
// must repeat, and must take the pairing that met longest ago, wherever it is in the history.
func TestOldestRepeatWhenForced(t *testing.T) {
	week := 7 * 24 * time.Hour
	rounds := [][2][2]string{
		{{"a", "d"}, {"b", "c"}},
		{{"a", "b"}, {"c", "d"}}, // the oldest
		{{"a", "c"}, {"b", "d"}},
	}
	dates := []time.Time{t0.Add(week), t0, t0.Add(2 * week)}
	for first := range rounds {
		in := Input{GroupSize: 2, Now: t0.Add(14 * week)}
		for _, id := range []string{"a", "b", "c", "d"} {
			in.Members = append(in.Members, Member{ID: id})
		}
		for i := range rounds {
			r := (first + i) % len(rounds)
			for _, p := range rounds[r] {
				in.History = append(in.History, PastGroup{Members: p[:], At: dates[r]})
			}
		}
		res := mustPlan(t, in)
		var got [][]string
		for _, g := range res.Groups {
			got = append(got, g.Members)
			if len(g.Repeats) != 1 || !g.Repeats[0].LastMet.Equal(t0) {
				t.Fatalf("repeats %+v", g.Repeats)
			}
			if want := "you last met 14 weeks ago — the freshest pairing available; same time zone"; g.Reason != want {
				t.Errorf("reason %q, want %q", g.Reason, want)
			}
		}
		if want := [][]string{{"a", "b"}, {"c", "d"}}; !reflect.DeepEqual(got, want) {
			t.Fatalf("history order %d: groups %v, want %v", first, got, want)
		}
	}
}

// TestOldestRepeatInLargerGroup: a repeat is forced for one pair of ten; it is the oldest.
func TestOldestRepeatAmongMany(t *testing.T) {
	s := newSim(t, 10, 2, false)
	for range 9 {
		s.step()
	}
	if s.firstRep != 0 {
		t.Fatalf("repeat in round %d", s.firstRep)
	}
	res := s.step()
	// Every pair has met once: the round must repeat the first round exactly.
	first := map[string]bool{}
	for _, g := range s.in.History[:5] {
		first[strings.Join(g.Members, " ")] = true
	}
	for _, g := range res.Groups {
		if !first[strings.Join(g.Members, " ")] {
			t.Errorf("group %v is not from the oldest round", g.Members)
		}
	}
}

// clusters returns 2·half members, alternately at UTC-8 and UTC+8 (8 h apart around the clock).
func clusters(half int) []Member {
	var ms []Member
	for i := range 2 * half {
		off := -8 * time.Hour
		if i%2 == 1 {
			off = 8 * time.Hour
		}
		ms = append(ms, Member{ID: fmt.Sprintf("u%02d", i), UTCOffset: off})
	}
	return ms
}

func TestTimeZonesPreferredWhenNoRepeatIsAtStake(t *testing.T) {
	for _, half := range []int{4, 6, 10} {
		for seed := range int64(5) {
			in := Input{Members: clusters(half), GroupSize: 2, Seed: seed, Now: t0}
			for round := range 3 {
				res := mustPlan(t, in)
				cross := 0
				for _, g := range res.Groups {
					if g.HoursApart > 0 {
						cross++
					}
					in.History = append(in.History, PastGroup{Members: g.Members, At: in.Now})
				}
				// Round 1 pairs within clusters; later rounds, at most one crossing pair per
				// cluster side; a random pairing crosses half the time.
				if max := min(round, 1) * 2; cross > max {
					t.Errorf("%d+%d members, seed %d, round %d: %d pairs cross time zones", half, half, seed, round+1, cross)
				}
				in.Now = in.Now.Add(7 * 24 * time.Hour)
			}
		}
	}
}

func TestSoftWishesNeverCostARepeat(t *testing.T) {
	// Within each cluster of four, everyone has met: the next round must cross clusters.
	in := Input{Members: clusters(4), GroupSize: 2, Now: t0.Add(7 * 24 * time.Hour)}
	for _, side := range [][]string{{"u00", "u02", "u04", "u06"}, {"u01", "u03", "u05", "u07"}} {
		for i, a := range side {
			for _, b := range side[i+1:] {
				in.History = append(in.History, PastGroup{Members: []string{a, b}, At: t0})
			}
		}
	}
	for _, g := range mustPlan(t, in).Groups {
		if len(g.Repeats) > 0 || g.HoursApart != 8 {
			t.Errorf("group %v: %d repeats, %v h apart", g.Members, len(g.Repeats), g.HoursApart)
		}
	}
}

func TestDifferentTeamsPreferred(t *testing.T) {
	for _, teams := range []int{2, 3, 4} {
		for seed := range int64(5) {
			in := Input{GroupSize: 2, Seed: seed}
			for i := range 12 {
				in.Members = append(in.Members, Member{ID: fmt.Sprintf("p%02d", i), Team: fmt.Sprintf("t%d", i*teams/12)})
			}
			team := map[string]string{}
			for _, m := range in.Members {
				team[m.ID] = m.Team
			}
			for _, g := range mustPlan(t, in).Groups {
				if team[g.Members[0]] == team[g.Members[1]] {
					t.Errorf("%d teams, seed %d: %v share a team", teams, seed, g.Members)
				}
				if !strings.HasSuffix(g.Reason, "; different teams") {
					t.Errorf("reason %q", g.Reason)
				}
			}
		}
	}
}

func TestHistoryMentioningStrangersAndDuplicates(t *testing.T) {
	in := Input{Members: ids(4), GroupSize: 2, History: []PastGroup{
		{Members: []string{"m00000", "gone", "m00001", "m00001"}, At: t0},
		{Members: []string{"gone", "m00002"}, At: t0},
		{Members: []string{"m00003"}, At: t0},
	}}
	for _, g := range mustPlan(t, in).Groups {
		if len(g.Repeats) > 0 {
			t.Errorf("repeat %+v", g.Repeats)
		}
	}
}

func TestHoursApartAroundTheClock(t *testing.T) {
	in := Input{GroupSize: 2, Members: []Member{
		{ID: "a", UTCOffset: 12 * time.Hour}, {ID: "b", UTCOffset: -11 * time.Hour},
	}}
	g := mustPlan(t, in).Groups[0]
	if g.HoursApart != 1 || g.Reason != "you haven't met yet; 1 h apart" {
		t.Errorf("%v, %q", g.HoursApart, g.Reason)
	}
	in.Members[1].UTCOffset = 5*time.Hour + 45*time.Minute
	if g := mustPlan(t, in).Groups[0]; g.HoursApart != 6.25 || g.Reason != "you haven't met yet; 6.25 h apart" {
		t.Errorf("%v, %q", g.HoursApart, g.Reason)
	}
}

func TestPlanIsSafeForConcurrentUse(t *testing.T) {
	s := newSim(t, 21, 3, true)
	for range 3 {
		s.step()
	}
	want := mustPlan(t, s.in)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			got, err := Plan(s.in)
			if err == nil && !reflect.DeepEqual(got, want) {
				err = errors.New("concurrent Plan gave another result")
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
