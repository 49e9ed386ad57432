package feedback

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// DefaultOpenFor is how long a prompt collects answers when the channel does not say.
const DefaultOpenFor = 72 * time.Hour

// Service runs the ritual. Set the exported fields, then use it from any number of goroutines.
//
// It logs prompt ids, question ids and counts; never a user, a token, a DM channel or any text
// people wrote. Nothing at all is logged when an answer or a note arrives.
type Service struct {
	Store Store
	// Members lists the people to ask in a channel: its members minus bots, deactivated and away
	// people. The Slack edge implements it.
	Members func(ctx context.Context, channel string) ([]string, error)
	// Admins may release, respond (unless a channel names its responders) and ask for status.
	Admins []string
	// Channels are the configured channels by id.
	Channels map[string]Channel
	// Logger receives one line per prompt created, renewed and closed; nil discards.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Queued is called after messages or tasks were committed (wakes delivery and timers).
	Queued func()
	// NoteLimit notes per person per NoteWindow are accepted; 0 means DefaultNoteLimit and
	// DefaultNoteWindow. The count is kept in memory only and forgotten at restart.
	NoteLimit  int
	NoteWindow time.Duration

	mu      sync.Mutex
	secrets map[string]*secretEntry // prompt id → its secret, in memory only
	notes   map[string][]time.Time  // user id → when their recent notes were accepted
}

// secretEntry is one open prompt's in-memory secret.
type secretEntry struct {
	mu     sync.Mutex
	secret []byte
	// allowed lists who may be given a token: all recipients, or after a renewal only those whose
	// prompt was not delivered yet.
	allowed map[string]bool
	renewed bool
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Service) queued() {
	if s.Queued != nil {
		s.Queued()
	}
}

// entry returns the prompt's secret entry, creating an empty one.
func (s *Service) entry(promptID string) *secretEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secrets == nil {
		s.secrets = map[string]*secretEntry{}
	}
	e := s.secrets[promptID]
	if e == nil {
		e = &secretEntry{}
		s.secrets[promptID] = e
	}
	return e
}

// forget drops the prompt's secret, if e (or any entry, when e is nil) is the one held.
func (s *Service) forget(promptID string, e *secretEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.secrets[promptID]; ok && (e == nil || cur == e) {
		delete(s.secrets, promptID)
	}
}

// seedFor makes each channel's rotation its own, and stable.
func seedFor(channel string) int64 {
	h := fnv.New64a()
	h.Write([]byte("feedback/" + channel))
	return int64(h.Sum64())
}

// closeTaskKey is the key of a prompt's closing task.
func closeTaskKey(promptID string) string { return promptID + "/close" }

// channel returns a configured channel.
func (s *Service) channel(id string) (Channel, error) {
	c, ok := s.Channels[id]
	if !ok {
		return Channel{}, fmt.Errorf("feedback is not configured in %s", id)
	}
	if c.ID == "" {
		c.ID = id
	}
	return c, nil
}

