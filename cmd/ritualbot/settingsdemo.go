package main

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ritualbot/ritualbot/bot/slackfake"
)

// setUpCoffee is the demo's chapter where the admin sets up coffee in #coffee from the Home tab:
// no configuration file is edited and the bot is not restarted.
func (d *demo) setUpCoffee(ctx context.Context) error {
	d.chapter("The admin sets up coffee in #coffee from the Home tab: Mondays 10:00 Berlin time, follow-up after 36h, no restart")
	if _, err := d.fake.OpenHome(ctx, demoAdmin); err != nil {
		return fmt.Errorf("open the admin's Home tab: %w", err)
	}
	// Wait for the Home tab itself, with its button, not only for the call that publishes it.
	if err := waitFor(ctx, func() bool { return bytes.Contains(d.fake.HomeView(demoAdmin), []byte("settings.add#coffee")) }); err != nil {
		return fmt.Errorf("the admin's Home tab was not published: %w", err)
	}
	if _, err := d.fake.ClickButton(ctx, demoAdmin, slackfake.Location{Home: true}, "settings.add#coffee"); err != nil {
		return fmt.Errorf("click Set up coffee: %w", err)
	}
	var viewID string
	if err := waitFor(ctx, func() bool { viewID, _ = d.fake.OpenView(demoAdmin); return viewID != "" }); err != nil {
		return fmt.Errorf("the coffee settings did not open: %w", err)
	}
	values := map[string]string{"channel": demoCoffee, "day": "MON", "time": "10:00", "zone": "Europe/Berlin",
		"every_weeks": "1", "group_size": "2", "summary": "true",
		"follow_up_after": "36h"} // the follow-up lands on the demo's Wednesday
	if _, err := d.fake.SubmitView(ctx, demoAdmin, viewID, values); err != nil {
		return fmt.Errorf("save the coffee settings: %w", err)
	}
	if problems := d.fake.ViewErrors(viewID); len(problems) > 0 {
		return fmt.Errorf("the coffee settings were refused: %v", problems)
	}
	return nil
}
