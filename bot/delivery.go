package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/rituals"
)

// metadataEventType marks every message the bot sends, so a resend after a crash can be avoided.
const metadataEventType = "ritualbot_outbox"

// Rendered is a message ready for Slack.
type Rendered struct {
	Text   string
	Blocks []slack.Block
	// Thread continues a message too long for one: each part is posted in its thread, in order.
	Thread []Rendered
	// Files are uploaded after the message, in its thread (bot/upload.go).
	Files []File `json:",omitempty"`
}

// Renderer turns one kind of domain message into Slack content.
type Renderer func(m rituals.Message) (Rendered, error)

// DeliveryOptions tune a Delivery.
type DeliveryOptions struct {
	// Limits are the rate limits assumed up front; zero value means Slack's published tiers.
	Limits Limits
	// Logger receives progress and failures.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Poll is how often the outbox is read when nobody calls Wake; 0 means 5s.
	Poll time.Duration
	// ProgressEvery is how often a long delivery logs its progress; 0 means 30s.
	ProgressEvery time.Duration
	// MaxBackoff caps the wait after a server or network error; 0 means 1 minute.
	MaxBackoff time.Duration
	// Metrics counts deliveries; nil counts nothing.
	Metrics *Metrics
}

// Delivery drains the outbox into Slack within its rate limits, once per message even across crashes.
type Delivery struct {
	api       slackAPI
	outbox    rituals.Outbox
	renderers map[string]Renderer
	limits    *limiter
	opts      DeliveryOptions
	log       *slog.Logger
	wake      [laneCount]chan struct{}

	mu       sync.Mutex
	backoff  map[string]backoffState // by outbox key
	progress progress
	up       uploads
}

type backoffState struct {
	failures int
	until    time.Time
}

// NewDelivery builds a delivery worker on a slack-go client.
func NewDelivery(api *slack.Client, outbox rituals.Outbox, opts DeliveryOptions) *Delivery {
	return newDelivery(newWebAPI(api), outbox, opts)
}

func newDelivery(api slackAPI, outbox rituals.Outbox, opts DeliveryOptions) *Delivery {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Poll <= 0 {
		opts.Poll = 5 * time.Second
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 30 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = SlackLimits()
	}
	d := &Delivery{
		api:       api,
		outbox:    outbox,
		renderers: map[string]Renderer{},
		limits:    newLimiter(opts.Limits),
		opts:      opts,
		log:       opts.Logger.With("component", "delivery"),
		backoff:   map[string]backoffState{},
	}
	for l := range d.wake {
		d.wake[l] = make(chan struct{}, 1)
	}
	return d
}

// Render registers how messages of kind are rendered.
func (d *Delivery) Render(kind string, r Renderer) { d.renderers[kind] = r }

// Wake asks the worker to read the outbox now, after a run committed messages.
func (d *Delivery) Wake() {
	for _, w := range d.wake {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// deliveryBatch is how many items one pass reads.
const deliveryBatch = 200

// lane is a share of the outbox drained by its own worker, so that messages waiting on a slow
// method (opening group DMs, Tier 3) do not hold up the others.
type lane int

const (
	// laneDirect holds messages to channels and one-person DMs.
	laneDirect lane = iota
	// laneGroups holds messages to group DMs, which need conversations.open first.
	laneGroups
	laneCount
)

func laneOf(item rituals.OutboxItem) lane {
	if len(item.To.Group) > 0 {
		return laneGroups
	}
	return laneDirect
}

// Run delivers until ctx is cancelled, one worker per lane.
func (d *Delivery) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for l := range laneCount {
		wg.Go(func() { d.runLane(ctx, l) })
	}
	wg.Wait()
	return nil
}

func (d *Delivery) runLane(ctx context.Context, l lane) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.wake[l]:
		case <-timer.C:
		}
		progressed, paced, err := d.drainLane(ctx, l)
		if err != nil && ctx.Err() == nil {
			d.log.Error("reading the outbox failed", "err", err)
		}
		wait := d.opts.Poll
		if paced > 0 {
			wait = min(wait, paced)
		}
		if progressed {
			wait = 0
		} else if next := d.nextBackoff(); !next.IsZero() {
			wait = min(wait, max(0, next.Sub(d.opts.Now())))
		}
		timer.Reset(wait)
	}
}

