package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrAlreadyRan is returned by Job.Run when it finds its key already recorded: the run happened
// before (another instance of the same wall-clock time, or a run caught up twice) and was not redone.
var ErrAlreadyRan = errors.New("schedule: run already recorded")

// Ledger is what the scheduler needs from storage (implemented in store/ with bbolt). Runs record
// their own keys, through Job.Run, in the same transaction as their effects; the scheduler records
// skips and a per-job baseline.
type Ledger interface {
	// Done reports whether key (a Key.String) was already run or skipped.
	Done(key string) (bool, error)
	// Skip records key as skipped with a reason. It must leave an existing record as it is.
	Skip(key Key, reason string, now time.Time) error
	// Last returns the latest scheduled time recorded (run or skipped) for ritual/channel, or the
	// baseline recorded by Start if it is later; ok is false if nothing is recorded. The time is
	// read as an instant: return the Key.At (or Start's now) that was recorded, in any Location.
	Last(ritual, channel string) (at time.Time, ok bool, err error)
	// Start records now as the baseline for ritual/channel if nothing is recorded yet.
	Start(ritual, channel string, now time.Time) error
	// Rebase moves the baseline for ritual/channel forward to now (a later recorded time stays),
	// so that occurrences before a schedule change are never caught up after a restart.
	Rebase(ritual, channel string, now time.Time) error
}

// Job is one ritual's schedule in one channel.
type Job struct {
	// Ritual and Channel name the job; together they are unique in a Scheduler and appear in every
	// Key. Neither may be empty or contain "/".
	Ritual, Channel string
	// Spec says when the job runs.
	Spec Spec
	// Grace is how late a run may start: a run missed while the process was down, or whose timer
	// fires late because the process was suspended, still runs if it is at most Grace late, and is
	// skipped otherwise. Values below MinGrace are raised to it.
	Grace time.Duration
	// Run performs the run; it must record key.String() as done in the same transaction as its
	// effects, and return ErrAlreadyRan if it finds it recorded. Its context is cancelled when the
	// scheduler stops; a run that returns because of that, without recording, is caught up at the
	// next start if still within Grace.
	Run func(ctx context.Context, key Key) error
}

// MinGrace is the least grace a job gets, so that a timer firing a few milliseconds late never
// skips a run.
const MinGrace = time.Minute

// maxSkipRecords bounds how many older missed occurrences are recorded (and reported to OnSkip)
// after a long outage; older ones still are not run, and are counted in one log line.
const maxSkipRecords = 100

// defaultMaxSleep is the longest single timer wait: timers follow the monotonic clock, which stands
// still while the machine is suspended, so the wall clock is looked at again at least this often.
const defaultMaxSleep = time.Minute

// Options configures a Scheduler.
type Options struct {
	// Ledger records runs, skips and baselines. Required.
	Ledger Ledger
	// Logger receives one line per run, skip and failure; nil discards them.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now. Timers are plain Go timers, so tests run the
	// scheduler inside testing/synctest.
	Now func() time.Time
	// OnSkip is called (may be nil) when a run is skipped because it was missed beyond its grace
	// window, because its previous run was still running, because the run failed or panicked, or
	// because shutdown cut it short after a later run was recorded;
	// reason is a sentence for people. It is called from the job's goroutine: return quickly.
	OnSkip func(key Key, reason string)
	// MaxSleep bounds one timer wait, so a wall clock that jumped (a suspended machine, or a test's
	// clock) is noticed within it; 0 means one minute.
	MaxSleep time.Duration
}

// Upcoming is one future run, as NextRuns lists it.
type Upcoming struct {
	Ritual, Channel string
	// At is the scheduled time, in the job's time zone.
	At time.Time
}

// Key returns the run key the upcoming run will have.
func (u Upcoming) Key() Key { return Key{Ritual: u.Ritual, Channel: u.Channel, At: u.At} }

// Scheduler runs Jobs on their schedules, each job in its own goroutine, at most one run of a job
// at a time, each occurrence at most once across restarts (see the package documentation).
type Scheduler struct {
	ledger   Ledger
	log      *slog.Logger
	now      func() time.Time
	onSkip   func(Key, string)
	maxSleep time.Duration

	mu          sync.Mutex
	jobs        []*jobState
	started     bool
	ctx         context.Context  // Run's context, once Run has started: jobs changed live use it
	interrupted []interruptedRun // runs cut short by shutdown, settled when Run returns

	loops sync.WaitGroup
	runs  sync.WaitGroup
}

