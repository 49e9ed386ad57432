package slackfake

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Limit is the rate limit the server enforces for one Web API method, in
// nominal (unscaled) terms. Limits are per method per workspace; methods with
// PerChannel set are also limited per channel. Buckets start full: a client
// may spend Burst calls at once, then PerMinute per minute.
type Limit struct {
	Method     string
	Tier       string  // "Tier1".."Tier4", or "Special"
	PerMinute  float64 // sustained rate
	Burst      int     // bucket capacity
	PerChannel bool    // PerMinute/Burst apply per channel (chat.postMessage)
	// WorkspacePerMinute and WorkspaceBurst bound a PerChannel method across
	// all channels; zero means no workspace-wide bound.
	WorkspacePerMinute float64
	WorkspaceBurst     int
}

// tierLimits gives each tier its nominal rate and burst. Slack documents the
// rates as "N+ per minute" with bursts tolerated; the emulator lets a full
// minute's quota go at once (Tier1: 3, "a small amount of burst").
var tierLimits = map[string]struct {
	perMinute float64
	burst     int
}{
	"Tier1": {1, 3},
	"Tier2": {20, 20},
	"Tier3": {50, 50},
	"Tier4": {100, 100},
}

// Chat.postMessage: Slack documents about one message per second per channel
// with short bursts, plus an unpublished workspace-wide limit of "several
// hundred messages per minute"; the emulator uses 600/min for the latter.
const (
	postMessagePerChannelBurst = 3
	postMessageWorkspacePerMin = 600
)

// LimitFor returns the limit of a method. Methods missing from the tier list,
// and special tiers other than chat.postMessage, are treated as Tier4.
func LimitFor(method string) Limit {
	tier := "Tier4"
	if m := spec.Methods[method]; m != nil && m.Tier != "" {
		tier = m.Tier
	}
	if method == "chat.postMessage" {
		return Limit{Method: method, Tier: "Special", PerMinute: 60, Burst: postMessagePerChannelBurst, PerChannel: true,
			WorkspacePerMinute: postMessageWorkspacePerMin, WorkspaceBurst: postMessageWorkspacePerMin}
	}
	t, ok := tierLimits[tier]
	if !ok {
		tier = "Tier4"
		t = tierLimits[tier]
	}
	return Limit{Method: method, Tier: tier, PerMinute: t.perMinute, Burst: t.burst}
}

// Limits returns the limit of every emulated method.
func Limits() []Limit {
	var out []Limit
	for _, m := range EmulatedMethods() {
		out = append(out, LimitFor(m))
	}
	return out
}

// floorFor is the least time n calls need from a full bucket at the nominal rate.
func floorFor(n int, burst int, perMinute float64) time.Duration {
	if n <= burst || perMinute <= 0 {
		return 0
	}
	return time.Duration(float64(n-burst) / perMinute * float64(time.Minute))
}

// Floor is the least wall-clock time a client needs for n calls of method
// (all on one channel for per-channel methods) without ever being refused,
// starting from full buckets, under this server's TimeScale.
func (s *Server) Floor(method string, n int) time.Duration {
	return s.FloorSpread(method, n)
}

// FloorSpread is Floor for a per-channel method whose calls are spread over
// several channels: perChannel[i] calls go to channel i. For other methods
// the counts are summed.
func (s *Server) FloorSpread(method string, perChannel ...int) time.Duration {
	return time.Duration(float64(NominalFloorSpread(method, perChannel...)) / s.opts.TimeScale)
}

// NominalFloorSpread is FloorSpread at TimeScale 1 (real Slack time).
func NominalFloorSpread(method string, perChannel ...int) time.Duration {
	l := LimitFor(method)
	total := 0
	var worst time.Duration
	for _, n := range perChannel {
		total += n
		if l.PerChannel {
			worst = max(worst, floorFor(n, l.Burst, l.PerMinute))
		}
	}
	if l.PerChannel {
		if l.WorkspacePerMinute > 0 {
			worst = max(worst, floorFor(total, l.WorkspaceBurst, l.WorkspacePerMinute))
		}
		return worst
	}
	return floorFor(total, l.Burst, l.PerMinute)
}

