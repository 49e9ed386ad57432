package bot

import (
	"regexp"
	"strings"
)

// mentionPattern matches a user mention as Slack sends it with should_escape: <@U123> or <@U123|ana>.
var mentionPattern = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^>]*)?>`)

// leadingMentions takes the user mentions at the start of text (separated by spaces or commas)
// and returns their ids, without duplicates, and the rest of the text.
func leadingMentions(text string) ([]string, string) {
	var ids []string
	seen := map[string]bool{}
	rest := strings.TrimSpace(text)
	for {
		loc := mentionPattern.FindStringSubmatchIndex(rest)
		if loc == nil || loc[0] != 0 {
			return ids, rest
		}
		id := rest[loc[2]:loc[3]]
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
		rest = strings.TrimLeft(rest[loc[1]:], " ,")
	}
}

// plainMention reports whether text looks like an @name typed without Slack turning it into a
// mention (the app was not installed with should_escape, or the name was misspelt).
func plainMention(text string) bool {
	return strings.HasPrefix(strings.TrimSpace(text), "@")
}
