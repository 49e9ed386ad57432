package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

const fbChannel = "C07FEEDBK"

// fbWorld is a feedback Service on a real database file, with recipients whose ids, DM channels
// and prompt timestamps all have the same length, so none is part of another.
type fbWorld struct {
	t     *testing.T
	path  string
	db    *DB
	svc   *feedback.Service
	logs  *lockedBuffer
	now   time.Time
	users []string
	dm    map[string]string // user → DM channel
	ts    map[string]string // user → ts of their prompt message
	bank  *questions.Bank
}

// lockedBuffer is a log sink safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func debugLogger(w *lockedBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newFbWorld(t *testing.T, people int, bank *questions.Bank) *fbWorld {
	t.Helper()
	w := &fbWorld{
		t: t, path: filepath.Join(t.TempDir(), "ritualbot.db"), logs: &lockedBuffer{},
		now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), dm: map[string]string{}, ts: map[string]string{}, bank: bank,
	}
	for i := range people {
		u := fmt.Sprintf("U07ANS%04d", i)
		w.users = append(w.users, u)
		w.dm[u] = fmt.Sprintf("D07DM%05d", i)
		w.ts[u] = fmt.Sprintf("1764061200.%06d", i*137+11)
	}
	w.open()
	t.Cleanup(func() { w.db.Close() })
	return w
}

// open opens the database and starts a new Service: what a restart gives (the secrets are gone).
func (w *fbWorld) open() {
	w.t.Helper()
	db, err := Open(w.path, Options{NoSync: true, Logger: debugLogger(w.logs)})
	if err != nil {
		w.t.Fatal(err)
	}
	db.Now = func() time.Time { return w.now }
	w.db = db
	w.svc = &feedback.Service{
		Store: db.Feedback(), Admins: []string{"U07ADMIN01"}, Now: db.Now, Logger: debugLogger(w.logs),
		Channels: map[string]feedback.Channel{fbChannel: {ID: fbChannel, OpenFor: 72 * time.Hour, MinAnswers: 3, Bank: w.bank}},
		Members:  func(context.Context, string) ([]string, error) { return w.users, nil },
		IsMember: func(_ context.Context, ch, u string) (bool, error) {
			return ch == fbChannel && (slices.Contains(w.users, u) || u == fbNoteAuthor), nil
		},
	}
	// As the bot does at start, before delivery runs.
	if err := w.svc.Resume(context.Background()); err != nil {
		w.t.Fatal(err)
	}
}

// fbNoteAuthor is a member of the feedback channel who writes a note.
const fbNoteAuthor = "U07NOTE001"

// restart closes the database and opens it again with a new Service.
func (w *fbWorld) restart() {
	w.t.Helper()
	if err := w.db.Close(); err != nil {
		w.t.Fatal(err)
	}
	w.open()
}

// run sends a prompt now.
func (w *fbWorld) run() feedback.Prompt {
	w.t.Helper()
	key := schedule.Key{Ritual: feedback.Ritual, Channel: fbChannel, At: w.now.Truncate(time.Minute)}
	if err := w.svc.Run(context.Background(), key); err != nil {
		w.t.Fatalf("Run: %v", err)
	}
	p, ok, err := w.db.Feedback().OpenPrompt(fbChannel)
	if err != nil || !ok {
		w.t.Fatalf("no open prompt: %v", err)
	}
	return p
}

