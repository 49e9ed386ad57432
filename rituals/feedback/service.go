package feedback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
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
// It logs prompt ids, question ids and counts of whole prompts; never a user, a token, a DM
// channel or any text people wrote. Nothing at all is logged when an answer or a note arrives.
type Service struct {
	Store Store
	// Members lists the people to ask in a channel: its members minus bots, deactivated and away
	// people. The Slack edge implements it.
	Members func(ctx context.Context, channel string) ([]string, error)
	// IsMember reports whether userID is a member of channel (away or not); only members send
	// notes. The Slack edge implements it; nil refuses every note.
	IsMember func(ctx context.Context, channel, userID string) (bool, error)
	// Admins may release, respond (unless a channel names its responders) and ask for status.
	Admins []string
	// AdminsNow, when set, replaces Admins: the admins as they are now (some are added in Slack).
	AdminsNow func() []string
	// Channels are the configured channels by id.
	Channels map[string]Channel
	// live is Channels as they are now (see Channel, SetChannel).
	live rituals.ChannelSet[Channel]
	// Logger receives one line per prompt created, renewed and closed; nil discards.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Queued is called after messages or tasks were committed (wakes delivery and timers).
	Queued func()
	// NoteLimit notes per person per NoteWindow are accepted; 0 means DefaultNoteLimit and
	// DefaultNoteWindow. The count is kept in memory only (a stored count would date each note's
	// author) and forgotten at restart, which is harmless: notes never count toward a threshold.
	NoteLimit  int
	NoteWindow time.Duration
	// ShuffleSource orders released answers; nil means crypto/rand. Only the demo sets one, so
	// that two runs print the same transcript; a bot talking to Slack never does.
	ShuffleSource io.Reader

	mu      sync.Mutex
	secrets map[string]*secretEntry // prompt id → its secret, in memory only
	notes   map[string][]time.Time  // user id → when their recent notes were accepted
}

// secretEntry is one open prompt's in-memory secret, for its current generation.
type secretEntry struct {
	mu         sync.Mutex
	secret     []byte
	generation int
	// allowed lists the recipients, who may be given a token.
	allowed map[string]bool
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
	c, ok := s.Channel(id)
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
	tokens, allowed := tokensFor(secret, p)
	msgs := p.messages()
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
	e.secret, e.allowed, e.generation = secret, allowed, 0
	s.queued()
	s.log().Info("feedback prompt created", "prompt", p.ID, "question", q.ID, "asked", len(recipients), "closes_at", p.ClosesAt)
	return nil
}

// data is what a prompt's DM and modal show.
func (p Prompt) data() PromptData {
	return PromptData{
		PromptID: p.ID, Channel: p.Channel, Question: p.Question, Scale: p.Scale, ClosesAt: p.ClosesAt,
		MinAnswers: p.MinAnswers, Explanation: Explanation(p.MinAnswers), Resent: p.Generation > 0,
	}
}

// messages are the prompt DMs of p's generation, one per recipient.
func (p Prompt) messages() []rituals.Message {
	data, _ := json.Marshal(p.data())
	msgs := make([]rituals.Message, len(p.Recipients))
	for i, u := range p.Recipients {
		msgs[i] = rituals.Message{Key: p.MessageKey(u), Ritual: Ritual, Kind: KindPrompt, To: rituals.Recipient{User: u}, Data: data}
	}
	return msgs
}

// tokensFor computes the raw tokens of p's recipients under secret, and who may be given one.
func tokensFor(secret []byte, p Prompt) ([][]byte, map[string]bool) {
	tokens := make([][]byte, len(p.Recipients))
	allowed := make(map[string]bool, len(p.Recipients))
	for i, u := range p.Recipients {
		tokens[i] = tokenOf(secret, p.ID, u)
		allowed[u] = true
	}
	return tokens, allowed
}

