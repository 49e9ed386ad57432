package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/ritualbot/ritualbot/bot"
	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/icebreaker"
	"github.com/ritualbot/ritualbot/rituals/presence"
	"github.com/ritualbot/ritualbot/rituals/questions"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
	"github.com/ritualbot/ritualbot/rituals/trends"
	"github.com/ritualbot/ritualbot/store"
)

// Main is the running program: the same wiring serves `run`, `demo` and the end-to-end tests.
type Main struct {
	Config   *Config
	Logger   *slog.Logger
	BotToken string
	AppToken string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSleep bounds the scheduler's and timers' waits, so a clock that jumps is noticed within
	// it; 0 means one minute. Tests that move Now forward set it short.
	MaxSleep time.Duration

	// Limits are the Slack rate limits delivery respects; zero means Slack's own.
	Limits bot.Limits
	// DiskSpace measures the disk holding the database for /healthz; nil means statfs.
	DiskSpace func(path string) (store.DiskSpace, error)

	DB        *store.DB
	Bot       *bot.Bot
	Delivery  *bot.Delivery
	Scheduler *schedule.Scheduler
	Timers    *timers.Runner
	Directory *bot.Directory
	Presence  *presence.Service
	Feedback  *feedback.Service
	// Trends gives the charts; nil when no ritual is configured.
	Trends *trends.Service
	// Registry holds the Prometheus metrics served on /metrics.
	Registry *prometheus.Registry
	Metrics  *bot.Metrics

	api      *slack.Client
	settings liveSettings
	ops      opsMetrics
	opsAddr  atomic.Value // string: where the ops listener listens, once it does
}

// OpsAddr is the ops listener's address once it listens ("" before, or when off).
func (m *Main) OpsAddr() string {
	addr, _ := m.opsAddr.Load().(string)
	return addr
}

// Open opens the store and builds the Slack clients and the bot. It does not connect yet.
func (m *Main) Open() error {
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	if m.Now == nil {
		m.Now = time.Now
	}
	db, err := store.Open(m.Config.Store.Path, store.Options{
		LockTimeout: time.Duration(m.Config.Store.LockTimeout),
		Logger:      m.Logger,
	})
	if err != nil {
		return err
	}
	db.Now = m.Now
	m.DB = db
	if err := m.loadSettings(); err != nil {
		db.Close()
		return err
	}

	opts := []slack.Option{slack.OptionAppLevelToken(m.AppToken)}
	if u := m.Config.Slack.APIURL; u != "" {
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		opts = append(opts, slack.OptionAPIURL(u))
	}
	if m.Config.Slack.Debug {
		opts = append(opts, slack.OptionDebug(true), slack.OptionLog(slog.NewLogLogger(m.Logger.With("component", "slack-go").Handler(), slog.LevelDebug)))
	}
	m.Registry = m.newRegistry()
	m.Metrics = bot.NewMetrics(m.Registry)
	opts = append(opts, slack.OptionHTTPClient(m.Metrics.InstrumentedClient(nil)))
	api := slack.New(m.BotToken, opts...)
	m.api = api
	socket := socketmode.New(api, socketmode.OptionLog(slog.NewLogLogger(m.Logger.With("component", "socketmode").Handler(), slog.LevelDebug)))
	m.Bot = bot.New(api, socket, bot.Options{
		Command:  m.Config.Command,
		About:    about(m.Config),
		AboutNow: func() string { return about(m.effective()) },
		IsAdmin:  m.isAdmin,
		Logger:   m.Logger,
		Now:      m.Now,
		Metrics:  m.Metrics,
		Location: m.Config.Location(),
	})
	m.Delivery = bot.NewDelivery(api, db, bot.DeliveryOptions{Limits: m.Limits, Logger: m.Logger, Now: m.Now, Metrics: m.Metrics,
		ReadDMs: slices.Contains(buildManifest(m.Config).OAuthConfig.Scopes.Bot, dmHistoryScope)})
	m.Delivery.RegisterCoreRenderers()
	m.Scheduler = schedule.New(schedule.Options{Ledger: db.Runs(), Logger: m.Logger, Now: m.Now, OnSkip: m.noteSkip, MaxSleep: m.MaxSleep})
	m.Timers = timers.New(db, timers.Options{Logger: m.Logger, Now: m.Now, MaxSleep: m.MaxSleep})
	m.Directory = bot.NewDirectory(api, m.Limits, time.Hour)
	m.registerAdmin()
	m.registerSettings()
	bot.RegisterPrivacy(m.Bot, m.privacy())
	m.Presence = &presence.Service{Store: m.DB.Presence()}
	bot.RegisterPresence(m.Bot, m.Presence, m.Directory)
	for _, wire := range []func() error{m.wireIcebreakers, m.wireCoffee, m.wireFeedback, m.wireCharts, m.wireDigest, m.wireBackups, m.wireRetention} {
		if err := wire(); err != nil {
			db.Close()
			return err
		}
	}
	return nil
}