// deliver plays the delivery worker for the pending prompt messages of the given users (all when
// none is given): render (which asks for the token), begin the attempt, record where it landed.
// It returns the token each message carried, which only Slack would hold.
func (w *fbWorld) deliver(only ...string) map[string]string {
	w.t.Helper()
	items, err := w.db.Pending(0, 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, it := range items {
		if it.Kind != feedback.KindPrompt || (len(only) > 0 && !slices.Contains(only, it.To.User)) {
			continue
		}
		var d feedback.PromptData
		if err := json.Unmarshal(it.Data, &d); err != nil {
			w.t.Fatal(err)
		}
		tok, err := w.svc.TokenFor(d.PromptID, it.To.User)
		if err != nil {
			w.t.Fatalf("TokenFor(%s): %v", it.To.User, err)
		}
		tokens[it.To.User] = tok
		if err := w.db.BeginAttempt(it.Key, "", w.now); err != nil {
			w.t.Fatal(err)
		}
		u := it.To.User
		if err := w.db.Delivered(it.Key, rituals.Delivery{Channel: w.dm[u], TS: w.ts[u], At: w.now}); err != nil {
			w.t.Fatal(err)
		}
	}
	return tokens
}

// scaleFor is a valid rating for p's question.
func scaleFor(p feedback.Prompt) int {
	if p.Scale != nil {
		return 4
	}
	return 0
}

// closeDue runs p's closing task when it falls due, as the timers runner would.
func (w *fbWorld) closeDue(p feedback.Prompt) {
	w.t.Helper()
	w.now = p.ClosesAt
	tasks, err := w.db.DueTasks(w.now, 10)
	if err != nil || len(tasks) != 1 || tasks[0].Kind != feedback.TaskClose {
		w.t.Fatalf("due tasks %+v, %v", tasks, err)
	}
	if err := w.svc.Close(context.Background(), tasks[0]); err != nil {
		w.t.Fatalf("Close: %v", err)
	}
}

// queued returns the queued messages of a kind.
func (w *fbWorld) queued(kind string) []rituals.OutboxItem {
	w.t.Helper()
	items, err := w.db.Pending(0, 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	return slices.DeleteFunc(items, func(it rituals.OutboxItem) bool { return it.Kind != kind })
}

// count counts the keys of a bucket.
func (w *fbWorld) count(bucket []byte) int {
	n := 0
	_ = w.db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucket).Stats().KeyN
		return nil
	})
	return n
}

// values returns a bucket's contents.
func (w *fbWorld) values(bucket []byte) map[string]string {
	out := map[string]string{}
	_ = w.db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	return out
}

// footprint counts how often each recipient's user id, DM channel and prompt ts occur in data.
func (w *fbWorld) footprint(data []byte) map[string][3]int {
	out := map[string][3]int{}
	for _, u := range w.users {
		out[u] = [3]int{bytes.Count(data, []byte(u)), bytes.Count(data, []byte(w.dm[u])), bytes.Count(data, []byte(w.ts[u]))}
	}
	return out
}

// anonymityRun is one run of the proof: 10 recipients, every prompt delivered, the people at the
// given indexes answer (the k-th answer's text depends on k, not on who writes it), with refused
// second and forged attempts; then the file is closed and read whole, free pages included.
type anonymityRun struct {
	raw    []byte
	logs   string
	texts  []string
	tokens map[string]string
	world  *fbWorld
	// promptRecord and deliveries are the records naming recipients, before and after answers.
	promptBefore, promptAfter         string
	deliveriesBefore, deliveriesAfter map[string]string
}

func runAnonymity(t *testing.T, answerers []int) anonymityRun {
	t.Helper()
	w := newFbWorld(t, 10, nil) // the built-in feedback questions
	p := w.run()
	tokens := w.deliver()
	if len(tokens) != 10 {
		t.Fatalf("%d prompts delivered", len(tokens))
	}
	r := anonymityRun{world: w, tokens: tokens, promptBefore: w.values(bucketFbPrompts)[p.ID], deliveriesBefore: w.values(bucketOutboxDone)}
	ctx := context.Background()
	for k, i := range answerers {
		u := w.users[i]
		text := fmt.Sprintf("Anonymous answer number %02d: the retro format works, keep it.", k)
		r.texts = append(r.texts, text)
		if err := w.svc.Answer(ctx, p.ID, tokens[u], text, scaleFor(p)); err != nil {
			t.Fatalf("answer by recipient %d: %v", i, err)
		}
		if n, _, _, _ := w.svc.Status(fbChannel); n != k+1 {
			t.Fatalf("status says %d after %d answers", n, k+1)
		}
		// A second answer with the same button is refused, and nothing is stored.
		again := fmt.Sprintf("Second attempt number %02d should never be stored anywhere.", k)
		if err := w.svc.Answer(ctx, p.ID, tokens[u], again, scaleFor(p)); !errors.Is(err, feedback.ErrAlreadyAnswered) {
			t.Fatalf("second answer: %v", err)
		}
	}
	// A forged token: a well-formed HMAC under a secret of the attacker's choosing.
	forged := strings.Repeat("A", 43)
	if err := w.svc.Answer(ctx, p.ID, forged, "A forged answer that must not be stored.", scaleFor(p)); !errors.Is(err, feedback.ErrAlreadyAnswered) {
		t.Fatalf("forged token: %v", err)
	}
	if n := w.count(bucketFbAnswers); n != len(answerers) {
		t.Fatalf("%d answers stored, want %d", n, len(answerers))
	}
	if n := w.count(bucketFbTokens); n != 10-len(answerers) {
		t.Fatalf("%d tokens left, want %d", n, 10-len(answerers))
	}
	r.promptAfter, r.deliveriesAfter = w.values(bucketFbPrompts)[p.ID], w.values(bucketOutboxDone)
	// The answers themselves: a random key under the prompt, and no field but the answer's own.
	for k, v := range w.values(bucketFbAnswers) {
		if !strings.HasPrefix(k, p.ID+"/") || len(k) != len(p.ID)+1+16 {
			t.Errorf("answer key %q", k)
		}
		var fields map[string]any
		if err := json.Unmarshal([]byte(v), &fields); err != nil {
			t.Fatal(err)
		}
		for f := range fields {
			if !slices.Contains([]string{"text", "scale", "question", "labels"}, f) {
				t.Errorf("an answer stores %q", f)
			}
		}
	}
	if err := w.db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(w.path)
	if err != nil {
		t.Fatal(err)
	}
	r.raw, r.logs = raw, w.logs.String()
	w.open() // for the caller, and for t.Cleanup
	return r
}

