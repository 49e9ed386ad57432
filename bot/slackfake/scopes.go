package slackfake

import (
	"slices"
	"strings"
)

// SetScopes grants the bot token exactly these OAuth scopes, as an installed app's manifest would;
// nil (the default) grants everything. Methods that read a conversation's messages then answer
// missing_scope (with the scope needed, as Slack does) unless the scope for that kind of
// conversation is granted: channels:history, groups:history, im:history or mpim:history; so do
// conversations.members and conversations.info without channels:read, groups:read, im:read or
// mpim:read. This is how a test checks what someone holding the bot's token can and cannot read.
func (s *Server) SetScopes(scopes []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if scopes == nil {
		s.scopes = nil
		return
	}
	s.scopes = slices.Clone(scopes)
}

// historyScope is the scope Slack asks for to read messages in c.
func historyScope(c *channel) string {
	switch c.kind {
	case kindPrivate:
		return "groups:history"
	case kindIM:
		return "im:history"
	case kindMPIM:
		return "mpim:history"
	default:
		return "channels:history"
	}
}

// readScope is the scope Slack asks for to list c's members or describe it.
func readScope(c *channel) string {
	kind, _, _ := strings.Cut(historyScope(c), ":")
	return kind + ":read"
}

// needScopeLocked answers missing_scope when scope is not granted.
func (s *Server) needScopeLocked(scope string) *apiErr {
	if s.scopes == nil || slices.Contains(s.scopes, scope) {
		return nil
	}
	e := errf("missing_scope")
	e.extra = map[string]any{"needed": scope, "provided": strings.Join(s.scopes, ",")}
	return e
}

// FailFor makes every call of method whose channel argument is channel (a conversation id, or a
// user id for a DM) answer ok:false with code, until called again with code "". Unlike a queued
// fault it hits one conversation only, as a person Slack will not let the bot reach would.
func (s *Server) FailFor(method, channel, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failFor == nil {
		s.failFor = map[string]string{}
	}
	key := method + " " + channel
	if code == "" {
		delete(s.failFor, key)
		return
	}
	s.failFor[key] = code
	s.addEntryLocked(Entry{Kind: "fault", Who: "test", Where: method, Text: method + " to " + channel + " answers " + code})
}

// failForLocked is the error FailFor set for this call, if any.
func (s *Server) failForLocked(method, channel string) *apiErr {
	if code, ok := s.failFor[method+" "+channel]; ok {
		return errf(code)
	}
	return nil
}
