package digest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// Digest is one week's digest, as structured data: the Slack edge escapes the texts, renders the
// sections in this order and splits the result over several messages (continuing in the thread)
// when it does not fit in one; a person's words are never cut.
type Digest struct {
	Channel string `json:"channel"`
	// Week is the period covered: after Week.From up to the post at Week.To.
	Week Week `json:"week"`
	// HelpWanted comes first: every non-blank answer to the help question, so others can step in.
	HelpWanted []HelpWanted `json:"help_wanted,omitempty"`
	// Updates holds each person's update (their other answers), in the order they first shared.
	Updates []PersonUpdate `json:"updates,omitempty"`
	// Shared counts the people who shared an update: "Shared of Asked shared an update".
	Shared int `json:"shared"`
	// Asked counts the people asked this week, plus anyone who answered without being asked.
	// Who did not share is never named.
	Asked int `json:"asked"`
	// Kudos holds the week's kudos, oldest first.
	Kudos []Kudos `json:"kudos,omitempty"`
	// Stats holds the other rituals' numbers for the week; nil when they are not known.
	Stats *Numbers `json:"stats,omitempty"`
	// Feedback is the anonymous feedback released this week, with any response.
	Feedback []FeedbackRelease `json:"feedback,omitempty"`
}

// HelpWanted is one person's answer to the help question.
type HelpWanted struct {
	User     string `json:"user"`
	Question string `json:"question"`
	// Text is as typed.
	Text string `json:"text"`
}

// PersonUpdate is one person's update in the digest.
type PersonUpdate struct {
	User string `json:"user"`
	// Answers are their non-blank answers other than the help one (which is under HelpWanted),
	// as typed, in question order.
	Answers []Answer `json:"answers"`
	// At is when they last edited it.
	At time.Time `json:"at"`
}

// Build assembles a digest from a week's records and the other rituals' stats (nil when unknown).
// It is pure: the same records give the same digest.
func Build(channel string, week Week, recs WeekRecords, stats *RitualStats) Digest {
	d := Digest{Channel: channel, Week: week}
	shared := make([]Update, 0, len(recs.Updates))
	people := make(map[string]struct{}, len(recs.Asked)+len(recs.Updates))
	for _, a := range recs.Asked {
		people[a.User] = struct{}{}
	}
	for _, u := range recs.Updates {
		people[u.User] = struct{}{}
		if !u.Skipped {
			shared = append(shared, u)
		}
	}
	d.Asked, d.Shared = len(people), len(shared)
	slices.SortFunc(shared, func(a, b Update) int {
		return cmp.Or(a.First.Compare(b.First), cmp.Compare(a.User, b.User))
	})
	d.Updates = make([]PersonUpdate, 0, len(shared))
	for _, u := range shared {
		pu := PersonUpdate{User: u.User, At: u.At, Answers: make([]Answer, 0, len(u.Answers))}
		for _, a := range u.Answers {
			switch {
			case a.Text == "":
			case a.Role == RoleHelp:
				d.HelpWanted = append(d.HelpWanted, HelpWanted{User: u.User, Question: a.Question, Text: a.Text})
			default:
				pu.Answers = append(pu.Answers, a)
			}
		}
		if len(pu.Answers) > 0 {
			d.Updates = append(d.Updates, pu)
		}
	}
	d.Kudos = slices.Clone(recs.Kudos)
	slices.SortStableFunc(d.Kudos, func(a, b Kudos) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID)) })
	if stats != nil {
		n := stats.Numbers
		d.Stats = &n
		d.Feedback = stats.Feedback
	}
	return d
}

// Assemble builds channel's digest for week from the store and the stats source.
func (s *Service) Assemble(ctx context.Context, channel string, week Week) (Digest, error) {
	c, err := s.channel(channel)
	if err != nil {
		return Digest{}, err
	}
	stats := s.stats(ctx, c, week)
	recs, err := s.Store.WeekRecords(c.ID, week.ID)
	if err != nil {
		return Digest{}, err
	}
	return Build(c.ID, week, recs, stats), nil
}

