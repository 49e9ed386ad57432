package slackfake

import (
	"strings"
	"time"
)

func (s *Server) usersInfo(q *apiReq) (map[string]any, *apiErr) {
	locale := q.flag("include_locale")
	if list := q.str("users"); list != "" && q.str("user") == "" {
		var out []map[string]any
		for _, id := range strings.Split(list, ",") {
			u := s.ws.users[strings.TrimSpace(id)]
			if u == nil {
				return nil, errf("user_not_found")
			}
			out = append(out, s.userJSON(u, locale))
		}
		return map[string]any{"users": out}, nil
	}
	u := s.ws.users[q.str("user")]
	if u == nil {
		return nil, errf("user_not_found")
	}
	return map[string]any{"user": s.userJSON(u, locale)}, nil
}

// usersList lists everyone — people, bots, deactivated accounts and
// Slackbot (USLACKBOT, which Slack reports with is_bot false) — as Slack does.
func (s *Server) usersList(q *apiReq) (map[string]any, *apiErr) {
	start, end, next, e := s.page(q, len(s.ws.userOrder), 0, 1000)
	if e != nil {
		return nil, e
	}
	locale := q.flag("include_locale")
	members := []map[string]any{}
	for _, id := range s.ws.userOrder[start:end] {
		members = append(members, s.userJSON(s.ws.users[id], locale))
	}
	return map[string]any{"members": members, "cache_ts": time.Now().Unix(),
		"response_metadata": map[string]any{"next_cursor": next}}, nil
}
