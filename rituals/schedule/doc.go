// Package schedule runs ritualbot's rituals on cron schedules, each occurrence at most once.
//
// A Spec is a cron spec in a time zone of its own ("CRON_TZ=Europe/Paris 0 9 * * MON"), optionally
// restricted to every N-th week counted from an anchor week, which cron itself cannot say. A Job is
// one ritual's Spec in one channel, and a Scheduler runs Jobs.
//
// Every occurrence is identified by a Key: ritual, channel and the scheduled wall-clock time in the
// spec's zone, without offset ("coffee/C0123/2026-10-25T02:30"). A run records its key in the store
// in the same transaction as its effects (Job.Run does this, through the store), and the scheduler
// records the keys it skips; a recorded key is never run again. So an occurrence never happens twice:
// not after a restart, not through catch-up, and not in the hour repeated when clocks go back, where
// both 02:30s have one key (Spec.Next also yields only the first).
//
// What happens to an occurrence:
//   - On time (the timer fires within the job's Grace): it runs, in a goroutine of its own, so a slow
//     job never delays another. If the job's previous run is still running, the occurrence is skipped
//     instead (like cron.SkipIfStillRunning). A run that fails, or panics (recovered and logged
//     with its stack), is recorded as skipped and passed to Options.OnSkip; the scheduler carries on.
//   - Cut short by shutdown (Run returns once its context is cancelled, without recording): it is
//     caught up at the next start like a missed run, unless a later occurrence was recorded
//     meanwhile, in which case it is recorded as skipped before Scheduler.Run returns.
//   - Late beyond Grace (the process was down, or suspended so its timer fired late): skipped. Only
//     the latest occurrence that came due while the process was not looking may still run, and only
//     if it is within Grace; older ones are skipped. Skips are recorded in the Ledger, logged, and
//     passed to Options.OnSkip so the wiring can tell admins.
//   - Before the job's first start ever (nothing in the Ledger for it): nothing; the start time is
//     recorded as the job's baseline, and later restarts catch up from there.
//
// Time comes from Options.Now and plain Go timers, so tests drive the scheduler inside
// testing/synctest, where a year of schedules passes in a fraction of a second.
package schedule
