// Package bot is ritualbot's Slack edge: the Socket Mode loop, routing of commands, buttons, modals
// and events to small handlers, Block Kit rendering, and delivery of the outbox.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// Options configure a Bot.
type Options struct {
	// Command is the slash command, e.g. "/ritual".
	Command string
	// About says in one sentence which rituals run here, for the help and the Home tab.
	About string
	// AboutNow, when set, replaces About: the rituals change while the bot runs.
	AboutNow func() string
	// IsAdmin reports whether a user may run admin subcommands.
	IsAdmin func(userID string) bool
	// Workers bounds how many commands, button presses and events are handled at once, 0 meaning
	// 8; four times as many may wait. Modal submissions have a lane of their own.
	Workers int
	// Logger receives the bot's log lines.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Metrics counts envelopes and acks; nil counts nothing.
	Metrics *Metrics
	// Location is the configuration's time zone, for the fallback of dates (see When); nil means UTC.
	Location *time.Location
}

// socketClient is the part of slack-go's socketmode.Client the loop uses.
type socketClient interface {
	RunContext(ctx context.Context) error
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

// Bot receives Socket Mode envelopes, acknowledges them at once and handles them on a bounded pool.
type Bot struct {
	opts   Options
	log    *slog.Logger
	api    slackAPI
	socket socketClient
	events <-chan socketmode.Event

	commands map[string]*Subcommand
	order    []string
	actions  map[string]ActionHandler
	views    map[string]ViewHandler
	home     []HomeSection
	messages []MessageHandler

	// shared is the queue of commands, button presses and events; submissions is the lane of modal
	// submissions, whose answer travels in the ack. Run makes both.
	shared      chan func(context.Context)
	submissions chan func(context.Context)

	// submissionBudget is how long a submission's handler may run before the form is answered
	// without it (submissionBudget the constant, shorter in tests).
	submissionBudget time.Duration

	seen      *eventIDs
	connected atomic.Bool
	lastEnvAt atomic.Int64
	// downSince is when the connection was last lost (unix nanoseconds), 0 while connected.
	downSince atomic.Int64
}

// New builds a bot on a slack-go client and its Socket Mode client.
func New(api *slack.Client, socket *socketmode.Client, opts Options) *Bot {
	return newBot(newWebAPI(api), socket, socket.Events, opts)
}

func newBot(api slackAPI, socket socketClient, events <-chan socketmode.Event, opts Options) *Bot {
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.About == "" {
		opts.About = "I run small rituals that keep a remote team close."
	}
	if opts.IsAdmin == nil {
		opts.IsAdmin = func(string) bool { return false }
	}
	b := &Bot{
		opts:     opts,
		log:      opts.Logger.With("component", "bot"),
		api:      api,
		socket:   socket,
		events:   events,
		commands: map[string]*Subcommand{},
		actions:  map[string]ActionHandler{},
		views:    map[string]ViewHandler{},
		seen:     newEventIDs(10000, time.Hour),

		submissionBudget: submissionBudget,
	}
	b.downSince.Store(opts.Now().UnixNano())
	b.registerCore()
	return b
}

// Connected reports whether the Socket Mode connection is up.
func (b *Bot) Connected() bool { return b.connected.Load() }

// DownFor is how long the connection has been down (zero while connected).
func (b *Bot) DownFor() time.Duration {
	if since := b.downSince.Load(); since != 0 && !b.connected.Load() {
		return b.opts.Now().Sub(time.Unix(0, since))
	}
	return 0
}

// setConnected records the connection state and when it was lost.
func (b *Bot) setConnected(up bool) {
	was := b.connected.Swap(up)
	switch {
	case up:
		b.downSince.Store(0)
	case was || b.downSince.Load() == 0:
		b.downSince.Store(b.opts.Now().UnixNano())
	}
}

// LastEnvelope is when the last envelope arrived (zero if none).
func (b *Bot) LastEnvelope() time.Time {
	if ns := b.lastEnvAt.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// ackTimeout bounds one ack write; Slack wants acks within 3 s.
const ackTimeout = 2 * time.Second

// drainTimeout bounds how long in-flight work may take after shutdown begins.
const drainTimeout = 15 * time.Second

// ErrInvalidAuth is returned by Run when Slack refuses the app token.
var ErrInvalidAuth = errors.New("slack refused the app-level token (SLACK_APP_TOKEN): check it is an xapp- token with connections:write")

// Run connects over Socket Mode and handles envelopes until ctx is cancelled, then finishes the
// work in flight before returning.
func (b *Bot) Run(ctx context.Context) error {
	socketCtx, stopSocket := context.WithCancel(ctx)
	defer stopSocket()
	socketErr := make(chan error, 1)
	go func() { socketErr <- b.socket.RunContext(socketCtx) }()

	// Work after shutdown begins gets a fresh deadline, so in-flight handlers can finish.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	b.shared = make(chan func(context.Context), b.opts.Workers*4)
	b.submissions = make(chan func(context.Context), submissionQueue)
	var workers sync.WaitGroup
	for lane, n := range map[chan func(context.Context)]int{b.shared: b.opts.Workers, b.submissions: submissionWorkers} {
		for range n {
			workers.Go(func() {
				for job := range lane {
					b.safely(workCtx, job)
				}
			})
		}
	}
	finish := func() {
		close(b.shared)
		close(b.submissions)
		done := make(chan struct{})
		go func() { workers.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(drainTimeout):
			b.log.Warn("shutdown: in-flight work did not finish in time", "waited", drainTimeout)
			cancelWork()
			<-done
		}
		b.setConnected(false)
	}

	for {
		select {
		case <-ctx.Done():
			finish()
			return nil
		case err := <-socketErr:
			finish()
			if ctx.Err() != nil {
				return nil
			}
			if err != nil && (err.Error() == "invalid_auth" || err.Error() == "not_authed" || err.Error() == "token_revoked") {
				return ErrInvalidAuth
			}
			return fmt.Errorf("socket mode: %w", err)
		case evt, ok := <-b.events:
			if !ok {
				finish()
				return nil
			}
			b.receive(ctx, evt)
		}
	}
}

// safely runs one job, turning a panic into a log line.
func (b *Bot) safely(ctx context.Context, job func(context.Context)) {
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("handler panicked", "panic", r)
		}
	}()
	job(ctx)
}

