package main

import (
	"fmt"
	"io"
	"time"
)

// checkRunsShown is how many upcoming runs check prints per ritual and channel.
const checkRunsShown = 3

func cmdCheck(args []string, stdout, stderr io.Writer) error {
	cfg, err := configFlag("check", args, stderr)
	if err != nil {
		return err
	}
	writeCheck(stdout, cfg, time.Now())
	return nil
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
			fmt.Fprintf(w, "\n%s in %s (%s):\n", r.Name, rc.Channel, rc.spec.String())
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
