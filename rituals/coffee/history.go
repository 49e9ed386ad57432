package coffee

import "github.com/ritualbot/ritualbot/rituals/pairing"

// History is what planning reads of past rounds: who met whom, and when. Reading only that, and
// not whole rounds (reasons, starters, answers), is what keeps planning a channel of 10,000 people
// with a year of rounds under 200 ms.
type History interface {
	// PastGroups returns PastGroupsOf(Rounds(channel, 0)) without reading the rest of the rounds.
	PastGroups(channel string) ([]pairing.PastGroup, error)
}

// PastGroupsOf is the history that rounds, newest first, give planning: the members of each group,
// dated by its round, in the rounds' order.
func PastGroupsOf(rounds []Round) []pairing.PastGroup {
	var out []pairing.PastGroup
	for _, r := range rounds {
		for _, g := range r.Groups {
			out = append(out, pairing.PastGroup{Members: g.Members, At: r.At})
		}
	}
	return out
}
