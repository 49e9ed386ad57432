package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// ForgottenUser stands in for a forgotten person's user id in the records Forget keeps because
// they belong to others too (a coffee round, kudos). It is not a valid Slack user id, so nobody
// can act as it; renderers may show it as "someone who has left".
const ForgottenUser = "U0FORGOTTEN"

// personBucket is what the store knows about one bucket and a person's user id in it. Every
// registered bucket has exactly one entry in personBuckets.
type personBucket struct {
	name []byte
	// keys and values say whether the bucket holds user ids by construction, in its keys or in its
	// values. A bucket with neither can still hold an id typed into free text (an answer that
	// mentions someone): Forget's final sweep rewrites those.
	keys, values bool
	// keyText and valueText return the part of a key or a value where an id can be written; nil
	// means all of it, noText none of it. Binary parts (sequence numbers, times, random bytes,
	// HMACs) could match a short id by chance and are never searched or rewritten.
	keyText, valueText func([]byte) []byte
	// how says where the id is and what Forget does with it.
	how string
	// forget erases or rewrites the person's records in the bucket; nil when it holds no id by
	// construction.
	forget func(f *forgetter, b *bolt.Bucket) error
	// collect adds what the bucket keeps about the person to their PersonData; nil when it keeps
	// nothing of theirs.
	collect func(c *collector, b *bolt.Bucket) error
}

