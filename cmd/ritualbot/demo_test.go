package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
)

// TestDemoPrintsTheSameTranscriptTwice runs the demo twice at once and compares what it prints,
// byte for byte.
func TestDemoPrintsTheSameTranscriptTwice(t *testing.T) {
	var out [2]bytes.Buffer
	var errs [2]error
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { errs[i] = cmdDemo(context.Background(), nil, &out[i], &bytes.Buffer{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("demo run %d: %v\n%s", i+1, err, out[i].String())
		}
	}
	a, b := out[0].String(), out[1].String()
	if a != b {
		al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
		for i := range min(len(al), len(bl)) {
			if al[i] != bl[i] {
				t.Fatalf("the two transcripts differ at line %d:\n%s\n%s", i+1, al[i], bl[i])
			}
		}
		t.Fatalf("the two transcripts differ in length: %d and %d lines", len(al), len(bl))
	}
	for _, want := range []string{"This works", "picked", "don't overlap", "(ana) /", "async"} {
		if !strings.Contains(a, want) {
			t.Errorf("the demo does not show %q", want)
		}
	}
	for _, unwanted := range []string{"did not happen", "#store", "missed while the bot was down"} {
		if strings.Contains(a, unwanted) {
			t.Errorf("the demo shows %q", unwanted)
		}
	}
}
