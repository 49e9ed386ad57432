package bot

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/icebreaker"
	"github.com/ritualbot/ritualbot/rituals/questions"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares v, as indented JSON, with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep Slack's &lt; and > readable in the files
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	got := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot/ -run Golden -update to create it)", err)
	}
	if string(want) != string(got)+"\n" {
		t.Errorf("%s changed; if that is intended, run go test ./bot/ -run Golden -update\n--- got:\n%s", path, got)
	}
}

func message(t *testing.T, kind string, to rituals.Recipient, data any) rituals.Message {
	t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return rituals.Message{Key: "golden/" + kind, Kind: kind, To: to, Data: raw}
}

// TestGoldenBlockKit pins what people see in Slack for each kind of message.
func TestGoldenBlockKit(t *testing.T) {
	at := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	coffeeEdge := &coffeeEdge{bot: &Bot{}}
	cases := []struct {
		name   string
		render Renderer
		msg    rituals.Message
	}{
		{"coffee_intro", coffeeEdge.renderIntro, message(t, coffee.KindIntro, rituals.Recipient{Group: []string{"U1", "U2"}}, coffee.IntroData{
			RoundID: "coffee/C1/2026-11-30T10:00", GroupID: "coffee/C1/2026-11-30T10:00/0", Reason: "you haven't met yet; clocks 3.5 h apart; 4.5 h of shared working hours",
			Starter: "What does your ideal breakfast look like?",
			Participants: []coffee.Participant{{ID: "U1", TimeZone: "Asia/Kolkata", LocalTime: "10:30", Hours: "09:00–17:00 Mon–Fri"},
				{ID: "U2", TimeZone: "Asia/Tokyo", LocalTime: "14:00", Hours: "09:00–17:00 Mon–Fri"}},
			Shared: true, Slots: []coffee.Slot{{At: at}, {At: at.Add(24 * time.Hour)}, {At: at.Add(72 * time.Hour)}},
		})},
		{"coffee_intro_no_overlap", coffeeEdge.renderIntro, message(t, coffee.KindIntro, rituals.Recipient{Group: []string{"U1", "U2"}}, coffee.IntroData{
			RoundID: "coffee/C1/2026-11-30T10:00", GroupID: "coffee/C1/2026-11-30T10:00/1", Reason: "you haven't met yet; clocks 14 h apart; no shared working hours",
			Participants: []coffee.Participant{{ID: "U1", TimeZone: "Asia/Tokyo", LocalTime: "09:00", Hours: "09:00–17:00 Mon–Fri"},
				{ID: "U2", TimeZone: "America/New_York", LocalTime: "19:00", Hours: "09:00–17:00 Mon–Fri"}},
			Slots: []coffee.Slot{{At: at, Early: []string{"U1"}, Late: []string{"U2"}}},
		})},
		{"icebreaker_question", renderIceQuestion, message(t, icebreaker.KindQuestion, rituals.Recipient{Channel: "C1"}, icebreaker.QuestionData{
			Question: "What's a smell that <instantly> puts you in a good mood?", Category: "light", CloseAfter: 24 * time.Hour,
		})},
		{"feedback_release", renderFeedbackRelease, message(t, feedback.KindRelease, rituals.Recipient{Channel: "C1"}, feedback.ReleaseData{
			PromptID: "p1", Question: "How supported did you feel?", Scale: &questions.Scale{Low: "not at all", High: "completely"}, Count: 3,
			Answers: []string{"Very, thanks to pairing.", "Standups run long <!channel>", "More written decisions & fewer calls."}, Distribution: [5]int{0, 1, 0, 2, 0},
			Notes: []string{"Thank you for the <b>quiet</b> Fridays.", "Can we rotate the on-call?"},
		})},
		{"feedback_held", renderFeedbackHeld, message(t, feedback.KindHeld, rituals.Recipient{Channel: "C1"}, feedback.HeldData{Question: "What should we start doing?", Count: 2, Needed: 1, MinAnswers: 3})},
		{"kudos", renderKudos, message(t, digest.KindKudos, rituals.Recipient{User: "U2"}, digest.KudosData{Channel: "C1", From: "U1", Reason: "untangling the release", Also: []string{"U3"}})},
		{"digest_post", renderDigest, message(t, digest.KindPost, rituals.Recipient{Channel: "C1"}, digest.Digest{
			Channel: "C1", Week: digest.Week{ID: "2026-W49", From: at.AddDate(0, 0, -7), To: at}, Shared: 2, Asked: 3,
			HelpWanted: []digest.HelpWanted{{User: "U1", Text: "A reviewer for the API change"}},
			Updates:    []digest.PersonUpdate{{User: "U1", Answers: []digest.Answer{{Question: "What moved forward?", Text: "Shipped the importer."}}}},
			Kudos:      []digest.Kudos{{From: "U3", To: []string{"U1"}, Reason: "reviews"}},
			Stats:      &digest.Numbers{CoffeeGroups: 4, CoffeeMet: 2, IcebreakerAnswers: 7, FeedbackAnswers: 3},
		})},
		{"feedback_response", renderFeedbackResponse, message(t, feedback.KindResponse, rituals.Recipient{Channel: "C1"}, feedback.ResponseData{Text: "Standups are now 15 minutes.", Responder: "U1"})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := c.render(c.msg)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name, r)
		})
	}
}
