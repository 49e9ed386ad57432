package pairing

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// engineHistory returns an input of n members in groups of k after rounds rounds planned by Plan
// itself.
func engineHistory(b *testing.B, n, k, rounds int) Input {
	s := newSim(b, n, k, true)
	for range rounds {
		s.step()
	}
	s.in.Now = t0.Add(time.Duration(rounds) * 7 * 24 * time.Hour)
	return s.in
}

// randomHistory returns an input of n members with rounds rounds of random pairs: a history that
// follows no design, as after heavy churn.
func randomHistory(n, rounds int) Input {
	in := Input{Members: members(n, true, 0), GroupSize: 2, Seed: 7}
	rng := rand.New(rand.NewPCG(3, 4))
	ids := make([]string, n)
	for i, m := range in.Members {
		ids[i] = m.ID
	}
	for r := range rounds {
		rng.Shuffle(n, func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		at := t0.Add(time.Duration(r) * 7 * 24 * time.Hour)
		for i := 0; i+1 < n; i += 2 {
			in.History = append(in.History, PastGroup{Members: []string{ids[i], ids[i+1]}, At: at})
		}
	}
	in.Now = t0.Add(time.Duration(rounds) * 7 * 24 * time.Hour)
	return in
}

func benchPlan(b *testing.B, in Input) {
	b.ReportAllocs()
	var res Result
	for b.Loop() {
		var err error
		if res, err = Plan(in); err != nil {
			b.Fatal(err)
		}
	}
	reps := 0
	for _, g := range res.Groups {
		reps += len(g.Repeats)
	}
	b.ReportMetric(float64(reps), "repeats")
}

// BenchmarkPlan times one round for 1,000 and 10,000 members (pairs, spread over time zones and
// teams) with 52 rounds of history: history Plan itself made, and random history.
func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("n=%d/history=engine", n), func(b *testing.B) { benchPlan(b, engineHistory(b, n, 2, 52)) })
		b.Run(fmt.Sprintf("n=%d/history=random", n), func(b *testing.B) { benchPlan(b, randomHistory(n, 52)) })
	}
	for _, n := range []int{1000, 10000} {
		for _, k := range []int{3, 4} {
			b.Run(fmt.Sprintf("n=%d/k=%d/history=engine", n, k), func(b *testing.B) { benchPlan(b, engineHistory(b, n, k, 52)) })
		}
	}
}

// BenchmarkStablePairs: stable membership in pairs, rounds until the first repeat ÷ (n-1), the
// circle method's limit. Members spread over time zones and teams.
func BenchmarkStablePairs(b *testing.B) {
	for _, n := range []int{10, 20, 50, 200} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var r int
			for b.Loop() {
				r = roundsWithoutRepeat(b, n, 2, true, n+1)
			}
			b.ReportMetric(float64(r), "rounds")
			b.ReportMetric(float64(r)/float64(n-1), "rounds/(n-1)")
		})
	}
}

// BenchmarkStableOddPairs: odd n in pairs and one trio; the limit is ⌊n(n-1)/(n+3)⌋ rounds, since
// each round uses (n+3)/2 pairs.
func BenchmarkStableOddPairs(b *testing.B) {
	for _, n := range []int{11, 21, 31, 47, 51, 201} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var r int
			for b.Loop() {
				r = roundsWithoutRepeat(b, n, 2, true, n+1)
			}
			limit := n * (n - 1) / (n + 3)
			b.ReportMetric(float64(r), "rounds")
			b.ReportMetric(float64(r)/float64(limit), "rounds/limit")
			b.ReportMetric(float64(r)/float64(n-1), "rounds/(n-1)")
		})
	}
}

// BenchmarkStableGroups: trios and fours; the limit is ⌊(n-1)/(k-1)⌋ rounds. Also the repeated
// pairs over that many rounds.
func BenchmarkStableGroups(b *testing.B) {
	for _, c := range []struct{ n, k int }{
		{9, 3}, {12, 3}, {15, 3}, {18, 3}, {21, 3}, {24, 3}, {27, 3}, {30, 3}, {33, 3}, {39, 3}, {45, 3}, {51, 3},
		{60, 3}, {69, 3}, {99, 3},
		{16, 4}, {20, 4}, {24, 4}, {28, 4}, {32, 4}, {40, 4}, {48, 4}, {52, 4}, {64, 4}, {76, 4}, {88, 4}, {100, 4},
	} {
		b.Run(fmt.Sprintf("k=%d/n=%d", c.k, c.n), func(b *testing.B) {
			limit := (c.n - 1) / (c.k - 1)
			var s *sim
			for b.Loop() {
				s = newSim(b, c.n, c.k, true)
				for s.round < limit {
					s.step()
				}
			}
			r, reps := limit, 0
			if s.firstRep > 0 {
				r = s.firstRep - 1
			}
			for _, x := range s.repeats {
				reps += x
			}
			b.ReportMetric(float64(r), "rounds")
			b.ReportMetric(float64(r)/float64(limit), "rounds/limit")
			b.ReportMetric(float64(reps), "repeats-in-limit")
		})
	}
}

// BenchmarkChurn: pairs over 100 rounds, a tenth of the members replaced every 5 rounds; repeated
// pairs per round. For small n, also the exact per-round optimum given the same history.
func BenchmarkChurn(b *testing.B) {
	for _, n := range []int{10, 20, 50, 200} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var got, best int
			for b.Loop() {
				s := newSim(b, n, 2, true)
				got, best = 0, 0
				for s.round < 100 {
					if s.round > 0 && s.round%5 == 0 {
						s.churn(true)
					}
					if n <= 20 {
						best += minRepeats(s.in)
					}
					s.step()
					got += s.repeats[len(s.repeats)-1]
				}
			}
			b.ReportMetric(float64(got)/100, "repeats/round")
			if n <= 20 {
				b.ReportMetric(float64(best)/100, "optimum-repeats/round")
			}
		})
	}
}
