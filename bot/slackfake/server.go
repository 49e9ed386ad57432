// Package slackfake is an in-process emulator of Slack — the Web API over HTTP
// and Socket Mode over WebSocket — that the real slack-go client talks to over
// loopback. End-to-end tests drive simulated people through it (slash
// commands, button clicks, modal submissions, Home tab visits) and assert on
// what the workspace saw; the demo prints that as a readable transcript.
//
// It answers like Slack where that is known: error names, pagination, Block
// Kit limits, one-time Socket Mode URLs, envelope redelivery, rate-limit tiers
// with HTTP 429 and Retry-After. Every deliberate simplification is listed in
// README.md next to this file.
package slackfake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	TimeScale    float64       // rate-limit windows and Retry-After divided by this; 0 means 1
	RateLimits   bool          // enforce tier limits
	AckTimeout   time.Duration // 0 means 3s
	PingInterval time.Duration // 0 means 10s
	Logger       *slog.Logger  // nil means discard

	// TriggerTTL is how long a trigger_id stays usable; 0 means 3s as in Slack.
	// Tests shorten it to check expiry without sleeping seconds.
	TriggerTTL time.Duration
	// BotName is the bot user's handle; "" means "ritualbot".
	BotName string
	// TeamName and TeamDomain name the workspace; "" means "Ritual Fake" and "ritualfake".
	TeamName, TeamDomain string
	// FilesDir, when set, is where uploaded files are written as ID-name once completed; the
	// transcript gives the path.
	FilesDir string
	// ExactPages makes every page of a paginated listing hold exactly limit
	// items. By default the first page of a multi-page listing is one item
	// short, as Slack's pages sometimes are, so clients that stop on a short
	// page instead of an empty next_cursor are caught.
	ExactPages bool
	// Now is the clock "today" and "tomorrow" in date tokens are judged by; nil means time.Now.
	Now func() time.Time
}

// Server is one emulated Slack workspace with one installed app (the bot).
// All methods are safe for concurrent use.
type Server struct {
	opts     Options
	log      *slog.Logger
	ln       net.Listener
	hs       *http.Server
	base     string // http://127.0.0.1:PORT
	upgrader websocket.Upgrader
	started  time.Time
	done     chan struct{}
	bg       sync.WaitGroup

	teamID, appID, botUserID, botID string
	botToken, appToken, verifToken  string

	mu      sync.Mutex
	closed  bool
	changed chan struct{} // closed and replaced on every state change that waiters care about
	ws      workspace
	scopes  []string          // granted to the bot token; nil grants all (SetScopes)
	failFor map[string]string // "method channel" → error code (FailFor)
	rl      rateState
	faults  faultState
	sock    socketState
	calls   []Call
	entries []Entry
	files   fileState
	// readers are the people a message or view being rendered is shown to, for date tokens.
	readers []string
	// entrySeq numbers transcript entries; placeAfter, when set, is the entry the next one goes
	// under; unanchored are response_urls handed out whose command entry is still to come.
	entrySeq   uint64
	placeAfter uint64
	unanchored []*hook
}

// New starts a Server listening on 127.0.0.1:0; it serves until Close.
func New(opts Options) (*Server, error) {
	if opts.TimeScale <= 0 {
		opts.TimeScale = 1
	}
	if opts.AckTimeout <= 0 {
		opts.AckTimeout = 3 * time.Second
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = 10 * time.Second
	}
	if opts.TriggerTTL <= 0 {
		opts.TriggerTTL = 3 * time.Second
	}
	if opts.BotName == "" {
		opts.BotName = "ritualbot"
	}
	if opts.TeamName == "" {
		opts.TeamName = "Ritual Fake"
	}
	if opts.TeamDomain == "" {
		opts.TeamDomain = "ritualfake"
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("slackfake: listen: %w", err)
	}
	s := &Server{
		opts:       opts,
		log:        logger.With("component", "slackfake"),
		ln:         ln,
		base:       "http://" + ln.Addr().String(),
		started:    time.Now(),
		done:       make(chan struct{}),
		changed:    make(chan struct{}),
		teamID:     "T0RITUAL1",
		appID:      "A0RITUAL1",
		botUserID:  "U0RITBOT1",
		botID:      "B0RITBOT1",
		botToken:   "xoxb-1000000001-" + randHex(12),
		appToken:   "xapp-1-A0RITUAL1-1000000002-" + randHex(16),
		verifToken: randHex(12),
	}
	s.upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	s.ws.init()
	s.rl.init()
	s.sock.init()
	s.addUserLocked(User{ID: "USLACKBOT", Name: "slackbot", RealName: "Slackbot", TZ: "America/Los_Angeles"})
	s.addUserLocked(User{ID: s.botUserID, Name: opts.BotName, RealName: opts.BotName, IsBot: true, TZ: "America/Los_Angeles"})

	if err := s.startFiles(); err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/link/", s.serveSocket)
	mux.HandleFunc("/hooks/", s.serveHook)
	s.hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.bg.Go(func() {
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	})
	s.log.Info("listening", "url", s.base)
	return s, nil
}

// Close stops the server, closes every socket and fails pending deliveries.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	var conns []*sockConn
	for c := range s.sock.all {
		conns = append(conns, c)
	}
	s.sock.conns = nil
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.kill()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := errors.Join(s.hs.Shutdown(ctx), s.stopFiles(ctx))
	s.bg.Wait()
	return err
}

// APIURL is the Web API base URL with a trailing slash, for slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.base + "/api/" }

// BaseURL is the server's root URL ("http://127.0.0.1:PORT").
func (s *Server) BaseURL() string { return s.base }

// BotToken is the bot token (xoxb-…) the app uses for Web API calls.
func (s *Server) BotToken() string { return s.botToken }

// AppToken is the app-level token (xapp-…) used for apps.connections.open.
func (s *Server) AppToken() string { return s.appToken }

// BotUserID is the bot user's id; the bot's own posts carry it as "user".
func (s *Server) BotUserID() string { return s.botUserID }

// BotID is the bot's B… id, carried as "bot_id" on its posts.
func (s *Server) BotID() string { return s.botID }

// AppID is the installed app's id (api_app_id in payloads).
func (s *Server) AppID() string { return s.appID }

// TeamID is the workspace id.
func (s *Server) TeamID() string { return s.teamID }

// VerificationToken is the legacy "token" field Slack puts in payloads.
func (s *Server) VerificationToken() string { return s.verifToken }

// TimeScale is the effective time scale (Options.TimeScale, 1 if unset).
func (s *Server) TimeScale() float64 { return s.opts.TimeScale }

// notifyLocked wakes everyone waiting in waitFor. Callers hold s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond (evaluated under s.mu) holds, ctx ends or the
// server closes.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// sleep waits d or until ctx ends or the server closes.
func (s *Server) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return ErrClosed
	}
}

// ErrClosed is returned by calls made after Close.
var ErrClosed = errors.New("slackfake: server closed")

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randID returns n random characters from Slack's id alphabet.
func randID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(idAlphabet[int(c)%len(idAlphabet)])
	}
	return sb.String()
}

// newEnvelopeID returns a UUID-shaped id like Slack's envelope ids.
func newEnvelopeID() string {
	h := randHex(32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}
