package feedback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

const channel = "C0FEEDBACK"

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is a Service on a fake store with members U01…Unn.
type harness struct {
	t       *testing.T
	store   *fakeStore
	svc     *Service
	clock   *clock
	members []string
	logs    *bytes.Buffer
}

func bank(t *testing.T, file string) *questions.Bank {
	t.Helper()
	b, err := questions.Parse(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pulseBank asks a pulse question first, then an open one.
const pulseBank = "[1-5 Not at all|Completely] How supported did you feel by the team?\nWhat should we start, stop or keep doing?\n"

func newHarness(t *testing.T, people int, b *questions.Bank) *harness {
	t.Helper()
	h := &harness{t: t, store: newFakeStore(), clock: &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}, logs: &bytes.Buffer{}}
	for i := range people {
		h.members = append(h.members, fmt.Sprintf("U%02d", i+1))
	}
	h.svc = h.service()
	h.svc.Channels = map[string]Channel{channel: {ID: channel, OpenFor: 72 * time.Hour, MinAnswers: 3, Bank: b}}
	return h
}

// service returns a fresh Service on the same store: what a restart gives.
func (h *harness) service() *Service {
	var channels map[string]Channel
	if h.svc != nil {
		channels = h.svc.Channels
	}
	return &Service{
		Store: h.store, Admins: []string{"UADMIN"}, Channels: channels, Now: h.clock.Now,
		Logger:  slog.New(slog.NewTextHandler(syncWriter{w: h.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Members: func(context.Context, string) ([]string, error) { return append(h.members, "", h.members[0]), nil },
		IsMember: func(_ context.Context, ch, u string) (bool, error) {
			return ch == channel && slices.Contains(h.members, u), nil
		},
	}
}

// syncWriter serialises writes to a buffer shared by goroutines.
type syncWriter struct{ w *bytes.Buffer }

var logMu sync.Mutex

func (s syncWriter) Write(p []byte) (int, error) {
	logMu.Lock()
	defer logMu.Unlock()
	return s.w.Write(p)
}

// run sends a prompt now and delivers every prompt message.
func (h *harness) run() Prompt {
	h.t.Helper()
	p := h.runQueued()
	for _, u := range p.Recipients {
		h.store.deliver(PromptMessageKey(p.ID, u))
	}
	return p
}

// runQueued sends a prompt now and leaves its messages in the outbox.
func (h *harness) runQueued() Prompt {
	h.t.Helper()
	key := schedule.Key{Ritual: Ritual, Channel: channel, At: h.clock.Now().Truncate(time.Minute)}
	if err := h.svc.Run(context.Background(), key); err != nil {
		h.t.Fatalf("Run: %v", err)
	}
	p, ok, _ := h.store.OpenPrompt(channel)
	if !ok {
		h.t.Fatal("no open prompt after Run")
	}
	return p
}

func (h *harness) token(p Prompt, user string) string {
	h.t.Helper()
	tok, err := h.svc.TokenFor(p.ID, user)
	if err != nil {
		h.t.Fatalf("TokenFor(%s): %v", user, err)
	}
	return tok
}

func (h *harness) answer(p Prompt, user, text string, scale int) {
	h.t.Helper()
	if err := h.svc.Answer(context.Background(), p.ID, h.token(p, user), text, scale); err != nil {
		h.t.Fatalf("answer by %s: %v", user, err)
	}
}

// closeDue runs the prompt's closing task as the timers runner would.
func (h *harness) closeDue(p Prompt) {
	h.t.Helper()
	task, ok := h.store.tasks[closeTaskKey(p.ID)]
	if !ok {
		h.t.Fatalf("no closing task for %s", p.ID)
	}
	h.clock.t = task.Due
	if err := h.svc.Close(context.Background(), task); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
}

func decode[T any](t *testing.T, m rituals.Message) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(m.Data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRunSendsPromptsWithoutTokens(t *testing.T) {
	h := newHarness(t, 5, bank(t, pulseBank))
	p := h.run()
	if !slices.Equal(p.Recipients, h.members) || p.Asked != 5 || p.MinAnswers != 3 {
		t.Fatalf("prompt recipients %v asked %d min %d", p.Recipients, p.Asked, p.MinAnswers)
	}
	if p.Scale == nil || p.Question != "How supported did you feel by the team?" {
		t.Fatalf("question %q scale %v", p.Question, p.Scale)
	}
	msgs := h.store.messages(KindPrompt)
	if len(msgs) != 5 {
		t.Fatalf("%d prompt messages, want 5", len(msgs))
	}
	for i, m := range msgs {
		if m.To.User != h.members[i] || m.Key != PromptMessageKey(p.ID, h.members[i]) || !bytes.Equal(m.Data, msgs[0].Data) {
			t.Errorf("message %d: %+v", i, m)
		}
		tok := h.token(p, m.To.User)
		if bytes.Contains(m.Data, []byte(tok)) || strings.Contains(m.Key, tok) {
			t.Errorf("a token is in the outbox")
		}
	}
	d := decode[PromptData](t, msgs[0])
	if d.PromptID != p.ID || d.Scale == nil || d.Scale.Low != "Not at all" || !d.ClosesAt.Equal(h.clock.Now().Add(72*time.Hour)) ||
		d.MinAnswers != 3 || !strings.Contains(d.Explanation, "at least 3") {
		t.Errorf("prompt data %+v", d)
	}
	task := h.store.tasks[closeTaskKey(p.ID)]
	if task.Kind != TaskClose || !task.Due.Equal(p.ClosesAt) {
		t.Errorf("closing task %+v", task)
	}
	tokens := map[string]bool{}
	for _, u := range h.members {
		tokens[h.token(p, u)] = true
	}
	if len(tokens) != 5 {
		t.Errorf("tokens are not distinct")
	}
	if _, err := h.svc.TokenFor(p.ID, "UNOTASKED"); err == nil {
		t.Error("a token for someone not asked")
	}

	// A second prompt while one is open is refused; so is a key already run.
	h.clock.Add(time.Hour)
	err := h.svc.Run(context.Background(), schedule.Key{Ritual: Ritual, Channel: channel, At: h.clock.Now()})
	if !errors.Is(err, ErrPromptOpen) || !rituals.IsPersonError(err) {
		t.Errorf("second prompt: %v", err)
	}
}

func TestRunNeedsEnoughPeople(t *testing.T) {
	h := newHarness(t, 2, nil)
	err := h.svc.Run(context.Background(), schedule.Key{Ritual: Ritual, Channel: channel, At: h.clock.Now()})
	var few *TooFewPeopleError
	if !errors.As(err, &few) || few.People != 2 || few.MinAnswers != 3 || !rituals.IsPersonError(err) {
		t.Fatalf("Run with 2 people: %v", err)
	}
	if len(h.store.prompts) != 0 || len(h.store.runs) != 0 {
		t.Error("something was stored")
	}
}

func TestAnswerValidationStoresNothing(t *testing.T) {
	h := newHarness(t, 4, bank(t, pulseBank))
	p := h.run()
	tok := h.token(p, "U01")
	cases := []struct {
		name, text string
		scale      int
		want       string
	}{
		{"empty", "   \n ", 3, "Your answer is empty: write at least 10 characters."},
		{"nine", "123456789", 3, "Your answer is too short (9 characters; at least 10)."},
		{"10 kB", strings.Repeat("a", 10000), 3, "Your answer is too long (10,000 characters; at most 2,000)."},
		{"2001", strings.Repeat("é", 2001), 3, "(2,001 characters; at most 2,000)"},
		{"scale 6", "a fine answer", 6, "6 is not a rating from 1 to 5"},
		{"scale 0", "a fine answer", 0, "Pick a rating from 1 to 5."},
		{"scale -1", "a fine answer", -1, "not a rating"},
	}
	for _, c := range cases {
		err := h.svc.Answer(context.Background(), p.ID, tok, c.text, c.scale)
		if err == nil || !rituals.IsPersonError(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if n, _ := h.store.CountAnswers(p.ID); n != 0 {
		t.Fatalf("%d answers stored by refused attempts", n)
	}
	if _, err := h.svc.Check(p.ID, tok); err != nil {
		t.Fatalf("the token was spent by a refused attempt: %v", err)
	}
	// Exactly 10 and 2,000 characters (counted as characters, not bytes) are fine.
	h.answer(p, "U01", " \tçççççççççç\r\n", 1)
	h.answer(p, "U02", strings.Repeat("ü", 2000), 5)
	if n, _ := h.store.CountAnswers(p.ID); n != 2 {
		t.Fatalf("%d answers, want 2", n)
	}
	if got := h.store.answers[p.ID][0]; got.Text != "çççççççççç" || got.Scale != 1 || got.Question != p.Question {
		t.Errorf("stored %+v", got)
	}
}

func TestOpenQuestionTakesNoRating(t *testing.T) {
	h := newHarness(t, 3, bank(t, "What should we start, stop or keep doing?\n"))
	p := h.run()
	err := h.svc.Answer(context.Background(), p.ID, h.token(p, "U01"), "a fine answer", 4)
	var se *ScaleError
	if !errors.As(err, &se) || se.Wanted {
		t.Fatalf("rating an open question: %v", err)
	}
	h.answer(p, "U01", "a fine answer", 0)
}

func TestOneAnswerPerToken(t *testing.T) {
	h := newHarness(t, 4, nil)
	p := h.run()
	scale := 0
	if p.Scale != nil {
		scale = 3
	}
	tok := h.token(p, "U01")
	if _, err := h.svc.Check(p.ID, tok); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Answer(context.Background(), p.ID, tok, "first answer here", scale); err != nil {
		t.Fatal(err)
	}
	for name, try := range map[string]string{
		"again":      tok,
		"recomputed": h.token(p, "U01"),
		"forged":     encodeToken(tokenOf(newSecret(), p.ID, "U01"), 0),
		"garbage":    "not-a-token",
		"empty":      "",
	} {
		err := h.svc.Answer(context.Background(), p.ID, try, "second answer here", scale)
		if !errors.Is(err, ErrAlreadyAnswered) || !rituals.IsPersonError(err) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := h.svc.Check(p.ID, try); !errors.Is(err, ErrAlreadyAnswered) {
			t.Errorf("Check %s: %v", name, err)
		}
	}
	if err := h.svc.Answer(context.Background(), "feedback/CNONE/2020-01-01T00:00", tok, "an answer here", 0); !errors.Is(err, ErrUnknownPrompt) {
		t.Errorf("unknown prompt: %v", err)
	}
	if n, _ := h.store.CountAnswers(p.ID); n != 1 {
		t.Errorf("%d answers, want 1", n)
	}
}

func TestReleaseShowsEveryAnswerShuffled(t *testing.T) {
	h := newHarness(t, 6, bank(t, pulseBank))
	p := h.run()
	texts := []string{"answer number one", "answer number two", "answer number three", "answer number four"}
	for i, text := range texts {
		h.answer(p, h.members[i], text, []int{1, 4, 4, 5}[i])
	}
	if n, open, at, err := h.svc.Status(channel); n != 4 || !open || !at.Equal(p.ClosesAt) || err != nil {
		t.Fatalf("status %d %v %v %v", n, open, at, err)
	}
	late := h.token(p, "U05")
	h.closeDue(p)

	rel := h.store.messages(KindRelease)
	if len(rel) != 1 || rel[0].To.Channel != channel || rel[0].Key != ReleaseKey(p.ID) {
		t.Fatalf("release messages %+v", rel)
	}
	d := decode[ReleaseData](t, rel[0])
	got := slices.Sorted(slices.Values(d.Answers))
	if !slices.Equal(got, slices.Sorted(slices.Values(texts))) || d.Count != 4 || d.Question != p.Question {
		t.Errorf("release %+v", d)
	}
	if d.Distribution != [5]int{1, 0, 0, 2, 1} {
		t.Errorf("distribution %v", d.Distribution)
	}
	if len(d.Notes) != 0 {
		t.Errorf("notes %v", d.Notes)
	}
	for _, forbidden := range h.members {
		if bytes.Contains(rel[0].Data, []byte(forbidden)) {
			t.Errorf("release data mentions %q: %s", forbidden, rel[0].Data)
		}
	}
	r, ok, _ := h.store.Release(ReleaseKey(p.ID))
	if !ok || r.Answers != 4 || r.PromptID != p.ID {
		t.Errorf("release record %+v", r)
	}
	// The record keeps the batch's distribution (for the charts), the same as the post shows.
	if r.Distribution == nil || *r.Distribution != d.Distribution || r.Scale == nil || *r.Scale != *p.Scale {
		t.Errorf("release record distribution %v scale %v, want %v", r.Distribution, r.Scale, d.Distribution)
	}
	closed, _, _ := h.store.Prompt(p.ID)
	if !closed.Closed || closed.Outcome != OutcomeReleased || closed.Recipients != nil || closed.Asked != 6 {
		t.Errorf("closed prompt %+v", closed)
	}
	// A late button gets a clear answer; no token is issued any more.
	if err := h.svc.Answer(context.Background(), p.ID, late, "too late for this", 3); !errors.Is(err, ErrClosed) {
		t.Errorf("late answer: %v", err)
	}
	if _, err := h.svc.TokenFor(p.ID, "U06"); !errors.Is(err, ErrClosed) {
		t.Errorf("TokenFor after close: %v", err)
	}
	if n, open, _, _ := h.svc.Status(channel); n != 0 || open {
		t.Errorf("status after close: %d %v", n, open)
	}
	// The task already ran: running it again changes nothing.
	if err := h.svc.Close(context.Background(), timers.Task{Key: closeTaskKey(p.ID), Kind: TaskClose, Data: []byte(`{"prompt_id":"` + p.ID + `"}`)}); err != nil {
		t.Errorf("second close: %v", err)
	}
	if len(h.store.messages(KindRelease)) != 1 {
		t.Error("released twice")
	}
}

func TestHeldAnswersWaitForTheirQuestion(t *testing.T) {
	h := newHarness(t, 5, bank(t, pulseBank))
	p1 := h.run()
	h.answer(p1, "U01", "held answer one", 2)
	h.answer(p1, "U02", "held answer two", 3)
	h.closeDue(p1)
	held := h.store.messages(KindHeld)
	if len(held) != 1 || len(h.store.messages(KindRelease)) != 0 {
		t.Fatalf("held %d, released %d", len(held), len(h.store.messages(KindRelease)))
	}
	if d := decode[HeldData](t, held[0]); d.Count != 2 || d.Needed != 1 || d.MinAnswers != 3 {
		t.Errorf("held %+v", d)
	}
	if c, _, _ := h.store.Prompt(p1.ID); c.Outcome != OutcomeHeld || !c.Closed {
		t.Errorf("prompt %+v", c)
	}

	// Another question reaches the threshold: the two held answers are not shown with it, since
	// a group of two could single their authors out.
	h.clock.Add(7 * 24 * time.Hour)
	p2 := h.run()
	if p2.Question == p1.Question {
		t.Fatal("the rotation repeated a question")
	}
	for _, u := range []string{"U03", "U04", "U05"} {
		h.answer(p2, u, "an answer to the second question", 0)
	}
	h.closeDue(p2)
	rel := h.store.messages(KindRelease)
	if len(rel) != 1 {
		t.Fatalf("%d releases", len(rel))
	}
	d := decode[ReleaseData](t, rel[0])
	if d.Count != 3 || len(d.Answers) != 3 || slices.Contains(d.Answers, "held answer one") {
		t.Fatalf("second release %+v", d)
	}
	if len(h.store.carry[channel]) != 2 {
		t.Fatalf("the pool holds %d answers, want the 2 held ones", len(h.store.carry[channel]))
	}
	// A held batch leaves no release record, so no chart can ever show it; a question without a
	// scale keeps no distribution.
	if _, ok, _ := h.store.Release(ReleaseKey(p1.ID)); ok {
		t.Error("the held prompt has a release record")
	}
	if r, ok, _ := h.store.Release(ReleaseKey(p2.ID)); !ok || r.Distribution != nil || r.Scale != nil {
		t.Errorf("open question's release record %+v", r)
	}

	// Their own question comes back and reaches the threshold on its own: they join its group.
	h.clock.Add(7 * 24 * time.Hour)
	p3 := h.run()
	if p3.Question != p1.Question {
		t.Fatalf("the rotation asked %q, want %q again", p3.Question, p1.Question)
	}
	for i, u := range []string{"U01", "U03", "U05"} {
		h.answer(p3, u, "a new answer to the first question", []int{5, 5, 4}[i])
	}
	h.closeDue(p3)
	rel = h.store.messages(KindRelease)
	d = decode[ReleaseData](t, rel[len(rel)-1])
	if d.Count != 5 || !slices.Contains(d.Answers, "held answer one") || !slices.Contains(d.Answers, "held answer two") {
		t.Errorf("third release %+v", d)
	}
	if d.Distribution != [5]int{0, 1, 1, 1, 2} {
		t.Errorf("distribution %v, want the held ratings counted with the new ones", d.Distribution)
	}
	if len(h.store.carry[channel]) != 0 {
		t.Error("the pool was not emptied")
	}
}

func TestAdminReleaseNeedsEnough(t *testing.T) {
	h := newHarness(t, 5, nil)
	p := h.run()
	scale := 0
	if p.Scale != nil {
		scale = 2
	}
	h.answer(p, "U01", "first answer here", scale)
	h.answer(p, "U02", "second answer here", scale)
	res, err := h.svc.Release(context.Background(), channel, true)
	if err != nil || res.Released || !res.Open || res.Answers != 2 || res.Needed != 1 {
		t.Fatalf("release with 2: %+v %v", res, err)
	}
	if _, open, _, _ := h.svc.Status(channel); !open {
		t.Fatal("the prompt closed")
	}
	h.answer(p, "U03", "third answer here", scale)
	res, err = h.svc.Release(context.Background(), channel, true)
	if err != nil || !res.Released || res.Open || res.Answers != 3 || res.Needed != 0 {
		t.Fatalf("release with 3: %+v %v", res, err)
	}
	if _, ok := h.store.tasks[closeTaskKey(p.ID)]; ok {
		t.Error("the closing task is still pending")
	}
	if _, err := h.svc.Release(context.Background(), channel, true); !errors.Is(err, ErrNoOpenPrompt) {
		t.Errorf("release with nothing open: %v", err)
	}
}

func TestNotesNeverCountAndComeOnlyFromMembers(t *testing.T) {
	h := newHarness(t, 4, bank(t, "What should we start, stop or keep doing?\n"))
	ctx := context.Background()
	// No prompt open: the notes wait in the pool.
	for i := range 3 {
		if err := h.svc.Note(ctx, "U01", channel, fmt.Sprintf("a note number %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	err := h.svc.Note(ctx, "U01", channel, "one note too many")
	var re *RateError
	if !errors.As(err, &re) || !rituals.IsPersonError(err) || !strings.Contains(err.Error(), "3 notes in the last 24 hours") || !strings.Contains(err.Error(), "in about 24 hours") {
		t.Fatalf("fourth note: %v", err)
	}
	if err := h.svc.Note(ctx, "U02", channel, "short"); !rituals.IsPersonError(err) {
		t.Errorf("short note: %v", err)
	}
	if err := h.svc.Note(ctx, "U02", "CELSEWHERE", "a note somewhere else"); err == nil {
		t.Error("a note for an unconfigured channel")
	}
	var where *NoteChannelError
	if err := h.svc.Note(ctx, "UOUTSIDER", channel, "a note from outside the channel"); !errors.As(err, &where) || len(where.Channels) != 0 {
		t.Errorf("a note from someone outside the channel: %v", err)
	}
	if ch, err := h.svc.NoteChannel(ctx, "U02", "CELSEWHERE"); !errors.As(err, &where) || !slices.Equal(where.Channels, []string{channel}) || ch != "" {
		t.Errorf("a member typing elsewhere: %q %v", ch, err)
	}
	if ch, err := h.svc.NoteChannel(ctx, "U02", channel); ch != channel || err != nil {
		t.Errorf("a member in the channel: %q %v", ch, err)
	}
	if len(h.store.carry[channel]) != 3 {
		t.Fatalf("%d notes in the pool", len(h.store.carry[channel]))
	}
	h.clock.Add(24 * time.Hour)
	p := h.run()
	if err := h.svc.Note(ctx, "U01", channel, "a note while open"); err != nil {
		t.Fatalf("note after the window: %v", err)
	}
	h.answer(p, "U02", "the only real answer", 0)
	// Four notes and one answer: nothing to show, the notes do not count.
	if n, _, _, _ := h.svc.Status(channel); n != 1 {
		t.Errorf("status counts %d, want the one answer", n)
	}
	res, err := h.svc.Release(ctx, channel, true)
	if err != nil || res.Released || res.Needed != 2 {
		t.Fatalf("admin release with 1 answer and 4 notes: %+v %v", res, err)
	}
	h.answer(p, "U03", "a second real answer", 0)
	h.answer(p, "U04", "a third real answer", 0)
	h.closeDue(p)
	rel := h.store.messages(KindRelease)
	if len(rel) != 1 {
		t.Fatalf("%d releases", len(rel))
	}
	d := decode[ReleaseData](t, rel[0])
	if d.Count != 3 || len(d.Notes) != 4 || len(d.Answers) != 3 {
		t.Errorf("release %+v", d)
	}
}

func TestRestartDuringDeliveryResendsToEveryone(t *testing.T) {
	h := newHarness(t, 6, bank(t, "What should we start, stop or keep doing?\n"))
	p := h.runQueued()
	old := map[string]string{}
	for _, u := range h.members[:3] { // delivered before the restart
		old[u] = h.token(p, u)
		h.store.deliver(p.MessageKey(u))
	}
	// Nobody answers while others are still waiting for their prompt.
	err := h.svc.Answer(context.Background(), p.ID, old["U01"], "answered too early", 0)
	if !errors.Is(err, ErrDelivering) || !rituals.IsPersonError(err) {
		t.Fatalf("answer during delivery: %v", err)
	}
	if _, err := h.svc.Check(p.ID, old["U01"]); !errors.Is(err, ErrDelivering) {
		t.Fatalf("check during delivery: %v", err)
	}
	before := maps.Clone(h.store.tokens)

	// Restart: the secret is gone. Before delivery runs, Resume sends the prompt again to all.
	h.svc = h.service()
	if _, err := h.svc.TokenFor(p.ID, "U04"); err == nil || rituals.IsPersonError(err) {
		t.Errorf("TokenFor without a secret: %v", err)
	}
	if err := h.svc.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Resume(context.Background()); err != nil { // a second call changes nothing
		t.Fatal(err)
	}
	p2, _, _ := h.store.Prompt(p.ID)
	if p2.Generation != 1 {
		t.Fatalf("generation %d after Resume, want 1", p2.Generation)
	}
	for k := range before {
		if h.store.tokens[k] {
			t.Error("a token from before the restart is still valid")
		}
	}
	if len(h.store.tokens) != len(h.members) {
		t.Errorf("%d tokens after the restart, want one per recipient (%d)", len(h.store.tokens), len(h.members))
	}
	resent := 0
	for _, m := range h.store.messages(KindPrompt) {
		if strings.HasPrefix(m.Key, p.ID+"/dm1/") {
			resent++
			if d := decode[PromptData](t, m); !d.Resent {
				t.Errorf("the second prompt to %s does not say it replaces the first", m.To.User)
			}
		}
	}
	if resent != len(h.members) {
		t.Errorf("%d prompts sent again, want %d: everyone, not only those still waiting", resent, len(h.members))
	}
	fresh := map[string]string{}
	for _, u := range h.members {
		fresh[u] = h.token(p2, u)
		h.store.deliver(p2.MessageKey(u))
	}
	ctx := context.Background()
	if err := h.svc.Answer(ctx, p.ID, old["U01"], "answered with the replaced button", 0); !errors.Is(err, ErrReplaced) {
		t.Errorf("the button from before the restart: %v", err)
	}
	for _, u := range h.members {
		if err := h.svc.Answer(ctx, p.ID, fresh[u], "answered after the restart", 0); err != nil {
			t.Errorf("%s with the new button: %v", u, err)
		}
		if err := h.svc.Answer(ctx, p.ID, fresh[u], "answered twice?", 0); !errors.Is(err, ErrAlreadyAnswered) {
			t.Errorf("%s again: %v", u, err)
		}
	}
	if n, _ := h.store.CountAnswers(p.ID); n != len(h.members) {
		t.Errorf("%d answers, want %d", n, len(h.members))
	}
	// Once delivered, a restart needs nothing: the tokens stay valid without the secret.
	h.svc = h.service()
	if err := h.svc.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if p3, _, _ := h.store.Prompt(p.ID); p3.Generation != 1 {
		t.Errorf("a restart after delivery sent the prompt again (generation %d)", p3.Generation)
	}
}

func TestRespond(t *testing.T) {
	h := newHarness(t, 3, bank(t, "What should we start, stop or keep doing?\n"))
	p := h.run()
	for _, u := range h.members {
		h.answer(p, u, "an answer from someone", 0)
	}
	h.closeDue(p)
	key := ReleaseKey(p.ID)
	ctx := context.Background()
	if err := h.svc.Respond(ctx, key, "U01", "not an admin"); !errors.Is(err, ErrNotResponder) {
		t.Errorf("member responding: %v", err)
	}
	if err := h.svc.Respond(ctx, key, "UADMIN", "  "); !rituals.IsPersonError(err) {
		t.Errorf("empty response: %v", err)
	}
	if err := h.svc.Respond(ctx, "feedback/C/nope/release", "UADMIN", "hello"); !errors.Is(err, ErrUnknownRelease) {
		t.Errorf("unknown release: %v", err)
	}
	if err := h.svc.Respond(ctx, key, "UADMIN", "We heard you: we are moving the stand-up."); err != nil {
		t.Fatal(err)
	}
	msgs := h.store.messages(KindResponse)
	if len(msgs) != 1 || msgs[0].ThreadOf != key || msgs[0].To.Channel != channel {
		t.Fatalf("response messages %+v", msgs)
	}
	if d := decode[ResponseData](t, msgs[0]); d.Responder != "UADMIN" || d.Text != "We heard you: we are moving the stand-up." {
		t.Errorf("response data %+v", d)
	}
	// Configured responders replace the admins.
	c, _ := h.svc.Channel(channel)
	c.Responders = []string{"ULEAD"}
	h.svc.SetChannel(c)
	if err := h.svc.Respond(ctx, key, "UADMIN", "admin again"); !errors.Is(err, ErrNotResponder) {
		t.Errorf("admin when responders are set: %v", err)
	}
	if err := h.svc.Respond(ctx, key, "ULEAD", "lead responds"); err != nil {
		t.Error(err)
	}
	since := p.OpenedAt
	rels, _ := h.svc.Releases(channel, since)
	resps, _ := h.svc.Responses(channel, since)
	if len(rels) != 1 || rels[0].Answers != 3 || len(resps) != 2 {
		t.Errorf("digest sees %d releases, %d responses", len(rels), len(resps))
	}
	if rels, _ := h.svc.Releases(channel, h.clock.Now().Add(time.Second)); len(rels) != 0 {
		t.Error("a release before since")
	}
}

func TestOverduePromptClosesBeforeTheNext(t *testing.T) {
	h := newHarness(t, 3, nil)
	p := h.run()
	h.clock.Add(100 * time.Hour) // the closing task did not run (the process was down)
	p2 := h.run()
	if p2.ID == p.ID {
		t.Fatal("same prompt")
	}
	if c, _, _ := h.store.Prompt(p.ID); !c.Closed {
		t.Error("the overdue prompt is still open")
	}
	if len(h.store.messages(KindHeld)) != 1 {
		t.Error("the overdue prompt's channel was not told")
	}
}

func TestShuffleUsesEveryOrder(t *testing.T) {
	seen := map[string]int{}
	for range 2400 {
		s := []int{1, 2, 3, 4}
		shuffle(s, nil)
		seen[fmt.Sprint(s)]++
	}
	if len(seen) != 24 {
		t.Fatalf("%d of 24 orders seen", len(seen))
	}
	for order, n := range seen {
		if n < 40 || n > 180 { // expected 100
			t.Errorf("order %s seen %d times", order, n)
		}
	}
}

func TestLogsNameNobody(t *testing.T) {
	h := newHarness(t, 5, bank(t, pulseBank))
	p := h.runQueued()
	// A restart during delivery: the prompt goes out again to everyone.
	h.svc = h.service()
	if err := h.svc.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	p, _, _ = h.store.Prompt(p.ID)
	for _, u := range p.Recipients {
		h.store.deliver(p.MessageKey(u))
	}
	var secrets []string
	for i, u := range h.members[:4] {
		tok := h.token(p, u)
		secrets = append(secrets, tok)
		text := fmt.Sprintf("secret answer %d", i)
		secrets = append(secrets, text)
		if err := h.svc.Answer(context.Background(), p.ID, tok, text, 3); err != nil {
			t.Fatal(err)
		}
		_ = h.svc.Answer(context.Background(), p.ID, tok, text, 3) // refused: logs nothing either
	}
	_ = h.svc.Note(context.Background(), "U05", channel, "secret note text")
	secrets = append(secrets, "secret note text")
	h.closeDue(p)
	logs := h.logs.String()
	if !strings.Contains(logs, "feedback released") || !strings.Contains(logs, "sent again to everyone") || !strings.Contains(logs, "asked=5") {
		t.Fatalf("expected lines missing:\n%s", logs)
	}
	for _, s := range append(secrets, h.members...) {
		if strings.Contains(logs, s) {
			t.Errorf("the logs contain %q", s)
		}
	}
}
