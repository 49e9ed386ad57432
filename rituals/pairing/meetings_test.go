package pairing

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func TestMeetingsFindsLatestMeeting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 60
	rank := map[string]int32{}
	for i := range n {
		rank[fmt.Sprint(i)] = int32(i)
	}
	var hist []PastGroup
	want := map[[2]int32]int64{}
	for i := range 400 {
		size := 2 + rng.IntN(4)
		var g []string
		for range size {
			g = append(g, fmt.Sprint(rng.IntN(n+5))) // some are not members
		}
		at := t0.Add(time.Duration(rng.IntN(1000)) * time.Hour)
		hist = append(hist, PastGroup{Members: g, At: at})
		for _, a := range g {
			for _, b := range g {
				ra, okA := rank[a]
				rb, okB := rank[b]
				if okA && okB && ra != rb && at.Unix() > want[[2]int32{ra, rb}] {
					want[[2]int32{ra, rb}] = at.Unix()
				}
			}
		}
		_ = i
	}
	m := newMeetings(n, hist, rank)
	if m.pairs*2 != len(want) {
		t.Errorf("%d pairs, want %d", m.pairs, len(want)/2)
	}
	for a := range int32(n) {
		for b := range int32(n) {
			got, ok := m.find(a, b)
			w, wok := want[[2]int32{a, b}]
			if ok != wok || ok && (got.at != w || hist[got.src].At.Unix() != w) {
				t.Fatalf("find(%d, %d) = %+v %v, want %v %v", a, b, got, ok, w, wok)
			}
		}
	}
}
