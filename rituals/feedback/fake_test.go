package feedback

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// fakeStore is an in-memory Store with the same rules as the bbolt one.
type fakeStore struct {
	mu        sync.Mutex
	runs      map[string]bool
	asked     map[string]map[string]time.Time
	prompts   map[string]Prompt
	open      map[string]string
	tokens    map[string]bool // prompt id + "/" + raw token
	answers   map[string][]Answer
	carry     map[string][]Answer
	releases  map[string]Release
	responses []Response
	tasks     map[string]timers.Task
	outbox    []rituals.Message
	delivered map[string]bool
	queued    map[string]bool // prompt messages neither delivered nor failed
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		runs: map[string]bool{}, asked: map[string]map[string]time.Time{}, prompts: map[string]Prompt{},
		open: map[string]string{}, tokens: map[string]bool{}, answers: map[string][]Answer{}, carry: map[string][]Answer{},
		releases: map[string]Release{}, tasks: map[string]timers.Task{}, delivered: map[string]bool{}, queued: map[string]bool{},
	}
}

var _ Store = (*fakeStore)(nil)

func (f *fakeStore) Asked(channel string) (map[string]time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]time.Time{}
	for k, v := range f.asked[channel] {
		out[k] = v
	}
	return out, nil
}

func (f *fakeStore) CreatePrompt(key schedule.Key, p Prompt, tokens [][]byte, msgs []rituals.Message, tasks []timers.Task) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.runs[key.String()] {
		return schedule.ErrAlreadyRan
	}
	if f.open[p.Channel] != "" {
		return ErrPromptOpen
	}
	f.runs[key.String()] = true
	if f.asked[p.Channel] == nil {
		f.asked[p.Channel] = map[string]time.Time{}
	}
	f.asked[p.Channel][p.QuestionID] = p.OpenedAt
	p.Recipients = slices.Clone(p.Recipients)
	f.prompts[p.ID] = p
	f.open[p.Channel] = p.ID
	for _, t := range tokens {
		f.tokens[p.ID+"/"+string(t)] = true
	}
	for _, t := range tasks {
		f.tasks[t.Key] = t
	}
	f.outbox = append(f.outbox, msgs...)
	for _, m := range msgs {
		f.queued[m.Key] = true
	}
	return nil
}

// deliver marks prompt messages delivered.
func (f *fakeStore) deliver(keys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		delete(f.queued, k)
		f.delivered[k] = true
	}
}

func (f *fakeStore) Delivering(promptID string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.deliveringLocked(promptID), nil
}

func (f *fakeStore) deliveringLocked(promptID string) int {
	n := 0
	p := f.prompts[promptID]
	for _, u := range p.Recipients {
		if f.queued[p.MessageKey(u)] {
			n++
		}
	}
	return n
}

func (f *fakeStore) Prompt(id string) (Prompt, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.prompts[id]
	return p, ok, nil
}

func (f *fakeStore) OpenPrompt(channel string) (Prompt, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.open[channel]
	if id == "" {
		return Prompt{}, false, nil
	}
	return f.prompts[id], true, nil
}

// openLocked mirrors the store's checks of a prompt that takes answers.
func (f *fakeStore) openLocked(id string) (Prompt, error) {
	p, ok := f.prompts[id]
	switch {
	case !ok:
		return p, ErrUnknownPrompt
	case p.Closed:
		return p, ErrClosed
	}
	return p, nil
}

func (f *fakeStore) ResendPrompt(p Prompt, tokens [][]byte, msgs []rituals.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, err := f.openLocked(p.ID)
	if err != nil {
		return err
	}
	if cur.Generation+1 != p.Generation {
		return fmt.Errorf("generation %d, not %d", cur.Generation, p.Generation-1)
	}
	for k := range f.tokens {
		if strings.HasPrefix(k, p.ID+"/") {
			delete(f.tokens, k)
		}
	}
	for _, u := range cur.Recipients {
		delete(f.queued, cur.MessageKey(u))
	}
	cur.Generation = p.Generation
	f.prompts[p.ID] = cur
	for _, t := range tokens {
		f.tokens[p.ID+"/"+string(t)] = true
	}
	f.outbox = append(f.outbox, msgs...)
	for _, m := range msgs {
		f.queued[m.Key] = true
	}
	return nil
}

func (f *fakeStore) HasToken(promptID string, token []byte) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokens[promptID+"/"+string(token)], nil
}

func (f *fakeStore) PutAnswer(promptID string, token []byte, a Answer) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.openLocked(promptID); err != nil {
		return err
	}
	if f.deliveringLocked(promptID) > 0 {
		return ErrDelivering
	}
	k := promptID + "/" + string(token)
	if !f.tokens[k] {
		return ErrAlreadyAnswered
	}
	delete(f.tokens, k)
	f.answers[promptID] = append(f.answers[promptID], a)
	return nil
}

func (f *fakeStore) AddNote(channel string, a Answer) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.carry[channel] = append(f.carry[channel], a)
	return nil
}

func (f *fakeStore) CountAnswers(promptID string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.answers[promptID]), nil
}

func (f *fakeStore) ClosePrompt(promptID, taskKey string, decide func(Batch) (Outcome, error)) (Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.openLocked(promptID)
	if err != nil {
		delete(f.tasks, taskKey)
		return Outcome{}, err
	}
	pool := slices.Clone(f.carry[p.Channel])
	out, err := decide(Batch{Prompt: p, Answers: slices.Clone(f.answers[promptID]), Pool: pool})
	if err != nil || out.Keep {
		return out, err
	}
	for k := range f.tokens {
		if strings.HasPrefix(k, promptID+"/") {
			delete(f.tokens, k)
		}
	}
	if out.Release != nil {
		p.Outcome = OutcomeReleased
		var left []Answer
		for i, a := range pool {
			if !slices.Contains(out.Shown, i) {
				left = append(left, a)
			}
		}
		f.carry[p.Channel] = left
		f.releases[out.Release.Key] = *out.Release
	} else {
		p.Outcome = OutcomeHeld
		f.carry[p.Channel] = append(f.carry[p.Channel], f.answers[promptID]...)
	}
	delete(f.answers, promptID)
	p.Closed, p.Recipients = true, nil
	f.prompts[p.ID] = p
	delete(f.open, p.Channel)
	delete(f.tasks, taskKey)
	f.outbox = append(f.outbox, out.Msgs...)
	return out, nil
}

func (f *fakeStore) Release(key string) (Release, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.releases[key]
	return r, ok, nil
}

func (f *fakeStore) AddResponse(r Response, msgs []rituals.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.releases[r.ReleaseKey]; !ok {
		return ErrUnknownRelease
	}
	f.responses = append(f.responses, r)
	f.outbox = append(f.outbox, msgs...)
	return nil
}

func (f *fakeStore) Releases(channel string, since time.Time) ([]Release, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Release
	for _, r := range f.releases {
		if r.Channel == channel && !r.At.Before(since) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Release) int { return a.At.Compare(b.At) })
	return out, nil
}

func (f *fakeStore) Responses(channel string, since time.Time) ([]Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Response
	for _, r := range f.responses {
		if r.Channel == channel && !r.At.Before(since) {
			out = append(out, r)
		}
	}
	return out, nil
}

// messages returns the queued messages of a kind.
func (f *fakeStore) messages(kind string) []rituals.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []rituals.Message
	for _, m := range f.outbox {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}