// interruptedRun is a run that returned because the scheduler was stopping.
type interruptedRun struct {
	js  *jobState
	key Key
}

// jobState is a Job with what its loop knows.
type jobState struct {
	// mu guards the Job's Spec, Grace and Run, which Set may change while the loop runs.
	mu sync.Mutex
	Job
	// changed wakes the loop after Set changed the job; stop ends the loop after Remove.
	changed chan struct{}
	stop    context.CancelFunc
	// after is the latest occurrence dealt with (run, skipped, or before the baseline); only the
	// job's loop touches it once Run has started.
	after   time.Time
	running atomic.Bool
	log     *slog.Logger
}

// New returns a Scheduler with no jobs.
func New(opts Options) *Scheduler {
	s := &Scheduler{
		ledger:   opts.Ledger,
		log:      opts.Logger,
		now:      opts.Now,
		onSkip:   opts.OnSkip,
		maxSleep: defaultMaxSleep,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "schedule")
	if s.now == nil {
		s.now = time.Now
	}
	if opts.MaxSleep > 0 {
		s.maxSleep = opts.MaxSleep
	}
	return s
}

// Add adds a job; it must be called before Run. A second job for the same ritual and channel, a
// job without a schedule or Run function, or names with "/" are errors.
func (s *Scheduler) Add(j Job) error {
	j, err := checkJob(j)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return fmt.Errorf("schedule: job %s/%s added after Run; use Set", j.Ritual, j.Channel)
	}
	if s.findLocked(j.Ritual, j.Channel) != nil {
		return fmt.Errorf("schedule: %s is scheduled twice in channel %s", j.Ritual, j.Channel)
	}
	s.jobs = append(s.jobs, s.newJobState(j))
	return nil
}

// newJobState wraps j for its loop.
func (s *Scheduler) newJobState(j Job) *jobState {
	return &jobState{Job: j, changed: make(chan struct{}, 1), log: s.log.With("ritual", j.Ritual, "channel", j.Channel)}
}

// findLocked returns the job of ritual in channel, or nil; s.mu must be held.
func (s *Scheduler) findLocked(ritual, channel string) *jobState {
	for _, o := range s.jobs {
		if o.Ritual == ritual && o.Channel == channel {
			return o
		}
	}
	return nil
}

// checkJob refuses a job that cannot run and raises its grace to MinGrace.
func checkJob(j Job) (Job, error) {
	name := j.Ritual + "/" + j.Channel
	switch {
	case j.Ritual == "" || j.Channel == "":
		return Job{}, fmt.Errorf("schedule: job %q needs both a ritual and a channel", name)
	case strings.Contains(j.Ritual, "/") || strings.Contains(j.Channel, "/"):
		return Job{}, fmt.Errorf("schedule: job %q: ritual and channel may not contain \"/\"", name)
	case j.Spec.IsZero():
		return Job{}, fmt.Errorf("schedule: job %s has no schedule", name)
	case j.Run == nil:
		return Job{}, fmt.Errorf("schedule: job %s has no Run function", name)
	case j.Grace < 0:
		return Job{}, fmt.Errorf("schedule: job %s has a negative grace %s", name, j.Grace)
	}
	j.Grace = max(j.Grace, MinGrace)
	return j, nil
}

// Run catches up first, then runs every job on its schedule until ctx is done, and returns after all
// running jobs have finished. It returns an error without running anything if the ledger cannot be
// read at start-up, and nil once ctx is done. Run may be called once.
//
// Catch-up, per job: if nothing is recorded for it, this is its first start and nothing is caught
// up (the start time is recorded as its baseline). Otherwise the occurrences after the latest
// recorded one are due: the latest of them runs now if it is at most Grace late, or is skipped;
// older ones are skipped. Skips are recorded, logged and passed to OnSkip.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("schedule: Run called twice")
	}
	s.started = true
	if s.ledger == nil {
		s.mu.Unlock()
		return errors.New("schedule: Options.Ledger is nil")
	}
	now := s.now()
	for _, js := range s.jobs {
		if err := s.baseline(js, now); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	s.ctx = ctx
	for _, js := range s.jobs {
		s.startLoopLocked(js)
	}
	s.mu.Unlock()
	<-ctx.Done()
	s.loops.Wait()
	s.runs.Wait()
	s.settleInterrupted()
	return nil
}

