package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// checkRunsShown is how many upcoming runs check prints per ritual and channel.
const checkRunsShown = 3

func cmdCheck(args []string, stdout, stderr io.Writer) error {
	cfg, err := configFlag("check", args, stderr)
	if err != nil {
		return err
	}
	for _, w := range cfg.placeholderWarnings() {
		fmt.Fprintln(stderr, "warning:", w)
	}
	cfg, warnings, err := withStoredSettings(cfg)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	writeCheck(stdout, cfg, time.Now())
	return nil
}

// examplePlaceholderIDs are the ids config.example.yaml uses: a copy still holding them runs
// nowhere and tells nobody.
var examplePlaceholderIDs = []string{"U0123ADMIN", "C0123COFFE", "C0123RANDM", "C0123TEAMS"}

// placeholderWarnings names every field that still holds one of the example's ids.
func (c *Config) placeholderWarnings() []string {
	var out []string
	note := func(field, id, what string) {
		if slices.Contains(examplePlaceholderIDs, id) {
			out = append(out, fmt.Sprintf("%s: %s is the example's placeholder; put your own %s here", field, id, what))
		}
	}
	for i, id := range c.Admins {
		note(fmt.Sprintf("admins[%d]", i), id, "member id (profile → ⋮ → Copy member ID)")
	}
	for _, r := range c.Rituals() {
		for i, rc := range r.Channels {
			note(fmt.Sprintf("%s[%d].channel", r.Section, i), rc.Channel, "channel id (channel details → About)")
		}
	}
	for i, fc := range c.Feedback {
		for j, id := range fc.Responders {
			note(fmt.Sprintf("feedback[%d].responders[%d]", i, j), id, "member id")
		}
	}
	return out
}

// writeCheck prints each configured ritual's next runs in the configuration's time zone (and in
// the schedule's own, when it has another).
func writeCheck(w io.Writer, cfg *Config, now time.Time) {
	loc := cfg.Location()
	fmt.Fprintf(w, "Configuration is valid. Slash command %s; default time zone %s; %d admin(s).\nTimes below are in %s.\n",
		cfg.Command, cfg.Timezone, len(cfg.Admins), loc)
	any := false
	for _, r := range cfg.Rituals() {
		for _, rc := range r.Channels {
			any = true
			fmt.Fprintf(w, "\n%s in %s (%s; %s):\n", r.Name, rc.Channel, rc.spec.String(), sourceNote(rc))
			if rc.paused() {
				continue
			}
			for _, at := range rc.spec.NextN(now, checkRunsShown) {
				line := at.In(loc).Format("Mon 2006-01-02 15:04")
				if own := rc.spec.Location(); own.String() != loc.String() {
					line += fmt.Sprintf(" (%s in %s)", at.In(own).Format("15:04"), own)
				}
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
	}
	if !any {
		fmt.Fprintln(w, "\nNo rituals are configured yet: add a coffee, icebreakers, digest or feedback section.")
	}
}