// receive acknowledges evt and queues the work it implies, if any. It never waits for a handler
// nor for room in a queue: an envelope that finds its lane full is refused in a way Slack shows
// the person (or retries), so the loop always reads the next one in time.
func (b *Bot) receive(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.log.Debug("connecting to Slack")
		return
	case socketmode.EventTypeConnected:
		b.setConnected(true)
		b.log.Info("connected to Slack")
		return
	case socketmode.EventTypeConnectionError:
		b.setConnected(false)
		if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			b.log.Warn("connection to Slack failed; retrying", "attempt", e.Attempt, "backoff", e.Backoff, "err", e.Error())
		}
		return
	case socketmode.EventTypeInvalidAuth:
		b.setConnected(false)
		b.log.Error("Slack refused the app token")
		return
	case socketmode.EventTypeHello:
		b.setConnected(true)
		return
	case socketmode.EventTypeDisconnect:
		b.setConnected(false)
		reason := ""
		if evt.Request != nil {
			reason = evt.Request.Reason
		}
		if reason == "link_disabled" {
			b.log.Error("Slack disabled Socket Mode for this app; turn it back on in the app settings", "reason", reason)
		} else {
			b.log.Info("Slack asked us to reconnect", "reason", reason)
		}
		return
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		b.log.Warn("socket mode error", "type", string(evt.Type))
		return
	case socketmode.EventTypeErrorBadMessage:
		b.ackBadMessage(ctx, evt)
		return
	}
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		b.log.Debug("ignoring socket event without envelope", "type", string(evt.Type))
		return
	}
	b.lastEnvAt.Store(b.opts.Now().UnixNano())
	if b.opts.Metrics != nil {
		b.opts.Metrics.Envelopes.WithLabelValues(string(evt.Type)).Inc()
	}
	req := evt.Request
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			b.ack(ctx, req.EnvelopeID, nil)
			return
		}
		if !b.enqueue(ctx, req.EnvelopeID, "slash command", func(ctx context.Context) { b.handleCommand(ctx, cmd) }) {
			// The ack itself carries the answer: Slack shows it to the person alone.
			b.ack(ctx, req.EnvelopeID, map[string]string{"response_type": slack.ResponseTypeEphemeral, "text": busyText})
		}
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			b.ack(ctx, req.EnvelopeID, nil)
			return
		}
		switch cb.Type {
		case slack.InteractionTypeViewSubmission:
			b.receiveSubmission(ctx, req.EnvelopeID, cb)
		case slack.InteractionTypeBlockActions:
			// Refused, the press stays unacknowledged: Slack shows the person its own error.
			b.enqueue(ctx, req.EnvelopeID, "button press", func(ctx context.Context) { b.handleBlockActions(ctx, cb) })
		default:
			// Not logged: like a press, a closed modal and its time could date an anonymous answer.
			b.ack(ctx, req.EnvelopeID, nil)
		}
	case socketmode.EventTypeEventsAPI:
		outer, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			b.ack(ctx, req.EnvelopeID, nil)
			return
		}
		id := eventID(req.Payload)
		if id != "" && !b.seen.firstTime(id, b.opts.Now()) {
			b.ack(ctx, req.EnvelopeID, nil)
			b.log.Debug("dropping redelivered event", "retry_attempt", req.RetryAttempt, "retry_reason", req.RetryReason)
			return
		}
		if !b.enqueue(ctx, req.EnvelopeID, "event", func(ctx context.Context) { b.handleEvent(ctx, outer) }) {
			// Unacknowledged, the event comes again a few seconds later as a retry: let it in then.
			b.seen.forget(id)
		}
	default:
		b.ack(ctx, req.EnvelopeID, nil)
		b.log.Debug("acknowledged unhandled envelope", "type", string(evt.Type))
	}
}