// queued wakes the workers after a commit added messages or tasks.
func (m *Main) queued() {
	m.Delivery.Wake()
	m.Timers.Poke()
}

// wireCoffee schedules coffee rounds in their channels and registers coffee's commands.
func (m *Main) wireCoffee() error {
	svc := &coffee.Service{
		Store: m.DB.Coffee(), Directory: m.Directory, Presence: awayChecker{m.Presence}, Deliveries: m.DB, Channels: map[string]coffee.Channel{},
		Logger: m.Logger.With("component", "coffee"), Now: m.Now, Queued: m.queued,
	}
	m.settings.coffee = svc
	for _, c := range m.Config.Coffee {
		if err := m.setCoffee(c); err != nil {
			return err
		}
	}
	bot.RegisterCoffee(m.Bot, m.Delivery, svc, m.Directory, func(channel string) time.Time { return m.Scheduler.Next(coffee.Ritual, channel, m.Now()) })
	m.Timers.Handle(coffee.TaskFollowUp, svc.FollowUp)
	m.Timers.Handle(coffee.TaskSend, svc.Send)
	return nil
}

// setCoffee runs coffee in c's channel with c's settings (at start, or changed in Slack).
func (m *Main) setCoffee(c CoffeeConfig) error {
	svc := m.settings.coffee
	svc.SetChannel(coffee.Channel{ID: c.Channel, GroupSize: c.GroupSize, FollowUpAfter: time.Duration(c.FollowUpAfter),
		OptIn: c.OptIn, Guests: c.Guests, Summary: c.Summary, Starters: questions.ForCoffee(questions.Icebreakers()), Teams: m.coffeeTeams(c.Teams),
		Hours: c.hours, PauseAfterIgnored: *c.PauseAfterIgnored})
	return m.setJobs(&c.RitualChannel, schedule.Job{Ritual: coffee.Ritual, Channel: c.Channel, Spec: c.spec, Grace: time.Duration(c.Grace), Run: svc.Run})
}

// coffeeTeams is where a coffee channel's teams come from: Slack user groups, the configuration's
// mapping, or nowhere.
func (m *Main) coffeeTeams(t TeamsConfig) coffee.Teams {
	switch {
	case t.UserGroups:
		return m.Directory
	case t.Members != nil:
		return t.teamMap()
	}
	return nil
}

// awayChecker adapts presence to what coffee asks.
type awayChecker struct{ svc *presence.Service }

// Away implements coffee.Presence.
func (a awayChecker) Away(user string, now time.Time) (bool, error) {
	_, away, err := a.svc.AwayUntil(user, now)
	return away, err
}

// members lists the people of a channel a ritual may ask: no bots, no deactivated accounts,
// guests only when allowed, nobody away.
func (m *Main) members(ctx context.Context, channel string, guests bool) ([]string, error) {
	ids, err := m.Directory.Members(ctx, channel)
	if err != nil {
		return nil, err
	}
	people, err := m.Directory.People(ctx, ids)
	if err != nil {
		return nil, err
	}
	eligible := rituals.Eligible(people, guests)
	out := make([]string, 0, len(eligible))
	for _, p := range eligible {
		out = append(out, p.ID)
	}
	return m.Presence.Filter(out, m.Now())
}

