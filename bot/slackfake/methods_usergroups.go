package slackfake

import (
	"slices"
	"time"
)

// UserGroup is a Slack user group (a "subteam", mentioned as @handle). Disabled groups are listed
// only when asked for with include_disabled, as Slack does.
type UserGroup struct {
	ID, Handle, Name, Description string
	// Users are the members' ids.
	Users    []string
	Disabled bool
}

// AddUserGroup adds a user group, or replaces the one with the same id. An empty ID gets a
// generated S… id, which is returned.
func (s *Server) AddUserGroup(g UserGroup) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.ID == "" {
		g.ID = s.newIDLocked('S')
	}
	if g.Handle == "" {
		g.Handle = g.Name
	}
	if g.Name == "" {
		g.Name = g.Handle
	}
	g.Users = slices.Clone(g.Users)
	if s.ws.userGroups == nil {
		s.ws.userGroups = map[string]*UserGroup{}
	}
	if _, ok := s.ws.userGroups[g.ID]; !ok {
		s.ws.groupOrder = append(s.ws.groupOrder, g.ID)
	}
	s.ws.userGroups[g.ID] = &g
	return g.ID
}

// subteamJSON renders a user group like usergroups.list does (objs_subteam).
func (s *Server) subteamJSON(g *UserGroup, users bool) map[string]any {
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	deleted := int64(0)
	if g.Disabled {
		deleted = created + 3600
	}
	out := map[string]any{
		"id": g.ID, "team_id": s.teamID, "is_usergroup": true, "is_subteam": true,
		"name": g.Name, "description": g.Description, "handle": g.Handle, "is_external": false,
		"date_create": created, "date_update": created, "date_delete": deleted,
		"auto_type": nil, "auto_provision": false, "enterprise_subteam_id": "",
		"created_by": "USLACKBOT", "updated_by": "USLACKBOT", "deleted_by": nil,
		"prefs": map[string]any{"channels": []string{}, "groups": []string{}},
	}
	if users {
		out["users"] = slices.Clone(g.Users)
		out["user_count"] = len(g.Users)
	}
	return out
}

// usergroupsList lists the workspace's user groups; members only with include_users, disabled
// groups only with include_disabled. Slack does not paginate it.
func (s *Server) usergroupsList(q *apiReq) (map[string]any, *apiErr) {
	groups := []map[string]any{}
	for _, id := range s.ws.groupOrder {
		g := s.ws.userGroups[id]
		if g.Disabled && !q.flag("include_disabled") {
			continue
		}
		m := s.subteamJSON(g, q.flag("include_users"))
		if q.flag("include_count") {
			m["user_count"] = len(g.Users)
		}
		groups = append(groups, m)
	}
	return map[string]any{"usergroups": groups}, nil
}

// usergroupsUsersList lists one user group's members.
func (s *Server) usergroupsUsersList(q *apiReq) (map[string]any, *apiErr) {
	g := s.ws.userGroups[q.str("usergroup")]
	if g == nil || (g.Disabled && !q.flag("include_disabled")) {
		return nil, errf("no_such_subteam")
	}
	return map[string]any{"users": slices.Clone(g.Users)}, nil
}
