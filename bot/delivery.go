package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
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
	// GiveUpAfter bounds the retries of a message whose tries keep failing: once its first failure
	// is this old (and it failed at least minFailures times), it is recorded as failed for good.
	// So one stuck message holds up its conversation, and a feedback prompt waiting for all its
	// DMs, at most this long (plus one backoff). Rate limiting (HTTP 429) is pacing, not failure:
	// it is waited out and not counted. 0 means DefaultGiveUpAfter.
	GiveUpAfter time.Duration
	// ReadDMs says that the app may read one-person DMs (the im:history scope). Without it a DM
	// is not looked for in Slack before a retry, or after a crash or a restore: it is delivered at
	// least once, and may arrive twice.
	ReadDMs bool
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
	until time.Time
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
	if opts.GiveUpAfter <= 0 {
		opts.GiveUpAfter = DefaultGiveUpAfter
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
				if done, err = d.failed(item, err); err != nil {
					return progressed, paced, err
				}
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

// finalError is a failure no retry can change: the item is recorded as failed at once.
type finalError struct{ reason string }

func (e finalError) Error() string { return e.reason }

// deliver sends one item. It returns done=false without error when the item must wait (its thread
// parent is not delivered yet); an error is final (see finalReason) or worth retrying.
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
			return false, finalError{"its thread's first message failed: " + reason}
		}
		channel, threadTS = parent.Channel, parent.TS
	}
	// An earlier attempt (or, after a restore, the bot that ran on after the backup) may have
	// reached Slack without this database knowing: look for it first, where the bot may read.
	check := item.Attempts > 0 && d.canRead(item, cmp.Or(channel, item.Channel, item.To.Channel))
	if channel == "" {
		var err error
		if channel, err = d.resolve(ctx, item, check); err != nil {
			return false, err
		}
	}
	render, ok := d.renderers[item.Kind]
	if !ok {
		return false, finalError{"no renderer for kind " + item.Kind}
	}
	content, err := render(item.Message)
	if err != nil {
		return false, fmt.Errorf("render: %w", err)
	}
	var sent map[string]string
	if check {
		if sent, err = d.findSent(ctx, item, channel, threadTS, item.Key); err != nil {
			return false, err
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
			return false, err
		}
		postTo, ts = gotChannel, gotTS
	}
	// Parts that did not fit in one message continue in its thread, in order.
	if len(content.Thread) > 0 {
		parent := ts
		if threadTS != "" {
			parent = threadTS
		}
		if check && threadTS == "" {
			if sent, err = d.findSent(ctx, item, postTo, parent, ""); err != nil {
				return false, err
			}
		}
		for i, part := range content.Thread {
			key := partKey(item.Key, i+1)
			if _, ok := sent[key]; ok {
				continue
			}
			if _, _, err := d.post(ctx, postTo, parent, key, part); err != nil {
				return false, err
			}
		}
	}
	if len(content.Files) > 0 {
		if err := d.uploadFiles(ctx, item, postTo, cmp.Or(threadTS, ts), content.Files, check); err != nil {
			return false, err
		}
	}
	d.clearBackoff(item.Key)
	d.count(item, "delivered")
	return true, d.outbox.Delivered(item.Key, rituals.Delivery{Channel: postTo, TS: ts, At: d.opts.Now()})
}