// wireDigest schedules check-ins and digest posts and registers the digest's commands.
func (m *Main) wireDigest() error {
	svc := &digest.Service{
		Store: m.DB.Digest(), Directory: m.Directory, Presence: m.Presence, Stats: ritualStats{m},
		Channels: map[string]digest.Channel{}, Logger: m.Logger.With("component", "digest"), Now: m.Now, Queued: m.queued,
	}
	m.settings.digest = svc
	if m.Trends != nil {
		svc.Thread = m.Trends.DigestThread
	}
	for i := range m.Config.Digest {
		if err := m.setDigest(&m.Config.Digest[i]); err != nil {
			return err
		}
	}
	bot.RegisterDigest(m.Bot, m.Delivery, svc, m.Directory)
	m.Timers.Handle(digest.TaskAsk, svc.Ask)
	m.Timers.Handle(digest.TaskRemind, svc.Remind)
	return nil
}

// setDigest runs the digest in dc's channel with dc's settings (at start, or changed in Slack).
func (m *Main) setDigest(dc *DigestConfig) error {
	svc := m.settings.digest
	svc.SetChannel(dc.channel())
	jobs, err := svc.JobsOf(dc.Channel)
	if err != nil {
		return err
	}
	return m.setJobs(&dc.RitualChannel, jobs...)
}

// wireFeedback schedules anonymous feedback prompts and registers feedback's commands.
func (m *Main) wireFeedback() error {
	svc := &feedback.Service{
		Store: m.DB.Feedback(), Admins: m.admins(), AdminsNow: m.admins, Channels: map[string]feedback.Channel{},
		Members: func(ctx context.Context, channel string) ([]string, error) { return m.members(ctx, channel, true) },
		IsMember: func(ctx context.Context, channel, userID string) (bool, error) {
			members, err := m.Directory.Members(ctx, channel)
			return slices.Contains(members, userID), err
		},
		Logger: m.Logger.With("component", "feedback"), Now: m.Now, Queued: m.queued,
	}
	m.Feedback = svc
	for _, f := range m.Config.Feedback {
		if err := m.setFeedback(f); err != nil {
			return err
		}
	}
	bot.RegisterFeedback(m.Bot, m.Delivery, svc)
	m.Timers.Handle(feedback.TaskClose, svc.Close)
	return nil
}

// setFeedback runs feedback in f's channel with f's settings (at start, or changed in Slack).
func (m *Main) setFeedback(f FeedbackConfig) error {
	m.Feedback.SetChannel(feedback.Channel{ID: f.Channel, OpenFor: time.Duration(f.OpenFor), MinAnswers: f.MinAnswers, Responders: f.Responders})
	return m.setJobs(&f.RitualChannel, schedule.Job{Ritual: feedback.Ritual, Channel: f.Channel, Spec: f.spec, Grace: time.Duration(f.Grace), Run: m.Feedback.Run})
}

// wireIcebreakers schedules the icebreaker in its channels and registers its commands.
func (m *Main) wireIcebreakers() error {
	svc := &icebreaker.Service{
		Store: m.DB.Icebreakers(), Deliveries: m.DB, Threads: m.Directory, Admins: m.admins(), AdminsNow: m.admins,
		Channels: map[string]icebreaker.Channel{}, Logger: m.Logger.With("component", "icebreaker"), Now: m.Now, Queued: m.queued,
	}
	m.settings.icebreaker = svc
	for _, ib := range m.Config.Icebreakers {
		if err := m.setIcebreaker(ib); err != nil {
			return err
		}
	}
	bot.RegisterIcebreaker(m.Bot, m.Delivery, svc)
	m.Timers.Handle(icebreaker.TaskClose, svc.Close)
	return nil
}

// setIcebreaker runs the icebreaker in ib's channel with ib's settings (at start, or changed in
// Slack).
func (m *Main) setIcebreaker(ib IcebreakerConfig) error {
	svc := m.settings.icebreaker
	svc.SetChannel(icebreaker.Channel{ID: ib.Channel, CloseAfter: time.Duration(ib.CloseAfter), Approval: *ib.Approval, Bank: ib.bank})
	return m.setJobs(&ib.RitualChannel, schedule.Job{Ritual: icebreaker.Ritual, Channel: ib.Channel, Spec: ib.spec, Grace: time.Duration(ib.Grace), Run: svc.Run})
}

