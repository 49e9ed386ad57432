package slackfake

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// metadataArg validates message metadata ({event_type, event_payload}).
func metadataArg(q *apiReq) (json.RawMessage, *apiErr) {
	v, ok, err := q.jsonArg("metadata")
	if !ok && err == nil {
		return nil, nil
	}
	m, isObj := v.(map[string]any)
	if err != nil || !isObj {
		return nil, errf("invalid_metadata_format", "[ERROR] metadata must be a JSON object")
	}
	et, _ := m["event_type"].(string)
	if et == "" {
		return nil, errf("invalid_metadata_format", "[ERROR] missing required field: event_type [json-pointer:/metadata/event_type]")
	}
	payload, _ := m["event_payload"].(map[string]any)
	if payload == nil {
		return nil, errf("invalid_metadata_format", "[ERROR] event_payload must be an object [json-pointer:/metadata/event_payload]")
	}
	return mustJSON(map[string]any{"event_type": et, "event_payload": payload}), nil
}

// messageContent reads text, blocks and checks there is something to show.
func messageContent(q *apiReq, requireSome bool) (text string, blocks json.RawMessage, blocksGiven bool, e *apiErr) {
	blocks, blocksGiven, e = blocksArg(q)
	if e != nil {
		return "", nil, false, e
	}
	text = q.str("text")
	if text == "" && q.str("markdown_text") != "" {
		text = q.str("markdown_text")
	}
	if requireSome && text == "" && blocks == nil && strings.TrimSpace(q.str("attachments")) == "" {
		return "", nil, false, errf("no_text")
	}
	if utf8.RuneCountInString(text) > maxMessageTextLen {
		return "", nil, false, errf("msg_too_long")
	}
	return text, blocks, blocksGiven, nil
}

// channelByArgLocked finds a conversation by id or (for channels) by name.
func (s *Server) channelByArgLocked(arg string) *channel {
	if c := s.ws.channels[arg]; c != nil {
		return c
	}
	name := strings.TrimPrefix(arg, "#")
	for _, id := range s.ws.chanOrder {
		if c := s.ws.channels[id]; (c.kind == kindPublic || c.kind == kindPrivate) && c.name == name {
			return c
		}
	}
	return nil
}

func isUserID(s string) bool { return strings.HasPrefix(s, "U") || strings.HasPrefix(s, "W") }

// visibleChannelLocked resolves a conversation the bot can see: private
// channels and DMs it is not in look like they do not exist.
func (s *Server) visibleChannelLocked(arg string) (*channel, *apiErr) {
	c := s.channelByArgLocked(arg)
	if c == nil || (c.kind != kindPublic && !c.isMember(s.botUserID)) {
		return nil, errf("channel_not_found")
	}
	return c, nil
}

// postTargetLocked resolves where the bot may post: a user id means the
// bot↔user DM (opened on the fly).
func (s *Server) postTargetLocked(arg string) (*channel, *apiErr) {
	if arg == "" {
		return nil, errf("channel_not_found")
	}
	if isUserID(arg) {
		if _, isChan := s.ws.channels[arg]; !isChan {
			u := s.ws.users[arg]
			switch {
			case u == nil:
				return nil, errf("channel_not_found")
			case u.IsBot || u.ID == "USLACKBOT":
				return nil, errf("cannot_dm_bot")
			case u.Deleted:
				return nil, errf("user_disabled")
			}
			return s.openDMLocked(arg), nil
		}
	}
	c, e := s.visibleChannelLocked(arg)
	if e != nil {
		return nil, e
	}
	if c.archived {
		return nil, errf("is_archived")
	}
	if c.kind == kindIM {
		if u := s.ws.users[c.imUser]; u != nil && u.Deleted {
			return nil, errf("user_disabled")
		}
	}
	if !c.isMember(s.botUserID) {
		return nil, errf("not_in_channel")
	}
	return c, nil
}

// threadRootLocked resolves thread_ts to the thread's parent message.
func (s *Server) threadRootLocked(c *channel, ts string) (*message, *apiErr) {
	m := s.findMessageLocked(c.id, ts)
	if m == nil {
		return nil, errf("thread_not_found")
	}
	if m.threadTS != "" && m.threadTS != m.ts {
		m = s.findMessageLocked(c.id, m.threadTS)
		if m == nil {
			return nil, errf("thread_not_found")
		}
	}
	return m, nil
}

func (s *Server) chatPostMessage(q *apiReq) (map[string]any, *apiErr) {
	text, blocks, _, e := messageContent(q, true)
	if e != nil {
		return nil, e
	}
	md, e := metadataArg(q)
	if e != nil {
		return nil, e
	}
	c, e := s.postTargetLocked(q.str("channel"))
	if e != nil {
		return nil, e
	}
	m := &message{channel: c.id, user: s.botUserID, botID: s.botID, text: text, blocks: blocks, metadata: md}
	if ts := q.str("thread_ts"); ts != "" {
		root, e := s.threadRootLocked(c, ts)
		if e != nil {
			return nil, e
		}
		root.threadTS = root.ts
		m.threadTS = root.ts
		m.broadcast = q.flag("reply_broadcast")
	}
	m.ts = s.nextTSLocked()
	c.msgs = append(c.msgs, m)
	s.messageEntryLocked(c, m, "posted")
	s.notifyLocked()
	return map[string]any{"channel": c.id, "ts": m.ts, "message": s.messageJSON(c, m, true)}, nil
}

