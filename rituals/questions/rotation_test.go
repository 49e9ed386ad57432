package questions

import (
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// ids returns the IDs of qs.
func ids(qs []Question) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.ID
	}
	return out
}

// pick asks count questions in a row, a week apart, recording each in asked.
func pick(t *testing.T, b *Bank, asked map[string]time.Time, seed int64, start time.Time, count int) []string {
	t.Helper()
	var got []string
	for i := range count {
		q, ok := Next(b, asked, seed)
		if !ok {
			t.Fatal("Next found nothing")
		}
		got = append(got, q.ID)
		asked[q.ID] = start.Add(time.Duration(i) * 7 * 24 * time.Hour)
	}
	return got
}

func TestRotationNeverRepeatsBeforeExhaustion(t *testing.T) {
	b := Icebreakers()
	n := b.Len()
	asked := map[string]time.Time{"not-in-the-bank": t0.Add(-time.Hour)}
	got := pick(t, b, asked, 42, t0, 2*n+5)

	first := got[:n]
	seen := map[string]bool{}
	for _, id := range first {
		if seen[id] {
			t.Fatalf("%s repeated before all %d questions were asked", id, n)
		}
		seen[id] = true
	}
	// Then the rotation starts over with the question asked longest ago, in the same order.
	if !slices.Equal(got[n:2*n], first) || !slices.Equal(got[2*n:], first[:5]) {
		t.Error("the second round is not least recently asked first")
	}
}

func TestRotationLeastRecentlyAskedFirst(t *testing.T) {
	b := bankOf("What is question A?", "What is question B?", "What is question C?", "What is question D?")
	id := func(s string) string { return QuestionID("What is question " + s + "?") }
	asked := map[string]time.Time{
		id("A"): t0.Add(3 * time.Hour),
		id("B"): t0.Add(1 * time.Hour),
		id("C"): {}, // asked at an unknown time: longest ago
	}
	want := []string{id("D"), id("C"), id("B"), id("A")}
	if got := ids(Upcoming(b, asked, 7, 10)); !slices.Equal(got, want) {
		t.Errorf("Upcoming = %v, want %v", got, want)
	}
	// Upcoming agrees with successive calls to Next.
	if got := pick(t, b, asked, 7, t0.Add(24*time.Hour), 4); !slices.Equal(got, want) {
		t.Errorf("Next in turn = %v, want %v", got, want)
	}
}

func TestRotationIsDeterministic(t *testing.T) {
	b := Icebreakers()
	asked := map[string]time.Time{}
	for i, q := range b.Questions()[:40] {
		asked[q.ID] = t0.Add(time.Duration(i%5) * time.Hour) // ties, broken by the seed
	}
	want := ids(Upcoming(b, asked, 1234, b.Len()))
	for range 20 { // map iteration order differs from run to run; the result must not
		clone := map[string]time.Time{}
		for k, v := range asked {
			clone[k] = v
		}
		if got := ids(Upcoming(b, clone, 1234, b.Len())); !slices.Equal(got, want) {
			t.Fatal("same seed, different order")
		}
	}
	// Parsing the file again gives the same order too.
	reparsed := mustParse("icebreakers.txt", icebreakersFile)
	if got := ids(Upcoming(reparsed, asked, 1234, b.Len())); !slices.Equal(got, want) {
		t.Error("same seed, different order after parsing again")
	}
	if got := ids(Upcoming(b, asked, 1235, b.Len())); slices.Equal(got, want) {
		t.Error("different seeds give the same order")
	}
	// The never-asked questions come first, in the same relative order whatever else is in the bank.
	fewer := b.Filter(func(q Question) bool { return q.Category != "food" })
	var wantFewer []string
	for _, id := range want {
		if q, _ := b.Get(id); q.Category != "food" {
			wantFewer = append(wantFewer, id)
		}
	}
	if got := ids(Upcoming(fewer, asked, 1234, fewer.Len())); !slices.Equal(got, wantFewer) {
		t.Error("removing questions reshuffled the others")
	}
}

func TestNewQuestionComesNext(t *testing.T) {
	b := Icebreakers()
	asked := map[string]time.Time{}
	pick(t, b, asked, 9, t0, 10) // part-way through the first round

	// An approved suggestion comes next, ahead of the questions never asked yet.
	s1 := NewQuestion("What is a tune you can always whistle?", "suggested")
	s2 := NewQuestion("Which board game rules do you always forget?", "suggested")
	withS := b.With(s1, s2)
	if got := ids(Upcoming(withS, asked, 9, 2)); !slices.Equal(got, []string{s1.ID, s2.ID}) {
		t.Errorf("Upcoming = %v, want the two suggestions in order", got)
	}
	pick(t, withS, asked, 9, t0.Add(100*24*time.Hour), 1)
	if q, _ := Next(withS, asked, 9); q.ID != s2.ID {
		t.Errorf("Next = %q, want the second suggestion", q.Text)
	}

	// After a full round, a question new to the file (never asked) still comes before the rest.
	asked = map[string]time.Time{}
	pick(t, b, asked, 9, t0, b.Len())
	own := bankOf("What is a question our team wrote?")
	merged := Merge(b, own, false)
	if q, _ := Next(merged, asked, 9); q.ID != own.Questions()[0].ID {
		t.Errorf("Next = %q, want the new question", q.Text)
	}
}

func TestRotationEdges(t *testing.T) {
	if _, ok := Next(nil, nil, 1); ok {
		t.Error("Next found a question in a nil bank")
	}
	if _, ok := Next(&Bank{}, nil, 1); ok {
		t.Error("Next found a question in an empty bank")
	}
	b := bankOf("What is question A?", "What is question B?")
	if got := Upcoming(b, nil, 1, 0); got != nil {
		t.Errorf("Upcoming(0) = %v", got)
	}
	if got := Upcoming(b, nil, 1, 5); len(got) != 2 {
		t.Errorf("Upcoming(5) of 2 gave %d", len(got))
	}
}