// settleInterrupted deals with runs cut short by shutdown, once nothing else runs. Such a run is
// not recorded, so the next start catches it up like any missed run, but only if it comes after
// the latest recorded occurrence; when a later one was recorded (skipped because this run was
// still running), it is recorded skipped now, so that it is not left unaccounted for.
func (s *Scheduler) settleInterrupted() {
	s.mu.Lock()
	runs := s.interrupted
	s.interrupted = nil
	s.mu.Unlock()
	for _, r := range runs {
		last, ok, err := s.ledger.Last(r.js.Ritual, r.js.Channel)
		switch {
		case err != nil:
			r.js.log.Error("could not read the ledger", "key", r.key.String(), "err", err)
		case ok && last.After(r.key.At):
			s.skip(r.js, r.key, "interrupted by shutdown after a later run was recorded, so it cannot be caught up")
		}
	}
}

// baseline sets where js's loop starts: after the latest recorded occurrence, or now on first start.
func (s *Scheduler) baseline(js *jobState, now time.Time) error {
	last, ok, err := s.ledger.Last(js.Ritual, js.Channel)
	if err != nil {
		return fmt.Errorf("schedule: reading the last run of %s in %s: %w", js.Ritual, js.Channel, err)
	}
	if !ok {
		if err := s.ledger.Start(js.Ritual, js.Channel, now.In(js.current().Spec.Location())); err != nil {
			return fmt.Errorf("schedule: recording the first start of %s in %s: %w", js.Ritual, js.Channel, err)
		}
		js.after = now
		js.log.Info("first start: nothing to catch up", "next", js.current().Spec.Next(now))
		return nil
	}
	js.after = last
	if last.After(now) {
		js.log.Warn("latest recorded run is in the future; has the clock moved back? runs resume after it", "last", last, "now", now)
	}
	return nil
}

// loop runs one job until ctx is done: it sleeps until the next occurrence, then deals with every
// occurrence that has come due.
func (s *Scheduler) loop(ctx context.Context, js *jobState) {
	next := js.current().Spec.Next(js.after)
	for ctx.Err() == nil {
		if next.IsZero() {
			js.log.Info("no further runs within 5 years")
			select {
			case <-ctx.Done():
				return
			case <-js.changed: // Set gave it a new schedule
				next = js.current().Spec.Next(later(js.after, s.now()))
				continue
			}
		}
		now := s.now()
		if now.Before(next) {
			// Wake at the occurrence, or earlier to look at the wall clock again (see maxSleep);
			// a wake before the occurrence just goes round again.
			t := time.NewTimer(min(next.Sub(now), s.maxSleep))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-js.changed:
				// Set changed the schedule: plan from now (or the latest occurrence dealt with, if
				// the clock is behind it), so that nothing before the change runs because of it.
				t.Stop()
				next = js.current().Spec.Next(later(js.after, s.now()))
			case <-t.C:
			}
			continue
		}
		next = s.due(ctx, js, next, now)
	}
}

// due deals with the occurrences of js from next, the first after js.after, up to now: the latest
// runs if it is within grace and the previous run has finished, everything else is skipped. It
// returns the first occurrence after now.
func (s *Scheduler) due(ctx context.Context, js *jobState, next, now time.Time) time.Time {
	job := js.current()
	var older []time.Time // the latest maxSkipRecords before latest
	latest := next
	dropped := 0
	for next = job.Spec.Next(next); !next.IsZero() && !next.After(now); next = job.Spec.Next(next) {
		older = append(older, latest)
		latest = next
		if len(older) == 2*maxSkipRecords {
			older = append(older[:0], older[maxSkipRecords:]...)
			dropped += maxSkipRecords
		}
	}
	if len(older) > maxSkipRecords {
		dropped += len(older) - maxSkipRecords
		older = older[len(older)-maxSkipRecords:]
	}
	if dropped > 0 {
		js.log.Warn("missed runs not recorded one by one: only the latest ones are", "count", dropped, "before", older[0])
	}
	for _, t := range older {
		s.skip(js, Key{js.Ritual, js.Channel, t}, "missed while the bot was down or suspended; only the latest missed run is caught up")
	}
	js.after = latest
	key := Key{js.Ritual, js.Channel, latest}
	switch late := now.Sub(latest); {
	case late > job.Grace:
		s.skip(js, key, fmt.Sprintf("missed by %s, more than its grace of %s: the bot was down or suspended", late.Round(time.Second), job.Grace))
	case js.running.Load():
		s.skip(js, key, "the previous run was still running")
	default:
		s.start(js, job.Run, key, late)
	}
	return next
}

