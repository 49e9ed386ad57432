package bot

import (
	"testing"

	"github.com/slack-go/slack"
)

func TestTeamsOfGroupsTakesTheSmallestEnabledGroup(t *testing.T) {
	got := teamsOfGroups([]slack.UserGroup{
		{ID: "S3", Users: []string{"U1", "U2", "U3", "U4"}}, // @everyone-product
		{ID: "S2", Users: []string{"U1", "U2"}},             // @design
		{ID: "S1", Users: []string{"U3"}, DateDelete: 1},    // disabled
		{ID: "S5", Users: []string{"U4", "U5"}},             // two groups of one size: the lower id
		{ID: "S4", Users: []string{"U4", "U6"}},
	})
	want := map[string]string{"U1": "S2", "U2": "S2", "U3": "S3", "U4": "S4", "U5": "S5", "U6": "S4"}
	if len(got) != len(want) {
		t.Fatalf("teams = %v, want %v", got, want)
	}
	for id, team := range want {
		if got[id] != team {
			t.Errorf("%s: team %q, want %q", id, got[id], team)
		}
	}
}
