package store

import (
	"testing"
	"time"

	"github.com/ritualbot/ritualbot/rituals/trends"
)

func TestLatestChartSurvivesReopening(t *testing.T) {
	path := t.TempDir() + "/r.db"
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.Charts().LatestChart(); ok || err != nil {
		t.Fatalf("a new database has a latest chart: %v %v", ok, err)
	}
	want := trends.SharedChart{FileID: "F01", Title: "Check-ins", Alt: "6 of 8", Channel: "C1", At: time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)}
	if err := db.Charts().PutLatestChart(want); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, ok, err := db.Charts().LatestChart()
	if !ok || err != nil || got != want {
		t.Fatalf("latest chart %+v %v %v, want %+v", got, ok, err, want)
	}
}