// personBuckets is the single list of every bucket, in the order Forget handles them (a primary
// bucket before its index), saying whether and how each can hold a user id.
// TestPersonBucketsClassifyEveryRegisteredBucket fails when a registered bucket is missing
// here, and Forget and PersonData refuse to run.
var personBuckets = []personBucket{
	{name: bucketMeta, valueText: noText,
		how: "schema version and health-check time: no person"},

	// The ledger and the outbox.
	{name: bucketRuns,
		how: "run keys are ritual/channel/time and records say ran or skipped: no person"},
	{name: bucketRunLast,
		how: "ritual/channel to a time: no person"},
	{name: bucketOutbox, values: true, keyText: noText,
		how: "queued messages name recipients and people in their data: those to the person (alone " +
			"or in a group) are deleted with their key; in the others the id becomes ForgottenUser",
		forget: forgetOutbox, collect: collectOutbox},
	{name: bucketOutboxKeys, keys: true, valueText: noText,
		how:    "message keys such as …/dm/U…: kept in step with outbox; a key left naming the person is deleted",
		forget: forgetKeysNaming},
	{name: bucketOutboxDone, keys: true,
		how: "delivered-message keys such as …/dm/U… or digest.kudos/…/U…: deleted, and so are the " +
			"records of the replies to the person's icebreaker suggestions",
		forget: forgetKeysNaming, collect: collectDelivered},
	{name: bucketTasks, keys: true, values: true, keyText: textAfter(8),
		how:    "tasks such as digest.ask/C…/W…/U…: a task whose key names the person is deleted; in others the id becomes ForgottenUser",
		forget: forgetTasks, collect: collectTasks},
	{name: bucketTaskKeys, keys: true, valueText: textAfter(8),
		how:    "task keys: kept in step with tasks; a key left naming the person is deleted",
		forget: forgetKeysNaming},

	// Coffee.
	{name: bucketCoffeeMembers, keys: true,
		how:    "channel/user to their choices (joined, left, paused): deleted",
		forget: forgetCoffeeMembers, collect: collectCoffeeMembers},
	{name: bucketCoffeeRounds, values: true,
		how:    "rounds list group members, who answered and who was alone: shared, so the id becomes ForgottenUser",
		forget: forgetCoffeeRounds, collect: collectCoffeeRounds},
	{name: bucketCoffeeHistory, values: true,
		how: "the members of each round's groups, for planning: a copy of the rounds' members, so " +
			"the id becomes ForgottenUser as in the rounds (shown through coffee_rounds)",
		forget: forgetCoffeeHistory},
	{name: bucketCoffeeRoundKeys,
		how: "round id to round key: no person"},
	{name: bucketCoffeeAvoids, keys: true,
		how:    "user/other pairs kept apart: every pair naming the person, in either direction, is deleted",
		forget: forgetCoffeeAvoids, collect: collectCoffeeAvoids},
	{name: bucketCoffeeStarters,
		how: "channel/question to a time: no person"},
	{name: bucketCoffeeHours, keys: true,
		how:    "user to the working hours they set: deleted",
		forget: forgetCoffeeHours, collect: collectCoffeeHours},

	// Icebreakers.
	{name: bucketIceAsked,
		how: "channel/question to a time: no person"},
	{name: bucketIceRounds,
		how: "questions posted and answer counts: no person"},
	{name: bucketIceRoundKeys,
		how: "round id to round key: no person"},
	{name: bucketIceSuggestions, values: true,
		how:    "suggestions name their author and the admin who decided: the person's own are deleted; as decider the id becomes ForgottenUser",
		forget: forgetSuggestions, collect: collectSuggestions},

	// The digest.
	{name: bucketDigestUpdates, keys: true, values: true,
		how:    "channel/week/user to their update or skip: deleted",
		forget: forgetDigestUpdates, collect: collectDigestUpdates},
	{name: bucketDigestUserWeeks, keys: true,
		how:    "channel/user/week index of updates: deleted",
		forget: forgetDigestUserWeeks},
	{name: bucketDigestAsked, keys: true, values: true,
		how:    "channel/week/user: when they were asked: deleted",
		forget: forgetDigestAsked, collect: collectDigestAsked},
	{name: bucketDigestKudos, values: true,
		how: "kudos name who thanked whom: kudos to the person alone are deleted; otherwise the id " +
			"becomes ForgottenUser as giver or among those thanked",
		forget: forgetKudos, collect: collectKudos},
	{name: bucketDigestPosts,
		how: "channel/week to the run that posted it: no person"},

	// Presence.
	{name: bucketPresenceAway, keys: true, values: true,
		how:    "user to their away record: deleted",
		forget: forgetAway, collect: collectAway},

	// Anonymous feedback: nothing links an answer to anyone, so nothing here is about the person
	// except the recipients of an open prompt and the responses they signed.
	{name: bucketFbAsked,
		how: "channel/question to a time: no person"},
	{name: bucketFbPrompts, values: true,
		how:    "an open prompt lists its recipients: the person is taken off the list (the count asked stays)",
		forget: forgetPromptRecipients, collect: collectPrompts},
	{name: bucketFbOpen,
		how: "channel to its open prompt: no person"},
	{name: bucketFbTokens, keyText: textBeforeLast(32), valueText: noText,
		how: "one-time tokens keyed by HMAC(secret, prompt|user) with the secret never on disk: " +
			"nothing links a token to anyone"},
	{name: bucketFbAnswers, keyText: textBeforeLast(16),
		how: "anonymous answers under random keys, without author or time: no person"},
	{name: bucketFbCarry, keyText: textBeforeLast(16),
		how: "anonymous answers held for the next batch: no person"},
	{name: bucketFbReleases,
		how: "released batches: counts and question, no person"},
	{name: bucketFbResponses, values: true,
		how:    "signed responses to released feedback: the person's own are deleted",
		forget: forgetResponses, collect: collectResponses},

	// Settings made in Slack.
	{name: bucketSettings, values: true,
		how:    "rituals' settings name the admin who changed them and feedback responders, and admins added in Slack: taken off the admins; elsewhere the id becomes ForgottenUser",
		forget: forgetSettings, collect: collectSettings},

	// Charts.
	{name: bucketChartsLatest,
		how: "the latest chart uploaded: a file id, a title and alt text of aggregates: no person"},

	// Last: the index of the records above that retention removes.
	{name: bucketRetention, keys: true, valueText: noText,
		how: "kind/time/record key of updates, asks, kudos, delivery and run records, for retention: " +
			"entries naming the person, and those of records deleted above, are deleted",
		forget: forgetRetentionEntries},
}

