package schedule

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// This file changes the jobs of a running Scheduler: settings changed in Slack take effect at
// once, without a restart. A run already under way finishes as planned (runs get Run's context,
// not their job's), and run keys keep every occurrence to one run.

// Set adds j, or replaces the schedule, grace and Run of the job with j's ritual and channel. It
// may be called before or while Run runs. A job whose schedule changes, or is added, while Run
// runs is planned from now: occurrences before the change are neither run nor skipped because of
// it, now or after a restart (the ledger's baseline moves to now). A job whose schedule stays
// keeps its plan: only its grace and Run change.
func (s *Scheduler) Set(j Job) error {
	j, err := checkJob(j)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	js := s.findLocked(j.Ritual, j.Channel)
	if !s.started {
		if js == nil {
			s.jobs = append(s.jobs, s.newJobState(j))
		} else {
			js.set(j)
		}
		return nil
	}
	if s.ctx == nil {
		return fmt.Errorf("schedule: job %s/%s set after Run failed", j.Ritual, j.Channel)
	}
	if js != nil && sameSchedule(js.current().Spec, j.Spec) {
		// Only what a run does changed: the plan stands, so a run due this very moment still runs.
		js.set(j)
		return nil
	}
	now := s.now()
	if err := s.rebase(j, now); err != nil {
		return err
	}
	if js != nil {
		js.set(j)
		select {
		case js.changed <- struct{}{}:
		default: // a wake is already pending; the loop reads the newest job then
		}
		js.log.Info("schedule changed", "next", j.Spec.Next(now))
		return nil
	}
	js = s.newJobState(j)
	js.after = now
	s.jobs = append(s.jobs, js)
	if s.ctx.Err() == nil {
		s.startLoopLocked(js)
	}
	js.log.Info("job added", "next", j.Spec.Next(now))
	return nil
}

// rebase records now as j's baseline: nothing before it is caught up after a restart.
func (s *Scheduler) rebase(j Job, now time.Time) error {
	if err := s.ledger.Start(j.Ritual, j.Channel, now.In(j.Spec.Location())); err != nil {
		return fmt.Errorf("schedule: recording the start of %s in %s: %w", j.Ritual, j.Channel, err)
	}
	if err := s.ledger.Rebase(j.Ritual, j.Channel, now.In(j.Spec.Location())); err != nil {
		return fmt.Errorf("schedule: recording the change of %s in %s: %w", j.Ritual, j.Channel, err)
	}
	return nil
}

// Remove stops scheduling ritual in channel; a run under way finishes. It reports whether the
// job was there.
func (s *Scheduler) Remove(ritual, channel string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	js := s.findLocked(ritual, channel)
	if js == nil {
		return false
	}
	s.jobs = slices.DeleteFunc(s.jobs, func(o *jobState) bool { return o == js })
	if js.stop != nil {
		js.stop()
	}
	js.log.Info("job removed")
	return true
}

// Has reports whether ritual is scheduled in channel.
func (s *Scheduler) Has(ritual, channel string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.findLocked(ritual, channel) != nil
}

// startLoopLocked starts js's loop under Run's context; s.mu must be held.
func (s *Scheduler) startLoopLocked(js *jobState) {
	ctx, stop := context.WithCancel(s.ctx)
	js.stop = stop
	s.loops.Go(func() {
		defer stop()
		s.loop(ctx, js)
	})
}

// current returns the job as it is now.
func (js *jobState) current() Job {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.Job
}

// set replaces what Set may change.
func (js *jobState) set(j Job) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.Spec, js.Grace, js.Run = j.Spec, j.Grace, j.Run
}

// sameSchedule reports whether a and b fire at the same times.
func sameSchedule(a, b Spec) bool {
	return a.String() == b.String() && a.Location().String() == b.Location().String()
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Next returns the next run of ritual in channel after now, or the zero time when it is not
// scheduled.
func (s *Scheduler) Next(ritual, channel string, now time.Time) time.Time {
	s.mu.Lock()
	js := s.findLocked(ritual, channel)
	s.mu.Unlock()
	if js == nil {
		return time.Time{}
	}
	return js.current().Spec.Next(now)
}