// about says which rituals run in this workspace, in one sentence.
func about(cfg *Config) string {
	descriptions := map[string]string{
		"coffee":     "*coffee* pairings",
		"icebreaker": "*icebreaker* questions",
		"digest":     "a weekly *digest* of updates and kudos",
		"feedback":   "*anonymous feedback*",
	}
	var running []string
	for _, r := range cfg.Rituals() {
		if len(r.Channels) > 0 {
			running = append(running, descriptions[r.Name])
		}
	}
	if len(running) == 0 {
		return "I run small rituals that keep a remote team close. None is set up here yet: an admin can set them up on this Home tab."
	}
	list := running[0]
	if n := len(running); n > 1 {
		list = strings.Join(running[:n-1], ", ") + " and " + running[n-1]
	}
	return "I run small rituals that keep a remote team close. Here: " + list + "."
}

// wireBackups schedules the store's backups when store.backup.dir is set.
func (m *Main) wireBackups() error {
	b := m.Config.Store.Backup
	if b.Dir == "" {
		return nil
	}
	return m.scheduleStoreJob("backup", b.spec, 6*time.Hour, func() error {
		path := filepath.Join(b.Dir, store.BackupName(m.Now()))
		n, err := store.BackupToFile(m.DB, path, false)
		if err != nil {
			return fmt.Errorf("backup to %s: %w", path, err)
		}
		removed, err := store.PruneBackups(b.Dir, b.Keep)
		if err != nil {
			return fmt.Errorf("prune backups in %s: %w", b.Dir, err)
		}
		m.Logger.Info("backup written", "component", "backup", "path", path, "bytes", n, "removed", len(removed))
		return nil
	})
}

// storeJobs stands for a channel in the run keys of the database's own upkeep, which belongs to
// no channel.
const storeJobs = "store"

// scheduleStoreJob schedules the database's own upkeep: work runs unless the run key is recorded,
// and the key is recorded after it (a crash in between repeats the work, which is harmless here).
func (m *Main) scheduleStoreJob(name string, spec schedule.Spec, grace time.Duration, work func() error) error {
	return m.schedule(schedule.Job{Ritual: name, Channel: storeJobs, Spec: spec, Grace: grace,
		Run: func(_ context.Context, key schedule.Key) error {
			if done, err := m.DB.Runs().Done(key.String()); err != nil || done {
				return cmp.Or(err, schedule.ErrAlreadyRan)
			}
			if err := work(); err != nil {
				return err
			}
			return m.DB.CommitRun(key, nil)
		}})
}

// retentionSchedule is when the nightly retention job runs, in the configured time zone.
const retentionSchedule = "30 3 * * *"

// wireRetention removes, every night through the engine, records older than the retention limits
// and the engine's own history older than store.EngineHistory.
func (m *Main) wireRetention() error {
	r := store.Retention{Checkins: time.Duration(m.Config.Retention.Checkins), Kudos: time.Duration(m.Config.Retention.Kudos), Coffee: time.Duration(m.Config.Retention.Coffee)}
	spec, err := schedule.Parse(retentionSchedule, 1, time.Time{}, m.Config.Location())
	if err != nil {
		return err
	}
	return m.scheduleStoreJob("retention", spec, 24*time.Hour, func() error {
		var report store.PruneReport
		if r != (store.Retention{}) {
			var err error
			if report, err = m.DB.Prune(m.Now(), r); err != nil {
				return err
			}
		}
		deliveries, runs, err := m.DB.PruneEngine(m.Now(), store.EngineHistory)
		if err != nil {
			return err
		}
		m.Logger.Info("old records removed", "component", "retention", "updates", report.Updates, "asks", report.Asks,
			"kudos", report.Kudos, "coffee_rounds", report.CoffeeRounds, "deliveries", deliveries, "runs", runs)
		return nil
	})
}

// schedule adds a job whose runs are counted in ritualbot_ritual_runs_total.
func (m *Main) schedule(j schedule.Job) error {
	run := j.Run
	j.Run = func(ctx context.Context, key schedule.Key) error {
		err := run(ctx, key)
		switch {
		case err == nil:
			m.ops.runs.WithLabelValues(j.Ritual, "ran").Inc()
		case !errors.Is(err, schedule.ErrAlreadyRan) && ctx.Err() == nil:
			m.ops.runs.WithLabelValues(j.Ritual, "failed").Inc()
		}
		return err
	}
	return m.Scheduler.Set(j)
}