// Drain makes one pass over the whole outbox, lanes in parallel, and reports whether anything was
// delivered or failed.
func (d *Delivery) Drain(ctx context.Context) (bool, error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var progressed bool
	var errs []error
	for l := range laneCount {
		wg.Go(func() {
			p, _, err := d.drainLane(ctx, l)
			mu.Lock()
			defer mu.Unlock()
			progressed = progressed || p
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	return progressed, errors.Join(errs...)
}

// drainLane makes one pass over the lane's items in order. A conversation that must wait for its
// rate limit is passed over for this pass, so one busy conversation never holds up the others;
// paced is the shortest such wait.
func (d *Delivery) drainLane(ctx context.Context, l lane) (progressed bool, paced time.Duration, err error) {
	var after uint64
	// A conversation whose earlier message is waiting keeps its later ones waiting too.
	blocked := map[string]bool{}
	for ctx.Err() == nil {
		items, err := d.outbox.Pending(after, deliveryBatch)
		if err != nil {
			return progressed, paced, err
		}
		if len(items) == 0 {
			break
		}
		for _, item := range items {
			after = item.Seq
			if ctx.Err() != nil {
				break
			}
			if laneOf(item) != l {
				continue
			}
			target := targetOf(item)
			if blocked[target] || !d.due(item.Key) {
				blocked[target] = true
				continue
			}
			if wait := d.limits.channelDelay(postTarget(item)); wait > 0 {
				blocked[target] = true
				if paced == 0 || wait < paced {
					paced = wait
				}
				continue
			}
			done, err := d.deliver(ctx, item)
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				d.retryLater(item, err)
				blocked[target] = true
				continue
			}
			if done {
				progressed = true
				d.tick(1)
			} else {
				blocked[target] = true
			}
		}
	}
	d.reportProgress(false)
	return progressed, paced, nil
}

// postTarget is the conversation key the per-channel limit uses for item, before it is sent.
func postTarget(item rituals.OutboxItem) string {
	switch {
	case item.Channel != "":
		return item.Channel
	case item.To.Channel != "":
		return item.To.Channel
	default:
		return item.To.User
	}
}

// targetOf names the conversation an item goes to, for ordering.
func targetOf(item rituals.OutboxItem) string {
	switch {
	case item.To.Channel != "":
		return item.To.Channel
	case item.To.User != "":
		return item.To.User
	default:
		return fmt.Sprint(item.To.Group)
	}
}

// deliver sends one item. It returns done=false without error when the item must wait (its thread
// parent is not delivered yet), and an error only for failures worth retrying.
func (d *Delivery) deliver(ctx context.Context, item rituals.OutboxItem) (bool, error) {
	var threadTS, channel string
	if item.ThreadOf != "" {
		parent, ok, err := d.outbox.Lookup(item.ThreadOf)
		if err != nil {
			return false, err
		}
		if !ok {
			// A reply whose thread never made it to Slack cannot be sent either.
			reason, failed, err := d.outbox.Failure(item.ThreadOf)
			if err != nil || !failed {
				return false, err
			}
			d.count(item, "failed")
			return true, d.outbox.Fail(item.Key, "its thread's first message failed: "+reason, d.opts.Now())
		}
		channel, threadTS = parent.Channel, parent.TS
	}
	if channel == "" {
		var err error
		if channel, err = d.resolve(ctx, item); err != nil {
			return d.failIfPermanent(item, err)
		}
	}
	render, ok := d.renderers[item.Kind]
	if !ok {
		d.count(item, "failed")
		return true, d.outbox.Fail(item.Key, "no renderer for kind "+item.Kind, d.opts.Now())
	}
	content, err := render(item.Message)
	if err != nil {
		d.count(item, "failed")
		return true, d.outbox.Fail(item.Key, "render: "+err.Error(), d.opts.Now())
	}
	// An earlier attempt may have reached Slack before we could record it: look for each part.
	var sent map[string]string
	if item.Attempts > 0 {
		if sent, err = d.findSent(ctx, item, channel, threadTS, ""); err != nil {
			return d.failIfPermanent(item, err)
		}
	}
	if err := d.outbox.BeginAttempt(item.Key, channel, d.opts.Now()); err != nil {
		return false, err
	}
	postTo := channel
	if postTo == "" {
		postTo = item.To.User // Slack posts to the bot's DM with this person
	}
	ts, found := sent[item.Key]
	if found {
		d.log.Info("message was already in Slack; not sending it again", "key", item.Key)
	} else {
		gotChannel, gotTS, err := d.post(ctx, postTo, threadTS, item.Key, content)
		if err != nil {
			return d.failIfPermanent(item, err)
		}
		postTo, ts = gotChannel, gotTS
	}
	// Parts that did not fit in one message continue in its thread, in order.
	if len(content.Thread) > 0 {
		parent := ts
		if threadTS != "" {
			parent = threadTS
		}
		if item.Attempts > 0 && threadTS == "" {
			if sent, err = d.findSent(ctx, item, postTo, parent, parent); err != nil {
				return d.failIfPermanent(item, err)
			}
		}
		for i, part := range content.Thread {
			key := partKey(item.Key, i+1)
			if _, ok := sent[key]; ok {
				continue
			}
			if _, _, err := d.post(ctx, postTo, parent, key, part); err != nil {
				return d.failIfPermanent(item, err)
			}
		}
	}
	if len(content.Files) > 0 {
		if err := d.uploadFiles(ctx, item, postTo, cmp.Or(threadTS, ts), content.Files); err != nil {
			return d.failIfPermanent(item, err)
		}
	}
	d.clearBackoff(item.Key)
	d.count(item, "delivered")
	return true, d.outbox.Delivered(item.Key, rituals.Delivery{Channel: postTo, TS: ts, At: d.opts.Now()})
}

// count adds one delivery outcome to the metrics.
func (d *Delivery) count(item rituals.OutboxItem, outcome string) {
	if d.opts.Metrics != nil {
		d.opts.Metrics.Deliveries.WithLabelValues(item.Ritual, outcome).Inc()
	}
}

// partKey names the n-th continuation of a message, for its metadata.
func partKey(key string, n int) string { return fmt.Sprintf("%s#%d", key, n) }

// post sends one message tagged with key, in threadTS's thread when set, within the limits.
func (d *Delivery) post(ctx context.Context, channel, threadTS, key string, content Rendered) (string, string, error) {
	opts := []slack.MsgOption{
		slack.MsgOptionText(content.Text, false),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: metadataEventType, EventPayload: map[string]any{"key": key}}),
	}
	if len(content.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(content.Blocks...))
	}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	if err := d.limits.wait(ctx, "chat.postMessage", channel); err != nil {
		return "", "", err
	}
	gotChannel, ts, err := d.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		d.limits.observe("chat.postMessage", err)
		return "", "", err
	}
	if gotChannel == "" {
		gotChannel = channel
	}
	return gotChannel, ts, nil
}

