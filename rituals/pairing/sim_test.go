package pairing

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// t0 is the date of the first simulated round; rounds are a week apart.
var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// members returns n members m000…; with zones, offsets spread over -8h..+9h and six teams.
func members(n int, zones bool, from int) []Member {
	ms := make([]Member, n)
	for i := range ms {
		ms[i].ID = fmt.Sprintf("m%05d", from+i)
		if zones {
			ms[i].UTCOffset = time.Duration((from+i)*7%18-8) * time.Hour
			ms[i].Team = fmt.Sprintf("team%d", (from+i)*5%6)
		}
	}
	return ms
}

// sim runs rounds of Plan with the full history each time, as the bot does.
type sim struct {
	t        testing.TB
	in       Input
	round    int
	next     int // next member number for churn
	rng      *rand.Rand
	repeats  []int // repeated pairs per round
	firstRep int   // first round (1-based) with a repeat, 0 if none yet
}

func newSim(t testing.TB, n, k int, zones bool) *sim {
	return &sim{
		t:    t,
		in:   Input{Members: members(n, zones, 0), GroupSize: k, Seed: 42},
		next: n,
		rng:  rand.New(rand.NewPCG(1, 2)),
	}
}

// step plans one round and appends it to the history.
func (s *sim) step() Result {
	s.in.Now = t0.Add(time.Duration(s.round) * 7 * 24 * time.Hour)
	res, err := Plan(s.in)
	if err != nil {
		s.t.Fatal(err)
	}
	s.round++
	reps := 0
	for _, g := range res.Groups {
		reps += len(g.Repeats)
		s.in.History = append(s.in.History, PastGroup{Members: g.Members, At: s.in.Now})
	}
	s.repeats = append(s.repeats, reps)
	if reps > 0 && s.firstRep == 0 {
		s.firstRep = s.round
	}
	return res
}

// churn replaces a tenth of the members (at least one) by newcomers.
func (s *sim) churn(zones bool) {
	ms := s.in.Members
	c := max(1, len(ms)/10)
	for range c {
		i := s.rng.IntN(len(ms))
		ms[i] = members(1, zones, s.next)[0]
		s.next++
	}
}

// roundsWithoutRepeat plans until the first repeat (or limit rounds) and returns the number of
// rounds before it.
func roundsWithoutRepeat(t testing.TB, n, k int, zones bool, limit int) int {
	s := newSim(t, n, k, zones)
	for s.round < limit && s.firstRep == 0 {
		s.step()
	}
	if s.firstRep == 0 {
		return s.round
	}
	return s.firstRep - 1
}

// churnRepeats runs rounds with churn every 5 rounds and returns the mean repeats per round.
func churnRepeats(t testing.TB, n, k int, rounds int) float64 {
	s := newSim(t, n, k, true)
	total := 0
	for s.round < rounds {
		if s.round > 0 && s.round%5 == 0 {
			s.churn(true)
		}
		s.step()
		total += s.repeats[len(s.repeats)-1]
	}
	return float64(total) / float64(rounds)
}
