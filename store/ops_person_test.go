package store

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/feedback"
	"github.com/ritualbot/ritualbot/rituals/icebreaker"
	"github.com/ritualbot/ritualbot/rituals/presence"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
)

// The people and channels of the person-data tests. No id is part of another.
const (
	opsMe    = "U07FORGET" // the person who asks to be forgotten
	opsAlice = "U07ALICE1"
	opsBob   = "U07BOBBY1"
	opsCarol = "U07CAROL1"
	opsAdmin = "U07ADMIN1"
	opsTeam  = "C07TEAM01"
	opsPulse = "C07PULSE1"
	opsW46   = "2026-W46"
	opsW47   = "2026-W47"
	opsW48   = "2026-W48"
)

// opsWorld is a database populated through the store's own APIs with every ritual's records for
// opsMe and for others, and the keys the tests look at afterwards.
type opsWorld struct {
	t      *testing.T
	path   string
	db     *DB
	now    time.Time
	round1 coffee.Round
	round2 coffee.Round
	p1, p2 feedback.Prompt
}

func opsOpen(t *testing.T) *opsWorld {
	t.Helper()
	w := &opsWorld{t: t, path: filepath.Join(t.TempDir(), "ritualbot.db"), now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	db, err := Open(w.path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return w.now }
	w.db = db
	t.Cleanup(func() { w.db.Close() })
	return w
}

func (w *opsWorld) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func opsMsg(key, ritual, kind string, to rituals.Recipient, data any) rituals.Message {
	raw, _ := json.Marshal(data)
	return rituals.Message{Key: key, Ritual: ritual, Kind: kind, To: to, Data: raw}
}

func toUser(u string) rituals.Recipient           { return rituals.Recipient{User: u} }
func toGroup(us ...string) rituals.Recipient      { return rituals.Recipient{Group: us} }
func toChannel(c string) rituals.Recipient        { return rituals.Recipient{Channel: c} }
func (w *opsWorld) ago(d time.Duration) time.Time { return w.now.Add(-d) }

// deliver plays the delivery worker for one queued message.
func (w *opsWorld) deliver(key, channel string) {
	w.t.Helper()
	w.must(w.db.Delivered(key, rituals.Delivery{Channel: channel, TS: "1764000000.000100", At: w.now}))
}

// tokens draws n random feedback tokens.
func opsTokens(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = make([]byte, 32)
		_, _ = rand.Read(out[i])
	}
	return out
}

const day = 24 * time.Hour