// canRead reports whether the bot may read the conversation item goes to (channel, when known):
// one-person DMs only with DeliveryOptions.ReadDMs.
func (d *Delivery) canRead(item rituals.OutboxItem, channel string) bool {
	if d.opts.ReadDMs {
		return true
	}
	return item.To.User == "" && !strings.HasPrefix(channel, "D")
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
// or "" for a one-person DM whose id is not known yet and not needed: to post, or to check (when
// check is set, the DM is opened to be read).
func (d *Delivery) resolve(ctx context.Context, item rituals.OutboxItem, check bool) (string, error) {
	switch {
	case item.Channel != "":
		return item.Channel, nil
	case item.To.Channel != "":
		return item.To.Channel, nil
	case item.To.User != "":
		if !check {
			return "", nil // posting to the person's id needs no open DM
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

// maxCheckPages bounds how many pages (of checkPageSize messages) the look for an earlier copy
// reads in one conversation.
const (
	maxCheckPages = 10
	checkPageSize = 200
)

// checkMargin is how much earlier than item.CheckFrom the look starts: Slack's servers stamp
// messages with clocks that may differ a little.
const checkMargin = time.Minute

// findSent returns the outbox keys (and ts) of the bot's messages in channel since item.CheckFrom
// (a time on Slack's clock, so the bot's own clock plays no part): in the thread of threadTS when
// set, else the channel's history, newest first. It stops early once want (when set) is found,
// and after maxCheckPages pages. A conversation the app has no scope to read cannot be checked: the
// message is then sent (at least once), and the operator warned.
func (d *Delivery) findSent(ctx context.Context, item rituals.OutboxItem, channel, threadTS, want string) (map[string]string, error) {
	var oldest string
	if !item.CheckFrom.IsZero() {
		oldest = slackTS(item.CheckFrom.Add(-checkMargin))
	}
	found := map[string]string{}
	cursor := ""
	for range maxCheckPages {
		msgs, next, err := d.readPage(ctx, channel, threadTS, oldest, cursor)
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && se.Err == "missing_scope" {
			d.log.Warn("cannot read this conversation to check for a copy sent before; sending it (it may arrive twice)",
				"key", item.Key, "ritual", item.Ritual, "err", se.Err)
			return found, nil
		}
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Metadata.EventType == metadataEventType {
				found[fmt.Sprint(m.Metadata.EventPayload["key"])] = m.Timestamp
			}
		}
		if _, ok := found[want]; (ok && want != "") || next == "" {
			return found, nil
		}
		cursor = next
	}
	d.log.Warn("looked back as far as allowed for a copy sent before without reaching the first attempt; sending it",
		"key", item.Key, "ritual", item.Ritual, "pages", maxCheckPages)
	return found, nil
}

// readPage reads one page of a thread (threadTS set) or a conversation's history.
func (d *Delivery) readPage(ctx context.Context, channel, threadTS, oldest, cursor string) ([]slack.Message, string, error) {
	if threadTS != "" {
		if err := d.limits.wait(ctx, "conversations.replies", ""); err != nil {
			return nil, "", err
		}
		msgs, _, next, err := d.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: threadTS, Oldest: oldest, Cursor: cursor, Limit: checkPageSize, IncludeAllMetadata: true,
		})
		d.limits.observe("conversations.replies", err)
		return msgs, next, err
	}
	if err := d.limits.wait(ctx, "conversations.history", ""); err != nil {
		return nil, "", err
	}
	resp, err := d.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: channel, Oldest: oldest, Cursor: cursor, Limit: checkPageSize, IncludeAllMetadata: true,
	})
	d.limits.observe("conversations.history", err)
	if err != nil {
		return nil, "", err
	}
	return resp.Messages, resp.ResponseMetaData.NextCursor, nil
}

// slackTS formats t as a Slack timestamp.
func slackTS(t time.Time) string {
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1e3)
}

// finalErrors are Slack answers (to chat.postMessage, conversations.open, .history and .replies)
// that no retry can change. Anything else, known or not, is retried up to the cap.
var finalErrors = map[string]bool{
	// the conversation or person
	"channel_not_found": true, "user_not_found": true, "users_not_found": true, "user_not_visible": true,
	"is_archived": true, "not_in_channel": true, "cannot_dm_bot": true, "user_disabled": true,
	"user_is_restricted": true, "invalid_user_combination": true, "too_many_users": true,
	"not_enough_users": true, "users_list_not_supplied": true, "method_not_supported_for_channel_type": true,
	"thread_not_found": true, "cannot_reply_to_message": true, "messages_tab_disabled": true,
	"restricted_action": true, "restricted_action_read_only_channel": true, "restricted_action_thread_only_channel": true,
	"restricted_action_non_threadable_channel": true, "restricted_action_thread_locked": true,
	"team_access_not_granted": true, "ekm_access_denied": true, "no_permission": true, "access_denied": true,
	// the message itself
	"invalid_blocks": true, "invalid_blocks_format": true, "invalid_arguments": true, "msg_too_long": true,
	"msg_blocks_too_long": true, "no_text": true, "too_many_attachments": true, "invalid_metadata_format": true,
	"invalid_metadata_schema": true, "metadata_too_large": true, "message_limit_exceeded": true,
	"invalid_ts_latest": true, "invalid_ts_oldest": true, "invalid_cursor": true,
	// the request or the app
	"invalid_arg_name": true, "invalid_array_arg": true, "invalid_charset": true, "invalid_form_data": true,
	"invalid_post_type": true, "missing_post_type": true, "invalid_json": true, "json_not_object": true,
	"upgrade_required": true, "method_deprecated": true, "deprecated_endpoint": true,
	"missing_scope": true, "not_allowed_token_type": true, "not_authed": true, "invalid_auth": true,
	"account_inactive": true, "token_revoked": true, "token_expired": true, "org_login_required": true,
}

