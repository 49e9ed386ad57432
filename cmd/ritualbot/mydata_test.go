package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/bot/slackfake"
	"github.com/ritualbot/ritualbot/store"
)

func TestMyDataAndForgetMe(t *testing.T) {
	clock := newVirtualClock(time.Date(2026, 11, 30, 9, 0, 0, 0, berlin))
	h := coffeeBot(t, clock, nil)
	h.command("U02RAJ", "coffee avoid <@U03MEI|mei>")
	h.command("U02RAJ", "away until 2026-12-24")
	clock.Set(time.Date(2026, 11, 30, 10, 0, 5, 0, berlin))
	h.command("U02RAJ", "back")
	h.command(demoAdmin, "coffee now")
	h.intros(h.latestRound(1))

	got := h.command("U02RAJ", "mydata")
	for _, want := range []string{"Everything I keep about you", "keep apart from 1 person", "Nothing about anonymous feedback"} {
		if !strings.Contains(got, want) {
			t.Errorf("mydata lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "U03MEI") {
		t.Error("mydata names whom they avoid")
	}
	if got := h.command("U04SAM", "forget <@U02RAJ|raj>"); !strings.Contains(got, "Only admins") {
		t.Errorf("non-admin forgetting someone else: %s", got)
	}
	confirm := h.command("U02RAJ", "forget me")
	if !strings.Contains(confirm, "cannot be undone") {
		t.Fatalf("forget me: %s", confirm)
	}
	eph := h.fake.Ephemerals("U02RAJ")
	last := eph[len(eph)-1]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.fake.ClickButton(ctx, "U02RAJ", slackfake.Location{Channel: last.Channel, TS: last.TS}, "forget.confirm"); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool {
		e := h.fake.Ephemerals("U02RAJ")
		return strings.Contains(e[len(e)-1].Text, "records about you were erased")
	}); err != nil {
		t.Fatalf("no confirmation: %+v", h.fake.Ephemerals("U02RAJ"))
	}
	if got := h.command("U02RAJ", "mydata"); !strings.Contains(got, "I keep nothing about you") {
		t.Errorf("after forget: %s", got)
	}
	path := h.main.Config.Store.Path
	h.shutdown()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Free pages may keep old copies; a compacted file holds only live records.
	if _, _, err := store.Compact(path); err != nil {
		t.Fatal(err)
	}
	live, _ := os.ReadFile(path)
	if bytes.Contains(live, []byte("U02RAJ")) {
		t.Errorf("a live record still holds the id (raw file had %d copies)", bytes.Count(raw, []byte("U02RAJ")))
	}
	if !bytes.Contains(live, []byte("U03MEI")) {
		t.Error("other people's records went too")
	}
}
