package main

import (
	"slices"
	"strings"
	"testing"
)

const coffeeChannel = "coffee:\n  - channel: C1234\n    schedule: \"0 9 * * MON\"\n"

func TestCoffeeTeamsConfig(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader(coffeeChannel+"    teams:\n      design: [U01ANA, U02RAJ]\n      eng: [U03MEI]\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	got := cfg.Coffee[0].Teams.teamMap()
	if len(got) != 3 || got["U01ANA"] != "design" || got["U02RAJ"] != "design" || got["U03MEI"] != "eng" {
		t.Errorf("teams = %v", got)
	}
	cfg, err = ParseConfig(strings.NewReader(coffeeChannel+"    teams: usergroups\n"), false)
	if err != nil || cfg.Validate() != nil || !cfg.Coffee[0].Teams.UserGroups {
		t.Fatalf("teams: usergroups: %v %+v", err, cfg)
	}
}

func TestCoffeeTeamsConfigMistakesNameTheField(t *testing.T) {
	for _, tc := range []struct {
		name, teams string
		want        []string
	}{
		{"unknown source", "teams: ldap", []string{"coffee[0].teams:", "ldap", `"usergroups"`}},
		{"a list", "teams: [U01ANA]", []string{"coffee[0].teams:", "a list"}},
		{"empty mapping", "teams: {}", []string{"coffee[0].teams:", "no teams"}},
		{"empty team", "teams: {design: []}", []string{"coffee[0].teams.design:", "no members"}},
		{"not a user id", "teams: {design: [\"@ana\"]}", []string{"coffee[0].teams.design:", `"@ana"`, "user id"}},
		{"two teams", "teams: {design: [U01ANA], eng: [U01ANA]}", []string{"coffee[0].teams.eng:", "U01ANA", "already in team design"}},
		{"twice in one team", "teams: {design: [U01ANA, U01ANA]}", []string{"coffee[0].teams.design:", "listed twice"}},
		{"not lists", "teams: {design: {lead: U01ANA}}", []string{"coffee[0].teams:", "not lists of user ids"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := parseAndValidate(t, coffeeChannel+"    "+tc.teams+"\n")
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestManifestAsksForUserGroupsOnlyWhenTeamsComeFromThem(t *testing.T) {
	for _, tc := range []struct {
		teams string
		want  bool
	}{{"", false}, {"    teams: {design: [U01ANA]}\n", false}, {"    teams: usergroups\n", true}} {
		cfg, err := ParseConfig(strings.NewReader(coffeeChannel+tc.teams), false)
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(buildManifest(cfg).OAuthConfig.Scopes.Bot, "usergroups:read"); got != tc.want {
			t.Errorf("teams %q: usergroups:read in the manifest = %v, want %v", tc.teams, got, tc.want)
		}
	}
}