// start runs key in a goroutine of its own unless it is already recorded. The run gets Run's
// context, not the job loop's: a run already under way finishes when its job is changed or removed.
func (s *Scheduler) start(js *jobState, run func(context.Context, Key) error, key Key, late time.Duration) {
	if done, err := s.ledger.Done(key.String()); err != nil {
		// Run checks again in its own transaction, so running is safe.
		js.log.Error("could not read the ledger; running anyway", "key", key.String(), "err", err)
	} else if done {
		js.log.Debug("run already recorded", "key", key.String())
		return
	}
	if late > time.Second {
		js.log.Info("catching up a late run", "key", key.String(), "late", late.Round(time.Second))
	}
	js.running.Store(true)
	s.runs.Go(func() {
		defer js.running.Store(false)
		s.execute(s.ctx, js, run, key)
	})
}

// execute calls the job's Run, recovering a panic, and records a failed run as skipped.
func (s *Scheduler) execute(ctx context.Context, js *jobState, run func(context.Context, Key) error, key Key) {
	started := s.now()
	defer func() {
		if r := recover(); r != nil {
			js.log.Error("run panicked", "key", key.String(), "panic", r, "stack", string(debug.Stack()))
			s.skip(js, key, fmt.Sprintf("the run panicked: %v", r))
		}
	}()
	err := run(ctx, key)
	switch {
	case err == nil:
		js.log.Info("ran", "key", key.String(), "took", s.now().Sub(started))
	case errors.Is(err, ErrAlreadyRan):
		js.log.Info("run already recorded; not run again", "key", key.String())
	case ctx.Err() != nil:
		js.log.Warn("run interrupted by shutdown; it is caught up at the next start if still within grace", "key", key.String(), "err", err)
		s.mu.Lock()
		s.interrupted = append(s.interrupted, interruptedRun{js, key})
		s.mu.Unlock()
	default:
		js.log.Error("run failed", "key", key.String(), "err", err)
		s.skip(js, key, "the run failed: "+err.Error())
	}
}

// skip records key as skipped, logs it and tells OnSkip, unless key is already recorded.
func (s *Scheduler) skip(js *jobState, key Key, reason string) {
	if done, err := s.ledger.Done(key.String()); err != nil {
		js.log.Error("could not read the ledger", "key", key.String(), "err", err)
	} else if done {
		return
	}
	if err := s.ledger.Skip(key, reason, s.now()); err != nil {
		js.log.Error("could not record a skipped run", "key", key.String(), "err", err)
	}
	js.log.Warn("run skipped", "key", key.String(), "reason", reason)
	if s.onSkip != nil {
		func() {
			defer func() {
				if r := recover(); r != nil {
					js.log.Error("OnSkip panicked", "key", key.String(), "panic", r)
				}
			}()
			s.onSkip(key, reason)
		}()
	}
}

// NextRuns returns the next n runs of all jobs after now, sorted by time (then ritual and channel),
// for `ritualbot check`, the Home tab and /healthz. It may be called at any time.
func (s *Scheduler) NextRuns(now time.Time, n int) []Upcoming {
	if n <= 0 {
		return nil
	}
	s.mu.Lock()
	jobs := slices.Clone(s.jobs)
	s.mu.Unlock()
	var out []Upcoming
	for _, js := range jobs {
		for _, t := range js.current().Spec.NextN(now, n) {
			out = append(out, Upcoming{Ritual: js.Ritual, Channel: js.Channel, At: t})
		}
	}
	slices.SortStableFunc(out, func(a, b Upcoming) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if c := strings.Compare(a.Ritual, b.Ritual); c != 0 {
			return c
		}
		return strings.Compare(a.Channel, b.Channel)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