// populate writes every ritual's records for opsMe and for the others.
func (w *opsWorld) populate() {
	w.t.Helper()
	db := w.db

	// Coffee: choices, two rounds (a group with Alice, then alone), an answer, pairs kept apart.
	cs := db.Coffee()
	w.must(cs.SetMembership(opsTeam, opsMe, coffee.Membership{Joined: true, PausedUntil: w.now.Add(7 * day)},
		[]rituals.Message{opsMsg("coffee/pause/"+opsMe, coffee.Ritual, coffee.KindPaused, toUser(opsMe), coffee.NoteData{Channel: opsTeam})}))
	w.must(cs.SetMembership(opsTeam, opsAlice, coffee.Membership{Joined: true}, nil))
	k1 := schedule.Key{Ritual: coffee.Ritual, Channel: opsTeam, At: w.ago(14 * day)}
	id1 := k1.String()
	w.round1 = coffee.Round{ID: id1, Channel: opsTeam, At: k1.At, Groups: []coffee.Group{
		{ID: id1 + "/0", Members: []string{opsMe, opsAlice}, Reason: "first time", Starter: "What did you cook last?", IntroKey: id1 + "/intro/0"},
		{ID: id1 + "/1", Members: []string{opsBob, opsCarol}, Reason: "first time", Starter: "Best walk nearby?", IntroKey: id1 + "/intro/1"},
	}}
	intro := func(g coffee.Group) rituals.Message {
		return opsMsg(g.IntroKey, coffee.Ritual, coffee.KindIntro, toGroup(g.Members...), coffee.IntroData{RoundID: id1, GroupID: g.ID,
			Participants: []coffee.Participant{{ID: g.Members[0], Name: "first"}, {ID: g.Members[1], Name: "second"}}})
	}
	w.must(cs.CommitRound(k1, w.round1, map[string]coffee.Membership{opsMe: {Joined: true, Ignored: 1}, opsAlice: {Joined: true}},
		[]rituals.Message{intro(w.round1.Groups[0]), intro(w.round1.Groups[1])},
		[]timers.Task{{Key: id1 + "/followup", Ritual: coffee.Ritual, Kind: coffee.TaskFollowUp, Due: w.now.Add(day)}}))
	if _, err := cs.Answer(id1, id1+"/0", coffee.AnswerMet, opsMe); err != nil {
		w.t.Fatal(err)
	}
	k2 := schedule.Key{Ritual: coffee.Ritual, Channel: opsTeam, At: w.ago(7 * day)}
	id2 := k2.String()
	w.round2 = coffee.Round{ID: id2, Channel: opsTeam, At: k2.At, Alone: []string{opsMe}, Groups: []coffee.Group{
		{ID: id2 + "/0", Members: []string{opsAlice, opsBob}, IntroKey: id2 + "/intro/0"},
	}}
	alone := opsMsg(id2+"/alone/"+opsMe, coffee.Ritual, coffee.KindAlone, toUser(opsMe), coffee.NoteData{Channel: opsTeam})
	// An intro waiting for a good hour for Me and Carol: sent later by a task, and dropped with Me.
	later := opsMsg(id2+"/intro/1", coffee.Ritual, coffee.KindIntro, toGroup(opsCarol, opsMe), coffee.IntroData{RoundID: id2})
	w.must(cs.CommitRound(k2, w.round2, nil, []rituals.Message{alone},
		[]timers.Task{{Key: later.Key, Ritual: coffee.Ritual, Kind: coffee.TaskSend, Due: w.now.Add(2 * day), Data: mustJSON(map[string]any{"message": later})}}))
	w.must(cs.SetHours(opsMe, coffee.Hours{Days: 0b0011110, Start: 8 * 60, End: 16 * 60}))
	w.deliver(alone.Key, "D07MEDM01")
	w.must(cs.SetAvoid(opsMe, opsBob, true))
	w.must(cs.SetAvoid(opsAlice, opsMe, true))
	w.must(cs.SetAvoid(opsAlice, opsBob, true))

	// Icebreakers: a round, Me's suggestion (approved, its reply delivered), Alice's decided by Me.
	ice := db.Icebreakers()
	ik := schedule.Key{Ritual: icebreaker.Ritual, Channel: opsTeam, At: w.ago(3 * day)}
	w.must(ice.CommitRound(ik, icebreaker.Round{ID: ik.String(), Channel: opsTeam, QuestionID: "q-trees", Question: "Favourite tree?", PostedAt: ik.At, PostKey: ik.String() + "/post"},
		[]rituals.Message{opsMsg(ik.String()+"/post", icebreaker.Ritual, icebreaker.KindQuestion, toChannel(opsTeam), icebreaker.QuestionData{Question: "Favourite tree?"})},
		[]timers.Task{{Key: ik.String() + "/close", Ritual: icebreaker.Ritual, Kind: icebreaker.TaskClose, Due: w.now.Add(day)}}))
	mine := icebreaker.Suggestion{ID: "sg-mine-1", Channel: opsTeam, Text: "What would you teach for free?", By: opsMe, At: w.ago(2 * day), Status: icebreaker.StatusPending}
	w.must(ice.AddSuggestion(mine, []rituals.Message{opsMsg("icebreaker.suggestion/sg-mine-1/"+opsAdmin, icebreaker.Ritual, icebreaker.KindSuggestion, toUser(opsAdmin), icebreaker.SuggestionData{Suggestion: mine})}))
	outcome := func(sg icebreaker.Suggestion) []rituals.Message {
		return []rituals.Message{opsMsg(suggestionOutcomeKey(sg.ID), icebreaker.Ritual, icebreaker.KindOutcome, toUser(sg.By), icebreaker.SuggestionData{Suggestion: sg})}
	}
	if _, err := ice.DecideSuggestion(mine.ID, icebreaker.StatusApproved, opsAdmin, outcome); err != nil {
		w.t.Fatal(err)
	}
	w.deliver(suggestionOutcomeKey(mine.ID), "D07MEDM01")
	theirs := icebreaker.Suggestion{ID: "sg-alice-1", Channel: opsTeam, Text: "Which sound do you love?", By: opsAlice, At: w.ago(2 * day), Status: icebreaker.StatusPending}
	w.must(ice.AddSuggestion(theirs, nil))
	if _, err := ice.DecideSuggestion(theirs.ID, icebreaker.StatusApproved, opsMe, outcome); err != nil {
		w.t.Fatal(err)
	}

	// Digest: Me's updates in two weeks, Alice's this week mentioning Me, a check-in run asking Me
	// and Bob (Me's DM delivered) with tasks naming Me and Bob, kudos every way round.
	dg := db.Digest()
	for _, u := range []digest.Update{
		{Channel: opsTeam, Week: opsW46, User: opsMe, Answers: []digest.Answer{{Question: "What did you do?", Text: "Moved house"}}, At: w.ago(14 * day)},
		{Channel: opsTeam, Week: opsW47, User: opsMe, Answers: []digest.Answer{{Question: "What did you do?", Text: "Shipped the importer"}}, At: w.ago(7 * day)},
		{Channel: opsTeam, Week: opsW48, User: opsAlice, Answers: []digest.Answer{{Question: "What did you do?", Text: "Paired with <@" + opsMe + "> on the release"}}, At: w.ago(day)},
	} {
		if _, err := dg.SaveUpdate(u); err != nil {
			w.t.Fatal(err)
		}
	}
	ask := func(u string) digest.Ask {
		return digest.Ask{Asked: digest.Asked{Channel: opsTeam, Week: opsW48, User: u, At: w.now},
			Message: opsMsg(digest.CheckinKey(opsTeam, opsW48, u), digest.Ritual, digest.KindCheckin, toUser(u), digest.CheckinData{Channel: opsTeam})}
	}
	askTask := func(u string) timers.Task {
		data, _ := json.Marshal(map[string]string{"channel": opsTeam, "user": u})
		return timers.Task{Key: digest.AskTaskKey(opsTeam, "2026-W49", u), Ritual: digest.Ritual, Kind: digest.TaskAsk, Due: w.now.Add(7 * day), Data: data}
	}
	dk := schedule.Key{Ritual: digest.Ritual, Channel: opsTeam, At: w.now}
	if _, err := dg.CommitCheckin(dk, []digest.Ask{ask(opsMe), ask(opsBob), ask(opsAlice)}, []timers.Task{askTask(opsMe), askTask(opsBob),
		{Key: digest.RemindTaskKey(opsTeam, opsW48, 0), Ritual: digest.Ritual, Kind: digest.TaskRemind, Due: w.now.Add(2 * day)}}); err != nil {
		w.t.Fatal(err)
	}
	w.deliver(digest.CheckinKey(opsTeam, opsW48, opsMe), "D07MEDM01")
	kudos := func(id, from string, to ...string) {
		k := digest.Kudos{ID: id, Channel: opsTeam, Week: opsW48, From: from, To: to, Reason: "for the careful review", At: w.ago(time.Hour)}
		var msgs []rituals.Message
		for _, u := range to {
			also := slices.DeleteFunc(slices.Clone(to), func(x string) bool { return x == u })
			msgs = append(msgs, opsMsg(digest.KudosKey(id, u), digest.Ritual, digest.KindKudos, toUser(u), digest.KudosData{Channel: opsTeam, KudosID: id, From: from, Reason: k.Reason, Also: also}))
		}
		w.must(dg.AddKudos(k, msgs))
	}
	kudos("k1", opsMe, opsAlice)
	kudos("k2", opsAlice, opsMe)
	kudos("k3", opsBob, opsMe, opsCarol)
	kudos("k4", opsBob, opsAlice)
	w.deliver(digest.KudosKey("k3", opsMe), "D07MEDM01")

	// Presence.
	w.must(db.Presence().PutAway(presence.Away{User: opsMe, Until: "2026-12-24", Zone: "Europe/Paris", Ends: w.now.Add(30 * day), Set: w.now}))
	w.must(db.Presence().PutAway(presence.Away{User: opsAlice, Until: "2026-12-01", Zone: "UTC", Ends: w.now.Add(8 * day), Set: w.now}))

	// Feedback: a prompt to Alice, Bob and Me, delivered, answered anonymously (one answer mentions
	// Me) and released, with a response Me signed and one the admin signed; an open prompt to
	// Alice and Me, delivered, answered by Alice mentioning Me.
	fb := db.Feedback()
	prompt := func(channel string, at time.Time, recipients []string) feedback.Prompt {
		key := schedule.Key{Ritual: feedback.Ritual, Channel: channel, At: at}
		p := feedback.Prompt{ID: key.String(), Channel: channel, QuestionID: "fb-q1", Question: "What should we change?", Recipients: recipients,
			Asked: len(recipients), MinAnswers: 3, OpenedAt: at, ClosesAt: at.Add(3 * day)}
		tokens := opsTokens(len(recipients))
		var msgs []rituals.Message
		for _, u := range recipients {
			msgs = append(msgs, opsMsg(feedback.PromptMessageKey(p.ID, u), feedback.Ritual, feedback.KindPrompt, toUser(u), feedback.PromptData{PromptID: p.ID, Channel: channel}))
		}
		w.must(fb.CreatePrompt(key, p, tokens, msgs, []timers.Task{{Key: p.ID + "/close", Ritual: feedback.Ritual, Kind: feedback.TaskClose, Due: p.ClosesAt}}))
		for _, u := range recipients {
			w.deliver(feedback.PromptMessageKey(p.ID, u), "D07DM"+u[3:])
		}
		for i, tok := range tokens[:len(tokens)-1] {
			text := "More focus time, please, answer " + string(rune('a'+i))
			if i == 0 {
				text = "<@" + opsMe + "> ran a great retro"
			}
			w.must(fb.PutAnswer(p.ID, tok, feedback.Answer{Text: text}))
		}
		return p
	}
	w.p1 = prompt(opsTeam, w.ago(5*day), []string{opsAlice, opsBob, opsMe})
	if err := fb.AddNote(opsTeam, feedback.Answer{Text: "A note that names nobody"}); err != nil {
		w.t.Fatal(err)
	}
	rel := &feedback.Release{Key: feedback.ReleaseKey(w.p1.ID), PromptID: w.p1.ID, Channel: opsTeam, Question: w.p1.Question, Answers: 3, At: w.ago(2 * day)}
	if _, err := fb.ClosePrompt(w.p1.ID, w.p1.ID+"/close", func(b feedback.Batch) (feedback.Outcome, error) {
		return feedback.Outcome{Release: rel, Count: len(b.Answers), Msgs: []rituals.Message{opsMsg(rel.Key, feedback.Ritual, feedback.KindRelease, toChannel(opsTeam), feedback.ReleaseData{PromptID: w.p1.ID})}}, nil
	}); err != nil {
		w.t.Fatal(err)
	}
	w.deliver(rel.Key, opsTeam)
	respond := func(id, by, text string) {
		r := feedback.Response{ID: id, ReleaseKey: rel.Key, PromptID: w.p1.ID, Channel: opsTeam, Question: w.p1.Question, By: by, Text: text, At: w.ago(day)}
		w.must(fb.AddResponse(r, []rituals.Message{{Key: rel.Key + "/response/" + id, Ritual: feedback.Ritual, Kind: feedback.KindResponse, To: toChannel(opsTeam), ThreadOf: rel.Key,
			Data: mustJSON(feedback.ResponseData{ReleaseKey: rel.Key, Text: text, Responder: by})}}))
	}
	respond("r-me", opsMe, "We will keep Fridays free of meetings.")
	respond("r-admin", opsAdmin, "And we will review it in a month.")
	w.p2 = prompt(opsPulse, w.ago(day), []string{opsAlice, opsMe})

	// The outbox: a note to Me and to the admin, a channel post naming Me, a failed DM to Me, and a
	// task of an unknown kind whose data (not key) names Me.
	w.must(db.Enqueue(rituals.AdminNotes("skip/coffee/"+opsTeam, coffee.Ritual, []string{opsMe, opsAdmin}, "a run was skipped")...))
	w.must(db.Enqueue(opsMsg("welcome/"+opsTeam, "ops", rituals.KindAdminNote, toChannel(opsTeam), rituals.AdminNote{Text: "Welcome <@" + opsMe + ">!"})))
	w.must(db.Enqueue(opsMsg("failing/"+opsMe, "ops", rituals.KindAdminNote, toUser(opsMe), rituals.AdminNote{Text: "hello"})))
	w.must(db.Fail("failing/"+opsMe, "user_not_found", w.now))
	w.must(db.CommitRun(schedule.Key{Ritual: "ops", Channel: opsTeam, At: w.now}, nil,
		timers.Task{Key: "ops.check/" + opsTeam, Ritual: "ops", Kind: "ops.check", Due: w.now.Add(day), Data: mustJSON(map[string]string{"about": opsMe})}))
}