// busyText answers a slash command when every worker is busy and the queue behind them is full.
const busyText = "I'm handling a lot at the moment and could not take this on; please try again in a minute."

// enqueue queues job on the shared lane and acknowledges its envelope; when the lane is full it
// leaves the envelope unacknowledged and reports false.
func (b *Bot) enqueue(ctx context.Context, envelopeID, kind string, job func(context.Context)) bool {
	if !offer(b.shared, job) {
		b.overloaded(kind)
		return false
	}
	b.ack(ctx, envelopeID, nil)
	return true
}

// offer queues job on lane if there is room, without waiting.
func offer(lane chan<- func(context.Context), job func(context.Context)) bool {
	select {
	case lane <- job:
		return true
	default:
		return false
	}
}

// overloaded records that an envelope of this kind found its lane full.
func (b *Bot) overloaded(kind string) {
	b.log.Warn("too busy: refused an envelope", "kind", kind)
	if b.opts.Metrics != nil {
		b.opts.Metrics.Refused.WithLabelValues(kind).Inc()
	}
}

// ack acknowledges one envelope, optionally with a response payload.
func (b *Bot) ack(ctx context.Context, envelopeID string, payload any) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	if err := b.socket.AckCtx(ctx, envelopeID, payload); err != nil {
		b.log.Warn("ack failed", "err", err)
	}
	if b.opts.Metrics != nil {
		b.opts.Metrics.AckSeconds.Observe(time.Since(start).Seconds())
	}
}

// ackBadMessage acknowledges an envelope slack-go could not parse, so Slack does not redeliver it.
func (b *Bot) ackBadMessage(ctx context.Context, evt socketmode.Event) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		return
	}
	var envelope struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	if err := json.Unmarshal(bad.Message, &envelope); err != nil || envelope.EnvelopeID == "" {
		b.log.Warn("received a malformed socket message", "bytes", len(bad.Message))
		return
	}
	b.ack(ctx, envelope.EnvelopeID, nil)
	b.log.Warn("acknowledged an envelope slack-go could not parse", "type", envelope.Type)
}

// eventID extracts event_id from an events_api payload.
func eventID(payload json.RawMessage) string {
	var p struct {
		EventID string `json:"event_id"`
	}
	_ = json.Unmarshal(payload, &p)
	return p.EventID
}

// eventIDs remembers recently seen event ids, bounded in count and age.
type eventIDs struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	seen  map[string]time.Time
	order []string
}

func newEventIDs(max int, ttl time.Duration) *eventIDs {
	return &eventIDs{max: max, ttl: ttl, seen: map[string]time.Time{}}
}

// forget drops id, so its next delivery counts as the first.
func (e *eventIDs) forget(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.seen[id]; !ok {
		return
	}
	delete(e.seen, id)
	if i := slices.Index(e.order, id); i >= 0 {
		e.order = slices.Delete(e.order, i, i+1)
	}
}

// firstTime records id and reports whether it was new.
func (e *eventIDs) firstTime(id string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(e.order) > 0 && (len(e.order) >= e.max || now.Sub(e.seen[e.order[0]]) > e.ttl) {
		delete(e.seen, e.order[0])
		e.order = e.order[1:]
	}
	if _, dup := e.seen[id]; dup {
		return false
	}
	e.seen[id] = now
	e.order = append(e.order, id)
	return true
}
