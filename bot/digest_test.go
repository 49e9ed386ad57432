package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/feedback"
)

// TestDigestOfTwoHundredStaysWithinBlockKitLimits lays out a 200-person week with long answers:
// every message keeps to 50 blocks and 3,000 characters a text, and every word arrives.
func TestDigestOfTwoHundredStaysWithinBlockKitLimits(t *testing.T) {
	d := digest.Digest{Week: digest.Week{ID: "2026-W48", From: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)}, Asked: 210, Shared: 200}
	for i := range 200 {
		u := fmt.Sprintf("U%05d", i)
		long := strings.Repeat(fmt.Sprintf("person %d moved item-%d forward & more; ", i, i), 60) // ~2,400 characters, escaping grows it
		d.Updates = append(d.Updates, digest.PersonUpdate{User: u, Answers: []digest.Answer{
			{Question: "What moved forward for you this week?", Text: long},
			{Question: "What's next?", Text: fmt.Sprintf("next-%d", i)},
		}})
		if i%10 == 0 {
			d.HelpWanted = append(d.HelpWanted, digest.HelpWanted{User: u, Text: fmt.Sprintf("help-%d", i)})
		}
	}
	for i := range 300 {
		d.Kudos = append(d.Kudos, digest.Kudos{From: "U00001", To: []string{"U00002"}, Reason: fmt.Sprintf("kudos-%d", i)})
	}
	msgs := digestMessages(d)
	var all strings.Builder
	for i, m := range msgs {
		if len(m.Blocks) > maxMessageBlocks {
			t.Errorf("message %d has %d blocks", i, len(m.Blocks))
		}
		raw, err := json.Marshal(m.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		var blocks []struct {
			Text struct {
				Text string `json:"text"`
			} `json:"text"`
		}
		if err := json.Unmarshal(raw, &blocks); err != nil {
			t.Fatal(err)
		}
		for _, b := range blocks {
			if n := runeLen(b.Text.Text); n > maxTextChars {
				t.Errorf("message %d has a text of %d characters", i, n)
			}
			all.WriteString(b.Text.Text)
		}
	}
	text := all.String()
	for _, want := range []string{"next-0", "next-199", "help-190", "kudos-0", "kudos-299", "person 199 moved item-199 forward &amp; more"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q was lost", want)
		}
	}
	if strings.Index(text, "help-0") > strings.Index(text, "next-0") {
		t.Error("help wanted must come first")
	}
	t.Logf("200 people: %d messages (1 post + thread replies)", len(msgs))
}

func TestLargeFeedbackReleaseContinuesInThread(t *testing.T) {
	d := feedback.ReleaseData{PromptID: "p1", Question: "What should we start, stop or keep doing?"}
	for i := range 400 {
		d.Answers = append(d.Answers, fmt.Sprintf("answer-%d %s", i, strings.Repeat("long words & more ", 80)))
	}
	d.Count = len(d.Answers)
	data, _ := json.Marshal(d)
	r, err := renderFeedbackRelease(rituals.Message{Key: "p1/release", Kind: feedback.KindRelease, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	all := append([]Rendered{r}, r.Thread...)
	var text strings.Builder
	for i, m := range all {
		if len(m.Blocks) > maxMessageBlocks {
			t.Errorf("message %d has %d blocks", i, len(m.Blocks))
		}
		raw, _ := json.Marshal(m.Blocks)
		text.Write(raw)
	}
	if !strings.Contains(string(mustJSON(r.Blocks)), "feedback.respond") {
		t.Error("the post lost its Respond button")
	}
	for _, want := range []string{"answer-0 ", "answer-399 "} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("%q was lost", want)
		}
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }
