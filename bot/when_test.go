package bot

import (
	"testing"
	"time"
)

func TestWhenLetsSlackShowEachReaderTheirOwnClock(t *testing.T) {
	at := time.Date(2026, 12, 3, 14, 30, 0, 0, time.UTC)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		style WhenStyle
		loc   *time.Location
		want  string
	}{
		{DateTime, nil, "<!date^1796308200^{date_short_pretty} at {time}|Thu 3 Dec 2026 14:30 UTC>"},
		{DayTime, paris, "<!date^1796308200^{day_divider_pretty} at {time}|Thursday 3 December 2026 15:30 Europe/Paris>"},
		{Date, paris, "<!date^1796308200^{date_short_pretty}|Thu 3 Dec 2026>"},
		{Time, nil, "<!date^1796308200^{time}|14:30 UTC>"},
	} {
		if got := When(at, c.style, c.loc); got != c.want {
			t.Errorf("When(%v, %d) = %s, want %s", at, c.style, got, c.want)
		}
	}
}
