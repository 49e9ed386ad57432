package schedule

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// memLedger is an in-memory Ledger that also plays the store's part in runs (commit), and notices
// anything a correct scheduler never does.
type memLedger struct {
	mu       sync.Mutex
	recs     map[string]*memRecord
	last     map[string]time.Time
	calls    map[string][]runCall // Run calls per key, in order
	problems []string
	lastErr  error // returned by Last when set
}

// memRecord is one recorded key.
type memRecord struct {
	key    Key
	ran    bool
	reason string    // for skips
	at     time.Time // when it was recorded
}

// runCall is one call of a job's Run, as the fake job saw it.
type runCall struct {
	start, end time.Time
	committed  bool
	err        string
}

func newMemLedger() *memLedger {
	return &memLedger{recs: map[string]*memRecord{}, last: map[string]time.Time{}, calls: map[string][]runCall{}}
}

func (l *memLedger) Done(key string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.recs[key] != nil, nil
}

func (l *memLedger) Skip(key Key, reason string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ks := key.String()
	if r := l.recs[ks]; r != nil {
		l.problems = append(l.problems, fmt.Sprintf("Skip(%s, %q) of a key already recorded (ran=%v, reason %q)", ks, reason, r.ran, r.reason))
		return nil
	}
	l.recs[ks] = &memRecord{key: key, reason: reason, at: now}
	l.bumpLocked(key)
	return nil
}

func (l *memLedger) Last(ritual, channel string) (time.Time, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lastErr != nil {
		return time.Time{}, false, l.lastErr
	}
	at, ok := l.last[ritual+"/"+channel]
	return at, ok, nil
}

func (l *memLedger) Start(ritual, channel string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.last[ritual+"/"+channel]; !ok {
		// Keep it as a store would: RFC 3339 text, read back.
		var at time.Time
		b, _ := now.MarshalText()
		if err := at.UnmarshalText(b); err != nil {
			return err
		}
		l.last[ritual+"/"+channel] = at
	}
	return nil
}

func (l *memLedger) bumpLocked(key Key) {
	rc := key.Ritual + "/" + key.Channel
	if prev, ok := l.last[rc]; !ok || key.At.After(prev) {
		l.last[rc] = key.At
	}
}

// commit is the store's half of a run: it records key as run unless it is recorded.
func (l *memLedger) commit(key Key, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ks := key.String()
	if l.recs[ks] != nil {
		return ErrAlreadyRan
	}
	l.recs[ks] = &memRecord{key: key, ran: true, at: now}
	l.bumpLocked(key)
	return nil
}

// recordRun wraps a job's work so the ledger knows every call: body does the work and returns
// whether to commit.
func (l *memLedger) recordRun(now func() time.Time, body func(ctx context.Context, key Key) error) func(ctx context.Context, key Key) error {
	return func(ctx context.Context, key Key) (err error) {
		ks := key.String()
		call := runCall{start: now()}
		l.mu.Lock()
		if l.recs[ks] != nil {
			l.problems = append(l.problems, "Run called for recorded key "+ks)
		}
		l.mu.Unlock()
		defer func() {
			call.end = now()
			if err != nil {
				call.err = err.Error()
			}
			r := recover()
			if r != nil {
				call.err = fmt.Sprint("panic: ", r)
			}
			l.mu.Lock()
			l.calls[ks] = append(l.calls[ks], call)
			l.mu.Unlock()
			if r != nil {
				panic(r)
			}
		}()
		if err := body(ctx, key); err != nil {
			return err
		}
		if err := l.commit(key, now()); err != nil {
			return err
		}
		call.committed = true
		return nil
	}
}

// callsFor returns the Run calls made for key.
func (l *memLedger) callsFor(key string) []runCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]runCall(nil), l.calls[key]...)
}

// record returns a copy of key's record, or nil.
func (l *memLedger) record(key string) *memRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.recs[key]; r != nil {
		c := *r
		return &c
	}
	return nil
}

// keys returns the recorded keys with prefix ("ritual/channel/"), sorted, each with "ran" or
// "skipped: reason".
func (l *memLedger) keys(prefix string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for k, r := range l.recs {
		if strings.HasPrefix(k, prefix) {
			if r.ran {
				out = append(out, k+" ran")
			} else {
				out = append(out, k+" skipped: "+r.reason)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (l *memLedger) check(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.problems {
		t.Error(p)
	}
}

// fakeClock returns a Now hook for inside a synctest bubble that reads start at the moment it is
// called and moves on with the bubble's fake time.
func fakeClock(start time.Time) func() time.Time {
	offset := start.Sub(time.Now())
	return func() time.Time { return time.Now().Add(offset) }
}

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newTestLogger() (*slog.Logger, *syncBuffer) {
	var b syncBuffer
	return slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})), &b
}

// skipLog collects OnSkip calls.
type skipLog struct {
	mu    sync.Mutex
	calls map[string][]string // key → reasons
}

func (s *skipLog) onSkip(key Key, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls == nil {
		s.calls = map[string][]string{}
	}
	s.calls[key.String()] = append(s.calls[key.String()], reason)
}

func (s *skipLog) get(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[key]
}

func (s *skipLog) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.calls {
		n += len(r)
	}
	return n
}

// running is a Scheduler running in the background.
type running struct {
	cancel context.CancelFunc
	done   chan error
}

// start runs s until stop.
func start(s *Scheduler) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	return r
}

// stop cancels the Scheduler and waits for Run to return.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	if err := <-r.done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

var errBoom = errors.New("boom")

func (l *memLedger) Rebase(ritual, channel string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if prev, ok := l.last[ritual+"/"+channel]; !ok || now.After(prev) {
		l.last[ritual+"/"+channel] = now
	}
	return nil
}
