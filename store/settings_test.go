package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestSettingsRoundTripAndSurviveReopen(t *testing.T) {
	db := openTemp(t)
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	want := RitualSettings{Ritual: "coffee", Channel: "C1", Config: "channel: C1\nschedule: 0 10 * * TUE\n", By: "UANA", At: at}
	if err := db.Settings().Put(want); err != nil {
		t.Fatal(err)
	}
	if err := db.Settings().PutAdmins(StoredAdmins{Users: []string{"UBOB", "UANA", "UBOB"}, By: "UANA", At: at}); err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, ok, err := db.Settings().Get("coffee", "C1")
	if err != nil || !ok || got.Config != want.Config || got.By != "UANA" || !got.At.Equal(at) {
		t.Errorf("Get = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	list, err := db.Settings().List()
	if err != nil || len(list) != 1 || list[0].Channel != "C1" {
		t.Errorf("List = %+v, %v", list, err)
	}
	admins, err := db.Settings().Admins()
	if err != nil || strings.Join(admins.Users, ",") != "UANA,UBOB" {
		t.Errorf("Admins = %+v, %v; want UANA,UBOB once each", admins, err)
	}
	if found, err := db.Settings().Delete("coffee", "C1"); err != nil || !found {
		t.Errorf("Delete = %v, %v", found, err)
	}
	if _, ok, _ := db.Settings().Get("coffee", "C1"); ok {
		t.Error("settings still there after Delete")
	}
}

// An older binary refuses settings a newer one stored, saying what to do, and never overwrites them.
func TestSettingsFromANewerBinaryAreRefused(t *testing.T) {
	db := openTemp(t)
	newer := []byte(`{"format":2,"record":{"ritual":"coffee","channel":"C1","config":"x"}}`)
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSettings).Put(settingsKey("coffee", "C1"), newer) }); err != nil {
		t.Fatal(err)
	}
	_, err := db.Settings().List()
	if !errors.Is(err, ErrNewerSettings) || !strings.Contains(err.Error(), "upgrade ritualbot") || !strings.Contains(err.Error(), "format 2") {
		t.Errorf("List = %v; want ErrNewerSettings naming the format and the fix", err)
	}
	if err := db.Settings().Put(RitualSettings{Ritual: "coffee", Channel: "C1", Config: "y"}); !errors.Is(err, ErrNewerSettings) {
		t.Errorf("Put over a newer record = %v; want ErrNewerSettings", err)
	}
}

func TestForgetTakesAPersonOffStoredAdmins(t *testing.T) {
	db := openTemp(t)
	if err := db.Settings().PutAdmins(StoredAdmins{Users: []string{"UANA", "UBOB"}, By: "UANA"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Settings().Put(RitualSettings{Ritual: "feedback", Channel: "C1", Config: "responders: [UANA]\n", By: "UANA"}); err != nil {
		t.Fatal(err)
	}
	if d, err := db.PersonData("UANA"); err != nil || d.Settings != 2 {
		t.Errorf("PersonData counts %d settings naming them (%v), want 2", d.Settings, err)
	}
	if _, err := db.Forget("UANA"); err != nil {
		t.Fatal(err)
	}
	admins, err := db.Settings().Admins()
	if err != nil || strings.Join(admins.Users, ",") != "UBOB" || admins.By != ForgottenUser {
		t.Errorf("Admins after Forget = %+v, %v", admins, err)
	}
	rs, _, err := db.Settings().Get("feedback", "C1")
	if err != nil || strings.Contains(rs.Config+rs.By, "UANA") {
		t.Errorf("settings after Forget = %+v, %v", rs, err)
	}
}

// Rebase moves the ledger's baseline forward, never back.
func TestRunsRebase(t *testing.T) {
	db := openTemp(t)
	t1 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{t1, t1.Add(-time.Hour)} {
		if err := db.Runs().Rebase("coffee", "C1", at); err != nil {
			t.Fatal(err)
		}
	}
	if last, ok, err := db.Runs().Last("coffee", "C1"); err != nil || !ok || !last.Equal(t1) {
		t.Errorf("Last = %v, %v, %v; want %v", last, ok, err, t1)
	}
}
