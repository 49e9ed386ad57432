package pairing

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// spreadOffsets are the standard UTC offsets of a distributed company, in minutes: the Americas,
// Europe, India, East Asia and Australia, some zones more populated than others.
var spreadOffsets = []int{-480, -480, -300, -300, -300, -180, 0, 60, 60, 60, 120, 330, 330, 480, 540, 600}

// companyMembers returns n members over spreadOffsets and teams teams, drawn independently of
// each other (a team is not a zone), the same for the same n; labels adds the team labels, zones
// the offsets (without, the engine sees everyone in UTC).
func companyMembers(n, teams int, labels, zones bool) []Member {
	rng := rand.New(rand.NewPCG(uint64(n), 99))
	ms := make([]Member, n)
	for i := range ms {
		ms[i] = Member{ID: fmt.Sprintf("p%04d", i), UTCOffset: time.Duration(spreadOffsets[rng.IntN(len(spreadOffsets))]) * time.Minute}
		if !zones {
			ms[i].UTCOffset = 0
		}
		team := fmt.Sprintf("team%d", rng.IntN(teams))
		if labels {
			ms[i].Team = team
		}
	}
	return ms
}

// sharesAnHour reports whether a group's working hours, Monday to Friday 09:00-17:00 in each
// member's own clock, overlap by at least one hour in a row at some point of the week.
func sharesAnHour(offsets []time.Duration) bool {
	const slot, week = 15, 7 * 24 * 60 / 15 // 15-minute slots of a week starting Monday 00:00 UTC
	run, best := 0, 0
	for s := range 2 * week { // twice round, so that a run across the week's end counts
		ok := true
		for _, off := range offsets {
			local := ((s%week)*slot + int(off/time.Minute) + 7*24*60) % (7 * 24 * 60)
			day, minute := local/(24*60), local%(24*60)
			ok = ok && day < 5 && minute >= 9*60 && minute < 17*60
		}
		if ok {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best >= 60/slot
}

// softFigures runs rounds of n members in groups of k, the engine seeing or not their teams and
// zones, and returns the share of groups with an hour of shared working hours, the share of groups
// mixing teams, and the repeated pairs.
func softFigures(t testing.TB, n, k, teams, rounds int, labels, zones bool) (overlap, crossTeam float64, repeats int) {
	in := Input{Members: companyMembers(n, teams, labels, zones), GroupSize: k, Seed: 42}
	truth := map[string]Member{}
	for _, m := range companyMembers(n, teams, true, true) {
		truth[m.ID] = m
	}
	groups, shared, mixed := 0, 0, 0
	for r := range rounds {
		in.Now = t0.Add(time.Duration(r) * 7 * 24 * time.Hour)
		res, err := Plan(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range res.Groups {
			repeats += len(g.Repeats)
			in.History = append(in.History, PastGroup{Members: g.Members, At: in.Now})
			var offs []time.Duration
			teamsSeen := map[string]bool{}
			for _, id := range g.Members {
				offs = append(offs, truth[id].UTCOffset)
				teamsSeen[truth[id].Team] = true
			}
			groups++
			if sharesAnHour(offs) {
				shared++
			}
			if len(teamsSeen) > 1 {
				mixed++
			}
		}
	}
	return float64(shared) / float64(groups), float64(mixed) / float64(groups), repeats
}

// softCases are the layouts measured: pairs, trios and fours, each up to the limit of rounds
// without a repeat (full).
var softCases = []struct{ n, k, teams, full int }{
	{60, 2, 6, 59},
	{45, 3, 5, 22},
	{40, 4, 4, 13},
}

// TestSoftWishesOrderTheRepeatFreeRounds: the team preference makes more of the first rounds'
// groups mix teams (pairs and trios; groups of four mix teams anyway), the zone preference gives
// more of them shared working hours, and neither costs a repeat in the whole repeat-free cycle.
// Over the whole cycle every pair meets once whatever the preferences, so they can only choose
// which meetings come first.
func TestSoftWishesOrderTheRepeatFreeRounds(t *testing.T) {
	for _, c := range softCases {
		for _, mode := range [][2]bool{{true, true}, {false, true}, {true, false}, {false, false}} {
			if _, _, reps := softFigures(t, c.n, c.k, c.teams, c.full, mode[0], mode[1]); reps != 0 {
				t.Errorf("n=%d k=%d teams=%v zones=%v: %d repeats within the limit, want 0", c.n, c.k, mode[0], mode[1], reps)
			}
		}
		overlap, crossWith, _ := softFigures(t, c.n, c.k, c.teams, 4, true, true)
		overlapWithout, crossWithout, _ := softFigures(t, c.n, c.k, c.teams, 4, false, true)
		if c.k < 4 && crossWith <= crossWithout {
			t.Errorf("n=%d k=%d, first 4 rounds: %.2f of groups mix teams with the preference, %.2f without", c.n, c.k, crossWith, crossWithout)
		}
		if overlap < overlapWithout-0.05 {
			t.Errorf("n=%d k=%d, first 4 rounds: the team preference cut shared hours from %.2f to %.2f", c.n, c.k, overlapWithout, overlap)
		}
		blind, _, _ := softFigures(t, c.n, c.k, c.teams, 4, true, false)
		if overlap <= blind {
			t.Errorf("n=%d k=%d, first 4 rounds: %.2f of groups share an hour with zones, %.2f blind to them", c.n, c.k, overlap, blind)
		}
	}
}
func TestSharesAnHour(t *testing.T) {
	h := time.Hour
	for _, c := range []struct {
		offs []time.Duration
		want bool
	}{
		{[]time.Duration{0, 0}, true},
		{[]time.Duration{-8 * h, 0}, false},     // San Francisco 09:00 is London 17:00
		{[]time.Duration{-5 * h, h}, true},      // New York and Berlin share 09:00-11:00 New York
		{[]time.Duration{9 * h, -5 * h}, false}, // Tokyo and New York: 14 h apart
		{[]time.Duration{10 * h, -8 * h}, true}, // Sydney Tuesday 09:00 is San Francisco Monday 15:00
		{[]time.Duration{-7 * h, 0, 0}, true},   // exactly one hour
		{[]time.Duration{-7*h - 30*time.Minute, 0}, false},
	} {
		if got := sharesAnHour(c.offs); got != c.want {
			t.Errorf("%v: %v, want %v", c.offs, got, c.want)
		}
	}
}

// BenchmarkSoftWishes reports, for the layouts of softCases over the first round, the first four
// and the whole repeat-free cycle, the share of groups with an hour of shared working hours and of
// groups mixing teams, with the engine seeing teams and zones or not, and the repeats.
func BenchmarkSoftWishes(b *testing.B) {
	for _, c := range softCases {
		for _, rounds := range []int{1, 4, c.full} {
			for _, mode := range [][2]bool{{false, false}, {false, true}, {true, true}} {
				b.Run(fmt.Sprintf("n=%d/k=%d/rounds=%d/teams=%v/zones=%v", c.n, c.k, rounds, mode[0], mode[1]), func(b *testing.B) {
					var overlap, cross float64
					var reps int
					for b.Loop() {
						overlap, cross, reps = softFigures(b, c.n, c.k, c.teams, rounds, mode[0], mode[1])
					}
					b.ReportMetric(overlap, "overlap-share")
					b.ReportMetric(cross, "crossteam-share")
					b.ReportMetric(float64(reps), "repeats")
				})
			}
		}
	}
}