// DefaultGiveUpAfter is how long a message's tries may keep failing before it is given up.
const DefaultGiveUpAfter = 30 * time.Minute

// minFailures is the least number of failed tries before a message is given up.
const minFailures = 3

// failed handles an error from deliver: final errors fail the item at once; others are retried
// after a backoff, and counted toward the cap unless Slack only asked to slow down (429). It
// returns done=true when the item is now failed for good, and an error only when the outbox could
// not record it.
func (d *Delivery) failed(item rituals.OutboxItem, err error) (bool, error) {
	if reason, final := finalReason(err); final {
		d.log.Warn("message cannot be delivered", "key", item.Key, "ritual", item.Ritual, "error", reason)
		return true, d.giveUp(item, reason)
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		d.retryLater(item, err, 0)
		return false, nil
	}
	updated, rerr := d.outbox.Retry(item.Key, err.Error(), d.opts.Now())
	if rerr != nil {
		d.retryLater(item, err, item.Failures+1)
		return false, rerr
	}
	if since := d.opts.Now().Sub(updated.FirstFailure); updated.Failures >= minFailures && since >= d.opts.GiveUpAfter {
		reason := fmt.Sprintf("gave up after %d failed tries over %s: %v", updated.Failures, since.Round(time.Second), err)
		d.log.Warn("message cannot be delivered", "key", item.Key, "ritual", item.Ritual, "error", reason)
		return true, d.giveUp(item, reason)
	}
	d.retryLater(item, err, updated.Failures)
	return false, nil
}

// giveUp records item as failed for good.
func (d *Delivery) giveUp(item rituals.OutboxItem, reason string) error {
	d.clearBackoff(item.Key)
	d.count(item, "failed")
	return d.outbox.Fail(item.Key, reason, d.opts.Now())
}

// finalReason says whether err is final, and why.
func finalReason(err error) (string, bool) {
	var fe finalError
	if errors.As(err, &fe) {
		return fe.reason, true
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && finalErrors[se.Err] {
		return se.Err, true
	}
	return "", false
}

// due reports whether key's backoff (if any) has passed.
func (d *Delivery) due(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.backoff[key]
	return !ok || !d.opts.Now().Before(b.until)
}

// retryLater schedules item's next try: Retry-After for a 429, else capped exponential backoff
// with jitter after its failures-th failure.
func (d *Delivery) retryLater(item rituals.OutboxItem, err error, failures int) {
	var wait time.Duration
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		wait = rl.RetryAfter
	} else {
		base := time.Second << min(max(failures, 1)-1, 10)
		wait = min(base, d.opts.MaxBackoff)
		wait = wait/2 + rand.N(wait/2+1)
	}
	d.mu.Lock()
	d.backoff[item.Key] = backoffState{until: d.opts.Now().Add(wait)}
	d.mu.Unlock()
	level := slog.LevelInfo
	if !isTransient(err) {
		level = slog.LevelWarn
	}
	d.log.Log(context.Background(), level, "delivery will be retried", "key", item.Key, "failures", failures, "in", wait.Round(time.Millisecond), "err", err)
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
