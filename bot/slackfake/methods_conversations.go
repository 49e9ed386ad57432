package slackfake

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// page picks [start,end) of n items for cursor/limit pagination. limit 0
// means def (def 0 means everything). Unless Options.ExactPages is set, the
// first page of a listing that has more pages is one item short, as Slack's
// pages sometimes are: clients must follow next_cursor, not count items.
func (s *Server) page(q *apiReq, n, def, maxLimit int) (start, end int, next string, e *apiErr) {
	limit := def
	if l := q.str("limit"); l != "" {
		v, err := strconv.Atoi(l)
		if err != nil || v < 0 {
			return 0, 0, "", errf("invalid_limit")
		}
		if v > 0 {
			limit = min(v, maxLimit)
		}
	}
	if c := q.str("cursor"); c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		off, ok := strings.CutPrefix(string(raw), "offset:")
		v, err2 := strconv.Atoi(off)
		if err != nil || !ok || err2 != nil || v < 0 || v > n {
			return 0, 0, "", errf("invalid_cursor")
		}
		start = v
	}
	end = n
	if limit > 0 {
		end = min(n, start+limit)
	}
	if end < n {
		if !s.opts.ExactPages && start == 0 && end-start > 1 {
			end--
		}
		next = base64.StdEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	return start, end, next, nil
}

func (s *Server) conversationsOpen(q *apiReq) (map[string]any, *apiErr) {
	if ch := q.str("channel"); ch != "" {
		c := s.ws.channels[ch]
		if c == nil || !c.isMember(s.botUserID) {
			return nil, errf("channel_not_found")
		}
		if c.kind != kindIM && c.kind != kindMPIM {
			return nil, errf("method_not_supported_for_channel_type")
		}
		return map[string]any{"no_op": true, "already_open": true, "channel": s.openResult(q, c)}, nil
	}
	if strings.TrimSpace(q.str("users")) == "" {
		return nil, errf("users_list_not_supplied")
	}
	var ids []string
	for _, id := range strings.Split(q.str("users"), ",") {
		id = strings.TrimSpace(id)
		if id != "" && id != s.botUserID && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, errf("not_enough_users")
	}
	if len(ids) > 8 {
		return nil, errf("too_many_users")
	}
	for _, id := range ids {
		u := s.ws.users[id]
		switch {
		case u == nil:
			return nil, errf("user_not_found")
		case u.Deleted:
			return nil, errf("user_disabled")
		case u.IsBot || id == "USLACKBOT":
			return nil, errf("cannot_dm_bot")
		}
	}
	var c *channel
	existed := false
	if len(ids) == 1 {
		_, existed = s.ws.dms[ids[0]]
		if !existed && q.flag("prevent_creation") {
			return map[string]any{"no_op": true}, nil
		}
		c = s.openDMLocked(ids[0])
	} else {
		if _, ok := s.ws.mpims[s.mpimKey(ids)]; !ok && q.flag("prevent_creation") {
			return map[string]any{"no_op": true}, nil
		}
		c, existed = s.openMPIMLocked(ids)
	}
	out := map[string]any{"channel": s.openResult(q, c)}
	if existed {
		out["no_op"] = true
		out["already_open"] = true
	}
	s.notifyLocked()
	return out, nil
}

// openResult is the channel object conversations.open returns: just the id
// for a DM unless return_im is set, the full object for a group DM.
func (s *Server) openResult(q *apiReq, c *channel) map[string]any {
	if c.kind == kindIM && !q.flag("return_im") {
		return map[string]any{"id": c.id}
	}
	return s.channelJSON(c, false)
}

func (s *Server) conversationsMembers(q *apiReq) (map[string]any, *apiErr) {
	c, e := s.visibleChannelLocked(q.str("channel"))
	if e != nil {
		return nil, e
	}
	if e := s.needScopeLocked(readScope(c)); e != nil {
		return nil, e
	}
	start, end, next, e := s.page(q, len(c.members), 100, 1000)
	if e != nil {
		return nil, e
	}
	return map[string]any{"members": slices.Clone(c.members[start:end]),
		"response_metadata": map[string]any{"next_cursor": next}}, nil
}