// Resume is called once at start, before delivery runs. An open prompt whose DMs were still going
// out when the process stopped has lost its secret with the process, and some of its recipients
// have their DM while others wait. It is sent again to every recipient under a new secret, and
// every earlier token is dropped in the same transaction (Store.ResendPrompt): renewing only the
// tokens of those still waiting would show, to anyone comparing backups, which tokens are theirs;
// and nobody keeps two valid buttons, whatever a crash left in Slack. No answer exists yet (answers
// wait for the whole delivery), so nobody loses one. Prompts already delivered need no secret.
func (s *Service) Resume(ctx context.Context) error {
	var errs []error
	for _, id := range s.ChannelIDs() {
		p, ok, err := s.Store.OpenPrompt(id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok || !s.now().Before(p.ClosesAt) {
			continue // nothing open, or its closing task is due and will close it
		}
		if err := s.resend(p); err != nil {
			errs = append(errs, fmt.Errorf("feedback prompt %s: %w", p.ID, err))
		}
	}
	return errors.Join(errs...)
}

// resend starts a new generation of p if it is still being delivered and its secret is gone.
func (s *Service) resend(p Prompt) error {
	e := s.entry(p.ID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.secret != nil {
		return nil // this process created or resent it: its tokens are still computable
	}
	waiting, err := s.Store.Delivering(p.ID)
	if err != nil || waiting == 0 {
		s.forget(p.ID, e)
		return err
	}
	secret := newSecret()
	tokens, allowed := tokensFor(secret, p)
	p.Generation++
	if err := s.Store.ResendPrompt(p, tokens, p.messages()); err != nil {
		s.forget(p.ID, e)
		return err
	}
	e.secret, e.allowed, e.generation = secret, allowed, p.Generation
	s.queued()
	s.log().Info("feedback prompt sent again to everyone after a restart during its delivery", "prompt", p.ID, "asked", len(p.Recipients))
	return nil
}

// uniqueSorted drops empty and repeated ids and sorts the rest.
func uniqueSorted(ids []string) []string {
	out := slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return s == "" })
	slices.Sort(out)
	return slices.Compact(out)
}

