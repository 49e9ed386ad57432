package digest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the tests name zones; never depend on the machine's zoneinfo

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/digest"
	"github.com/ritualbot/ritualbot/rituals/presence"
	"github.com/ritualbot/ritualbot/rituals/schedule"
	"github.com/ritualbot/ritualbot/rituals/timers"
	"github.com/ritualbot/ritualbot/store"
)

const chanID = "C0DIGEST"

// directory is a hand-written rituals.Directory.
type directory struct {
	mu      sync.Mutex
	members []string
	people  map[string]rituals.Person
}

func (d *directory) Members(context.Context, string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.members...), nil
}

func (d *directory) Person(_ context.Context, id string) (rituals.Person, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.people[id]
	if !ok {
		return rituals.Person{}, fmt.Errorf("no user %s", id)
	}
	return p, nil
}

func (d *directory) add(people ...rituals.Person) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.people == nil {
		d.people = map[string]rituals.Person{}
	}
	for _, p := range people {
		d.members = append(d.members, p.ID)
		d.people[p.ID] = p
	}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// env is a digest service on a real bbolt file.
type env struct {
	t     *testing.T
	path  string
	db    *store.DB
	clock *clock
	dir   *directory
	away  *presence.Service
	svc   *digest.Service
	ch    digest.Channel
	stats digest.Stats
}

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// berlinChannel posts Fridays 16:00 and asks Thursdays 10:00, Berlin time.
func berlinChannel(t testing.TB, local bool) digest.Channel {
	t.Helper()
	return digest.Channel{
		ID:           chanID,
		Post:         schedule.MustParse("CRON_TZ=Europe/Berlin 0 16 * * FRI", 1, time.Time{}, nil),
		PostGrace:    6 * time.Hour,
		Checkin:      schedule.MustParse("CRON_TZ=Europe/Berlin 0 10 * * THU", 1, time.Time{}, nil),
		CheckinGrace: 6 * time.Hour,
		LocalTime:    local,
	}
}

func newEnv(t *testing.T, ch digest.Channel, start time.Time) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "digest.db"), clock: &clock{t: start}, dir: &directory{}, ch: ch}
	e.open()
	return e
}

// open opens the database and builds the services, as a process start does.
func (e *env) open() {
	e.t.Helper()
	db, err := store.Open(e.path, store.Options{NoSync: true})
	if err != nil {
		e.t.Fatal(err)
	}
	db.Now = e.clock.Now
	e.db = db
	e.away = &presence.Service{Store: db.Presence()}
	e.svc = &digest.Service{
		Store: db.Digest(), Directory: e.dir, Presence: e.away, Stats: e.stats,
		Channels: map[string]digest.Channel{e.ch.ID: e.ch}, Now: e.clock.Now,
	}
	e.t.Cleanup(func() { db.Close() })
}

// restart closes the database and opens it again with fresh services.
func (e *env) restart() {
	e.t.Helper()
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// job returns the scheduled job of ritual.
func (e *env) job(ritual string) schedule.Job {
	e.t.Helper()
	jobs, err := e.svc.Jobs()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Ritual == ritual {
			return j
		}
	}
	e.t.Fatalf("no %s job", ritual)
	return schedule.Job{}
}

// runJob moves the clock to the job's next occurrence after the clock and runs it.
func (e *env) runJob(ritual string) schedule.Key {
	e.t.Helper()
	j := e.job(ritual)
	at := j.Spec.Next(e.clock.Now())
	e.clock.Set(at)
	key := schedule.Key{Ritual: j.Ritual, Channel: j.Channel, At: at}
	if err := j.Run(context.Background(), key); err != nil {
		e.t.Fatalf("run %s: %v", key, err)
	}
	return key
}

// runTasks runs every task due at the clock through a real timers runner.
func (e *env) runTasks() {
	e.t.Helper()
	r := timers.New(e.db, timers.Options{Now: e.clock.Now})
	r.Handle(digest.TaskAsk, e.svc.Ask)
	r.Handle(digest.TaskRemind, e.svc.Remind)
	if err := r.RunDue(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// tasks returns every pending task.
func (e *env) tasks() []timers.Task {
	e.t.Helper()
	ts, err := e.db.DueTasks(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	return ts
}

// outbox returns the queued messages of kind, by recipient user (or channel).
func (e *env) outbox(kind string) []rituals.OutboxItem {
	e.t.Helper()
	items, err := e.db.Pending(0, 100000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []rituals.OutboxItem
	for _, it := range items {
		if it.Kind == kind {
			out = append(out, it)
		}
	}
	return out
}

// recipients lists the users the queued messages of kind go to, sorted.
func (e *env) recipients(kind string) []string {
	var users []string
	for _, it := range e.outbox(kind) {
		users = append(users, it.To.User)
	}
	sort.Strings(users)
	return users
}

func (e *env) week(now time.Time) digest.Week {
	e.t.Helper()
	w, err := e.svc.OpenWeek(chanID, now)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

func (e *env) records(week string) digest.WeekRecords {
	e.t.Helper()
	recs, err := e.db.Digest().WeekRecords(chanID, week)
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

func decode[T any](t testing.TB, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// person returns an eligible member in zone.
func person(id, name, zone string) rituals.Person {
	return rituals.Person{ID: id, Name: name, TimeZone: zone}
}

// monday is the Monday of ISO week 2026-W48, 08:00 UTC.
var monday = time.Date(2026, time.November, 23, 8, 0, 0, 0, time.UTC)

func answers(progress, next, help string) []string { return []string{progress, next, help} }