// Run sends a prompt in key's channel: the scheduled run, or an admin's "now" (whose key the
// Slack edge makes from the current minute). It asks the next question of the channel's rotation
// to every eligible member, and in one transaction records the run, the prompt, its tokens, one
// KindPrompt message per member and the closing task. A prompt still open and not yet due gives
// ErrPromptOpen; one past its closing time is closed first. Fewer eligible members than the
// channel's threshold gives a *TooFewPeopleError; an already recorded key schedule.ErrAlreadyRan.
func (s *Service) Run(ctx context.Context, key schedule.Key) error {
	c, err := s.channel(key.Channel)
	if err != nil {
		return err
	}
	if s.Members == nil {
		return errors.New("feedback: Service.Members is not set")
	}
	now := s.now()
	if open, ok, err := s.Store.OpenPrompt(key.Channel); err != nil {
		return err
	} else if ok {
		if now.Before(open.ClosesAt) {
			return ErrPromptOpen
		}
		if _, err := s.close(open.ID, closeTaskKey(open.ID), false); err != nil && !errors.Is(err, ErrClosed) {
			return fmt.Errorf("closing the previous prompt: %w", err)
		}
	}
	members, err := s.Members(ctx, key.Channel)
	if err != nil {
		return fmt.Errorf("listing the people to ask: %w", err)
	}
	recipients := uniqueSorted(members)
	minAnswers := c.minAnswers()
	if len(recipients) < minAnswers {
		return &rituals.PersonError{Err: &TooFewPeopleError{Channel: key.Channel, People: len(recipients), MinAnswers: minAnswers}}
	}
	asked, err := s.Store.Asked(key.Channel)
	if err != nil {
		return err
	}
	q, ok := questions.Next(c.bank(), asked, seedFor(key.Channel))
	if !ok {
		return errors.New("the feedback question bank is empty")
	}
	openFor := c.OpenFor
	if openFor <= 0 {
		openFor = DefaultOpenFor
	}
	p := Prompt{
		ID: key.String(), Channel: key.Channel, QuestionID: q.ID, Question: q.Text, Scale: q.Scale,
		Recipients: recipients, Asked: len(recipients), MinAnswers: minAnswers, OpenedAt: now, ClosesAt: now.Add(openFor),
	}

	secret := newSecret()
	tokens := make([][]byte, len(recipients))
	allowed := make(map[string]bool, len(recipients))
	for i, u := range recipients {
		tokens[i] = tokenOf(secret, p.ID, u)
		allowed[u] = true
	}
	data, _ := json.Marshal(p.data())
	msgs := make([]rituals.Message, len(recipients))
	for i, u := range recipients {
		msgs[i] = rituals.Message{Key: PromptMessageKey(p.ID, u), Ritual: Ritual, Kind: KindPrompt, To: rituals.Recipient{User: u}, Data: data}
	}
	td, _ := json.Marshal(closeData{PromptID: p.ID, Channel: p.Channel})
	task := timers.Task{Key: closeTaskKey(p.ID), Ritual: Ritual, Kind: TaskClose, Due: p.ClosesAt, Data: td}

	// Hold the entry while committing, so TokenFor (called by delivery as soon as the messages are
	// in the outbox) waits for the secret instead of renewing it.
	e := s.entry(p.ID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := s.Store.CreatePrompt(key, p, tokens, msgs, []timers.Task{task}); err != nil {
		if e.secret == nil {
			s.forget(p.ID, e)
		}
		return err
	}
	e.secret, e.allowed, e.renewed = secret, allowed, false
	s.queued()
	s.log().Info("feedback prompt created", "prompt", p.ID, "question", q.ID, "asked", len(recipients), "closes_at", p.ClosesAt)
	return nil
}

// data is what a prompt's DM and modal show.
func (p Prompt) data() PromptData {
	return PromptData{
		PromptID: p.ID, Channel: p.Channel, Question: p.Question, Scale: p.Scale, ClosesAt: p.ClosesAt,
		MinAnswers: p.MinAnswers, Explanation: Explanation(p.MinAnswers),
	}
}

// uniqueSorted drops empty and repeated ids and sorts the rest.
func uniqueSorted(ids []string) []string {
	out := slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return s == "" })
	slices.Sort(out)
	return slices.Compact(out)
}