// rateGrace absorbs network jitter: a call is let through if the bucket will
// hold a token within rateGrace (real time). Without it a client pacing
// exactly at the nominal rate is refused whenever its first call took longer
// to arrive than a later one. A client can beat Floor by at most rateGrace.
const rateGrace = 20 * time.Millisecond

type bucket struct {
	tokens float64
	last   time.Time
}

type rateState struct {
	buckets map[string]*bucket
	limited int
}

func (r *rateState) init() { r.buckets = map[string]*bucket{} }

// rateKeyChannel is the channel a chat.postMessage call is charged to.
func (s *Server) rateKeyChannel(q *apiReq) string {
	if q.method != "chat.postMessage" {
		return ""
	}
	ch := q.args["channel"]
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.HasPrefix(ch, "U") || strings.HasPrefix(ch, "W") {
		if d := s.ws.dms[ch]; d != "" {
			return d
		}
	}
	return ch
}

// takeToken spends one token from every bucket the call is charged to, or
// reports how long (real time) until all of them hold one.
func (s *Server) takeToken(method, channelKey string) (time.Duration, bool) {
	l := LimitFor(method)
	scale := s.opts.TimeScale
	type charge struct {
		key      string
		capacity float64
		perSec   float64
	}
	var charges []charge
	if l.PerChannel {
		charges = append(charges, charge{method + "#" + channelKey, float64(l.Burst), l.PerMinute / 60 * scale})
		if l.WorkspacePerMinute > 0 {
			charges = append(charges, charge{method, float64(l.WorkspaceBurst), l.WorkspacePerMinute / 60 * scale})
		}
	} else {
		charges = append(charges, charge{method, float64(l.Burst), l.PerMinute / 60 * scale})
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var wait time.Duration
	for _, c := range charges {
		b := s.rl.buckets[c.key]
		if b == nil {
			b = &bucket{tokens: c.capacity, last: now}
			s.rl.buckets[c.key] = b
		}
		b.tokens = math.Min(c.capacity, b.tokens+now.Sub(b.last).Seconds()*c.perSec)
		b.last = now
		if need := 1 - rateGrace.Seconds()*c.perSec; b.tokens < need {
			wait = max(wait, time.Duration((1-b.tokens)/c.perSec*float64(time.Second)))
		}
	}
	if wait > 0 {
		return wait, true
	}
	for _, c := range charges {
		s.rl.buckets[c.key].tokens--
	}
	return 0, false
}

// retryAfterSeconds is the Retry-After header value for a real-time wait:
// whole seconds, rounded up, at least 1. slack-go parses it as an integer
// number of seconds and sleeps that long, so under a TimeScale > 1 a
// rate-limited client waits up to a second longer than the scaled window
// needs; the exact scaled wait is in X-Slackfake-Retry-After-Ms.
func retryAfterSeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// rateLimited renders a 429 with Retry-After for a real-time wait.
func (s *Server) rateLimited(q *apiReq, wait time.Duration, injected bool) (int, map[string]string, []byte, string) {
	secs := retryAfterSeconds(wait)
	hdr := map[string]string{
		"Retry-After":                     strconv.Itoa(secs),
		"X-Slackfake-Retry-After-Ms":      strconv.FormatInt(max(1, wait.Milliseconds()), 10),
		"X-Slackfake-Nominal-Retry-After": strconv.FormatFloat(math.Ceil(wait.Seconds()*s.opts.TimeScale), 'f', 0, 64),
	}
	s.mu.Lock()
	s.rl.limited++
	what := "rate limited"
	if injected {
		what = "rate limited (injected)"
	}
	s.addEntryLocked(Entry{Kind: "api-error", Who: s.opts.BotName, Where: q.method,
		Text: q.method + " → " + what + ", Retry-After: " + strconv.Itoa(secs)})
	s.mu.Unlock()
	return http.StatusTooManyRequests, hdr, mustJSON(map[string]any{"ok": false, "error": "ratelimited"}), "ratelimited"
}

// RateLimitedCount is the number of 429 answers given so far (limits and
// injected bursts).
func (s *Server) RateLimitedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rl.limited
}

// Calls returns every Web API call received so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneCalls(s.calls)
}

// CallCount is the number of calls of a method received so far, failed and
// rate-limited ones included.
func (s *Server) CallCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Method == method {
			n++
		}
	}
	return n
}
