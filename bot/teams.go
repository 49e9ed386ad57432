package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/slack-go/slack"
)

// userGroupTeams is the workspace's user groups read as teams: each person's team is the smallest
// enabled user group they belong to (the most specific: @design rather than @everyone-product).
type userGroupTeams struct {
	teamOf map[string]string
	at     time.Time
}

// TeamsOf implements coffee.Teams from Slack user groups (usergroups.list with include_users, one
// call for the whole workspace, kept as long as people are), so that a round reads them once.
func (d *Directory) TeamsOf(ctx context.Context, ids []string) (map[string]string, error) {
	d.mu.Lock()
	cached := d.teams
	d.mu.Unlock()
	if cached == nil || d.now().Sub(cached.at) > d.ttl {
		var err error
		if cached, err = d.fetchUserGroups(ctx); err != nil {
			return nil, err
		}
		d.mu.Lock()
		d.teams = cached
		d.mu.Unlock()
	}
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		if t, ok := cached.teamOf[id]; ok {
			out[id] = t
		}
	}
	return out, nil
}

func (d *Directory) fetchUserGroups(ctx context.Context) (*userGroupTeams, error) {
	for {
		if err := d.limits.wait(ctx, "usergroups.list", ""); err != nil {
			return nil, err
		}
		groups, err := d.api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeUsers(true))
		if err != nil {
			if retryAfter(err, d.limits, "usergroups.list") {
				continue
			}
			return nil, fmt.Errorf("usergroups.list: %w", err)
		}
		return &userGroupTeams{teamOf: teamsOfGroups(groups), at: d.now()}, nil
	}
}

// teamsOfGroups gives each member of an enabled group the smallest group they are in, ties going
// to the group with the lower id, so that the answer does not depend on the order Slack lists them.
func teamsOfGroups(groups []slack.UserGroup) map[string]string {
	groups = slices.DeleteFunc(slices.Clone(groups), func(g slack.UserGroup) bool { return g.DateDelete != 0 })
	slices.SortFunc(groups, func(a, b slack.UserGroup) int {
		return cmp.Or(cmp.Compare(len(a.Users), len(b.Users)), cmp.Compare(a.ID, b.ID))
	})
	teamOf := map[string]string{}
	for _, g := range groups {
		for _, id := range g.Users {
			if _, ok := teamOf[id]; !ok {
				teamOf[id] = g.ID
			}
		}
	}
	return teamOf
}
