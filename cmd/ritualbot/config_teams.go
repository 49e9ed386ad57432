package main

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ritualbot/ritualbot/rituals/coffee"
)

// teamsFromUserGroups is the value of coffee[].teams that takes teams from Slack user groups.
const teamsFromUserGroups = "usergroups"

// TeamsConfig is where a coffee channel's teams come from: Slack user groups ("usergroups") or a
// mapping in the configuration, team name to the user ids of its members. Unset means no teams.
type TeamsConfig struct {
	// UserGroups takes each person's team from Slack user groups (scope usergroups:read).
	UserGroups bool
	// Members lists each team's user ids.
	Members map[string][]string

	// bad is a value of the wrong shape, reported by validate with the field's name.
	bad string
}

// UnmarshalYAML accepts "usergroups" or a mapping of team names to lists of user ids; anything
// else is kept and reported by validate.
func (t *TeamsConfig) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == teamsFromUserGroups {
			t.UserGroups = true
			return nil
		}
		t.bad = n.Value
		if t.bad == "" {
			t.bad = `""`
		}
		return nil
	case yaml.MappingNode:
		if err := n.Decode(&t.Members); err != nil {
			t.bad = "a mapping whose values are not lists of user ids"
		}
		if t.Members == nil {
			t.Members = map[string][]string{}
		}
		return nil
	}
	t.bad = "a list"
	return nil
}

// set reports whether teams are configured.
func (t TeamsConfig) set() bool { return t.UserGroups || t.Members != nil }

// validate reports a value of the wrong shape, an empty team, a malformed user id, and a person
// listed in two teams.
func (t TeamsConfig) validate(field string, errs *validationErrors) {
	if t.bad != "" {
		errs.add(field, "%s is not a source of teams; use %q (Slack user groups) or a mapping such as {design: [U0123ABCD], eng: [U0456EFGH]}", t.bad, teamsFromUserGroups)
		return
	}
	if t.Members != nil && len(t.Members) == 0 {
		errs.add(field, "no teams listed; list team: [user ids], or remove teams")
	}
	teamOf := map[string]string{}
	for _, team := range slices.Sorted(maps.Keys(t.Members)) {
		ids := t.Members[team]
		f := field + "." + team
		if strings.TrimSpace(team) == "" {
			errs.add(field, "a team has an empty name")
			continue
		}
		if len(ids) == 0 {
			errs.add(f, "no members; list their user ids, e.g. [U0123ABCD]")
		}
		for _, id := range ids {
			switch other, dup := teamOf[id]; {
			case !userIDPattern.MatchString(id):
				errs.add(f, "%q is not a user id (like U0123ABCD)", id)
			case dup && other == team:
				errs.add(f, "%s is listed twice", id)
			case dup:
				errs.add(f, "%s is already in team %s; a person belongs to one team", id, other)
			default:
				teamOf[id] = team
			}
		}
	}
}

// teamMap is the mapping as coffee takes it: user id to team.
func (t TeamsConfig) teamMap() coffee.TeamMap {
	m := coffee.TeamMap{}
	for team, ids := range t.Members {
		for _, id := range ids {
			if other, ok := m[id]; !ok || cmp.Less(team, other) {
				m[id] = team
			}
		}
	}
	return m
}