// TokenFor returns the token to put in the "Answer anonymously" button of userID's prompt DM.
// The Slack edge calls it when it renders a KindPrompt message, and puts the result nowhere but in
// the message it sends. ErrClosed once the prompt has closed, ErrUnknownPrompt for a prompt the
// database does not know; an error without a sentence when the secret is gone (a restart: Resume
// sends the prompt again under a new one, and this message is dropped).
func (s *Service) TokenFor(promptID, userID string) (string, error) {
	e := s.entry(promptID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.secret == nil {
		// Closing forgets the secret too: say which it is (one read, only when there is no secret).
		s.forget(promptID, e)
		if _, err := s.openPrompt(promptID); err != nil {
			return "", err
		}
		return "", fmt.Errorf("feedback prompt %s: its secret is gone with a restart; it is sent again to everyone", promptID)
	}
	if !e.allowed[userID] {
		return "", fmt.Errorf("feedback prompt %s was not sent to this person", promptID)
	}
	return encodeToken(tokenOf(e.secret, promptID, userID), e.generation), nil
}

// Check tells the Slack edge, when someone presses "Answer anonymously", what the modal must ask;
// ErrAlreadyAnswered (the token was used, or is not one), ErrReplaced (a button of a message sent
// again after a restart), ErrDelivering, ErrClosed or ErrUnknownPrompt instead, so a second
// attempt is told before typing. It writes and logs nothing.
func (s *Service) Check(promptID, token string) (PromptData, error) {
	p, err := s.openPrompt(promptID)
	if err != nil {
		return PromptData{}, err
	}
	raw, err := p.decodeToken(token)
	if err != nil {
		return PromptData{}, err
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
// is logged, whatever happens: thank the person in the modal, never by changing their DM (an
// edited DM is a lasting record of who answered) nor through the outbox.
func (s *Service) Answer(_ context.Context, promptID, token, text string, scale int) error {
	p, err := s.openPrompt(promptID)
	if err != nil {
		return err
	}
	raw, err := p.decodeToken(token)
	if err != nil {
		return err
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

// NoteChannel returns the feedback channel a note typed by userID in channel goes to: channel
// itself when it has feedback and they are a member. Otherwise a *NoteChannelError says where
// their notes can go (the feedback channels they are a member of), or that they are in none.
func (s *Service) NoteChannel(ctx context.Context, userID, channel string) (string, error) {
	if _, ok := s.Channel(channel); ok {
		member, err := s.isMember(ctx, channel, userID)
		if err != nil || member {
			return channel, err
		}
		return "", &rituals.PersonError{Err: &NoteChannelError{}}
	}
	var theirs []string
	for _, id := range s.ChannelIDs() {
		member, err := s.isMember(ctx, id, userID)
		if err != nil {
			return "", err
		}
		if member {
			theirs = append(theirs, id)
		}
	}
	return "", &rituals.PersonError{Err: &NoteChannelError{Channels: theirs}}
}

// isMember asks the Slack edge whether userID is in channel.
func (s *Service) isMember(ctx context.Context, channel, userID string) (bool, error) {
	if s.IsMember == nil {
		return false, nil
	}
	ok, err := s.IsMember(ctx, channel, userID)
	if err != nil {
		return false, fmt.Errorf("checking who is in %s: %w", channel, err)
	}
	return ok, nil
}

// Note stores a free-form note for a feedback channel of which userID is a member (checked again
// here: people leave channels): it goes out with the channel's next release that reached the
// threshold with answers alone, never counting toward it, with no author and no time. userID
// serves only to check membership and to limit each person to NoteLimit notes per NoteWindow,
// counted in memory; it is neither stored nor logged. A *RateError, *LengthError or
// *NoteChannelError is a sentence for the person.
func (s *Service) Note(ctx context.Context, userID, channel, text string) error {
	if _, err := s.channel(channel); err != nil {
		return err
	}
	clean, err := checkText("note", text, MinAnswerLength, MaxAnswerLength)
	if err != nil {
		return err
	}
	if ch, err := s.NoteChannel(ctx, userID, channel); err != nil {
		return err
	} else if ch != channel {
		return &rituals.PersonError{Err: &NoteChannelError{}}
	}
	at, err := s.reserveNote(userID)
	if err != nil {
		return err
	}
	if err := s.Store.AddNote(channel, Answer{Text: clean}); err != nil {
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
		return decide(b, byAdmin, now, s.ShuffleSource), nil
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
// Only the prompt's own answers count toward its threshold: each spent a different person's
// token. A release shows them together with the pool's held answers to the same question (the
// group then still holds at least the threshold of distinct people: this round's), and every note
// in the pool. Held answers to other questions stay in the pool: shown on their own, or merged
// with other small rounds, a group could hold fewer people than the threshold.
func decide(b Batch, byAdmin bool, now time.Time, src io.Reader) Outcome {
	p := b.Prompt
	minAnswers := max(p.MinAnswers, MinAnswersFloor)
	own := len(b.Answers)
	if own < minAnswers {
		if byAdmin {
			return Outcome{Keep: true, Count: own, Needed: minAnswers - own}
		}
		data, _ := json.Marshal(HeldData{PromptID: p.ID, Question: p.Question, Count: own, Needed: minAnswers - own, MinAnswers: minAnswers})
		msg := rituals.Message{Key: p.ID + "/held", Ritual: Ritual, Kind: KindHeld, To: rituals.Recipient{Channel: p.Channel}, Data: data}
		return Outcome{Count: own, Needed: minAnswers - own, Msgs: []rituals.Message{msg}}
	}
	answers := slices.Clone(b.Answers)
	var notes []string
	var shown []int
	for i, a := range b.Pool {
		switch {
		case a.Question == "":
			notes = append(notes, a.Text)
		case a.Question == p.Question && sameScale(a.Labels, p.Scale):
			answers = append(answers, a)
		default:
			continue
		}
		shown = append(shown, i)
	}
	data := releaseData(p, answers, notes, src)
	raw, _ := json.Marshal(data)
	key := ReleaseKey(p.ID)
	msg := rituals.Message{Key: key, Ritual: Ritual, Kind: KindRelease, To: rituals.Recipient{Channel: p.Channel}, Data: raw}
	rel := &Release{Key: key, PromptID: p.ID, Channel: p.Channel, Question: p.Question, Answers: len(answers) + len(notes), At: now}
	if p.Scale != nil {
		dist := data.Distribution
		rel.Scale, rel.Distribution = p.Scale, &dist
	}
	return Outcome{Release: rel, Shown: shown, Count: len(answers), Msgs: []rituals.Message{msg}}
}

// sameScale reports whether two questions rate on the same scale (or both on none).
func sameScale(a, b *questions.Scale) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// releaseData shuffles a batch's answers and notes, with the ratings counted and never attached
// to a text. They are sorted first, so the order shown owes nothing to how they were stored.
func releaseData(p Prompt, answers []Answer, notes []string, src io.Reader) ReleaseData {
	d := ReleaseData{PromptID: p.ID, Question: p.Question, Scale: p.Scale, Count: len(answers), Answers: []string{}, Notes: notes}
	for _, a := range answers {
		d.Answers = append(d.Answers, a.Text)
		count(&d.Distribution, a.Scale)
	}
	slices.Sort(d.Answers)
	slices.Sort(d.Notes)
	shuffle(d.Answers, src)
	shuffle(d.Notes, src)
	return d
}

// count adds a rating to a distribution; 0 (no rating) is not counted.
func count(dist *[5]int, scale int) {
	if scale >= questions.ScaleMin && scale <= questions.ScaleMax {
		dist[scale-questions.ScaleMin]++
	}
}

// Status says how many answers the channel's open prompt has collected (a number, nothing more;
// notes are not counted), whether one is open, and when it closes.
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
	responders := rituals.Current(s.Admins, s.AdminsNow)
	if c, ok := s.Channel(rel.Channel); ok && c.Responders != nil {
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
