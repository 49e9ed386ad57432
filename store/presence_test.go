package store

import (
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/presence"
)

func TestPresenceStore(t *testing.T) {
	db := openTemp(t)
	svc := &presence.Service{Store: db.Presence()}
	now := time.Date(2026, time.November, 25, 12, 0, 0, 0, time.UTC)
	if _, err := svc.SetAway(rituals.Person{ID: "U1", TimeZone: "UTC"}, "2026-12-24", now); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetAway(rituals.Person{ID: "U2"}, "2026-11-20", now); err == nil {
		t.Fatal("a past date was accepted")
	}
	a, ok, err := db.Presence().GetAway("U1")
	if err != nil || !ok || a.Until != "2026-12-24" || !a.Ends.Equal(time.Date(2026, time.December, 25, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("GetAway = %+v %v %v", a, ok, err)
	}
	if _, ok, _ := db.Presence().GetAway("U2"); ok {
		t.Fatal("a refused date was stored")
	}
	got, err := svc.Filter([]string{"U1", "U2", "U3"}, now)
	if err != nil || len(got) != 2 || got[0] != "U2" || got[1] != "U3" {
		t.Fatalf("Filter = %v, %v", got, err)
	}
	if back, err := svc.Back("U1", now); err != nil || !back {
		t.Fatalf("Back = %v, %v", back, err)
	}
	if found, err := db.Presence().DeleteAway("U1"); err != nil || found {
		t.Fatalf("second delete = %v, %v", found, err)
	}
}