// noText says a key or a value has no text part: it is never searched for ids.
func noText([]byte) []byte { return nil }

// textAfter returns the part of a key or value after its first n bytes.
func textAfter(n int) func([]byte) []byte {
	return func(b []byte) []byte {
		if len(b) < n {
			return nil
		}
		return b[n:]
	}
}

// textBeforeLast returns the part of a key or value before its last n bytes.
func textBeforeLast(n int) func([]byte) []byte {
	return func(b []byte) []byte {
		if len(b) < n {
			return nil
		}
		return b[:len(b)-n]
	}
}

// textOf returns the part of b that f selects (all of it when f is nil).
func textOf(f func([]byte) []byte, b []byte) []byte {
	if f == nil {
		return b
	}
	return f(b)
}

// personPolicies returns personBuckets by name, or an error naming the registered buckets it
// does not classify: no person's data may be left behind silently in a bucket added later.
func personPolicies() (map[string]*personBucket, error) { return classify(buckets) }

// classify returns personBuckets by name, or an error naming those of registered it lacks.
func classify(registered [][]byte) (map[string]*personBucket, error) {
	byName := make(map[string]*personBucket, len(personBuckets))
	for i := range personBuckets {
		byName[string(personBuckets[i].name)] = &personBuckets[i]
	}
	var missing []string
	for _, name := range registered {
		if byName[string(name)] == nil {
			missing = append(missing, string(name))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("bucket %s is not classified in personBuckets (store/ops_person.go): say whether and how it holds user ids", strings.Join(missing, ", "))
	}
	return byName, nil
}

// validUserID reports whether s looks like a Slack user id (U… or W…, capitals and digits), and
// is not ForgottenUser. Forget replaces whole ids only, so anything else could match too much.
func validUserID(s string) error {
	if s == ForgottenUser {
		return fmt.Errorf("%s is the placeholder of people already forgotten", s)
	}
	if len(s) < 2 || (s[0] != 'U' && s[0] != 'W') {
		return fmt.Errorf("%q is not a Slack user id", s)
	}
	for i := 1; i < len(s); i++ {
		if !isIDByte(s[i]) {
			return fmt.Errorf("%q is not a Slack user id", s)
		}
	}
	return nil
}

// isIDByte reports whether c can be part of a Slack id.
func isIDByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

// indexID returns the index of the first whole occurrence of id in b at or after from (not
// preceded or followed by a letter or digit, so U1 is not found in U12), or -1.
func indexID(b, id []byte, from int) int {
	for from <= len(b)-len(id) {
		i := bytes.Index(b[from:], id)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(id)
		if (i == 0 || !isIDByte(b[i-1])) && (end == len(b) || !isIDByte(b[end])) {
			return i
		}
		from = i + 1
	}
	return -1
}

// namesID reports whether b holds id as a whole word.
func namesID(b, id []byte) bool { return indexID(b, id, 0) >= 0 }

// replaceID returns b with every whole occurrence of id replaced by with.
func replaceID(b, id, with []byte) []byte {
	var out []byte
	last := 0
	for i := indexID(b, id, 0); i >= 0; i = indexID(b, id, i+len(id)) {
		out = append(out, b[last:i]...)
		out = append(out, with...)
		last = i + len(id)
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// personKeyParts splits a "/"-joined key.
func personKeyParts(k []byte) []string { return strings.Split(string(k), "/") }

// replaceUser returns ids with user replaced by ForgottenUser, and whether it was there.
func replaceUser(ids []string, user string) ([]string, bool) {
	changed := false
	for i, id := range ids {
		if id == user {
			ids[i], changed = ForgottenUser, true
		}
	}
	return ids, changed
}
