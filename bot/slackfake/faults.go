package slackfake

import (
	"fmt"
	"net/http"
	"time"
)

type fault struct {
	status     int
	retryAfter time.Duration // real time, for injected 429s
	slackErr   string        // an ok:false answer with this error, for ErrorNext
}

type faultState struct {
	queued  map[string][]fault       // method ("*" for any) → faults to serve, first first
	latency map[string]time.Duration // method ("*" for any) → delay before answering
}

// takeFault pops the next injected fault for a method, if any.
func (s *Server) takeFault(method string) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{method, "*"} {
		if q := s.faults.queued[key]; len(q) > 0 {
			f := q[0]
			s.faults.queued[key] = q[1:]
			return &f
		}
	}
	return nil
}

func (s *Server) queueFault(method string, n int, f fault, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.queued == nil {
		s.faults.queued = map[string][]fault{}
	}
	for range n {
		s.faults.queued[method] = append(s.faults.queued[method], f)
	}
	s.addEntryLocked(Entry{Kind: "fault", Who: "test", Where: method, Text: text})
}

// FailNext makes the next n calls of method ("*" for any method) fail with
// HTTP status (a 5xx; 0 means 500) and an HTML body, as Slack's edge does.
// slack-go reports these as slack.StatusCodeError.
func (s *Server) FailNext(method string, n int, status int) {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	s.queueFault(method, n, fault{status: status}, fmt.Sprintf("next %d call(s) of %s fail with HTTP %d", n, method, status))
}

// ErrorNext makes the next n calls of method ("*" for any) answer HTTP 200
// with {"ok":false,"error":code}, as Slack does for an error of its own
// (user_not_visible, invalid_user_combination, …). slack-go reports these as
// slack.SlackErrorResponse.
func (s *Server) ErrorNext(method string, n int, code string) {
	s.queueFault(method, n, fault{slackErr: code}, fmt.Sprintf("next %d call(s) of %s answer %s", n, method, code))
}

// RateLimitNext answers the next n calls of method ("*" for any) with HTTP
// 429. retryAfter is nominal like Slack's and divided by TimeScale; the
// header carries whole seconds, at least 1 (see retryAfterSeconds).
func (s *Server) RateLimitNext(method string, n int, retryAfter time.Duration) {
	wait := time.Duration(float64(retryAfter) / s.opts.TimeScale)
	s.queueFault(method, n, fault{status: http.StatusTooManyRequests, retryAfter: wait},
		fmt.Sprintf("next %d call(s) of %s are rate limited (Retry-After %s nominal)", n, method, retryAfter))
}

// DropSockets closes every Socket Mode connection abruptly (no close frame,
// no disconnect message), like a network failure.
func (s *Server) DropSockets() {
	s.mu.Lock()
	conns := s.sock.conns
	s.sock.conns = nil
	s.addEntryLocked(Entry{Kind: "fault", Who: "slack", Where: "socket mode",
		Text: fmt.Sprintf("dropped %d socket(s)", len(conns))})
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.kill()
	}
}

// Disconnect sends a disconnect message with reason ("warning",
// "refresh_requested", "link_disabled", …) on every socket, stops delivering
// on them, and closes them once the client hangs up (or after 10 s).
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	conns := s.sock.conns
	s.sock.conns = nil
	s.addEntryLocked(Entry{Kind: "fault", Who: "slack", Where: "socket mode",
		Text: fmt.Sprintf("disconnect (%s) sent to %d socket(s)", reason, len(conns))})
	s.notifyLocked()
	s.mu.Unlock()
	msg := mustJSON(map[string]any{"type": "disconnect", "reason": reason,
		"debug_info": map[string]any{"host": "applink-slackfake-1"}})
	for _, c := range conns {
		_ = c.write(msg)
		c.closeAfter(10 * time.Second)
	}
}

// RefuseConnections makes apps.connections.open answer HTTP 503 (and the
// socket endpoint refuse upgrades) for d; slack-go keeps retrying with
// backoff.
func (s *Server) RefuseConnections(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sock.refuseUntil = time.Now().Add(d)
	s.addEntryLocked(Entry{Kind: "fault", Who: "slack", Where: "socket mode",
		Text: fmt.Sprintf("refusing new connections for %s", d)})
}

// SetAckDelay makes the server sit on every ack it receives for d before
// processing it (so a client acking in time can still miss AckTimeout).
func (s *Server) SetAckDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sock.ackDelay = d
}

// SetDeliveryDelay holds every envelope for d before sending it.
func (s *Server) SetDeliveryDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sock.deliveryDelay = d
}

// SetLatency delays every answer to method ("*" for any method) by d after
// the call has taken effect, so a client that dies meanwhile loses the
// answer to a call Slack carried out. 0 removes the delay.
func (s *Server) SetLatency(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.latency == nil {
		s.faults.latency = map[string]time.Duration{}
	}
	if d <= 0 {
		delete(s.faults.latency, method)
		return
	}
	s.faults.latency[method] = d
}

func (s *Server) latencyFor(method string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.faults.latency[method]; ok {
		return d
	}
	return s.faults.latency["*"]
}
