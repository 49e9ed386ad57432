package slackfake

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

// OpenDM returns the bot↔user DM, creating it as if the person had opened
// the app's Messages tab (so a test can type a slash command there).
func (s *Server) OpenDM(userID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.personLocked(userID)
	if err != nil {
		return "", err
	}
	if u.IsBot {
		return "", fmt.Errorf("slackfake: %s is a bot", u.Name)
	}
	return s.openDMLocked(userID).id, nil
}

// PostAs stores a message written by a simulated person (a thread reply when
// threadTS is set) and returns its ts. No event is delivered: pass
// MessageEvent(channelID, ts) to SendEvent if the app subscribes to messages.
func (s *Server) PostAs(userID, channelID, threadTS, text string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.personLocked(userID)
	if err != nil {
		return "", err
	}
	c := s.ws.channels[channelID]
	switch {
	case c == nil:
		return "", fmt.Errorf("slackfake: unknown channel %q", channelID)
	case !c.isMember(userID):
		return "", fmt.Errorf("slackfake: %s is not in %s", u.Name, s.placeLocked(c.id))
	case c.archived:
		return "", fmt.Errorf("slackfake: %s is archived", s.placeLocked(c.id))
	}
	m := &message{channel: c.id, user: userID, text: text}
	if threadTS != "" {
		root, e := s.threadRootLocked(c, threadTS)
		if e != nil {
			return "", fmt.Errorf("slackfake: no thread %s in %s", threadTS, s.placeLocked(c.id))
		}
		root.threadTS = root.ts
		m.threadTS = root.ts
	}
	m.ts = s.nextTSLocked()
	c.msgs = append(c.msgs, m)
	s.messageEntryLocked(c, m, "posted")
	s.notifyLocked()
	return m.ts, nil
}

// MessageEvent builds the "message" event Slack would deliver for a stored
// message (nil if there is none), for use with SendEvent.
func (s *Server) MessageEvent(channelID, ts string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.ws.channels[channelID]
	m := s.findMessageLocked(channelID, ts)
	if c == nil || m == nil {
		return nil
	}
	ev := s.messageJSON(c, m, false)
	ev["channel"] = c.id
	ev["event_ts"] = m.ts
	ev["channel_type"] = map[chanKind]string{kindPublic: "channel", kindPrivate: "group", kindIM: "im", kindMPIM: "mpim"}[c.kind]
	if m.botID == "" {
		ev["client_msg_id"] = newEnvelopeID()
	}
	return ev
}

// WaitMessages blocks until channelID holds at least n messages (top level
// and replies) or ctx ends, and returns them.
func (s *Server) WaitMessages(ctx context.Context, channelID string, n int) ([]Message, error) {
	err := s.waitFor(ctx, func() bool {
		c := s.ws.channels[channelID]
		if c == nil {
			return false
		}
		k := 0
		for _, m := range c.msgs {
			if !m.deleted {
				k++
			}
		}
		return k >= n
	})
	return s.Messages(channelID), err
}

// cloneCalls copies calls so callers cannot mutate recorded arguments.
func cloneCalls(in []Call) []Call {
	out := slices.Clone(in)
	for i := range out {
		out[i].Args = maps.Clone(out[i].Args)
	}
	return out
}