// noteSkip tells the admins that a scheduled run did not happen, through the outbox.
func (m *Main) noteSkip(key schedule.Key, reason string) {
	m.ops.runs.WithLabelValues(key.Ritual, "skipped").Inc()
	if key.Channel == storeJobs {
		// The database's own upkeep (backups, retention): the latest missed run is caught up and
		// does the same work, so a skipped one is only logged (by the scheduler).
		return
	}
	text := fmt.Sprintf("The %s run planned for %s in <#%s> did not happen: %s",
		key.Ritual, bot.When(key.At, bot.DateTime, m.Config.Location()), key.Channel, reason)
	if err := m.DB.Enqueue(rituals.AdminNotes("skip/"+key.String(), key.Ritual, m.admins(), text)...); err != nil {
		m.Logger.Error("could not queue a note to the admins", "key", key.String(), "err", err)
		return
	}
	m.Delivery.Wake()
}

// Run runs every part until ctx is cancelled or one fails.
func (m *Main) Run(ctx context.Context) error {
	ctl, err := m.listenControl()
	if err != nil {
		return err
	}
	defer ctl.close()
	if err := m.checkBotToken(ctx); err != nil {
		return err
	}
	parent, began := ctx, time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	start := func(name string, run func(context.Context) error) {
		wg.Go(func() {
			if err := run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		})
	}
	m.Logger.Info("ritualbot starting", "component", "main", "version", version(), "command", m.Config.Command, "store", m.Config.Store.Path)
	if m.Feedback != nil {
		// Before delivery starts: a prompt whose DMs were still going out is sent again to everyone.
		if err := m.Feedback.Resume(ctx); err != nil {
			m.Logger.Error("resuming anonymous feedback prompts", "component", "feedback", "err", err)
		}
	}
	start("bot", m.Bot.Run)
	start("delivery", m.Delivery.Run)
	start("scheduler", m.Scheduler.Run)
	start("timers", m.Timers.Run)
	start("control", ctl.serve)
	if m.Config.Ops.Listen != "" {
		start("ops", m.runOps)
	}
	wg.Wait()
	close(errs)
	err = errors.Join(collect(errs)...)
	m.logStopped(err, context.Cause(parent), time.Since(began))
	if errors.Is(err, bot.ErrInvalidAuth) {
		return configError{err} // a wrong token: restarting will not help
	}
	return err
}

// logStopped writes the one line that says why the bot stopped and how long it ran.
func (m *Main) logStopped(failure, cause error, ran time.Duration) {
	if failure != nil {
		m.Logger.Error("ritualbot stopped", "component", "main", "reason", failure, "ran", ran.Round(time.Second))
		return
	}
	reason := "stopped by its caller"
	if cause != nil && !errors.Is(cause, context.Canceled) {
		reason = cause.Error() // e.g. "terminated signal received"
	}
	m.Logger.Info("ritualbot stopped", "component", "main", "reason", reason, "ran", ran.Round(time.Second))
}

// checkBotToken asks Slack who the bot is, so a wrong SLACK_BOT_TOKEN is reported at start, not
// at the first message. A network problem is only logged: Slack may be briefly unreachable.
func (m *Main) checkBotToken(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	who, err := m.api.AuthTestContext(ctx)
	var se slack.SlackErrorResponse
	switch {
	case errors.As(err, &se) && (se.Err == "invalid_auth" || se.Err == "not_authed" || se.Err == "account_inactive" || se.Err == "token_revoked"):
		return configError{fmt.Errorf("slack refused SLACK_BOT_TOKEN (%s): use the Bot User OAuth Token (xoxb-…) from the app's Install App page", se.Err)}
	case err != nil:
		m.Logger.Warn("could not reach Slack to check the bot token; going on", "component", "main", "err", err)
	default:
		m.Logger.Info("connected to the workspace", "component", "main", "team", who.Team, "bot_user", who.UserID)
		m.settings.botUserID.Store(who.UserID)
		m.checkChannels(ctx, who.UserID)
	}
	return nil
}

