package slackfake

import (
	"testing"
	"time"
)

func TestDateTokensShownInEachReadersClock(t *testing.T) {
	now := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	f := newFixture(t, Options{Now: func() time.Time { return now }})
	f.srv.mu.Lock()
	defer f.srv.mu.Unlock()
	// 2026-12-02 02:00 UTC: Wednesday 03:00 in Paris, 07:30 in Kolkata, Tuesday 21:00 in New York; in Kolkata it is already Wednesday.
	token := "<!date^1796176800^{date_short_pretty} at {time}|Wed 2 Dec 2026 02:00 UTC>"
	cases := []struct {
		readers []string
		want    string
	}{
		{nil, "Wed 2 Dec 2026 02:00 UTC"},
		{[]string{f.ana}, "tomorrow at 03:00"},
		{[]string{f.ana, f.raj, f.lee}, "tomorrow at 03:00 (ana) / today at 07:30 (raj) / today at 21:00 (lee)"},
	}
	for _, c := range cases {
		if got := f.srv.renderForLocked(c.readers, func() string { return f.srv.plainLocked(token) }); got != c.want {
			t.Errorf("readers %v: %q, want %q", c.readers, got, c.want)
		}
	}
	for tokens, want := range map[string]string{
		"{date_num}":           "2026-12-02",
		"{date_long}":          "Wednesday, December 2nd, 2026",
		"{day_divider_pretty}": "tomorrow",
		"{date}":               "December 2nd, 2026",
		"{time_secs}":          "03:00:00",
	} {
		got := f.srv.renderForLocked([]string{f.ana}, func() string { return f.srv.plainLocked("<!date^1796176800^" + tokens + "|x>") })
		if got != want {
			t.Errorf("%s: %q, want %q", tokens, got, want)
		}
	}
}