func (s *Server) conversationsInfo(q *apiReq) (map[string]any, *apiErr) {
	c, e := s.visibleChannelLocked(q.str("channel"))
	if e != nil {
		return nil, e
	}
	if e := s.needScopeLocked(readScope(c)); e != nil {
		return nil, e
	}
	return map[string]any{"channel": s.channelJSON(c, q.flag("include_num_members"))}, nil
}

// readableChannelLocked is a conversation whose history the bot may read.
func (s *Server) readableChannelLocked(arg string) (*channel, *apiErr) {
	c, e := s.visibleChannelLocked(arg)
	if e != nil {
		return nil, e
	}
	if !c.isMember(s.botUserID) {
		return nil, errf("not_in_channel")
	}
	return c, nil
}

// tsRange applies oldest/latest/inclusive.
func tsRange(q *apiReq) (func(ts string) bool, *apiErr) {
	oldest, latest := q.str("oldest"), q.str("latest")
	parse := func(v string, code string) (float64, *apiErr) {
		if v == "" {
			return 0, nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, errf(code)
		}
		return f, nil
	}
	o, e := parse(oldest, "invalid_ts_oldest")
	if e != nil {
		return nil, e
	}
	l, e := parse(latest, "invalid_ts_latest")
	if e != nil {
		return nil, e
	}
	incl := q.flag("inclusive")
	return func(ts string) bool {
		f, _ := strconv.ParseFloat(ts, 64)
		if oldest != "" && (f < o || (f == o && !incl)) {
			return false
		}
		if latest != "" && (f > l || (f == l && !incl)) {
			return false
		}
		return true
	}, nil
}

func (s *Server) conversationsHistory(q *apiReq) (map[string]any, *apiErr) {
	c, e := s.readableChannelLocked(q.str("channel"))
	if e != nil {
		return nil, e
	}
	if e := s.needScopeLocked(historyScope(c)); e != nil {
		return nil, e
	}
	in, e := tsRange(q)
	if e != nil {
		return nil, e
	}
	var top []*message
	for i := len(c.msgs) - 1; i >= 0; i-- {
		m := c.msgs[i]
		if m.deleted || !in(m.ts) || (m.threadTS != "" && m.threadTS != m.ts && !m.broadcast) {
			continue
		}
		top = append(top, m)
	}
	start, end, next, e := s.page(q, len(top), 100, 999)
	if e != nil {
		return nil, e
	}
	meta := q.flag("include_all_metadata")
	msgs := []map[string]any{}
	for _, m := range top[start:end] {
		msgs = append(msgs, s.messageJSON(c, m, meta))
	}
	return map[string]any{"messages": msgs, "has_more": next != "", "pin_count": 0,
		"channel_actions_ts": nil, "channel_actions_count": 0,
		"response_metadata": map[string]any{"next_cursor": next}}, nil
}

func (s *Server) conversationsReplies(q *apiReq) (map[string]any, *apiErr) {
	c, e := s.readableChannelLocked(q.str("channel"))
	if e != nil {
		return nil, e
	}
	if e := s.needScopeLocked(historyScope(c)); e != nil {
		return nil, e
	}
	if q.str("ts") == "" {
		return nil, errf("thread_not_found")
	}
	root, e := s.threadRootLocked(c, q.str("ts"))
	if e != nil {
		return nil, e
	}
	in, e := tsRange(q)
	if e != nil {
		return nil, e
	}
	thread := []*message{root}
	for _, m := range c.msgs {
		if m != root && !m.deleted && m.threadTS == root.ts && in(m.ts) {
			thread = append(thread, m)
		}
	}
	start, end, next, e := s.page(q, len(thread), 1000, 1000)
	if e != nil {
		return nil, e
	}
	meta := q.flag("include_all_metadata")
	msgs := []map[string]any{}
	for _, m := range thread[start:end] {
		msgs = append(msgs, s.messageJSON(c, m, meta))
	}
	return map[string]any{"messages": msgs, "has_more": next != "",
		"response_metadata": map[string]any{"next_cursor": next}}, nil
}