// checkChannels tells the admins, once a day at most, about configured channels where rituals
// would fail: the bot is not a member, the id names no channel, the channel is archived, or the app
// lacks a permission to look.
func (m *Main) checkChannels(ctx context.Context, botUserID string) {
	seen := map[string]bool{}
	for _, r := range m.Config.Rituals() {
		for _, rc := range r.Channels {
			if seen[rc.Channel] {
				continue
			}
			seen[rc.Channel] = true
			members, err := m.Directory.Members(ctx, rc.Channel)
			if err == nil && slices.Contains(members, botUserID) {
				continue
			}
			text, known := channelTrouble(rc.Channel, r.Name, err)
			if !known {
				m.Logger.Warn("could not check a configured channel", "component", "main", "channel", rc.Channel, "err", err)
				continue
			}
			m.Logger.Warn("a ritual cannot run in its configured channel", "component", "main", "channel", rc.Channel, "err", err)
			key := "setup/not-member/" + rc.Channel + "/" + m.Now().Format("2006-01-02")
			if err := m.DB.Enqueue(rituals.AdminNotes(key, "setup", m.admins(), text)...); err != nil {
				m.Logger.Error("could not queue a note to the admins", "component", "main", "err", err)
			}
		}
	}
	m.Delivery.Wake()
}

// channelTrouble tells the admins why ritual cannot run in channel, given what asking Slack for
// its members returned (nil: the bot is not among them); known is false for errors that say
// nothing about the set-up, such as a network failure.
func channelTrouble(channel, ritual string, err error) (text string, known bool) {
	var se slack.SlackErrorResponse
	code := ""
	if errors.As(err, &se) {
		code = se.Err
	}
	switch {
	case err == nil || code == "not_in_channel":
		return fmt.Sprintf("I'm not a member of <#%s> (configured for %s), so it can't run there. Type `/invite @ritualbot` in that channel.", channel, ritual), true
	case code == "channel_not_found":
		return fmt.Sprintf("The channel `%s` configured for %s does not exist in this workspace, so %s can't run: check the channel id in my configuration "+
			"(in Slack, the channel's details show its id). A private channel I'm not in looks the same to me: if it is one, type `/invite @ritualbot` there.",
			channel, ritual, ritual), true
	case code == "is_archived":
		return fmt.Sprintf("<#%s> (configured for %s) is archived, so it can't run there: move %s to another channel in my configuration.", channel, ritual, ritual), true
	case code == "missing_scope":
		return fmt.Sprintf("I can't see who is in <#%s> (configured for %s): the Slack app lacks the %s permission. Update the app from `ritualbot manifest` and reinstall it.",
			channel, ritual, se.Needed), true
	}
	return "", false
}

// collect drains errs.
func collect(errs <-chan error) []error {
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}

// Close releases the database.
func (m *Main) Close() error {
	if m.DB == nil {
		return nil
	}
	return m.DB.Close()
}

// registerAdmin adds the admin subcommands that belong to no ritual.
func (m *Main) registerAdmin() {
	m.Bot.Register(bot.Subcommand{
		Name:    "status",
		Usage:   "status",
		Summary: "what is scheduled next and what is waiting to be sent",
		Admin:   true,
		Run: func(ctx context.Context, cmd bot.Command) (bot.Reply, error) {
			stats, err := m.DB.Stats()
			if err != nil {
				return bot.Reply{}, err
			}
			return bot.Reply{Text: formatOutboxStats(stats, m.Now()) + upcomingInSlack(m.Scheduler.NextRuns(m.Now(), 5), m.Config.Location())}, nil
		},
	})
	m.Bot.AddHomeText("For admins", func(_ context.Context, _ string, admin bool) (string, error) { return m.adminHome(admin) })
}

// adminHome shows admins what is scheduled and what is waiting to be delivered.
func (m *Main) adminHome(admin bool) (string, error) {
	if !admin {
		return "", nil
	}
	stats, err := m.DB.Stats()
	if err != nil {
		return "", err
	}
	return formatOutboxStats(stats, m.Now()) + upcomingInSlack(m.Scheduler.NextRuns(m.Now(), 5), m.Config.Location()), nil
}
