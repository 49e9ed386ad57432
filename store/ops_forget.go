package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/icebreaker"
)

// ForgetReport says what Forget changed, per bucket. It names no person, so it can be logged.
type ForgetReport struct {
	// Buckets maps a bucket's name to what changed in it; buckets without change are absent.
	Buckets map[string]ForgetCount `json:"buckets"`
}

// ForgetCount is what Forget did in one bucket.
type ForgetCount struct {
	// Deleted counts the records deleted.
	Deleted int `json:"deleted,omitempty"`
	// Rewritten counts the records kept with the person's id replaced by ForgottenUser (or taken
	// off a list).
	Rewritten int `json:"rewritten,omitempty"`
}

// Total counts every record deleted or rewritten.
func (r ForgetReport) Total() int {
	n := 0
	for _, c := range r.Buckets {
		n += c.Deleted + c.Rewritten
	}
	return n
}

// String lists the changes by bucket, e.g. "coffee_members: 1 deleted; coffee_rounds: 2
// rewritten", or "nothing kept".
func (r ForgetReport) String() string {
	if r.Total() == 0 {
		return "nothing kept"
	}
	names := make([]string, 0, len(r.Buckets))
	for name := range r.Buckets {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, name := range names {
		c := r.Buckets[name]
		var what []string
		if c.Deleted > 0 {
			what = append(what, fmt.Sprintf("%d deleted", c.Deleted))
		}
		if c.Rewritten > 0 {
			what = append(what, fmt.Sprintf("%d rewritten", c.Rewritten))
		}
		parts = append(parts, name+": "+strings.Join(what, ", "))
	}
	return strings.Join(parts, "; ")
}

// Forget erases everything the database keeps about user, in one transaction, and returns what
// it changed. Afterwards no key or value in any bucket holds the id; the classification of every
// bucket is in personBuckets (store/ops_person.go), and Forget refuses to run if a registered
// bucket is missing there.
//
// Records that are the person's own are deleted: coffee memberships, pauses and working hours, pairs kept apart
// (in both directions: someone else's wish to avoid them names them too), digest updates, skips
// and asks, away status, icebreaker suggestions they made, feedback responses they signed, kudos
// to them alone, queued messages to them (alone or in a group DM: the intro of their coffee
// group is not sent to the others either), delivered-message records whose key names them
// (prompt DMs "…/dm/U…", check-ins, kudos, reminders; and the reply to their suggestions), and
// tasks whose key names them (a digest ask "digest.ask/C…/W…/U…"). Records shared with others
// are kept with the id replaced by ForgottenUser: coffee rounds (the other members still see
// their round; a group may answer "did you meet?" as before), kudos from them or to them and
// others, suggestions they decided as an admin, and queued messages to others that name them.
// Open feedback prompts take them off their recipients; the number asked stays. Finally every
// record is swept: an id typed into free text (an update or an anonymous answer that mentions
// them) becomes ForgottenUser, and a key still naming them aborts the whole transaction as a bug.
// There is nothing to erase about anonymous feedback answers: nothing links them to anyone.
//
// Forget does not opt the person out of future rituals. Recording an opt-out would need a record
// that names them (a coffee membership marked left, a "forgotten" list), and keying it by a hash
// or HMAC of the id does not help: whoever holds the database can recompute it for every member
// of the workspace, so it still holds the id in the sense that matters here. So after Forget the
// database knows nothing of them, and rituals that include channel members by default will
// include them again while they stay in the channel. Tell them so: to stop taking part, leave the
// channels, or opt out again after this (e.g. /ritual coffee leave), knowing that this choice is
// then kept under their id.
//
// The bytes of erased records stay in bbolt's free pages until the pages are reused, and in
// backups taken before: compact the file (Compact, with the bot stopped) and rotate old backups
// for the erasure to reach the disk.
func (db *DB) Forget(user string) (ForgetReport, error) {
	if err := validUserID(user); err != nil {
		return ForgetReport{}, fmt.Errorf("forget: %w", err)
	}
	policies, err := personPolicies()
	if err != nil {
		return ForgetReport{}, fmt.Errorf("forget: %w", err)
	}
	var report ForgetReport
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		f := &forgetter{tx: tx, user: user, id: []byte(user), report: ForgetReport{Buckets: map[string]ForgetCount{}}}
		for i := range personBuckets {
			pb := &personBuckets[i]
			b := tx.Bucket(pb.name)
			if pb.forget == nil || b == nil {
				continue
			}
			f.cur = pb.name
			if err := pb.forget(f, b); err != nil {
				return fmt.Errorf("forget in %s: %w", pb.name, err)
			}
		}
		if err := f.sweep(policies); err != nil {
			return err
		}
		report = f.report
		return nil
	})
	if err != nil {
		return ForgetReport{}, err
	}
	return report, nil
}

