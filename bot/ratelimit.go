package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

// Limits are the Slack rate limits the bot respects up front.
type Limits struct {
	// Scale divides every window: 1 is Slack's real limits; the emulator's time scale in tests.
	Scale float64
}

// SlackLimits are Slack's published limits.
func SlackLimits() Limits { return Limits{Scale: 1} }

// perMinute is each method's tier: Tier 1 1/min, Tier 2 20/min, Tier 3 50/min, Tier 4 100/min.
var perMinute = map[string]float64{
	"conversations.open":    50,
	"conversations.history": 50,
	"conversations.replies": 50,
	"conversations.info":    50,
	"chat.update":           50,
	"reactions.add":         50,
	"conversations.members": 100,
	"users.info":            100,
	"chat.postEphemeral":    100,
	"views.publish":         100,
	"views.open":            100,
	"views.update":          100,
	"users.list":            20,
	"usergroups.list":       20,

	"files.getUploadURLExternal":   100,
	"files.completeUploadExternal": 100,
}

// Slack documents tiers as "N+ per minute" with bursts tolerated; a method may spend its minute's
// quota at once. chat.postMessage allows about one message per second per channel with short
// bursts, and a workspace-wide limit of several hundred a minute.
const (
	postPerChannelPerMinute = 60
	postPerChannelBurst     = 3
	postWorkspacePerMinute  = 600
)

// limiter waits before calls so that Slack rarely has to say 429, and pauses a method when it does.
type limiter struct {
	scale float64

	mu       sync.Mutex
	methods  map[string]*rate.Limiter
	channels map[string]*channelLimiter
	paused   map[string]time.Time
}

type channelLimiter struct {
	*rate.Limiter
	lastUsed time.Time
}

func newLimiter(l Limits) *limiter {
	if l.Scale <= 0 {
		l.Scale = 1
	}
	return &limiter{scale: l.Scale, methods: map[string]*rate.Limiter{}, channels: map[string]*channelLimiter{}, paused: map[string]time.Time{}}
}

// wait blocks until method may be called (in channel, for chat.postMessage).
func (l *limiter) wait(ctx context.Context, method, channel string) error {
	if err := l.waitPause(ctx, method); err != nil {
		return err
	}
	if method == "chat.postMessage" {
		l.mu.Lock()
		workspace := l.methodLimiter(method, postWorkspacePerMinute)
		l.mu.Unlock()
		if err := workspace.Wait(ctx); err != nil {
			return err
		}
	}
	lim := l.limiterFor(method, channel)
	if lim == nil {
		return nil
	}
	return lim.Wait(ctx)
}

func (l *limiter) limiterFor(method, channel string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if method == "chat.postMessage" {
		now := time.Now()
		c, ok := l.channels[channel]
		if !ok {
			l.pruneChannels(now)
			c = &channelLimiter{Limiter: rate.NewLimiter(rate.Limit(postPerChannelPerMinute/60.0*l.scale), postPerChannelBurst)}
			l.channels[channel] = c
		}
		c.lastUsed = now
		return c.Limiter
	}
	per, ok := perMinute[method]
	if !ok {
		return nil
	}
	return l.methodLimiter(method, per)
}

func (l *limiter) methodLimiter(method string, perMinute float64) *rate.Limiter {
	lim, ok := l.methods[method]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(perMinute/60*l.scale), int(perMinute))
		l.methods[method] = lim
	}
	return lim
}

// channelDelay is how long chat.postMessage in channel would wait now, so the worker can serve
// other conversations meanwhile instead of blocking on one.
func (l *limiter) channelDelay(channel string) time.Duration {
	l.mu.Lock()
	c, ok := l.channels[channel]
	l.mu.Unlock()
	if !ok {
		return 0
	}
	tokens := c.TokensAt(time.Now())
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(c.Limit()) * float64(time.Second))
}

// pruneChannels forgets conversations idle for a minute, so the map stays small.
func (l *limiter) pruneChannels(now time.Time) {
	if len(l.channels) < 1024 {
		return
	}
	for id, c := range l.channels {
		if now.Sub(c.lastUsed) > time.Minute {
			delete(l.channels, id)
		}
	}
}

func (l *limiter) waitPause(ctx context.Context, method string) error {
	l.mu.Lock()
	until := l.paused[method]
	l.mu.Unlock()
	d := time.Until(until)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// observe pauses method for Retry-After when Slack answered 429.
func (l *limiter) observe(method string, err error) {
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if until := now.Add(rl.RetryAfter); until.After(l.paused[method]) {
		l.paused[method] = until
	}
	// Slack's bucket is empty: ours must not believe otherwise after the pause.
	if lim, ok := l.methods[method]; ok {
		if tokens := int(lim.TokensAt(now)); tokens > 0 {
			lim.ReserveN(now, tokens)
		}
	}
}
