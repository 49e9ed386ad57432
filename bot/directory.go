package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/rituals"
)

// Directory implements rituals.Directory and rituals.Threads on the Web API, caching people.
type Directory struct {
	api    slackAPI
	limits *limiter
	ttl    time.Duration
	now    func() time.Time

	mu        sync.Mutex
	people    map[string]cachedPerson
	refreshed time.Time // last full users.list
	teams     *userGroupTeams
}

type cachedPerson struct {
	rituals.Person
	at time.Time
}

// directoryPageSize is the page size asked of paginated methods (Slack advises at most 200).
const directoryPageSize = 200

// bulkThreshold is how many unknown people make one users.list cheaper than users.info each.
const bulkThreshold = 20

// NewDirectory builds a directory that keeps people for ttl (0 means one hour).
func NewDirectory(api *slack.Client, limits Limits, ttl time.Duration) *Directory {
	return newDirectory(newWebAPI(api), limits, ttl, time.Now)
}

func newDirectory(api slackAPI, limits Limits, ttl time.Duration, now func() time.Time) *Directory {
	if ttl <= 0 {
		ttl = time.Hour
	}
	if limits == (Limits{}) {
		limits = SlackLimits()
	}
	return &Directory{api: api, limits: newLimiter(limits), ttl: ttl, now: now, people: map[string]cachedPerson{}}
}

// Members implements rituals.Directory, following every page.
func (d *Directory) Members(ctx context.Context, channel string) ([]string, error) {
	var all []string
	cursor := ""
	for {
		if err := d.limits.wait(ctx, "conversations.members", ""); err != nil {
			return nil, err
		}
		ids, next, err := d.api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: channel, Cursor: cursor, Limit: directoryPageSize})
		if err != nil {
			if retryAfter(err, d.limits, "conversations.members") {
				continue
			}
			return nil, fmt.Errorf("members of %s: %w", channel, err)
		}
		all = append(all, ids...)
		if next == "" {
			return all, nil
		}
		cursor = next
	}
}

// retryAfter pauses the method after a 429 and reports whether the call should be made again.
func retryAfter(err error, l *limiter, method string) bool {
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) {
		return false
	}
	l.observe(method, err)
	return true
}

// Person implements rituals.Directory.
func (d *Directory) Person(ctx context.Context, userID string) (rituals.Person, error) {
	people, err := d.People(ctx, []string{userID})
	if err != nil {
		return rituals.Person{}, err
	}
	return people[0], nil
}

// People returns each of ids, fetching the unknown ones with users.info, or with one users.list
// when many are unknown.
func (d *Directory) People(ctx context.Context, ids []string) ([]rituals.Person, error) {
	var missing []string
	d.mu.Lock()
	for _, id := range ids {
		if p, ok := d.people[id]; !ok || d.now().Sub(p.at) > d.ttl {
			missing = append(missing, id)
		}
	}
	d.mu.Unlock()
	if len(missing) >= bulkThreshold {
		if err := d.refreshAll(ctx); err != nil {
			return nil, err
		}
		missing = d.stillMissing(missing)
	}
	for _, id := range missing {
		if err := d.fetchOne(ctx, id); err != nil {
			return nil, err
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]rituals.Person, 0, len(ids))
	for _, id := range ids {
		out = append(out, d.people[id].Person)
	}
	return out, nil
}

func (d *Directory) stillMissing(ids []string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, id := range ids {
		if _, ok := d.people[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

func (d *Directory) refreshAll(ctx context.Context) error {
	if err := d.limits.wait(ctx, "users.list", ""); err != nil {
		return err
	}
	users, err := d.api.GetUsersContext(ctx, slack.GetUsersOptionLimit(directoryPageSize))
	if err != nil {
		return fmt.Errorf("users.list: %w", err)
	}
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range users {
		d.people[users[i].ID] = cachedPerson{personOf(&users[i]), now}
	}
	d.refreshed = now
	return nil
}

func (d *Directory) fetchOne(ctx context.Context, id string) error {
	for {
		if err := d.limits.wait(ctx, "users.info", ""); err != nil {
			return err
		}
		u, err := d.api.GetUserInfoContext(ctx, id)
		if err != nil {
			if retryAfter(err, d.limits, "users.info") {
				continue
			}
			return fmt.Errorf("users.info %s: %w", id, err)
		}
		d.mu.Lock()
		d.people[id] = cachedPerson{personOf(u), d.now()}
		d.mu.Unlock()
		return nil
	}
}

// personOf translates a Slack user.
func personOf(u *slack.User) rituals.Person {
	name := u.Profile.DisplayName
	if name == "" {
		name = u.RealName
	}
	if name == "" {
		name = u.Name
	}
	return rituals.Person{
		ID:        u.ID,
		Name:      name,
		TimeZone:  u.TZ,
		UTCOffset: time.Duration(u.TZOffset) * time.Second,
		Bot:       u.IsBot || u.ID == "USLACKBOT",
		Deleted:   u.Deleted,
		Guest:     u.IsRestricted || u.IsUltraRestricted,
	}
}

// Repliers implements rituals.Threads.
func (d *Directory) Repliers(ctx context.Context, channel, ts string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	cursor := ""
	for {
		if err := d.limits.wait(ctx, "conversations.replies", ""); err != nil {
			return nil, err
		}
		msgs, _, next, err := d.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: ts, Cursor: cursor, Limit: directoryPageSize})
		if err != nil {
			if retryAfter(err, d.limits, "conversations.replies") {
				continue
			}
			return nil, fmt.Errorf("replies in %s: %w", channel, err)
		}
		for _, m := range msgs {
			if m.Timestamp == ts || m.BotID != "" || m.User == "" || seen[m.User] {
				continue
			}
			seen[m.User] = true
			out = append(out, m.User)
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}