// Preview assembles the digest of the open week at now, without posting it (an admin's
// "digest preview").
func (s *Service) Preview(ctx context.Context, channel string, now time.Time) (Digest, error) {
	c, err := s.channel(channel)
	if err != nil {
		return Digest{}, err
	}
	week, err := s.openWeek(c, now)
	if err != nil {
		return Digest{}, err
	}
	return s.Assemble(ctx, c.ID, week)
}

// stats reads the other rituals' numbers; a failure is logged and the digest goes without them.
func (s *Service) stats(ctx context.Context, c Channel, week Week) *RitualStats {
	if s.Stats == nil {
		return nil
	}
	st, err := s.Stats.WeekStats(ctx, c.ID, week.From, week.To)
	if err != nil {
		s.log().Error("digest stats unavailable; posting without them", "channel", c.ID, "week", week.ID, "err", err)
		return nil
	}
	return &st
}

// Post is the post job's run: it posts the digest of the week ending at key.At, marking the week
// posted and completing its reminders in the same transaction. If that week was already posted
// (an admin's "digest now"), the run is recorded and nothing is posted.
func (s *Service) Post(ctx context.Context, key schedule.Key) error {
	c, err := s.channel(key.Channel)
	if err != nil {
		return err
	}
	week, ok := WeekAt(c.Post, key.At)
	if !ok {
		return fmt.Errorf("the digest schedule of %s never fires again", c.ID)
	}
	d, posted, err := s.post(ctx, c, key, week)
	if err != nil {
		return err
	}
	if !posted {
		s.log().Info("digest already posted this week; nothing to post", "channel", c.ID, "week", week.ID)
		return nil
	}
	s.log().Info("digest posted", "channel", c.ID, "week", week.ID, "shared", d.Shared, "asked", d.Asked, "kudos", len(d.Kudos))
	return nil
}

// PostNow posts the digest of the open week at once (an admin's "digest now") under a run key at
// now's minute, and returns it. Updates shared afterwards go into the next week.
func (s *Service) PostNow(ctx context.Context, channel string, now time.Time) (Digest, error) {
	c, err := s.channel(channel)
	if err != nil {
		return Digest{}, err
	}
	week, err := s.openWeek(c, now)
	if err != nil {
		return Digest{}, err
	}
	key := schedule.Key{Ritual: Ritual, Channel: c.ID, At: now.In(c.Post.Location()).Truncate(time.Minute)}
	d, posted, err := s.post(ctx, c, key, week)
	if err != nil {
		return Digest{}, err
	}
	if !posted {
		return Digest{}, ErrPosted
	}
	return d, nil
}

// PostKey is the outbox key of the digest posted by the run key.
func PostKey(key schedule.Key) string { return key.String() + "/post" }

// post commits the digest of week under key.
func (s *Service) post(ctx context.Context, c Channel, key schedule.Key, week Week) (Digest, bool, error) {
	stats := s.stats(ctx, c, week)
	var done []string
	for i := range c.reminders() {
		done = append(done, RemindTaskKey(c.ID, week.ID, i))
	}
	thread := s.thread(ctx, c, key, week)
	var d Digest
	posted, err := s.Store.CommitPost(key, c.ID, week.ID, done, func(recs WeekRecords) ([]rituals.Message, error) {
		d = Build(c.ID, week, recs, stats)
		data, err := json.Marshal(d)
		if err != nil {
			return nil, err
		}
		post := rituals.Message{Key: PostKey(key), Ritual: Ritual, Kind: KindPost, To: rituals.Recipient{Channel: c.ID}, Data: data}
		return append([]rituals.Message{post}, thread...), nil
	})
	if err != nil {
		return Digest{}, false, err
	}
	if posted {
		s.queued()
	}
	return d, posted, nil
}

// thread asks for the messages of the post's thread, about the weeks up to the digest's (its end
// is the scheduled post even when an admin posts it early); a failure is logged and the post
// goes alone.
func (s *Service) thread(ctx context.Context, c Channel, key schedule.Key, week Week) []rituals.Message {
	if s.Thread == nil {
		return nil
	}
	msgs, err := s.Thread(ctx, c.ID, week.To, PostKey(key))
	if err != nil {
		s.log().Error("digest thread unavailable; posting without it", "channel", c.ID, "err", err)
		return nil
	}
	return msgs
}
