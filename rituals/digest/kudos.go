package digest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ritualbot/ritualbot/rituals"
)

// KudosKey is the outbox key of the DM telling user about kudos id.
func KudosKey(id, user string) string { return KindKudos + "/" + id + "/" + user }

// Kudos thanks one or more people for reason, in channel's open week, and DMs each person thanked
// who thanked them and why, in one transaction. to are the people named, as the directory knows
// them, in the order named. A mistake is a *rituals.PersonError and nothing is stored: nobody named,
// yourself, a bot, a deactivated account, someone named twice, or a reason that is missing or not
// MinReason to MaxReason characters. The reason is kept as typed (blank space around it trimmed).
func (s *Service) Kudos(_ context.Context, channel string, from rituals.Person, to []rituals.Person, reason string, now time.Time) (Kudos, error) {
	c, err := s.channel(channel)
	if err != nil {
		return Kudos{}, err
	}
	if len(to) == 0 {
		return Kudos{}, rituals.Mistakef("Say who you are thanking: mention one or more people, then why.")
	}
	seen := make(map[string]bool, len(to))
	ids := make([]string, 0, len(to))
	for _, p := range to {
		switch {
		case p.ID == "":
			return Kudos{}, rituals.Mistakef("Say who you are thanking: mention one or more people, then why.")
		case p.ID == from.ID:
			return Kudos{}, rituals.Mistakef("Kudos are for someone else: leave yourself out.")
		case p.Bot:
			return Kudos{}, rituals.Mistakef("%s is a bot; kudos are for people.", nameOf(p))
		case p.Deleted:
			return Kudos{}, rituals.Mistakef("%s's account is deactivated, so they cannot receive kudos.", nameOf(p))
		case seen[p.ID]:
			return Kudos{}, rituals.Mistakef("You named %s twice; name each person once.", nameOf(p))
		}
		seen[p.ID] = true
		ids = append(ids, p.ID)
	}
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return Kudos{}, rituals.Mistakef("Say what you are thanking them for, e.g. “for untangling the release”.")
	case n < MinReason:
		return Kudos{}, rituals.Mistakef("Say a little more about why: at least %d characters.", MinReason)
	case n > MaxReason:
		return Kudos{}, rituals.Mistakef("Keep the reason to %d characters or fewer; this one has %s.", MaxReason, thousands(n))
	}
	week, err := s.openWeek(c, now)
	if err != nil {
		return Kudos{}, err
	}
	k := Kudos{ID: newID(), Channel: c.ID, From: from.ID, To: ids, Reason: reason, At: now}
	for range maxPostedWeeks {
		k.Week = week.ID
		err = s.Store.AddKudos(k, kudosMessages(k))
		if !errors.Is(err, ErrPosted) {
			break
		}
		if week, err = s.afterPosted(c, week); err != nil {
			return Kudos{}, err
		}
	}
	if err != nil {
		return Kudos{}, err
	}
	s.queued()
	return k, nil
}

// kudosMessages returns one DM per person thanked.
func kudosMessages(k Kudos) []rituals.Message {
	msgs := make([]rituals.Message, len(k.To))
	for i, u := range k.To {
		var also []string
		for _, o := range k.To {
			if o != u {
				also = append(also, o)
			}
		}
		data, _ := json.Marshal(KudosData{Channel: k.Channel, KudosID: k.ID, From: k.From, Reason: k.Reason, Also: also})
		msgs[i] = rituals.Message{Key: KudosKey(k.ID, u), Ritual: Ritual, Kind: KindKudos, To: rituals.Recipient{User: u}, Data: data}
	}
	return msgs
}

// nameOf names a person in a sentence: their display name, or their id.
func nameOf(p rituals.Person) string {
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

// newID returns a random id.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