// forgetter is one Forget's transaction and what it did.
type forgetter struct {
	tx     *bolt.Tx
	user   string
	id     []byte
	report ForgetReport
	// cur is the bucket whose forget function runs.
	cur []byte
}

// count adds to a bucket's counts.
func (f *forgetter) count(bucket []byte, deleted, rewritten int) {
	c := f.report.Buckets[string(bucket)]
	c.Deleted += deleted
	c.Rewritten += rewritten
	f.report.Buckets[string(bucket)] = c
}

// names reports whether b holds the person's id as a whole word.
func (f *forgetter) names(b []byte) bool { return namesID(b, f.id) }

// scrub returns b with the person's id replaced by ForgottenUser.
func (f *forgetter) scrub(b []byte) []byte { return replaceID(b, f.id, []byte(ForgottenUser)) }

// deleteKey deletes k from b if it is there, counting it.
func (f *forgetter) deleteKey(name []byte, b *bolt.Bucket, k []byte) error {
	if b.Get(k) == nil {
		return nil
	}
	f.count(name, 1, 0)
	return b.Delete(k)
}

// rewrite asks decide about every record of b (nested buckets aside), then applies the answers
// once the walk is over: del deletes the record, a non-nil value (not aliasing the transaction's
// memory) replaces it, neither keeps it. It counts the changes under name.
func (f *forgetter) rewrite(name []byte, b *bolt.Bucket, decide func(k, v []byte) (nv []byte, del bool, err error)) error {
	type edit struct {
		k, v []byte
		del  bool
	}
	var edits []edit
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			continue
		}
		nv, del, err := decide(k, v)
		if err != nil {
			return err
		}
		if del || nv != nil {
			edits = append(edits, edit{clone(k), nv, del})
		}
	}
	for _, e := range edits {
		var err error
		if e.del {
			f.count(name, 1, 0)
			err = b.Delete(e.k)
		} else {
			f.count(name, 0, 1)
			err = b.Put(e.k, e.v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// rewriteJSON is rewrite for records of type T that name the person: edit changes the decoded
// record and says whether to delete it or whether it changed.
func rewriteJSON[T any](f *forgetter, name []byte, b *bolt.Bucket, edit func(k []byte, rec *T) (del, changed bool)) error {
	return f.rewrite(name, b, func(k, v []byte) ([]byte, bool, error) {
		if !f.names(v) {
			return nil, false, nil
		}
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return nil, false, fmt.Errorf("record %q: %w", k, err)
		}
		del, changed := edit(k, &rec)
		if del || !changed {
			return nil, del, nil
		}
		nv, err := json.Marshal(rec)
		return nv, false, err
	})
}

// deleteWhereKeyPart deletes the records of b whose "/"-joined key has parts parts and the
// person's id as part i.
func (f *forgetter) deleteWhereKeyPart(name []byte, b *bolt.Bucket, parts, i int) error {
	return f.rewrite(name, b, func(k, _ []byte) ([]byte, bool, error) {
		p := personKeyParts(k)
		return nil, len(p) == parts && p[i] == f.user, nil
	})
}

// sweep walks every bucket of the file, nested ones included: an id left in a value's text (free
// text that mentions the person) becomes ForgottenUser; one left in a key, or in a value's
// binary framing, is a gap in the handlers above, and fails the whole transaction.
func (f *forgetter) sweep(policies map[string]*personBucket) error {
	return f.tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		var keyText, valueText func([]byte) []byte
		if pb := policies[string(name)]; pb != nil {
			keyText, valueText = pb.keyText, pb.valueText
		}
		return f.sweepBucket(string(name), name, b, keyText, valueText)
	})
}