// TokenFor returns the token to put in the "Answer anonymously" button of userID's prompt DM.
// The Slack edge calls it when it renders a KindPrompt message, and puts the result nowhere but in
// the message it sends. After a restart the prompt's secret is gone: the first call draws a new
// one and adds, in one transaction, new tokens for every recipient whose prompt is not delivered
// yet; for a recipient already delivered it then returns ErrAlreadySent (their message holds the
// token they need, still valid, so that nobody can get a second one). ErrClosed once the prompt
// has closed, ErrUnknownPrompt for a prompt the database does not know.
func (s *Service) TokenFor(promptID, userID string) (string, error) {
	e := s.entry(promptID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.secret == nil {
		secret := newSecret()
		renewed, err := s.Store.RenewTokens(promptID, func(u string) []byte { return tokenOf(secret, promptID, u) })
		if err != nil {
			s.forget(promptID, e)
			return "", err
		}
		e.secret, e.renewed = secret, true
		e.allowed = make(map[string]bool, len(renewed))
		for _, u := range renewed {
			e.allowed[u] = true
		}
		s.log().Info("feedback prompt secret renewed after a restart", "prompt", promptID, "tokens", len(renewed))
	}
	if !e.allowed[userID] {
		if e.renewed {
			return "", ErrAlreadySent
		}
		return "", fmt.Errorf("feedback prompt %s was not sent to this person", promptID)
	}
	return encodeToken(tokenOf(e.secret, promptID, userID)), nil
}

// Check tells the Slack edge, when someone presses "Answer anonymously", what the modal must ask;
// ErrAlreadyAnswered (the token was used, or is not one), ErrDelivering, ErrClosed or
// ErrUnknownPrompt instead, so a second attempt is told before typing. It writes and logs nothing.
func (s *Service) Check(promptID, token string) (PromptData, error) {
	p, err := s.openPrompt(promptID)
	if err != nil {
		return PromptData{}, err
	}
	raw, ok := decodeToken(token)
	if !ok {
		return PromptData{}, ErrAlreadyAnswered
	}
	valid, err := s.Store.HasToken(promptID, raw)
	if err != nil {
		return PromptData{}, err
	}
	if !valid {
		return PromptData{}, ErrAlreadyAnswered
	}
	if n, err := s.Store.Delivering(promptID); err != nil {
		return PromptData{}, err
	} else if n > 0 {
		return PromptData{}, ErrDelivering
	}
	return p.data(), nil
}

// openPrompt returns a prompt that can still take answers.
func (s *Service) openPrompt(promptID string) (Prompt, error) {
	p, ok, err := s.Store.Prompt(promptID)
	switch {
	case err != nil:
		return Prompt{}, err
	case !ok:
		return Prompt{}, ErrUnknownPrompt
	case p.Closed:
		return Prompt{}, ErrClosed
	}
	return p, nil
}

// Answer stores one anonymous answer: text of MinAnswerLength to MaxAnswerLength characters and,
// when the question has a scale, a rating from 1 to 5 (0 otherwise). The token (from the button)
// is spent in the same transaction: a second answer with it gives ErrAlreadyAnswered, and so does
// a forged one. While the prompt is still being delivered to others it gives ErrDelivering: see
// there why. Mistakes come back as *LengthError or *ScaleError, and nothing is stored. Nothing
// is logged, whatever happens: show the confirmation in Slack directly (the modal, or an update of
// the prompt DM), never through the outbox.
func (s *Service) Answer(_ context.Context, promptID, token, text string, scale int) error {
	p, err := s.openPrompt(promptID)
	if err != nil {
		return err
	}
	raw, ok := decodeToken(token)
	if !ok {
		return ErrAlreadyAnswered
	}
	clean, err := checkText("answer", text, MinAnswerLength, MaxAnswerLength)
	if err != nil {
		return err
	}
	if p.Scale == nil && scale != 0 {
		return &rituals.PersonError{Err: &ScaleError{Scale: scale}}
	}
	if p.Scale != nil && (scale < questions.ScaleMin || scale > questions.ScaleMax) {
		return &rituals.PersonError{Err: &ScaleError{Scale: scale, Wanted: true}}
	}
	return s.Store.PutAnswer(promptID, raw, Answer{Text: clean, Scale: scale, Question: p.Question, Labels: p.Scale})
}

// Note stores a free-form note for channel: it joins the batch of the open prompt, or the next one
// when none is open, under the same rules as answers (no author, no time, shown only in a batch of
// at least the channel's threshold). userID serves only to limit each person to NoteLimit notes per
// NoteWindow, counted in memory; it is neither stored nor logged. A *RateError or *LengthError is
// a sentence for the person.
func (s *Service) Note(_ context.Context, userID, channel, text string) error {
	if _, err := s.channel(channel); err != nil {
		return err
	}
	clean, err := checkText("note", text, MinAnswerLength, MaxAnswerLength)
	if err != nil {
		return err
	}
	at, err := s.reserveNote(userID)
	if err != nil {
		return err
	}
	if _, err := s.Store.AddNote(channel, Answer{Text: clean}); err != nil {
		s.releaseNote(userID, at)
		return err
	}
	return nil
}

// noteLimits returns the note limit and window in force.
func (s *Service) noteLimits() (int, time.Duration) {
	if s.NoteLimit <= 0 || s.NoteWindow <= 0 {
		return DefaultNoteLimit, DefaultNoteWindow
	}
	return s.NoteLimit, s.NoteWindow
}

// reserveNote counts a note for userID now, or refuses it with a *RateError.
func (s *Service) reserveNote(userID string) (time.Time, error) {
	limit, window := s.noteLimits()
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.notes == nil {
		s.notes = map[string][]time.Time{}
	}
	// Forget every note older than the window, everyone's, so the map stays small.
	for u, times := range s.notes {
		times = slices.DeleteFunc(times, func(t time.Time) bool { return !now.Before(t.Add(window)) })
		if len(times) == 0 {
			delete(s.notes, u)
		} else {
			s.notes[u] = times
		}
	}
	times := s.notes[userID]
	if len(times) >= limit {
		return time.Time{}, &rituals.PersonError{Err: &RateError{Limit: limit, Window: window, RetryIn: times[0].Add(window).Sub(now)}}
	}
	s.notes[userID] = append(times, now)
	return now, nil
}

// releaseNote takes back a note counted by reserveNote that could not be stored.
func (s *Service) releaseNote(userID string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	times := s.notes[userID]
	if i := slices.IndexFunc(times, func(t time.Time) bool { return t.Equal(at) }); i >= 0 {
		s.notes[userID] = slices.Delete(times, i, i+1)
	}
}

// Close is the TaskClose handler: it closes the prompt when its time is up, releasing the batch if
// it is large enough and holding it for the next one otherwise.
func (s *Service) Close(_ context.Context, t timers.Task) error {
	var d closeData
	if err := json.Unmarshal(t.Data, &d); err != nil {
		return fmt.Errorf("close task %s: %w", t.Key, err)
	}
	_, err := s.close(d.PromptID, t.Key, false)
	if errors.Is(err, ErrClosed) || errors.Is(err, ErrUnknownPrompt) {
		// The store completed the task: an admin released it first, or it is gone.
		return nil
	}
	return err
}

// ReleaseResult tells an admin what a release did.
type ReleaseResult struct {
	PromptID string
	// Released is true when the batch was posted in the channel.
	Released bool
	// Answers counts the answers released, or held, or collected so far (carried ones included).
	Answers int
	// Needed is how many more answers a release needs, when not released.
	Needed int
	// Open is true when the prompt stays open (an admin's release with too few answers).
	Open bool
}

// Release closes the channel's open prompt now. With at least the threshold of answers (carried
// ones included) the batch is posted; with fewer, an admin's release (byAdmin) changes nothing and
// says how many more are needed, while any other caller closes the prompt and holds its answers
// for the next batch. ErrNoOpenPrompt when nothing is open.
func (s *Service) Release(_ context.Context, channel string, byAdmin bool) (ReleaseResult, error) {
	p, ok, err := s.Store.OpenPrompt(channel)
	if err != nil {
		return ReleaseResult{}, err
	}
	if !ok {
		return ReleaseResult{}, ErrNoOpenPrompt
	}
	return s.close(p.ID, closeTaskKey(p.ID), byAdmin)
}

// close closes a prompt through the store, deciding inside its transaction.
func (s *Service) close(promptID, taskKey string, byAdmin bool) (ReleaseResult, error) {
	now := s.now()
	out, err := s.Store.ClosePrompt(promptID, taskKey, func(b Batch) (Outcome, error) {
		return decide(b, byAdmin, now), nil
	})
	if err != nil {
		if errors.Is(err, ErrClosed) || errors.Is(err, ErrUnknownPrompt) {
			s.forget(promptID, nil)
		}
		return ReleaseResult{}, err
	}
	res := ReleaseResult{PromptID: promptID, Released: out.Release != nil, Answers: out.Count, Needed: out.Needed, Open: out.Keep}
	if out.Keep {
		return res, nil
	}
	s.forget(promptID, nil)
	s.queued()
	if res.Released {
		s.log().Info("feedback released", "prompt", promptID, "answers", out.Count)
	} else {
		s.log().Info("feedback held for the next batch", "prompt", promptID, "answers", out.Count, "needed", out.Needed)
	}
	return res, nil
}

// decide turns a batch into its outcome: a release, a hold, or (for an admin) keeping it open.
func decide(b Batch, byAdmin bool, now time.Time) Outcome {
	p := b.Prompt
	minAnswers := max(p.MinAnswers, MinAnswersFloor)
	total := len(b.Answers) + len(b.Carried)
	if total < minAnswers {
		if byAdmin {
			return Outcome{Keep: true, Count: total, Needed: minAnswers - total}
		}
		data, _ := json.Marshal(HeldData{PromptID: p.ID, Question: p.Question, Count: total, Needed: minAnswers - total, MinAnswers: minAnswers})
		msg := rituals.Message{Key: p.ID + "/held", Ritual: Ritual, Kind: KindHeld, To: rituals.Recipient{Channel: p.Channel}, Data: data}
		return Outcome{Count: total, Needed: minAnswers - total, Msgs: []rituals.Message{msg}}
	}
	data := releaseData(p, append(slices.Clone(b.Answers), b.Carried...))
	raw, _ := json.Marshal(data)
	key := ReleaseKey(p.ID)
	msg := rituals.Message{Key: key, Ritual: Ritual, Kind: KindRelease, To: rituals.Recipient{Channel: p.Channel}, Data: raw}
	rel := &Release{Key: key, PromptID: p.ID, Channel: p.Channel, Question: p.Question, Answers: total, At: now}
	return Outcome{Release: rel, Count: total, Msgs: []rituals.Message{msg}}
}

// releaseData sorts a batch into the prompt's own answers, earlier questions and notes, each
// shuffled, with the ratings counted and never attached to a text.
func releaseData(p Prompt, all []Answer) ReleaseData {
	d := ReleaseData{PromptID: p.ID, Question: p.Question, Scale: p.Scale, Count: len(all), Answers: []string{}}
	groups := map[string]*EarlierGroup{}
	for _, a := range all {
		switch {
		case a.Question == "":
			d.Notes = append(d.Notes, a.Text)
		case a.Question == p.Question:
			d.Answers = append(d.Answers, a.Text)
			count(&d.Distribution, a.Scale)
		default:
			g := groups[a.Question]
			if g == nil {
				g = &EarlierGroup{Question: a.Question, Scale: a.Labels}
				groups[a.Question] = g
			}
			g.Answers = append(g.Answers, a.Text)
			count(&g.Distribution, a.Scale)
		}
	}
	shuffle(d.Answers)
	shuffle(d.Notes)
	for _, g := range groups {
		shuffle(g.Answers)
		d.Earlier = append(d.Earlier, *g)
	}
	slices.SortFunc(d.Earlier, func(x, y EarlierGroup) int { return cmp.Compare(x.Question, y.Question) })
	return d
}

// count adds a rating to a distribution; 0 (no rating) is not counted.
func count(dist *[5]int, scale int) {
	if scale >= questions.ScaleMin && scale <= questions.ScaleMax {
		dist[scale-questions.ScaleMin]++
	}
}

// Status says how many answers the channel's open prompt has collected (a number, nothing more),
// whether one is open, and when it closes.
func (s *Service) Status(channel string) (answered int, open bool, closesAt time.Time, err error) {
	p, ok, err := s.Store.OpenPrompt(channel)
	if err != nil || !ok {
		return 0, false, time.Time{}, err
	}
	n, err := s.Store.CountAnswers(p.ID)
	if err != nil {
		return 0, false, time.Time{}, err
	}
	return n, true, p.ClosesAt, nil
}

// Respond posts a responder's answer ("you said, we did") in the thread of a release, whose key
// the "Respond" button carries. Only the channel's responders (the admins by default) may respond:
// ErrNotResponder otherwise. The text must have 1 to MaxResponseLength characters.
func (s *Service) Respond(_ context.Context, releaseKey, adminID, text string) error {
	rel, ok, err := s.Store.Release(releaseKey)
	if err != nil {
		return err
	}
	if !ok {
		return ErrUnknownRelease
	}
	responders := s.Admins
	if c, ok := s.Channels[rel.Channel]; ok && c.Responders != nil {
		responders = c.Responders
	}
	if !slices.Contains(responders, adminID) {
		return ErrNotResponder
	}
	clean, err := checkText("response", text, 1, MaxResponseLength)
	if err != nil {
		return err
	}
	r := Response{
		ID: randomID(), ReleaseKey: rel.Key, PromptID: rel.PromptID, Channel: rel.Channel, Question: rel.Question,
		By: adminID, Text: clean, At: s.now(),
	}
	data, _ := json.Marshal(ResponseData{ReleaseKey: rel.Key, Text: clean, Responder: adminID})
	msg := rituals.Message{
		Key: rel.Key + "/response/" + r.ID, Ritual: Ritual, Kind: KindResponse,
		To: rituals.Recipient{Channel: rel.Channel}, ThreadOf: rel.Key, Data: data,
	}
	if err := s.Store.AddResponse(r, []rituals.Message{msg}); err != nil {
		return err
	}
	s.queued()
	s.log().Info("feedback response posted", "release", rel.Key)
	return nil
}

// Releases returns the channel's releases at or after since, oldest first, for the digest.
func (s *Service) Releases(channel string, since time.Time) ([]Release, error) {
	return s.Store.Releases(channel, since)
}

// Responses returns the channel's responses at or after since, oldest first, for the digest.
func (s *Service) Responses(channel string, since time.Time) ([]Response, error) {
	return s.Store.Responses(channel, since)
}