func (s *Server) chatPostEphemeral(q *apiReq) (map[string]any, *apiErr) {
	text, blocks, _, e := messageContent(q, true)
	if e != nil {
		return nil, e
	}
	uid := q.str("user")
	if uid == "" {
		return nil, errf("invalid_arguments", "[ERROR] missing required field: user")
	}
	arg := q.str("channel")
	if arg == "" {
		return nil, errf("channel_not_found")
	}
	u := s.ws.users[uid]
	if u == nil {
		return nil, errf("user_not_found")
	}
	var c *channel
	if isUserID(arg) && s.ws.channels[arg] == nil {
		if s.ws.users[arg] == nil || arg != uid {
			return nil, errf("channel_not_found")
		}
		c = s.openDMLocked(uid)
	} else if c, e = s.visibleChannelLocked(arg); e != nil {
		return nil, e
	}
	if c.kind != kindIM && !c.isMember(s.botUserID) {
		return nil, errf("channel_not_found")
	}
	if c.archived {
		return nil, errf("is_archived")
	}
	if u.Deleted || !c.isMember(uid) {
		return nil, errf("user_not_in_channel")
	}
	m := &message{channel: c.id, user: s.botUserID, botID: s.botID, text: text, blocks: blocks,
		ephemeral: true, forUser: uid, threadTS: q.str("thread_ts")}
	m.ts = s.nextTSLocked()
	s.ws.ephemerals = append(s.ws.ephemerals, m)
	s.ephemeralEntryLocked(m, "posted")
	s.notifyLocked()
	return map[string]any{"message_ts": m.ts}, nil
}

func (s *Server) chatUpdate(q *apiReq) (map[string]any, *apiErr) {
	text, blocks, blocksGiven, e := messageContent(q, false)
	if e != nil {
		return nil, e
	}
	textGiven := q.has("text") || q.has("markdown_text")
	if !textGiven && !blocksGiven && strings.TrimSpace(q.str("attachments")) == "" {
		return nil, errf("no_text")
	}
	md, e := metadataArg(q)
	if e != nil {
		return nil, e
	}
	if q.str("channel") == "" {
		return nil, errf("channel_not_found")
	}
	c, m, e := s.botMessageLocked(q, "cant_update_message")
	if e != nil {
		return nil, e
	}
	if c.archived {
		return nil, errf("is_archived")
	}
	if blocksGiven {
		m.blocks = blocks
	} else if textGiven {
		m.blocks = nil
	}
	if textGiven {
		m.text = text
	}
	if md != nil {
		m.metadata = md
	}
	m.editedTS = s.nextTSLocked()
	s.messageEntryLocked(c, m, "updated")
	s.notifyLocked()
	return map[string]any{"channel": c.id, "ts": m.ts, "text": m.text, "message": s.messageJSON(c, m, true)}, nil
}

// botMessageLocked finds the message at the request's channel and ts, which must be the bot's own;
// notOwn is Slack's error when it is someone else's.
func (s *Server) botMessageLocked(q *apiReq, notOwn string) (*channel, *message, *apiErr) {
	c, e := s.visibleChannelLocked(q.str("channel"))
	if e != nil {
		return nil, nil, e
	}
	m := s.findMessageLocked(c.id, q.str("ts"))
	if m == nil {
		return nil, nil, errf("message_not_found")
	}
	if m.user != s.botUserID {
		return nil, nil, errf(notOwn)
	}
	return c, m, nil
}

func (s *Server) chatDelete(q *apiReq) (map[string]any, *apiErr) {
	c, m, e := s.botMessageLocked(q, "cant_delete_message")
	if e != nil {
		return nil, e
	}
	m.deleted = true
	s.messageEntryLocked(c, m, "deleted")
	s.notifyLocked()
	return map[string]any{"channel": c.id, "ts": m.ts}, nil
}

func (s *Server) reactionsAdd(q *apiReq) (map[string]any, *apiErr) {
	name := q.str("name")
	if q.str("channel") == "" || q.str("timestamp") == "" {
		return nil, errf("no_item_specified")
	}
	if name == "" || !emojiName.MatchString(name) {
		return nil, errf("invalid_name")
	}
	c, e := s.visibleChannelLocked(q.str("channel"))
	if e != nil {
		return nil, e
	}
	m := s.findMessageLocked(c.id, q.str("timestamp"))
	if m == nil {
		return nil, errf("message_not_found")
	}
	var r *reaction
	for _, x := range m.reactions {
		if x.name == name {
			r = x
		}
	}
	if r == nil {
		r = &reaction{name: name}
		m.reactions = append(m.reactions, r)
	}
	for _, u := range r.users {
		if u == s.botUserID {
			return nil, errf("already_reacted")
		}
	}
	r.users = append(r.users, s.botUserID)
	s.addEntryLocked(Entry{Kind: "reaction", Who: s.opts.BotName, Where: s.placeLocked(c.id), Action: "reacted",
		ChannelID: c.id, TS: m.ts, Text: ":" + name + ": on “" + snippet(s.renderMessageLocked(m), 40) + "”"})
	return map[string]any{}, nil
}
