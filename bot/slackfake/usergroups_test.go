package slackfake

import (
	"slices"
	"testing"

	"github.com/slack-go/slack"
)

func TestUserGroups(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := ctxT(t)
	design := f.srv.AddUserGroup(UserGroup{Handle: "design", Name: "Design", Users: []string{f.ana, f.raj}})
	old := f.srv.AddUserGroup(UserGroup{Handle: "old", Users: []string{f.lee}, Disabled: true})

	groups, err := f.api.GetUserGroupsContext(ctx)
	if err != nil || len(groups) != 1 || groups[0].ID != design || groups[0].Handle != "design" || groups[0].Name != "Design" {
		t.Fatalf("usergroups.list: %+v, %v", groups, err)
	}
	if groups[0].Users != nil {
		t.Errorf("members listed without include_users: %v", groups[0].Users)
	}
	groups, err = f.api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeUsers(true), slack.GetUserGroupsOptionIncludeDisabled(true))
	if err != nil || len(groups) != 2 {
		t.Fatalf("with include_disabled: %+v, %v", groups, err)
	}
	if !slices.Equal(groups[0].Users, []string{f.ana, f.raj}) || groups[0].UserCount != 2 {
		t.Errorf("include_users: %+v", groups[0])
	}
	if groups[1].ID != old || groups[1].DateDelete == 0 {
		t.Errorf("a disabled group has a date_delete: %+v", groups[1])
	}

	users, err := f.api.GetUserGroupMembersContext(ctx, design)
	if err != nil || !slices.Equal(users, []string{f.ana, f.raj}) {
		t.Errorf("usergroups.users.list: %v, %v", users, err)
	}
	if _, err := f.api.GetUserGroupMembersContext(ctx, old); slackErr(err) != "no_such_subteam" {
		t.Errorf("a disabled group's members without include_disabled: %v", err)
	}
	if _, err := f.api.GetUserGroupMembersContext(ctx, "S0NOPE"); slackErr(err) != "no_such_subteam" {
		t.Errorf("an unknown group: %v", err)
	}
}
