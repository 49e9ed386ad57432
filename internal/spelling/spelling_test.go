package spelling

import "testing"

func TestClosestFindsTheIntendedWordOrNothing(t *testing.T) {
	keys := []string{"channel", "schedule", "every_weeks", "grace", "group_size"}
	cases := map[string]string{"schedul": "schedule", "chanel": "channel", "grup_size": "group_size", "timezone": "", "colour": ""}
	for typo, want := range cases {
		if got := Closest(typo, keys, 2); got != want {
			t.Errorf("Closest(%q) = %q, want %q", typo, got, want)
		}
	}
	if d := Distance("café", "cafe"); d != 1 {
		t.Errorf("a non-ASCII letter counts as one edit, got %d", d)
	}
}