// sweepBucket is sweep for one bucket; path names it in errors, name counts its changes.
func (f *forgetter) sweepBucket(path string, name []byte, b *bolt.Bucket, keyText, valueText func([]byte) []byte) error {
	var nested [][]byte
	err := f.rewrite(name, b, func(k, v []byte) ([]byte, bool, error) {
		if f.names(textOf(keyText, k)) {
			return nil, false, fmt.Errorf("forget: a key in bucket %s still names the person after erasure (a store bug); nothing was changed", path)
		}
		if !f.names(textOf(valueText, v)) {
			return nil, false, nil
		}
		if valueText != nil {
			return nil, false, fmt.Errorf("forget: a value in bucket %s still names the person after erasure (a store bug); nothing was changed", path)
		}
		return f.scrub(v), false, nil
	})
	if err != nil {
		return err
	}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			if f.names(k) {
				return fmt.Errorf("forget: a bucket in %s is named after the person (a store bug); nothing was changed", path)
			}
			nested = append(nested, clone(k))
		}
	}
	for _, k := range nested {
		if err := f.sweepBucket(path+"/"+string(k), name, b.Bucket(k), nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// forgetKeysNaming deletes the records of the bucket being forgotten whose key names the person.
func forgetKeysNaming(f *forgetter, b *bolt.Bucket) error {
	return f.rewrite(f.cur, b, func(k, _ []byte) ([]byte, bool, error) {
		return nil, f.names(k), nil
	})
}

// forgetOutbox deletes the queued messages to the person, alone or in a group, with their key;
// in the other queued messages that name them, the id becomes ForgottenUser (and a message key
// that named them is renamed, or the message dropped if the new key is taken).
func forgetOutbox(f *forgetter, b *bolt.Bucket) error {
	keys, done := f.tx.Bucket(bucketOutboxKeys), f.tx.Bucket(bucketOutboxDone)
	type move struct {
		old, new string
		seq      []byte
	}
	var moves []move
	claimed := map[string]bool{}
	err := f.rewrite(bucketOutbox, b, func(sk, v []byte) ([]byte, bool, error) {
		if !f.names(v) {
			return nil, false, nil
		}
		var item rituals.OutboxItem
		if err := json.Unmarshal(v, &item); err != nil {
			return nil, false, fmt.Errorf("outbox item %d: %w", binary.BigEndian.Uint64(sk), err)
		}
		if item.To.User == f.user || slices.Contains(item.To.Group, f.user) {
			moves = append(moves, move{old: item.Key, seq: clone(sk)})
			return nil, true, nil
		}
		nv := f.scrub(v)
		var scrubbed rituals.OutboxItem
		if err := json.Unmarshal(nv, &scrubbed); err != nil {
			return nil, false, fmt.Errorf("outbox item %d: %w", binary.BigEndian.Uint64(sk), err)
		}
		if scrubbed.Key != item.Key {
			nk := scrubbed.Key
			if claimed[nk] || keys.Get([]byte(nk)) != nil || done.Get([]byte(nk)) != nil {
				moves = append(moves, move{old: item.Key, seq: clone(sk)})
				return nil, true, nil
			}
			claimed[nk] = true
			moves = append(moves, move{old: item.Key, new: nk, seq: clone(sk)})
		}
		return nv, false, nil
	})
	if err != nil {
		return err
	}
	for _, m := range moves {
		if !bytes.Equal(keys.Get([]byte(m.old)), m.seq) {
			continue
		}
		if err := keys.Delete([]byte(m.old)); err != nil {
			return err
		}
		if m.new == "" {
			f.count(bucketOutboxKeys, 1, 0)
			continue
		}
		f.count(bucketOutboxKeys, 0, 1)
		if err := keys.Put([]byte(m.new), m.seq); err != nil {
			return err
		}
	}
	return nil
}

// taskMessageTo reports whether the task v carries a message to send later (a coffee intro
// waiting for a good hour) that goes to user, alone or in a group: like a queued message, it is
// dropped with them.
func taskMessageTo(v []byte, user string) bool {
	var t struct {
		Data struct {
			Message rituals.Message `json:"message"`
		} `json:"data"`
	}
	if json.Unmarshal(v, &t) != nil {
		return false
	}
	to := t.Data.Message.To
	return to.User == user || slices.Contains(to.Group, user)
}

// forgetTasks deletes the tasks whose key names the person, and those carrying a message to them, from both indexes; in other tasks
// that name them, the id becomes ForgottenUser.
func forgetTasks(f *forgetter, b *bolt.Bucket) error {
	byKey := f.tx.Bucket(bucketTaskKeys)
	var dropped [][]byte
	err := f.rewrite(bucketTasks, b, func(sk, v []byte) ([]byte, bool, error) {
		if len(sk) >= 8 && (f.names(sk[8:]) || taskMessageTo(v, f.user)) {
			dropped = append(dropped, clone(sk[8:]))
			return nil, true, nil
		}
		if f.names(v) {
			return f.scrub(v), false, nil
		}
		return nil, false, nil
	})
	if err != nil {
		return err
	}
	for _, k := range dropped {
		if err := f.deleteKey(bucketTaskKeys, byKey, k); err != nil {
			return err
		}
	}
	return nil
}

// forgetCoffeeMembers deletes the person's choices in every channel ("channel/user").
func forgetCoffeeMembers(f *forgetter, b *bolt.Bucket) error {
	return f.deleteWhereKeyPart(bucketCoffeeMembers, b, 2, 1)
}

// forgetCoffeeRounds replaces the person by ForgottenUser among group members, the one who
// answered and those alone: the round stays the others' history.
func forgetCoffeeRounds(f *forgetter, b *bolt.Bucket) error {
	return rewriteJSON(f, bucketCoffeeRounds, b, func(_ []byte, r *coffee.Round) (bool, bool) {
		changed := false
		for i := range r.Groups {
			g := &r.Groups[i]
			var c bool
			g.Members, c = replaceUser(g.Members, f.user)
			changed = changed || c
			if g.AnsweredBy == f.user {
				g.AnsweredBy, changed = ForgottenUser, true
			}
			if g.SlotBy == f.user {
				g.SlotBy, changed = ForgottenUser, true
			}
		}
		var c bool
		r.Alone, c = replaceUser(r.Alone, f.user)
		return false, changed || c
	})
}

// forgetCoffeeHours deletes the working hours the person set.
func forgetCoffeeHours(f *forgetter, b *bolt.Bucket) error {
	return f.deleteWhereKeyPart(bucketCoffeeHours, b, 1, 0)
}

// forgetCoffeeAvoids deletes every pair kept apart that names the person, either way round.
func forgetCoffeeAvoids(f *forgetter, b *bolt.Bucket) error {
	return f.rewrite(bucketCoffeeAvoids, b, func(k, _ []byte) ([]byte, bool, error) {
		p := personKeyParts(k)
		return nil, len(p) == 2 && (p[0] == f.user || p[1] == f.user), nil
	})
}

// forgetSuggestions deletes the person's suggestions, and the record of the reply telling them
// the outcome (its key names the suggestion, not them); as the admin who decided, the id becomes
// ForgottenUser.
func forgetSuggestions(f *forgetter, b *bolt.Bucket) error {
	var theirs []string
	err := rewriteJSON(f, bucketIceSuggestions, b, func(_ []byte, sg *icebreaker.Suggestion) (bool, bool) {
		if sg.By == f.user {
			theirs = append(theirs, sg.ID)
			return true, false
		}
		if sg.DecidedBy == f.user {
			sg.DecidedBy = ForgottenUser
			return false, true
		}
		return false, false
	})
	if err != nil {
		return err
	}
	done := f.tx.Bucket(bucketOutboxDone)
	for _, id := range theirs {
		if err := f.deleteKey(bucketOutboxDone, done, []byte(suggestionOutcomeKey(id))); err != nil {
			return err
		}
	}
	return nil
}

// suggestionOutcomeKey is the outbox key of the DM telling a suggestion's author its outcome
// (rituals/icebreaker writes it as KindOutcome/suggestion id).
func suggestionOutcomeKey(id string) string { return icebreaker.KindOutcome + "/" + id }

// forgetDigestUpdates deletes the person's updates and skips ("channel/week/user").
func forgetDigestUpdates(f *forgetter, b *bolt.Bucket) error {
	return f.deleteWhereKeyPart(bucketDigestUpdates, b, 3, 2)
}

// forgetDigestUserWeeks deletes the index of the person's weeks ("channel/user/week").
func forgetDigestUserWeeks(f *forgetter, b *bolt.Bucket) error {
	return f.deleteWhereKeyPart(bucketDigestUserWeeks, b, 3, 1)
}

// forgetDigestAsked deletes the records of the person being asked ("channel/week/user").
func forgetDigestAsked(f *forgetter, b *bolt.Bucket) error {
	return f.deleteWhereKeyPart(bucketDigestAsked, b, 3, 2)
}

// forgetKudos replaces the person by ForgottenUser as giver and among those thanked, and deletes
// kudos that then thank nobody but forgotten people (kudos to the person alone).
func forgetKudos(f *forgetter, b *bolt.Bucket) error {
	return rewriteJSON(f, bucketDigestKudos, b, func(_ []byte, k *digest.Kudos) (bool, bool) {
		changed := false
		if k.From == f.user {
			k.From, changed = ForgottenUser, true
		}
		var c bool
		k.To, c = replaceUser(k.To, f.user)
		if !slices.ContainsFunc(k.To, func(u string) bool { return u != ForgottenUser }) {
			return true, false
		}
		return false, changed || c
	})
}

// forgetAway deletes the person's away record.
func forgetAway(f *forgetter, b *bolt.Bucket) error {
	return f.deleteKey(bucketPresenceAway, b, f.id)
}

// forgetPromptRecipients takes the person off the recipients of open prompts.
func forgetPromptRecipients(f *forgetter, b *bolt.Bucket) error {
	return rewriteJSON(f, bucketFbPrompts, b, func(_ []byte, p *feedback.Prompt) (bool, bool) {
		n := len(p.Recipients)
		p.Recipients = slices.DeleteFunc(p.Recipients, func(u string) bool { return u == f.user })
		return false, len(p.Recipients) != n
	})
}

// forgetResponses deletes the responses the person signed.
func forgetResponses(f *forgetter, b *bolt.Bucket) error {
	return rewriteJSON(f, bucketFbResponses, b, func(_ []byte, r *feedback.Response) (bool, bool) {
		return r.By == f.user, false
	})
}