// resolve returns the conversation id for item: the channel, the group DM (opened now if needed),
// or "" for a one-person DM whose id is not known yet and not needed to post.
func (d *Delivery) resolve(ctx context.Context, item rituals.OutboxItem) (string, error) {
	switch {
	case item.Channel != "":
		return item.Channel, nil
	case item.To.Channel != "":
		return item.To.Channel, nil
	case item.To.User != "":
		if item.Attempts == 0 {
			return "", nil
		}
		return d.open(ctx, []string{item.To.User})
	default:
		return d.open(ctx, item.To.Group)
	}
}

// open opens (or finds) the DM or group DM with users.
func (d *Delivery) open(ctx context.Context, users []string) (string, error) {
	if err := d.limits.wait(ctx, "conversations.open", ""); err != nil {
		return "", err
	}
	ch, _, _, err := d.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: users, ReturnIM: true})
	if err != nil {
		d.limits.observe("conversations.open", err)
		return "", err
	}
	return ch.ID, nil
}

// findSent returns the outbox keys (and ts) of the bot's messages in channel since item's last
// attempt: in the thread of threadTS when set, else the channel's history. thread, when set, is a
// thread to read whatever threadTS says (a message's own continuation).
func (d *Delivery) findSent(ctx context.Context, item rituals.OutboxItem, channel, threadTS, thread string) (map[string]string, error) {
	oldest := strconv.FormatInt(item.LastAttempt.Add(-time.Minute).Unix(), 10) + ".000000"
	if thread != "" {
		threadTS = thread
	}
	var msgs []slack.Message
	if threadTS != "" {
		if err := d.limits.wait(ctx, "conversations.replies", ""); err != nil {
			return nil, err
		}
		replies, _, _, err := d.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: threadTS, Oldest: oldest, Limit: 200, IncludeAllMetadata: true,
		})
		if err != nil {
			d.limits.observe("conversations.replies", err)
			return nil, err
		}
		msgs = replies
	} else {
		if err := d.limits.wait(ctx, "conversations.history", ""); err != nil {
			return nil, err
		}
		resp, err := d.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channel, Oldest: oldest, Limit: 200, IncludeAllMetadata: true,
		})
		if err != nil {
			d.limits.observe("conversations.history", err)
			return nil, err
		}
		msgs = resp.Messages
	}
	found := map[string]string{}
	for _, m := range msgs {
		if m.Metadata.EventType == metadataEventType {
			found[fmt.Sprint(m.Metadata.EventPayload["key"])] = m.Timestamp
		}
	}
	return found, nil
}