func mustJSON(v any) json.RawMessage {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return raw
}

// opsWalk calls fn for every key and value of every bucket in the file, nested buckets included
// (a nested bucket's value is nil), with a raw bbolt cursor.
func opsWalk(t *testing.T, db *DB, fn func(path string, k, v []byte)) {
	t.Helper()
	var walk func(path string, b *bolt.Bucket)
	walk = func(path string, b *bolt.Bucket) {
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			fn(path, k, v)
			if v == nil {
				walk(path+"/"+string(k), b.Bucket(k))
			}
		}
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			walk(string(name), b)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// opsHolding lists where the raw bytes of id appear: "bucket key" or "bucket value of key".
func opsHolding(t *testing.T, db *DB, id string) []string {
	var out []string
	opsWalk(t, db, func(path string, k, v []byte) {
		if bytes.Contains(k, []byte(id)) {
			out = append(out, path+" key "+strings.ToValidUTF8(string(k), "?"))
		}
		if bytes.Contains(v, []byte(id)) {
			out = append(out, path+" value of "+strings.ToValidUTF8(string(k), "?"))
		}
	})
	return out
}

func TestPersonBucketsClassifyEveryRegisteredBucket(t *testing.T) {
	if _, err := personPolicies(); err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, name := range buckets {
		registered[string(name)] = true
	}
	seen := map[string]bool{}
	for _, pb := range personBuckets {
		name := string(pb.name)
		switch {
		case seen[name]:
			t.Errorf("bucket %s is classified twice", name)
		case !registered[name]:
			t.Errorf("bucket %s is classified but not registered", name)
		case pb.how == "":
			t.Errorf("bucket %s does not say how it holds user ids", name)
		case (pb.keys || pb.values) && pb.forget == nil:
			t.Errorf("bucket %s holds user ids but Forget does nothing there", name)
		}
		seen[name] = true
	}
	if len(seen) != len(registered) {
		t.Errorf("%d buckets registered, %d classified", len(registered), len(seen))
	}
	// A bucket added later without a line in personBuckets stops Forget and PersonData.
	_, err := classify(append(slices.Clone(buckets), []byte("future_bucket")))
	if err == nil || !strings.Contains(err.Error(), "future_bucket") {
		t.Fatalf("an unclassified bucket was accepted: %v", err)
	}
}

func TestForgetErasesEveryTraceAndKeepsOthers(t *testing.T) {
	w := opsOpen(t)
	w.populate()
	db := w.db
	if where := opsHolding(t, db, opsMe); len(where) < 20 {
		t.Fatalf("the test world should name the person everywhere, found only %v", where)
	}
	aliceBefore, err := db.PersonData(opsAlice)
	if err != nil {
		t.Fatal(err)
	}
	answersBefore, _ := db.Feedback().CountAnswers(w.p2.ID)

	rep, err := db.Forget(opsMe)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report: %s", rep)

	// Nothing, anywhere, holds the id.
	if where := opsHolding(t, db, opsMe); len(where) > 0 {
		t.Fatalf("after Forget the id is still in:\n%s", strings.Join(where, "\n"))
	}
	if d, err := db.PersonData(opsMe); err != nil || !d.Empty() {
		t.Fatalf("PersonData after Forget = %+v, %v", d, err)
	}
	for bucket, want := range map[string]ForgetCount{
		"coffee_members":         {Deleted: 1},
		"coffee_rounds":          {Rewritten: 2},
		"coffee_avoids":          {Deleted: 2},
		"coffee_hours":           {Deleted: 1},
		"icebreaker_suggestions": {Deleted: 1, Rewritten: 1},
		"digest_updates":         {Deleted: 2, Rewritten: 1}, // Alice's mention is rewritten
		"digest_user_weeks":      {Deleted: 2},
		"digest_asked":           {Deleted: 1},
		"digest_kudos":           {Deleted: 1, Rewritten: 2},
		"presence_away":          {Deleted: 1},
		"feedback_prompts":       {Rewritten: 1},
		"feedback_responses":     {Deleted: 1},
		"feedback_answers":       {Rewritten: 1},
	} {
		if got := rep.Buckets[bucket]; got != want {
			t.Errorf("%s: %+v, want %+v", bucket, got, want)
		}
	}

	waiting, err := db.DueTasks(w.now.Add(365*day), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range waiting {
		if strings.Contains(tk.Key, "/intro/") {
			t.Errorf("the intro waiting for a good hour for the person and Carol is still pending: %s", tk.Key)
		}
	}

	// The others keep their records, with the placeholder where the person was.
	rounds, err := db.Coffee().Rounds(opsTeam, 0)
	if err != nil || len(rounds) != 2 {
		t.Fatalf("rounds %+v, %v", rounds, err)
	}
	g := rounds[1].Groups[0]
	if !slices.Equal(g.Members, []string{ForgottenUser, opsAlice}) || g.Answer != coffee.AnswerMet || g.AnsweredBy != ForgottenUser {
		t.Errorf("Alice's group with the person: %+v", g)
	}
	if !slices.Equal(rounds[1].Groups[1].Members, []string{opsBob, opsCarol}) || !slices.Equal(rounds[0].Alone, []string{ForgottenUser}) {
		t.Errorf("rounds: %+v", rounds)
	}
	aliceAfter, err := db.PersonData(opsAlice)
	if err != nil {
		t.Fatal(err)
	}
	if len(aliceAfter.CoffeeGroups) != len(aliceBefore.CoffeeGroups) || !slices.Equal(aliceAfter.CoffeeGroups[0].With, []string{ForgottenUser}) {
		t.Errorf("Alice's coffee groups: %+v", aliceAfter.CoffeeGroups)
	}
	if len(aliceAfter.Coffee) != 1 || aliceAfter.Away == nil || len(aliceAfter.Suggestions) != 1 || len(aliceAfter.Updates) != 1 {
		t.Errorf("Alice's own records changed: %+v", aliceAfter)
	}
	if got := aliceAfter.Updates[0].Answers[0].Text; got != "Paired with <@"+ForgottenUser+"> on the release" {
		t.Errorf("Alice's update: %q", got)
	}
	members, _ := db.Coffee().Memberships(opsTeam)
	if _, ok := members[opsMe]; ok || len(members) != 1 {
		t.Errorf("memberships: %v", members)
	}
	if avoids, _ := db.Coffee().AllAvoids(); !slices.Equal(avoids, [][2]string{{opsAlice, opsBob}}) {
		t.Errorf("avoids: %v", avoids)
	}
	approved, _ := db.Icebreakers().Approved(opsTeam)
	if len(approved) != 1 || approved[0].By != opsAlice || approved[0].DecidedBy != ForgottenUser {
		t.Errorf("approved suggestions: %+v", approved)
	}
	recs, _ := db.Digest().WeekRecords(opsTeam, opsW48)
	var kudos []string
	for _, k := range recs.Kudos {
		kudos = append(kudos, k.ID+":"+k.From+">"+strings.Join(k.To, ","))
	}
	wantKudos := []string{"k1:" + ForgottenUser + ">" + opsAlice, "k3:" + opsBob + ">" + ForgottenUser + "," + opsCarol, "k4:" + opsBob + ">" + opsAlice}
	if !slices.Equal(kudos, wantKudos) {
		t.Errorf("kudos %v, want %v", kudos, wantKudos)
	}
	if len(recs.Asked) != 1 || recs.Asked[0].User != opsBob || len(recs.Updates) != 1 {
		t.Errorf("week records: %+v", recs)
	}
	p2, _, _ := db.Feedback().Prompt(w.p2.ID)
	if !slices.Equal(p2.Recipients, []string{opsAlice}) || p2.Asked != 2 {
		t.Errorf("open prompt: %+v", p2)
	}
	if n, _ := db.Feedback().CountAnswers(w.p2.ID); n != answersBefore {
		t.Errorf("answers %d, want %d", n, answersBefore)
	}
	responses, _ := db.Feedback().Responses(opsTeam, time.Time{})
	if len(responses) != 1 || responses[0].By != opsAdmin {
		t.Errorf("responses: %+v", responses)
	}
	if _, ok, _ := db.Lookup(feedback.PromptMessageKey(w.p1.ID, opsAlice)); !ok {
		t.Error("Alice's delivered prompt was lost")
	}
	if _, ok, _ := db.Lookup(suggestionOutcomeKey("sg-mine-1")); ok {
		t.Error("the reply to the person's suggestion is still recorded")
	}
	pending, _ := db.Pending(0, 100)
	var queued []string
	for _, it := range pending {
		queued = append(queued, it.Key)
		if it.Key == "welcome/"+opsTeam && !strings.Contains(string(it.Data), ForgottenUser) {
			t.Errorf("channel post: %s", it.Data)
		}
	}
	for _, key := range []string{w.round1.Groups[1].IntroKey, digest.CheckinKey(opsTeam, opsW48, opsBob), digest.KudosKey("k1", opsAlice),
		digest.KudosKey("k3", opsCarol), "skip/coffee/" + opsTeam + "/" + opsAdmin, "welcome/" + opsTeam, feedback.ReleaseKey(w.p1.ID) + "/response/r-admin"} {
		if !slices.Contains(queued, key) {
			t.Errorf("%s is no longer queued (queued: %v)", key, queued)
		}
	}
	if slices.Contains(queued, w.round1.Groups[0].IntroKey) {
		t.Error("the intro of the person's group is still queued")
	}
	tasks, _ := db.DueTasks(w.now.Add(30*day), 100)
	var taskKeys []string
	for _, tk := range tasks {
		taskKeys = append(taskKeys, tk.Key)
	}
	for _, key := range []string{digest.AskTaskKey(opsTeam, "2026-W49", opsBob), "ops.check/" + opsTeam, w.round1.ID + "/followup"} {
		if !slices.Contains(taskKeys, key) {
			t.Errorf("task %s is gone (tasks: %v)", key, taskKeys)
		}
	}
	if stats, err := db.Stats(); err != nil || stats.Failed != 0 {
		t.Errorf("outbox stats after Forget: %+v, %v", stats, err)
	}

	// Forget twice: nothing left to do.
	again, err := db.Forget(opsMe)
	if err != nil || again.Total() != 0 {
		t.Errorf("second Forget: %s, %v", again, err)
	}
}

func TestForgetThenCompactLeavesNoBytesOnDisk(t *testing.T) {
	w := opsOpen(t)
	w.populate()
	if _, err := w.db.Forget(opsMe); err != nil {
		t.Fatal(err)
	}
	w.must(w.db.Close())
	raw, _ := os.ReadFile(w.path)
	t.Logf("before compaction the file still holds the id %d times in free pages", bytes.Count(raw, []byte(opsMe)))
	if _, _, err := Compact(w.path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(w.path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte(opsMe)); n != 0 {
		t.Fatalf("the compacted file holds the id %d times", n)
	}
	if n := bytes.Count(raw, []byte(opsAlice)); n == 0 {
		t.Fatal("the compacted file lost the others")
	}
	db, err := Open(w.path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w.db = db
}

func TestPersonDataShowsEverythingKept(t *testing.T) {
	w := opsOpen(t)
	w.populate()
	d, err := w.db.PersonData(opsMe)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Coffee) != 1 || d.Coffee[0].Channel != opsTeam || !d.Coffee[0].Joined || d.Coffee[0].Ignored != 1 {
		t.Errorf("coffee choices: %+v", d.Coffee)
	}
	if len(d.CoffeeGroups) != 2 || !slices.Equal(d.CoffeeGroups[0].With, []string{opsAlice}) || d.CoffeeGroups[0].Answer != coffee.AnswerMet ||
		d.CoffeeGroups[0].AnsweredBy != opsMe || !d.CoffeeGroups[1].Alone {
		t.Errorf("coffee groups: %+v", d.CoffeeGroups)
	}
	if d.CoffeeHours == nil || d.CoffeeHours.Label() != "08:00–16:00 Mon–Thu" {
		t.Errorf("working hours: %+v", d.CoffeeHours)
	}
	if d.CoffeeAvoiding != 1 {
		t.Errorf("avoiding %d, want 1 (and never who, nor who avoids them)", d.CoffeeAvoiding)
	}
	if len(d.Updates) != 2 || d.Updates[0].Week != opsW46 || d.Updates[1].Answers[0].Text != "Shipped the importer" {
		t.Errorf("updates: %+v", d.Updates)
	}
	if len(d.Asked) != 1 || d.Asked[0].Week != opsW48 {
		t.Errorf("asked: %+v", d.Asked)
	}
	if len(d.KudosGiven) != 1 || d.KudosGiven[0].ID != "k1" || len(d.KudosReceived) != 2 {
		t.Errorf("kudos given %+v, received %+v", d.KudosGiven, d.KudosReceived)
	}
	if d.Away == nil || d.Away.Until != "2026-12-24" {
		t.Errorf("away: %+v", d.Away)
	}
	if len(d.Suggestions) != 1 || d.Suggestions[0].ID != "sg-mine-1" || d.SuggestionsDecided != 1 {
		t.Errorf("suggestions %+v, decided %d", d.Suggestions, d.SuggestionsDecided)
	}
	if len(d.FeedbackPrompts) != 1 || d.FeedbackPrompts[0].ID != w.p2.ID {
		t.Errorf("feedback prompts: %+v", d.FeedbackPrompts)
	}
	if len(d.FeedbackResponses) != 1 || d.FeedbackResponses[0].ID != "r-me" {
		t.Errorf("responses: %+v", d.FeedbackResponses)
	}
	var queued []string
	for _, q := range d.Queued {
		queued = append(queued, q.Key)
	}
	slices.Sort(queued)
	want := []string{"coffee/pause/" + opsMe, digest.KudosKey("k2", opsMe), "failing/" + opsMe, "skip/coffee/" + opsTeam + "/" + opsMe, w.round1.Groups[0].IntroKey}
	slices.Sort(want)
	if !slices.Equal(queued, want) {
		t.Errorf("queued %v, want %v", queued, want)
	}
	// Delivered: alone note, check-in, kudos k3, two prompt DMs, the reply to their suggestion.
	if d.Delivered != 6 {
		t.Errorf("delivered %d, want 6", d.Delivered)
	}
	var tasks []string
	for _, tk := range d.Tasks {
		tasks = append(tasks, tk.Key)
	}
	if !slices.Equal(tasks, []string{"ops.check/" + opsTeam, w.round2.ID + "/intro/1", digest.AskTaskKey(opsTeam, "2026-W49", opsMe)}) {
		t.Errorf("tasks: %v", tasks)
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}
}

// TestPersonDataSaysNothingAboutAnswering: two people sent the same prompt, one answers; what
// PersonData shows of each is the same but for their id, and so is what Forget does.
func TestPersonDataSaysNothingAboutAnswering(t *testing.T) {
	const answers, silent = "U07ANSWER", "U07SILENT"
	w := opsOpen(t)
	fb := w.db.Feedback()
	key := schedule.Key{Ritual: feedback.Ritual, Channel: opsPulse, At: w.now}
	p := feedback.Prompt{ID: key.String(), Channel: opsPulse, QuestionID: "q", Question: "How was the week?", Recipients: []string{answers, silent},
		Asked: 2, MinAnswers: 3, OpenedAt: w.now, ClosesAt: w.now.Add(3 * day)}
	tokens := opsTokens(2)
	var msgs []rituals.Message
	for _, u := range p.Recipients {
		msgs = append(msgs, opsMsg(feedback.PromptMessageKey(p.ID, u), feedback.Ritual, feedback.KindPrompt, toUser(u), feedback.PromptData{PromptID: p.ID}))
	}
	w.must(fb.CreatePrompt(key, p, tokens, msgs, nil))
	for _, u := range p.Recipients {
		w.deliver(feedback.PromptMessageKey(p.ID, u), "D"+u)
	}
	w.must(fb.PutAnswer(p.ID, tokens[0], feedback.Answer{Text: "A calm week, thanks"}))

	show := func(u string) string {
		d, err := w.db.PersonData(u)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(d)
		return strings.ReplaceAll(string(raw), u, "U…")
	}
	if a, s := show(answers), show(silent); a != s {
		t.Errorf("PersonData differs between who answered and who did not:\n%s\n%s", a, s)
	}
	ra, err := w.db.Forget(answers)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := w.db.Forget(silent)
	if err != nil {
		t.Fatal(err)
	}
	if ra.String() != rs.String() {
		t.Errorf("Forget differs between who answered (%s) and who did not (%s)", ra, rs)
	}
}

func TestForgetRefusesWhatIsNotAUserID(t *testing.T) {
	db := opsOpen(t).db
	for _, id := range []string{"", "U", "C07TEAM01", "u07lower", "U07 SPACE", "U07/SLASH", ForgottenUser} {
		if _, err := db.Forget(id); err == nil {
			t.Errorf("Forget(%q) was accepted", id)
		}
		if _, err := db.PersonData(id); err == nil {
			t.Errorf("PersonData(%q) was accepted", id)
		}
	}
}

func TestReplaceIDMatchesWholeIDsOnly(t *testing.T) {
	id, with := []byte("U1"), []byte(ForgottenUser)
	for in, want := range map[string]string{
		`["U1","U12","XU1"]`:     `["U0FORGOTTEN","U12","XU1"]`,
		"U1":                     "U0FORGOTTEN",
		"<@U1> and <@U1|name>":   "<@U0FORGOTTEN> and <@U0FORGOTTEN|name>",
		"digest.ask/C1/W1/U1":    "digest.ask/C1/W1/U0FORGOTTEN",
		"U10 U21 aU1":            "U10 U21 aU1",
		"U1U1":                   "U1U1",
		"":                       "",
		"x/U1/y/U1":              "x/U0FORGOTTEN/y/U0FORGOTTEN",
		"\x00\x00\x00\x00U1\x01": "\x00\x00\x00\x00U0FORGOTTEN\x01",
	} {
		if got := string(replaceID([]byte(in), id, with)); got != want {
			t.Errorf("replaceID(%q) = %q, want %q", in, got, want)
		}
		if namesID([]byte(in), id) != (want != in) {
			t.Errorf("namesID(%q) = %v", in, !(want != in))
		}
	}
}

// TestForgetAbortsWhenAKeyStillNamesThePerson: a record no handler knows about, keyed by the id,
// makes Forget fail as a whole rather than claim an erasure it did not do; an id typed into a
// value of a nested bucket is rewritten.
func TestForgetAbortsWhenAKeyStillNamesThePerson(t *testing.T) {
	w := opsOpen(t)
	w.populate()
	w.must(w.db.bolt.Update(func(tx *bolt.Tx) error {
		nested, err := tx.Bucket(bucketRuns).CreateBucket([]byte("nested"))
		if err != nil {
			return err
		}
		return nested.Put([]byte("note"), []byte("thanks <@"+opsMe+">"))
	}))
	w.must(w.db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRunLast).Put([]byte("mystery/"+opsMe), []byte("2026-11-23T09:00:00Z"))
	}))
	before := opsHolding(t, w.db, opsMe)
	if _, err := w.db.Forget(opsMe); err == nil || !strings.Contains(err.Error(), "run_last") {
		t.Fatalf("Forget with an unknown key naming the person: %v", err)
	}
	if after := opsHolding(t, w.db, opsMe); !slices.Equal(before, after) {
		t.Fatalf("a failed Forget changed the database")
	}
	w.must(w.db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRunLast).Delete([]byte("mystery/" + opsMe))
	}))
	if _, err := w.db.Forget(opsMe); err != nil {
		t.Fatal(err)
	}
	if where := opsHolding(t, w.db, opsMe); len(where) > 0 {
		t.Fatalf("still in %v", where)
	}
	w.must(w.db.bolt.View(func(tx *bolt.Tx) error {
		if got := string(tx.Bucket(bucketRuns).Bucket([]byte("nested")).Get([]byte("note"))); got != "thanks <@"+ForgottenUser+">" {
			t.Errorf("nested value: %q", got)
		}
		return nil
	}))
}