// TestFeedbackAnonymityProof is the proof DESIGN.md asks for: the database file (free pages
// included) and every log line hold each recipient's user id, DM channel and prompt ts exactly as
// often whether or not they answered, and no log holds an answer.
func TestFeedbackAnonymityProof(t *testing.T) {
	evens, odds := []int{0, 2, 4, 6, 8}, []int{9, 7, 5, 3, 1}
	a := runAnonymity(t, evens)
	w := a.world

	// 1. In one file, those who answered and those who did not leave the same footprint.
	fp := w.footprint(a.raw)
	ref := fp[w.users[0]]
	if ref[0] == 0 || ref[1] == 0 || ref[2] == 0 {
		t.Fatalf("the recipients are not in the file at all (%v): the test proves nothing", ref)
	}
	for i, u := range w.users {
		if fp[u] != ref {
			t.Errorf("recipient %d (answered: %v) occurs %v times (id, DM, ts), recipient 0 %v", i, slices.Contains(evens, i), fp[u], ref)
		}
	}

	// 2. Twin files where exactly the other half answered are indistinguishable per person: each
	// recipient's footprint is the same whether they answered (in one) or not (in the other).
	b := runAnonymity(t, odds)
	if fpb := b.world.footprint(b.raw); !mapsEqual(fp, fpb) {
		t.Errorf("footprints differ with the other half answering:\n%v\n%v", fp, fpb)
	}
	if len(a.raw) != len(b.raw) {
		t.Errorf("file sizes differ: %d and %d", len(a.raw), len(b.raw))
	}

	// 3. The records that name the people asked did not change when they answered.
	if a.promptBefore != a.promptAfter || !mapsEqual(a.deliveriesBefore, a.deliveriesAfter) {
		t.Error("answering changed the prompt record or the delivery records")
	}

	// 4. The logs, at debug level: no answer, no refused attempt, no token; recipients equally.
	for _, run := range []anonymityRun{a, b} {
		for _, text := range run.texts {
			if strings.Contains(run.logs, text) || strings.Contains(run.logs, text[:30]) {
				t.Errorf("an answer is in the logs")
			}
		}
		for _, tok := range run.tokens {
			if strings.Contains(run.logs, tok) || bytes.Contains(run.raw, []byte(tok)) {
				t.Error("a token, as the button carries it, is in the logs or the file")
			}
		}
		for _, leak := range []string{"Second attempt", "forged", "AAAAAAAA", "U07ANS", "D07DM", "1764061200."} {
			if strings.Contains(run.logs, leak) {
				t.Errorf("the logs contain %q:\n%s", leak, run.logs)
			}
		}
		if !strings.Contains(run.logs, "feedback prompt created") {
			t.Errorf("the logs were not captured:\n%s", run.logs)
		}
		// The answer texts are in the file (they are the answers), refused attempts never.
		for _, text := range run.texts {
			if !bytes.Contains(run.raw, []byte(text)) {
				t.Errorf("answer %q is not in the file", text)
			}
		}
		if bytes.Contains(run.raw, []byte("Second attempt")) || bytes.Contains(run.raw, []byte("A forged answer")) {
			t.Error("a refused answer reached the file")
		}
	}
	t.Logf("file %d bytes; each recipient's (id, DM, ts) occurs %v times", len(a.raw), ref)

	// 5. At release (after reopening: the store needs no secret for it), every answer is there,
	// shuffled, with nothing else.
	p, _, _ := w.db.Feedback().OpenPrompt(fbChannel)
	w.closeDue(p)
	rel := w.queued(feedback.KindRelease)
	if len(rel) != 1 {
		t.Fatalf("%d release messages", len(rel))
	}
	var d feedback.ReleaseData
	if err := json.Unmarshal(rel[0].Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.Count != 5 || !slices.Equal(slices.Sorted(slices.Values(d.Answers)), slices.Sorted(slices.Values(a.texts))) {
		t.Errorf("release %+v", d)
	}
	for _, u := range w.users {
		if bytes.Contains(rel[0].Data, []byte(u)) {
			t.Error("the release names a recipient")
		}
	}
	if w.count(bucketFbAnswers) != 0 || w.count(bucketFbTokens) != 0 {
		t.Error("answers or tokens left after the release")
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func TestFeedbackReleaseIsShuffled(t *testing.T) {
	w := newFbWorld(t, 6, nil)
	inOrder := 0
	const rounds = 5
	for round := range rounds {
		p := w.run()
		tokens := w.deliver()
		var texts []string
		for i, u := range w.users {
			text := fmt.Sprintf("round %d, answer %d in arrival order", round, i)
			texts = append(texts, text)
			if err := w.svc.Answer(context.Background(), p.ID, tokens[u], text, scaleFor(p)); err != nil {
				t.Fatal(err)
			}
		}
		res, err := w.svc.Release(context.Background(), fbChannel, true)
		if err != nil || !res.Released || res.Answers != 6 {
			t.Fatalf("release: %+v %v", res, err)
		}
		rel := w.queued(feedback.KindRelease)
		var d feedback.ReleaseData
		if err := json.Unmarshal(rel[len(rel)-1].Data, &d); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(slices.Sorted(slices.Values(d.Answers)), texts) {
			t.Fatalf("round %d released %v", round, d.Answers)
		}
		if slices.Equal(d.Answers, texts) {
			inOrder++
		}
		if p.Scale != nil && d.Distribution != [5]int{0, 0, 0, 6, 0} {
			t.Errorf("distribution %v", d.Distribution)
		}
		w.now = w.now.Add(7 * 24 * time.Hour)
	}
	if inOrder == rounds {
		t.Error("every release kept the order of arrival")
	}
	rels, err := w.svc.Releases(fbChannel, time.Time{})
	if err != nil || len(rels) != rounds {
		t.Fatalf("%d releases, %v", len(rels), err)
	}
	for _, r := range rels {
		if r.Answers != 6 || r.Key != feedback.ReleaseKey(r.PromptID) {
			t.Errorf("release %+v", r)
		}
	}
}

func TestFeedbackRestartDuringDeliveryRenewsEveryToken(t *testing.T) {
	w := newFbWorld(t, 10, nil)
	p := w.run()
	ctx := context.Background()
	first := w.deliver(w.users[:7]...)
	// Nobody may answer while three prompts are still on their way.
	if err := w.svc.Answer(ctx, p.ID, first[w.users[0]], "an answer while others wait", scaleFor(p)); !errors.Is(err, feedback.ErrDelivering) {
		t.Fatalf("answer during delivery: %v", err)
	}
	if w.count(bucketFbAnswers) != 0 {
		t.Fatal("an answer was stored during delivery")
	}
	before := w.values(bucketFbTokens)

	w.restart() // the secret is gone: the prompt goes out again to all ten, under a new one
	after := w.values(bucketFbTokens)
	if len(after) != 10 {
		t.Fatalf("%d tokens after the restart, want one for each of the 10 recipients", len(after))
	}
	for k := range before {
		if _, ok := after[k]; ok {
			t.Fatal("a token from before the restart survived it")
		}
	}
	pending, err := w.db.Pending(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	p2, _, _ := w.db.Feedback().Prompt(p.ID)
	var keys []string
	for _, it := range pending {
		keys = append(keys, it.Key)
	}
	want := make([]string, 0, 10)
	for _, u := range w.users {
		want = append(want, p2.MessageKey(u))
	}
	slices.Sort(keys)
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Fatalf("queued after the restart %v, want the new generation's prompt to everyone %v", keys, want)
	}
	if !strings.Contains(w.logs.String(), "sent again to everyone") || !strings.Contains(w.logs.String(), "asked=10") {
		t.Error("the resend was not logged with the whole prompt's count")
	}
	second := w.deliver()
	if len(second) != 10 {
		t.Fatalf("%d prompts delivered after the restart, want 10", len(second))
	}
	for _, u := range w.users[:2] {
		if err := w.svc.Answer(ctx, p.ID, first[u], "answered with the replaced button", scaleFor(p)); !errors.Is(err, feedback.ErrReplaced) {
			t.Errorf("%s with the button from before the restart: %v", u, err)
		}
	}
	if err := w.svc.Answer(ctx, p.ID, second[w.users[0]], "answered with the new button", scaleFor(p)); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Answer(ctx, p.ID, second[w.users[8]], "answered with the new button", scaleFor(p)); err != nil {
		t.Fatal(err)
	}
	w.restart() // and again, delivered this time: nothing is sent, the buttons still work once
	if p3, _, _ := w.db.Feedback().Prompt(p.ID); p3.Generation != p2.Generation {
		t.Errorf("a restart after delivery sent the prompt again")
	}
	for _, u := range []string{w.users[0], w.users[8]} {
		if err := w.svc.Answer(ctx, p.ID, second[u], "trying to answer twice", scaleFor(p)); !errors.Is(err, feedback.ErrAlreadyAnswered) {
			t.Errorf("second answer after restart: %v", err)
		}
	}
	if err := w.svc.Answer(ctx, p.ID, second[w.users[1]], "answered after two restarts", scaleFor(p)); err != nil {
		t.Error(err)
	}
	if n, _ := w.db.Feedback().CountAnswers(p.ID); n != 3 {
		t.Errorf("%d answers, want 3", n)
	}
}

func TestFeedbackSmallBatchIsHeldAndNotesNeverCount(t *testing.T) {
	w := newFbWorld(t, 5, nil)
	ctx := context.Background()
	p1 := w.run()
	tokens := w.deliver()
	for _, u := range w.users[:2] {
		if err := w.svc.Answer(ctx, p1.ID, tokens[u], "an answer held back for now", scaleFor(p1)); err != nil {
			t.Fatal(err)
		}
	}
	late := tokens[w.users[2]]
	w.closeDue(p1)
	held := w.queued(feedback.KindHeld)
	if len(held) != 1 || held[0].To.Channel != fbChannel || len(w.queued(feedback.KindRelease)) != 0 {
		t.Fatalf("held %+v", held)
	}
	var hd feedback.HeldData
	_ = json.Unmarshal(held[0].Data, &hd)
	if hd.Count != 2 || hd.Needed != 1 {
		t.Errorf("held data %+v", hd)
	}
	if w.count(bucketFbCarry) != 2 || w.count(bucketFbAnswers) != 0 || w.count(bucketFbTokens) != 0 {
		t.Errorf("carry %d answers %d tokens %d", w.count(bucketFbCarry), w.count(bucketFbAnswers), w.count(bucketFbTokens))
	}
	if err := w.svc.Answer(ctx, p1.ID, late, "an answer to a closed prompt", scaleFor(p1)); !errors.Is(err, feedback.ErrClosed) {
		t.Errorf("answer after close: %v", err)
	}
	if _, err := w.svc.TokenFor(p1.ID, w.users[4]); !errors.Is(err, feedback.ErrClosed) {
		t.Errorf("TokenFor after close: %v", err)
	}

	// A free-form note between prompts waits in the pool; its author is nowhere.
	if err := w.svc.Note(ctx, fbNoteAuthor, fbChannel, "a free-form note between prompts"); err != nil {
		t.Fatal(err)
	}
	w.now = w.now.Add(7 * 24 * time.Hour)
	p2 := w.run()
	if p2.Question == p1.Question {
		t.Fatal("the rotation repeated a question")
	}
	tokens = w.deliver()
	if err := w.svc.Answer(ctx, p2.ID, tokens[w.users[3]], "one answer to the second prompt", scaleFor(p2)); err != nil {
		t.Fatal(err)
	}
	// One answer, two held for another question and a note: not enough to show anything.
	res, err := w.svc.Release(ctx, fbChannel, true)
	if err != nil || res.Released || res.Answers != 1 || res.Needed != 2 {
		t.Fatalf("release with one answer %+v %v", res, err)
	}
	for _, u := range w.users[:2] {
		if err := w.svc.Answer(ctx, p2.ID, tokens[u], "another answer to the second prompt", scaleFor(p2)); err != nil {
			t.Fatal(err)
		}
	}
	res, err = w.svc.Release(ctx, fbChannel, true)
	if err != nil || !res.Released || res.Answers != 3 {
		t.Fatalf("release %+v %v", res, err)
	}
	rel := w.queued(feedback.KindRelease)
	var d feedback.ReleaseData
	_ = json.Unmarshal(rel[0].Data, &d)
	if d.Count != 3 || len(d.Answers) != 3 || len(d.Notes) != 1 || slices.Contains(d.Answers, "an answer held back for now") {
		t.Errorf("release %+v", d)
	}
	if w.count(bucketFbCarry) != 2 {
		t.Errorf("the pool holds %d, want the 2 answers held for their own question", w.count(bucketFbCarry))
	}
	w.db.Close()
	raw, _ := os.ReadFile(w.path)
	w.open()
	if bytes.Contains(raw, []byte(fbNoteAuthor)) {
		t.Error("the note's author is in the file")
	}
}

func TestFeedbackAdminReleaseWithTooFew(t *testing.T) {
	w := newFbWorld(t, 6, nil)
	ctx := context.Background()
	p := w.run()
	tokens := w.deliver()
	for _, u := range w.users[:2] {
		if err := w.svc.Answer(ctx, p.ID, tokens[u], "one of two answers so far", scaleFor(p)); err != nil {
			t.Fatal(err)
		}
	}
	before := w.values(bucketFbPrompts)[p.ID]
	res, err := w.svc.Release(ctx, fbChannel, true)
	if err != nil || res.Released || !res.Open || res.Answers != 2 || res.Needed != 1 {
		t.Fatalf("release with 2: %+v %v", res, err)
	}
	if n, open, closesAt, _ := w.svc.Status(fbChannel); n != 2 || !open || !closesAt.Equal(p.ClosesAt) {
		t.Errorf("status %d %v %v", n, open, closesAt)
	}
	if w.values(bucketFbPrompts)[p.ID] != before || w.count(bucketFbTokens) != 4 || len(w.queued(feedback.KindHeld)) != 0 {
		t.Error("an admin's release with too few changed something")
	}
	if next, ok, _ := w.db.NextDue(); !ok || !next.Equal(p.ClosesAt) {
		t.Error("the closing task is gone")
	}
	// A second prompt cannot start while this one is open.
	w.now = w.now.Add(time.Hour)
	if err := w.svc.Run(ctx, schedule.Key{Ritual: feedback.Ritual, Channel: fbChannel, At: w.now}); !errors.Is(err, feedback.ErrPromptOpen) {
		t.Errorf("second prompt: %v", err)
	}
}

func TestFeedbackRefusedAnswersStoreNothing(t *testing.T) {
	pulse, err := questions.Parse(strings.NewReader("[1-5 Not at all|Completely] How supported did you feel by the team?\n"))
	if err != nil {
		t.Fatal(err)
	}
	w := newFbWorld(t, 3, pulse)
	p := w.run()
	tok := w.deliver()[w.users[0]]
	ctx := context.Background()
	huge := strings.Repeat("Z", 10*1024)
	for _, c := range []struct {
		name, text string
		scale      int
	}{
		{"10 kB", huge, 3}, {"empty", "", 3}, {"blank", " \n\t ", 3}, {"9 chars", "Q9chars!!", 3},
		{"scale 6", "a perfectly good answer, wrong scale", 6}, {"no scale", "a perfectly good answer, no rating", 0},
	} {
		err := w.svc.Answer(ctx, p.ID, tok, c.text, c.scale)
		if err == nil || !rituals.IsPersonError(err) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if w.count(bucketFbAnswers) != 0 || w.count(bucketFbTokens) != 3 {
		t.Fatal("a refused answer changed the store")
	}
	if _, err := w.svc.Check(p.ID, tok); err != nil {
		t.Fatalf("the token no longer works: %v", err)
	}
	w.db.Close()
	raw, _ := os.ReadFile(w.path)
	w.open()
	for _, s := range []string{"ZZZZZZZZZZZZZZZZ", "Q9chars!!", "wrong scale", "no rating"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("%q reached the file", s)
		}
	}
	if err := w.svc.Answer(ctx, p.ID, tok, "now a proper answer", 2); err != nil {
		t.Fatal(err)
	}
}

func TestFeedbackRespondAndDigest(t *testing.T) {
	w := newFbWorld(t, 3, nil)
	ctx := context.Background()
	start := w.now
	p := w.run()
	tokens := w.deliver()
	for _, u := range w.users {
		if err := w.svc.Answer(ctx, p.ID, tokens[u], "an answer from the team", scaleFor(p)); err != nil {
			t.Fatal(err)
		}
	}
	w.closeDue(p)
	key := feedback.ReleaseKey(p.ID)
	if err := w.svc.Respond(ctx, key, w.users[0], "not an admin"); !errors.Is(err, feedback.ErrNotResponder) {
		t.Errorf("member responding: %v", err)
	}
	// The response threads under the release once it is in Slack.
	for _, it := range w.queued(feedback.KindRelease) {
		if err := w.db.Delivered(it.Key, rituals.Delivery{Channel: fbChannel, TS: "1764400000.000100", At: w.now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.svc.Respond(ctx, key, "U07ADMIN01", "You said meetings run long; we now end them at :50."); err != nil {
		t.Fatal(err)
	}
	resp := w.queued(feedback.KindResponse)
	if len(resp) != 1 || resp[0].ThreadOf != key {
		t.Fatalf("response messages %+v", resp)
	}
	w.restart()
	rels, err := w.svc.Releases(fbChannel, start)
	if err != nil || len(rels) != 1 || rels[0].Answers != 3 || rels[0].Question != p.Question {
		t.Errorf("releases %+v %v", rels, err)
	}
	rs, err := w.svc.Responses(fbChannel, start)
	if err != nil || len(rs) != 1 || rs[0].Text != "You said meetings run long; we now end them at :50." || rs[0].By != "U07ADMIN01" || rs[0].ReleaseKey != key {
		t.Errorf("responses %+v %v", rs, err)
	}
	if rs, _ := w.svc.Responses(fbChannel, w.now.Add(time.Minute)); len(rs) != 0 {
		t.Error("a response before since")
	}
	if rs, _ := w.svc.Responses("COTHER", start); len(rs) != 0 {
		t.Error("a response of another channel")
	}
}

func TestFeedbackRunIsRecordedOnce(t *testing.T) {
	w := newFbWorld(t, 4, nil)
	key := schedule.Key{Ritual: feedback.Ritual, Channel: fbChannel, At: w.now}
	if err := w.svc.Run(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	p, _, _ := w.db.Feedback().OpenPrompt(fbChannel)
	w.closeDue(p) // nobody answered: held, with 0
	w.now = w.now.Add(time.Minute)
	if err := w.svc.Run(context.Background(), key); !errors.Is(err, schedule.ErrAlreadyRan) {
		t.Fatalf("the same key again: %v", err)
	}
	if done, _ := w.db.Runs().Done(key.String()); !done {
		t.Error("the run is not in the ledger")
	}
	if n := len(w.queued(feedback.KindPrompt)); n != 4 {
		t.Errorf("%d prompt messages, want 4", n)
	}
	asked, _ := w.db.Feedback().Asked(fbChannel)
	if _, ok := asked[p.QuestionID]; !ok || len(asked) != 1 {
		t.Errorf("asked %v", asked)
	}
}