// permanentErrors are Slack answers that no retry can change.
var permanentErrors = map[string]bool{
	"channel_not_found": true, "user_not_found": true, "is_archived": true, "not_in_channel": true,
	"cannot_dm_bot": true, "account_inactive": true, "user_disabled": true, "users_not_found": true,
	"invalid_blocks": true, "invalid_arguments": true, "msg_too_long": true, "no_text": true,
	"restricted_action": true, "missing_scope": true, "not_allowed_token_type": true, "invalid_auth": true,
	"too_many_users": true, "not_enough_users": true, "user_is_restricted": true, "method_deprecated": true,
	"invalid_metadata_format": true, "invalid_metadata_schema": true, "thread_not_found": true,
	"message_limit_exceeded": true, "invalid_ts_latest": true, "invalid_ts_oldest": true,
}

// failIfPermanent records a permanent error as a failure (done=true) and returns other errors to
// be retried later.
func (d *Delivery) failIfPermanent(item rituals.OutboxItem, err error) (bool, error) {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && permanentErrors[se.Err] {
		d.log.Warn("message cannot be delivered", "key", item.Key, "ritual", item.Ritual, "error", se.Err)
		d.clearBackoff(item.Key)
		d.count(item, "failed")
		return true, d.outbox.Fail(item.Key, se.Err, d.opts.Now())
	}
	return false, err
}

// due reports whether key's backoff (if any) has passed.
func (d *Delivery) due(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.backoff[key]
	return !ok || !d.opts.Now().Before(b.until)
}

// retryLater schedules item's next try: Retry-After for a 429, capped exponential backoff with
// jitter for server and network errors.
func (d *Delivery) retryLater(item rituals.OutboxItem, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := d.backoff[item.Key]
	b.failures++
	var wait time.Duration
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		wait = rl.RetryAfter
	} else {
		base := time.Second << min(b.failures-1, 10)
		wait = min(base, d.opts.MaxBackoff)
		wait = wait/2 + rand.N(wait/2+1)
	}
	b.until = d.opts.Now().Add(wait)
	d.backoff[item.Key] = b
	level := slog.LevelInfo
	if !isTransient(err) {
		level = slog.LevelWarn
	}
	d.log.Log(context.Background(), level, "delivery will be retried", "key", item.Key, "failures", b.failures, "in", wait.Round(time.Millisecond), "err", err)
}

// isTransient reports errors expected to pass: rate limits, 5xx, network trouble.
func isTransient(err error) bool {
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	var ne net.Error
	return errors.As(err, &rl) || (errors.As(err, &sc) && sc.Code >= 500) || errors.As(err, &ne)
}

func (d *Delivery) clearBackoff(key string) {
	d.mu.Lock()
	delete(d.backoff, key)
	d.mu.Unlock()
}

// nextBackoff is the earliest time a backed-off item becomes due, or zero.
func (d *Delivery) nextBackoff() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	var next time.Time
	for _, b := range d.backoff {
		if next.IsZero() || b.until.Before(next) {
			next = b.until
		}
	}
	return next
}

// progress tracks a long delivery for its log lines.
type progress struct {
	started  time.Time
	done     int
	lastLog  time.Time
	inFlight bool
}

func (d *Delivery) tick(n int) {
	d.mu.Lock()
	if !d.progress.inFlight {
		d.progress = progress{started: d.opts.Now(), lastLog: d.opts.Now(), inFlight: true}
	}
	d.progress.done += n
	due := d.opts.Now().Sub(d.progress.lastLog) >= d.opts.ProgressEvery
	d.mu.Unlock()
	if due {
		d.reportProgress(true)
	}
}

// reportProgress logs done/total and the estimated time left; at the end of a delivery (nothing
// pending) it logs the total once.
func (d *Delivery) reportProgress(force bool) {
	d.mu.Lock()
	p := d.progress
	d.mu.Unlock()
	if !p.inFlight {
		return
	}
	stats, err := d.outbox.Stats()
	if err != nil {
		return
	}
	now := d.opts.Now()
	elapsed := now.Sub(p.started)
	if stats.Pending == 0 {
		d.log.Info("delivery finished", "delivered", p.done, "took", elapsed.Round(time.Millisecond), "failed_total", stats.Failed)
		d.mu.Lock()
		d.progress = progress{}
		d.mu.Unlock()
		return
	}
	if !force {
		return
	}
	var eta time.Duration
	if p.done > 0 {
		eta = time.Duration(float64(elapsed) / float64(p.done) * float64(stats.Pending))
	}
	d.log.Info("delivering", "done", p.done, "total", p.done+stats.Pending, "eta", eta.Round(time.Second))
	d.mu.Lock()
	d.progress.lastLog = now
	d.mu.Unlock()
}
