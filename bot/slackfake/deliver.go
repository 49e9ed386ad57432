package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Ack is the app's answer to one envelope: its id, the optional payload, and
// the time from sending the envelope to processing the ack.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage
	Latency    time.Duration
}

// ErrNotAcked is returned when no ack arrived within AckTimeout (for
// events_api, after the last retry).
var ErrNotAcked = errors.New("slackfake: envelope not acknowledged within AckTimeout")

// ErrNoConnection is returned for a slash command or interaction when no
// Socket Mode connection appeared within AckTimeout (Slack shows the user
// "dispatch_failed").
var ErrNoConnection = errors.New("slackfake: no Socket Mode connection (dispatch_failed)")

// maxEventRetries is how many times an unacked events_api envelope is
// redelivered, like Slack's three retries.
const maxEventRetries = 3

type envelope struct {
	EnvelopeID             string  `json:"envelope_id"`
	Type                   string  `json:"type"`
	Payload                any     `json:"payload"`
	AcceptsResponsePayload bool    `json:"accepts_response_payload"`
	RetryAttempt           *int    `json:"retry_attempt,omitempty"`
	RetryReason            *string `json:"retry_reason,omitempty"`
}

type delivery struct {
	typ     string // events_api, slash_commands, interactive
	payload any
	accepts bool
	attempt int
	reason  string
}

// deliver sends an envelope and waits for its ack. events_api envelopes are
// redelivered (new envelope id, retry_attempt+1, retry_reason "timeout") up
// to maxEventRetries times; other types fail with ErrNotAcked. A socket that
// dies under a sent envelope is treated like a missing ack.
func (s *Server) deliver(ctx context.Context, d delivery) (Ack, error) {
	for {
		s.mu.Lock()
		hold := s.sock.deliveryDelay
		s.mu.Unlock()
		if err := s.sleep(ctx, hold); err != nil {
			return Ack{}, err
		}
		c, err := s.connFor(ctx, d.typ)
		if err != nil {
			return Ack{}, err
		}
		env := envelope{EnvelopeID: newEnvelopeID(), Type: d.typ, Payload: d.payload, AcceptsResponsePayload: d.accepts}
		if d.typ == "events_api" {
			attempt, reason := d.attempt, d.reason
			env.RetryAttempt, env.RetryReason = &attempt, &reason
		}
		ch := make(chan ackMsg, 1)
		s.mu.Lock()
		s.sock.pending[env.EnvelopeID] = ch
		s.mu.Unlock()
		sent := time.Now()
		if err := c.write(mustJSON(env)); err != nil {
			s.log.Info("envelope write failed", "envelope_id", env.EnvelopeID, "err", err)
			c.kill()
		}
		s.log.Debug("envelope sent", "type", d.typ, "envelope_id", env.EnvelopeID, "conn", c.id, "retry_attempt", d.attempt)
		timer := time.NewTimer(s.opts.AckTimeout)
		select {
		case a := <-ch:
			timer.Stop()
			return Ack{EnvelopeID: env.EnvelopeID, Payload: a.payload, Latency: a.at.Sub(sent)}, nil
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			s.forget(env.EnvelopeID)
			return Ack{EnvelopeID: env.EnvelopeID}, ctx.Err()
		case <-s.done:
			timer.Stop()
			return Ack{EnvelopeID: env.EnvelopeID}, ErrClosed
		}
		s.forget(env.EnvelopeID)
		if d.typ == "events_api" && d.attempt < maxEventRetries {
			d.attempt++
			d.reason = "timeout"
			s.log.Info("event not acked, retrying", "envelope_id", env.EnvelopeID, "retry_attempt", d.attempt)
			continue
		}
		return Ack{EnvelopeID: env.EnvelopeID}, ErrNotAcked
	}
}

// connFor waits for a live socket: events wait as long as ctx allows (Slack
// queues them), commands and interactions give up after AckTimeout.
func (s *Server) connFor(ctx context.Context, typ string) (*sockConn, error) {
	if typ == "events_api" {
		return s.pickConn(ctx)
	}
	pickCtx, cancel := context.WithTimeout(ctx, s.opts.AckTimeout)
	defer cancel()
	c, err := s.pickConn(pickCtx)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return nil, ErrNoConnection
	}
	return c, err
}

func (s *Server) forget(envelopeID string) {
	s.mu.Lock()
	delete(s.sock.pending, envelopeID)
	s.mu.Unlock()
}
