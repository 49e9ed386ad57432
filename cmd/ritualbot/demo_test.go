package main

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestDemoPrintsTheSameTranscriptTwice runs the demo twice at once and compares what it prints.
// Two parts may differ: the order of answers inside a released feedback batch, which is shuffled
// with crypto/rand on purpose (arrival order would give authors away), compared as a set; and the
// names of chart files: the temporary folder each run saves them in, and the tag of an outbox key
// that "stats" makes from the clock's nanoseconds (rituals/trends Service.Send).
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
	a, b := unshuffled(chartNames(out[0].String())), unshuffled(chartNames(out[1].String()))
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

// chartsDir matches the folder a demo run saves its charts in, and chartTag the tag in a chart's name.
var (
	chartsDir = regexp.MustCompile(`\S*ritualbot-demo-charts-\d+/`)
	chartTag  = regexp.MustCompile(`-[0-9a-f]{8}\.png`)
)

// chartNames writes every chart file's folder and tag the same way.
func chartNames(transcript string) string {
	return chartTag.ReplaceAllString(chartsDir.ReplaceAllString(transcript, "CHARTS/"), "-TAG.png")
}

// unshuffled sorts the quoted answers of each released feedback batch.
func unshuffled(transcript string) string {
	lines := strings.Split(transcript, "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.Contains(lines[i], "== Anonymous feedback ==") {
			continue
		}
		end := i + 1
		for end < len(lines) && strings.HasPrefix(lines[end], "    ") {
			end++
		}
		block := slices.Clone(lines[i+1 : end])
		slices.Sort(block)
		copy(lines[i+1:end], block)
		i = end
	}
	return strings.Join(lines, "\n")
}
