package slackfake

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// trigger is a trigger_id handed to the app with an interaction.
type trigger struct {
	id, user, channel string
	created           time.Time
	used              bool
}

func (s *Server) newTriggerLocked(user, channel string) string {
	id := fmt.Sprintf("%d.%s.%s", time.Now().UnixMilli(), "1000000001", randHex(32))
	s.ws.triggers[id] = &trigger{id: id, user: user, channel: channel, created: time.Now()}
	return id
}

// useTriggerLocked spends a trigger: unknown → invalid_trigger_id, older
// than TriggerTTL → expired_trigger_id, used before → trigger_exchanged.
func (s *Server) useTriggerLocked(id string) (*trigger, *apiErr) {
	t := s.ws.triggers[id]
	switch {
	case t == nil:
		return nil, errf("invalid_trigger_id")
	case t.used:
		return nil, errf("trigger_exchanged")
	case time.Since(t.created) > s.opts.TriggerTTL:
		return nil, errf("expired_trigger_id")
	}
	t.used = true
	return t, nil
}

func (s *Server) userRef(u *user) map[string]any {
	return map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": s.teamID}
}

func (s *Server) teamRef() map[string]any {
	return map[string]any{"id": s.teamID, "domain": s.opts.TeamDomain}
}

// slashChannelName is channel_name as Slack sends it in slash commands.
func slashChannelName(c *channel) string {
	switch c.kind {
	case kindIM:
		return "directmessage"
	case kindPrivate:
		return "privategroup"
	default:
		return c.name
	}
}

// person looks up a simulated person for an interaction.
func (s *Server) personLocked(userID string) (*user, error) {
	u := s.ws.users[userID]
	switch {
	case u == nil:
		return nil, fmt.Errorf("slackfake: unknown user %q", userID)
	case u.Deleted:
		return nil, fmt.Errorf("slackfake: user %s is deactivated", u.Name)
	}
	return u, nil
}

// SlashCommand has userID type "/command text" in a conversation the user
// is in and returns the app's ack. text is passed through verbatim (use
// Slack's escaped forms such as "<@U123|ana>"). Ack payloads with text or
// blocks are shown like Slack shows them (ephemeral unless response_type is
// "in_channel").
func (s *Server) SlashCommand(ctx context.Context, userID, channelID, command, text string) (Ack, error) {
	s.mu.Lock()
	u, err := s.personLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	c := s.ws.channels[channelID]
	if c == nil {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackfake: unknown channel %q", channelID)
	}
	if !c.isMember(userID) {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackfake: %s is not in %s and cannot type there", u.Name, s.placeLocked(c.id))
	}
	trig := s.newTriggerLocked(userID, c.id)
	hookURL := s.newHookLocked(userID, c.id, "", false)
	payload := map[string]any{
		"token": s.verifToken, "team_id": s.teamID, "team_domain": s.opts.TeamDomain,
		"channel_id": c.id, "channel_name": slashChannelName(c), "user_id": userID, "user_name": u.Name,
		"command": command, "text": text, "api_app_id": s.appID, "is_enterprise_install": "false",
		"response_url": hookURL, "trigger_id": trig,
	}
	line := command
	if text != "" {
		line += " " + text
	}
	s.addEntryLocked(Entry{Kind: "command", Who: u.Name, Where: s.placeLocked(c.id), Action: "typed",
		UserID: userID, ChannelID: c.id, Text: s.plainLocked(line)})
	s.mu.Unlock()

	ack, err := s.deliver(ctx, delivery{typ: "slash_commands", payload: payload, accepts: true})
	if err != nil {
		s.deliveryFailed(u.ID, c.id, command, err)
		return ack, err
	}
	s.applyMessageAck(userID, c.id, ack.Payload)
	return ack, nil
}

// deliveryFailed records what the person sees when the app did not answer.
func (s *Server) deliveryFailed(userID, channelID, what string, err error) {
	reason := "operation_timeout"
	switch {
	case errors.Is(err, ErrNoConnection):
		reason = "dispatch_failed"
	case !errors.Is(err, ErrNotAcked):
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := s.userNameLocked(userID)
	where := "Slack"
	if channelID != "" {
		where = s.placeLocked(channelID)
	}
	s.addEntryLocked(Entry{Kind: "fault", Who: "Slackbot", Where: where, To: name, Action: "failed",
		UserID: userID, ChannelID: channelID, Text: fmt.Sprintf("%s failed with the error %q", what, reason)})
}

// OpenHome has a person open the app's Home tab: an app_home_opened event
// (with the published view, if any) is delivered and its ack returned.
func (s *Server) OpenHome(ctx context.Context, userID string) (Ack, error) {
	s.mu.Lock()
	u, err := s.personLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	dm := s.openDMLocked(userID)
	ev := map[string]any{"type": "app_home_opened", "user": userID, "channel": dm.id, "tab": "home",
		"event_ts": s.nextTSLocked()}
	if v := s.ws.views[s.ws.homes[userID]]; v != nil {
		ev["view"] = s.viewJSON(v)
	}
	s.addEntryLocked(Entry{Kind: "command", Who: u.Name, Where: "Home tab of " + u.Name, Action: "opened",
		UserID: userID, Text: "opens the app's Home tab"})
	s.mu.Unlock()
	return s.SendEvent(ctx, ev, EventOptions{})
}

// EventOptions controls the events_api envelope SendEvent builds.
type EventOptions struct {
	EventID      string // "" means a fresh Ev… id
	RetryAttempt int    // retry_attempt of the first delivery
	RetryReason  string // retry_reason of the first delivery
}

// SendEvent delivers an events_api envelope whose payload wraps event in an
// event_callback, redelivering on missing acks like Slack.
func (s *Server) SendEvent(ctx context.Context, event map[string]any, opts EventOptions) (Ack, error) {
	id := opts.EventID
	if id == "" {
		id = "Ev" + randID(10)
	}
	payload := map[string]any{
		"token": s.verifToken, "team_id": s.teamID, "api_app_id": s.appID, "event": event,
		"type": "event_callback", "event_id": id, "event_time": time.Now().Unix(),
		"authorizations": []map[string]any{{"enterprise_id": nil, "team_id": s.teamID, "user_id": s.botUserID,
			"is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false,
		"event_context":         "4-" + randHex(40),
	}
	return s.deliver(ctx, delivery{typ: "events_api", payload: payload, attempt: opts.RetryAttempt, reason: opts.RetryReason})
}
