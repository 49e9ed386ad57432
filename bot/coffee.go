package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/ritualbot/ritualbot/rituals"
	"github.com/ritualbot/ritualbot/rituals/coffee"
	"github.com/ritualbot/ritualbot/rituals/schedule"
)

// Action ids of coffee's buttons.
const (
	actionCoffeeMet    = "coffee.met"
	actionCoffeeSkip   = "coffee.skip"
	actionCoffeeJoin   = "coffee.home.join"
	actionCoffeeLeave  = "coffee.home.leave"
	actionCoffeePause  = "coffee.home.pause"
	actionCoffeeResume = "coffee.home.resume"
	actionCoffeeHours  = "coffee.home.hours"
	// actionCoffeeSlot prefixes the "This works" buttons, one per proposed slot: "coffee.slot.0"…
	actionCoffeeSlot = "coffee.slot."
	viewCoffeeHours  = "coffee.hours"
	inputCoffeeHours = "coffee.hours.input"
)

// maxCoffeeSlots is how many "This works" buttons an intro can hold.
const maxCoffeeSlots = 3

// CoffeeSchedule tells when a channel's next round starts.
type CoffeeSchedule func(channel string) time.Time

// RegisterCoffee adds coffee's subcommands, buttons, Home section and renderers.
func RegisterCoffee(b *Bot, d *Delivery, svc *coffee.Service, dir *Directory, next CoffeeSchedule) {
	c := &coffeeEdge{bot: b, svc: svc, dir: dir, next: next}
	for _, s := range []Subcommand{
		{Name: "coffee join", Usage: "coffee join", Summary: "take part in coffee pairings", Run: c.join},
		{Name: "coffee leave", Usage: "coffee leave", Summary: "stop taking part", Run: c.leave},
		{Name: "coffee pause", Usage: "coffee pause 2w | until 2026-12-24", Summary: "skip rounds for a while; it ends by itself", Run: c.pause},
		{Name: "coffee resume", Usage: "coffee resume", Summary: "end a pause", Run: c.resume},
		{Name: "coffee status", Usage: "coffee status", Summary: "your coffee settings and current group", Run: c.status},
		{Name: "coffee history", Usage: "coffee history", Summary: "whom you met lately", Run: c.history},
		{Name: "coffee hours", Usage: "coffee hours 08:00-16:00 mon-thu | default", Summary: "your working hours, so intros and proposed times fit your day", Run: c.hours},
		{Name: "coffee avoid", Usage: "coffee avoid @someone", Summary: "never be paired with someone (private)", Run: c.avoid},
		{Name: "coffee unavoid", Usage: "coffee unavoid @someone", Summary: "undo an avoid", Run: c.unavoid},
		{Name: "coffee now", Usage: "coffee now", Summary: "start a coffee round in this channel now", Admin: true, Run: c.now},
		{Name: "coffee preview", Usage: "coffee preview", Summary: "the groups the next round would make, sending nothing", Admin: true, Run: c.preview},
		{Name: "coffee stats", Usage: "coffee stats", Summary: "rounds, groups and how many met", Admin: true, Run: c.stats},
	} {
		b.Register(s)
	}
	b.HandleAction(actionCoffeeMet, func(ctx context.Context, a Action) error { return c.answer(ctx, a, true) })
	b.HandleAction(actionCoffeeSkip, func(ctx context.Context, a Action) error { return c.answer(ctx, a, false) })
	for _, id := range []string{actionCoffeeJoin, actionCoffeeLeave, actionCoffeePause, actionCoffeeResume} {
		b.HandleAction(id, c.homeButton)
	}
	for i := range maxCoffeeSlots {
		b.HandleAction(actionCoffeeSlot+strconv.Itoa(i), c.choose)
	}
	b.HandleAction(actionCoffeeHours, c.openHours)
	b.HandleView(viewCoffeeHours, c.submitHours)
	b.HandleMessages(c.message)
	b.AddHomeSection(c.home)
	d.Render(coffee.KindIntro, c.renderIntro)
	d.Render(coffee.KindFollowUp, renderCoffeeFollowUp)
	d.Render(coffee.KindAlone, c.renderNote)
	d.Render(coffee.KindPaused, c.renderNote)
	d.Render(coffee.KindSummary, c.renderNote)
}

type coffeeEdge struct {
	bot  *Bot
	svc  *coffee.Service
	dir  *Directory
	next CoffeeSchedule
}

func (c *coffeeEdge) channels() []string { return c.svc.ChannelIDs() }

// where resolves the coffee channel of a command, or answers why it cannot.
func (c *coffeeEdge) where(cmd Command) (string, *Reply) {
	return c.bot.ritualChannel(cmd, c.channels(), "Coffee")
}

func (c *coffeeEdge) join(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := c.where(cmd)
	if r != nil {
		return *r, nil
	}
	if err := c.svc.Join(ctx, ch, cmd.UserID); err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("You're in: you'll be paired in <#%s> from the next round%s.", ch, c.nextText(ch))}, nil
}

func (c *coffeeEdge) nextText(ch string) string {
	if c.next == nil {
		return ""
	}
	if at := c.next(ch); !at.IsZero() {
		return " (" + c.bot.when(at, DateTime) + ")"
	}
	return ""
}

func (c *coffeeEdge) leave(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := c.where(cmd)
	if r != nil {
		return *r, nil
	}
	if err := c.svc.Leave(ctx, ch, cmd.UserID); err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Done: no more coffee pairings for you in <#%s>. `%s coffee join` brings you back any time.", ch, c.bot.opts.Command)}, nil
}

func (c *coffeeEdge) location(ctx context.Context, user string) *time.Location {
	if c.dir != nil {
		if p, err := c.dir.Person(ctx, user); err == nil && p.TimeZone != "" {
			if loc, err := time.LoadLocation(p.TimeZone); err == nil {
				return loc
			}
		}
	}
	return time.UTC
}

func (c *coffeeEdge) pause(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := c.where(cmd)
	if r != nil {
		return *r, nil
	}
	loc := c.location(ctx, cmd.UserID)
	until, err := coffee.ParsePause(cmd.Args, c.bot.opts.Now(), loc)
	if err != nil {
		return Reply{}, err
	}
	if err := c.svc.Pause(ctx, ch, cmd.UserID, until); err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Paused until %s in <#%s>; it ends by itself. `%s coffee resume` ends it sooner.",
		c.bot.when(until, DateTime), ch, c.bot.opts.Command)}, nil
}

func (c *coffeeEdge) resume(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := c.where(cmd)
	if r != nil {
		return *r, nil
	}
	if err := c.svc.Resume(ctx, ch, cmd.UserID); err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Welcome back: you'll be paired in <#%s> from the next round%s.", ch, c.nextText(ch))}, nil
}

// statusText says st, a person's coffee settings in ch, in words.
func (c *coffeeEdge) statusText(ctx context.Context, ch, user string, st coffee.Status) string {
	var b strings.Builder
	switch {
	case st.Left:
		fmt.Fprintf(&b, "Coffee in <#%s>: you left; `%s coffee join` brings you back.", ch, c.bot.opts.Command)
	case st.Indefinite:
		fmt.Fprintf(&b, "Coffee in <#%s>: paused after a few intros went unanswered; `%s coffee resume` brings you back.", ch, c.bot.opts.Command)
	case !st.PausedUntil.IsZero():
		fmt.Fprintf(&b, "Coffee in <#%s>: paused until %s.", ch, c.bot.when(st.PausedUntil, DateTime))
	case st.In:
		fmt.Fprintf(&b, "Coffee in <#%s>: you're in%s.", ch, c.nextText(ch))
	default:
		fmt.Fprintf(&b, "Coffee in <#%s>: you haven't joined; `%s coffee join` to take part.", ch, c.bot.opts.Command)
	}
	if g := st.Current; g != nil {
		fmt.Fprintf(&b, "\nThis round you're with %s.", mentionsExcept(g.Members, user))
		switch {
		case !g.Slot.IsZero() && g.Slot.After(c.bot.opts.Now()):
			fmt.Fprintf(&b, " You meet %s (picked by <@%s>).", c.bot.when(g.Slot, DayTime), g.SlotBy)
		case g.IntroAt.After(c.bot.opts.Now()):
			fmt.Fprintf(&b, " Your intro arrives %s, a good hour for all of you.", c.bot.when(g.IntroAt, DayTime))
		}
	}
	if st.Avoiding > 0 {
		fmt.Fprintf(&b, "\nYou keep apart from %s (only you can see this).", plural(st.Avoiding, "person", "people"))
	}
	return b.String()
}

func mentionsExcept(ids []string, except string) string {
	var out []string
	for _, id := range ids {
		if id != except {
			out = append(out, "<@"+id+">")
		}
	}
	return strings.Join(out, " and ")
}

func (c *coffeeEdge) status(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := c.where(cmd)
	if r != nil {
		return *r, nil
	}
	st, err := c.svc.StatusOf(ctx, ch, cmd.UserID)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: c.statusText(ctx, ch, cmd.UserID, st)}, nil
}

// coffeeHistoryShown is how many past groups history shows.
const coffeeHistoryShown = 10

func (c *coffeeEdge) history(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := c.where(cmd)
	if r != nil {
		return *r, nil
	}
	meetings, err := c.svc.History(ctx, ch, cmd.UserID, coffeeHistoryShown)
	if err != nil {
		return Reply{}, err
	}
	if len(meetings) == 0 {
		return Reply{Text: fmt.Sprintf("No coffee rounds for you in <#%s> yet.", ch)}, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Your last coffees in <#%s>:\n", ch)
	for _, m := range meetings {
		outcome := map[string]string{coffee.AnswerMet: "met ☕", coffee.AnswerSkipped: "couldn't make it", "": "no answer"}[m.Answer]
		fmt.Fprintf(&b, "• %s — %s (%s)\n", c.bot.when(m.At, Date), mentionsExcept(m.Others, ""), outcome)
	}
	return Reply{Text: b.String()}, nil
}

func (c *coffeeEdge) avoidCmd(ctx context.Context, cmd Command, avoid bool) (Reply, error) {
	ids, rest := leadingMentions(cmd.Args)
	if len(ids) != 1 || rest != "" {
		if plainMention(cmd.Args) {
			return Reply{Text: "I couldn't recognise that person; pick them from the list Slack offers when you type @."}, nil
		}
		return Reply{Text: fmt.Sprintf("Name one person, e.g. `%s coffee avoid @someone`. Nobody else will ever know.", c.bot.opts.Command)}, nil
	}
	if err := c.svc.Avoid(ctx, cmd.UserID, ids[0], avoid); err != nil {
		return Reply{}, err
	}
	if avoid {
		return Reply{Text: "Done. You won't be paired with them, in any channel. Nobody else can see this."}, nil
	}
	return Reply{Text: "Done. You may be paired with them again."}, nil
}

func (c *coffeeEdge) avoid(ctx context.Context, cmd Command) (Reply, error) {
	return c.avoidCmd(ctx, cmd, true)
}

func (c *coffeeEdge) unavoid(ctx context.Context, cmd Command) (Reply, error) {
	return c.avoidCmd(ctx, cmd, false)
}

func (c *coffeeEdge) now(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := c.where(cmd)
	if r != nil {
		return *r, nil
	}
	key := schedule.Key{Ritual: coffee.Ritual, Channel: ch, At: c.bot.opts.Now().Truncate(time.Minute)}
	err := c.svc.RunNow(ctx, key)
	if errors.Is(err, schedule.ErrAlreadyRan) {
		return Reply{Text: "A coffee round already started this minute; give it a moment."}, nil
	}
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Done: a coffee round started in <#%s>; the intros are on their way.", ch)}, nil
}

func (c *coffeeEdge) preview(ctx context.Context, cmd Command) (Reply, error) {
	ch, r := c.where(cmd)
	if r != nil {
		return *r, nil
	}
	// The next scheduled round, as it will run if nobody joins, leaves or pauses before then.
	at := c.next(ch)
	if at.IsZero() {
		at = c.bot.opts.Now()
	}
	res, _, err := c.svc.Plan(ctx, ch, at)
	if err != nil {
		return Reply{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Preview for <#%s>* — nothing was sent. %s would start:\n", ch, plural(len(res.Groups), "group", "groups"))
	for _, g := range res.Groups {
		fmt.Fprintf(&b, "• %s — %s\n", mentionsExcept(g.Members, ""), g.Reason)
	}
	for _, id := range res.Alone {
		fmt.Fprintf(&b, "• <@%s> would have nobody to meet and would be told kindly.\n", id)
	}
	return Reply{Text: truncateText(b.String(), maxTextChars)}, nil
}

func (c *coffeeEdge) stats(_ context.Context, cmd Command) (Reply, error) {
	ch, r := c.where(cmd)
	if r != nil {
		return *r, nil
	}
	st, err := c.svc.StatsOf(ch, time.Time{})
	if err != nil {
		return Reply{}, err
	}
	if st.Groups == 0 {
		return Reply{Text: fmt.Sprintf("No coffee rounds in <#%s> yet.", ch)}, nil
	}
	return Reply{Text: fmt.Sprintf("Coffee in <#%s>: %s, %s; %d%% met, %d%% couldn't make it, %d%% didn't answer.", ch,
		plural(st.Rounds, "round", "rounds"), plural(st.Groups, "group", "groups"),
		100*st.Met/st.Groups, 100*st.Skipped/st.Groups, 100*(st.Groups-st.Met-st.Skipped)/st.Groups)}, nil
}

func (c *coffeeEdge) answer(ctx context.Context, a Action, met bool) error {
	roundID, groupID, ok := strings.Cut(a.Value, "|")
	if !ok {
		return fmt.Errorf("coffee button with value %q", a.Value)
	}
	g, err := c.svc.Answer(ctx, a.UserID, roundID, groupID, met)
	reply := func(text string, inChannel bool) error {
		msg := &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral}
		if inChannel {
			msg.ResponseType = slack.ResponseTypeInChannel
		}
		return c.bot.api.PostWebhook(ctx, a.ResponseURL, msg)
	}
	switch {
	case errors.Is(err, coffee.ErrAnswered):
		return reply(fmt.Sprintf("<@%s> already answered for your group — thanks!", g.AnsweredBy), false)
	case errors.Is(err, coffee.ErrNotInGroup):
		return reply("This button belongs to another group.", false)
	case err != nil:
		return err
	}
	if met {
		return reply(fmt.Sprintf("<@%s> says you met ☕ — lovely, thank you!", a.UserID), true)
	}
	return reply(fmt.Sprintf("<@%s> says it didn't work out this time — no problem, there's always the next round.", a.UserID), true)
}

func (c *coffeeEdge) home(ctx context.Context, user string, _ bool) ([]slack.Block, error) {
	var blocks []slack.Block
	for _, ch := range c.channels() {
		st, err := c.svc.StatusOf(ctx, ch, user)
		if err != nil {
			return nil, err
		}
		text := c.statusText(ctx, ch, user, st)
		var buttons []slack.BlockElement
		switch {
		case st.Left || (!st.In && st.PausedUntil.IsZero()):
			buttons = append(buttons, slack.NewButtonBlockElement(actionCoffeeJoin, ch, plain("Join")))
		case !st.PausedUntil.IsZero():
			buttons = append(buttons, slack.NewButtonBlockElement(actionCoffeeResume, ch, plain("Resume")))
		default:
			buttons = append(buttons, slack.NewButtonBlockElement(actionCoffeePause, ch, plain("Pause 2 weeks")),
				slack.NewButtonBlockElement(actionCoffeeLeave, ch, plain("Leave")))
		}
		blocks = append(blocks, slack.NewSectionBlock(markdown(text), nil, nil), slack.NewActionBlock("coffee.home."+ch, buttons...))
	}
	if len(blocks) > 0 {
		text, err := c.hoursText(ctx, user)
		if err != nil {
			return nil, err
		}
		change := slack.NewButtonBlockElement(actionCoffeeHours, "", plain("Change working hours"))
		blocks = append(blocks, slack.NewSectionBlock(markdown(text), nil, slack.NewAccessory(change)))
	}
	return blocks, nil
}

func (c *coffeeEdge) homeButton(ctx context.Context, a Action) error {
	ch := a.Value
	if _, ok := c.svc.Channel(ch); !ok {
		return fmt.Errorf("coffee button for unknown channel %q", ch)
	}
	var err error
	switch a.ActionID {
	case actionCoffeeJoin:
		err = c.svc.Join(ctx, ch, a.UserID)
	case actionCoffeeLeave:
		err = c.svc.Leave(ctx, ch, a.UserID)
	case actionCoffeeResume:
		err = c.svc.Resume(ctx, ch, a.UserID)
	case actionCoffeePause:
		err = c.svc.Pause(ctx, ch, a.UserID, c.bot.opts.Now().Add(14*24*time.Hour))
	}
	if rituals.IsPersonError(err) {
		// Shown at the top of the refreshed Home: the button was stale.
		return c.bot.AnswerAction(ctx, a, Escape(err.Error()), false)
	}
	if err != nil {
		return err
	}
	return c.bot.PublishHome(ctx, a.UserID)
}

// renderIntro introduces a group: who, their clocks and hours, why them, a starter, and two or
// three times that suit everyone, each shown in the reader's own clock with a "This works" button.
func (c *coffeeEdge) renderIntro(m rituals.Message) (Rendered, error) {
	d, err := decode[coffee.IntroData](m)
	if err != nil {
		return Rendered{}, err
	}
	var ids, lines []string
	for _, p := range d.Participants {
		ids = append(ids, "<@"+p.ID+">")
		zone := p.TimeZone
		if zone == "" {
			zone = "their time zone"
		}
		line := fmt.Sprintf("• <@%s> — it's %s for them (%s)", p.ID, p.LocalTime, Escape(zone))
		if p.Hours != "" {
			line += ", working " + Escape(p.Hours)
		}
		lines = append(lines, line)
	}
	who := strings.Join(ids, ", ")
	text := fmt.Sprintf("☕ *Coffee time!* %s — meet each other.\n%s\n*Why you:* %s", who, strings.Join(lines, "\n"), Escape(d.Reason))
	blocks := []slack.Block{slack.NewSectionBlock(markdown(truncateText(text, maxTextChars)), nil, nil)}
	if d.Starter != "" {
		blocks = append(blocks, slack.NewSectionBlock(markdown("*To get you started:* "+Escape(d.Starter)), nil, nil))
	}
	blocks = append(blocks, c.slotBlocks(d)...)
	blocks = append(blocks,
		slack.NewContextBlock("", markdown("On a call or over a real coffee, 20–30 minutes is plenty. Tell me how it went:")),
		coffeeButtons(d.RoundID, d.GroupID))
	return Rendered{Text: "Coffee time! " + who + " — meet each other.", Blocks: blocks}, nil
}

// slotBlocks proposes the intro's slots, each with a "This works" button; with no shared working
// hours, it says so kindly, offers the least bad time and who it is early or late for, and the
// async way.
func (c *coffeeEdge) slotBlocks(d coffee.IntroData) []slack.Block {
	if len(d.Slots) == 0 {
		return nil
	}
	var blocks []slack.Block
	if d.Shared {
		blocks = append(blocks, slack.NewSectionBlock(markdown("*Times inside everyone's working hours* (shown in your own clock):"), nil, nil))
	} else {
		blocks = append(blocks, slack.NewSectionBlock(markdown("*Your working hours don't overlap*, so no time is perfect — thank you for stretching a little. The least bad:"), nil, nil))
	}
	for i, sl := range d.Slots[:min(len(d.Slots), maxCoffeeSlots)] {
		text := "• " + c.bot.when(sl.At, DayTime)
		var notes []string
		if len(sl.Early) > 0 {
			notes = append(notes, "early for "+mentionsExcept(sl.Early, ""))
		}
		if len(sl.Late) > 0 {
			notes = append(notes, "late for "+mentionsExcept(sl.Late, ""))
		}
		if len(notes) > 0 {
			text += " — " + strings.Join(notes, ", ")
		}
		value := fmt.Sprintf("%s|%s|%d", d.RoundID, d.GroupID, sl.At.Unix())
		button := slack.NewButtonBlockElement(actionCoffeeSlot+strconv.Itoa(i), value, plain("This works"))
		blocks = append(blocks, slack.NewSectionBlock(markdown(text), nil, slack.NewAccessory(button)))
	}
	if !d.Shared {
		blocks = append(blocks, slack.NewContextBlock("", markdown("Or keep it async: trade a short voice note or a few messages here, whenever suits each of you.")))
	}
	return blocks
}

// choose posts, for the whole group, the slot a member picked with "This works".
func (c *coffeeEdge) choose(ctx context.Context, a Action) error {
	parts := strings.Split(a.Value, "|")
	if len(parts) != 3 {
		return fmt.Errorf("coffee slot button with value %q", a.Value)
	}
	unix, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return fmt.Errorf("coffee slot button with value %q: %w", a.Value, err)
	}
	at := time.Unix(unix, 0)
	_, err = c.svc.Choose(ctx, a.UserID, parts[0], parts[1], at)
	switch {
	case errors.Is(err, coffee.ErrNotInGroup):
		return c.bot.AnswerAction(ctx, a, "This button belongs to another group.", false)
	case errors.Is(err, coffee.ErrSlotPassed):
		return c.bot.AnswerAction(ctx, a, "That time has passed; pick a later one, or agree on another time here.", false)
	case errors.Is(err, coffee.ErrNotProposed):
		return c.bot.AnswerAction(ctx, a, "That time wasn't one I proposed; pick one of the buttons, or agree on another time here.", false)
	case err != nil:
		return err
	}
	text := fmt.Sprintf("<@%s> picked %s for your coffee ☕ — see you there! (Another time suits better? Just say so here.)", a.UserID, c.bot.when(at, DayTime))
	return c.bot.api.PostWebhook(ctx, a.ResponseURL, &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeInChannel})
}

// message counts a member's message in their group DM as their group's answer to the intro.
func (c *coffeeEdge) message(ctx context.Context, m Message) error {
	if m.ChannelType != "mpim" {
		return nil
	}
	_, err := c.svc.Talked(ctx, m.UserID, m.ChannelID)
	return err
}

// hoursText says a person's working hours and where they come from.
func (c *coffeeEdge) hoursText(ctx context.Context, user string) (string, error) {
	chs := c.channels()
	h, own, err := c.svc.HoursOf(chs[0], user)
	if err != nil {
		return "", err
	}
	whose := "the default"
	if own {
		whose = "set by you"
	}
	return fmt.Sprintf("*Your working hours:* %s (%s), in your Slack time zone, %s. Coffee intros arrive and meeting times are proposed inside them.",
		Escape(h.Label()), whose, Escape(c.location(ctx, user).String())), nil
}

func (c *coffeeEdge) hours(ctx context.Context, cmd Command) (Reply, error) {
	args := strings.ToLower(strings.TrimSpace(cmd.Args))
	switch args {
	case "":
		text, err := c.hoursText(ctx, cmd.UserID)
		if err != nil {
			return Reply{}, err
		}
		return Reply{Text: text + fmt.Sprintf("\nChange them with e.g. `%s coffee hours 08:00-16:00 mon-thu`; `%s coffee hours default` goes back to the default.", c.bot.opts.Command, c.bot.opts.Command)}, nil
	case "default", "reset", "clear":
		if err := c.svc.SetHours(ctx, cmd.UserID, coffee.Hours{}); err != nil {
			return Reply{}, err
		}
		text, err := c.hoursText(ctx, cmd.UserID)
		return Reply{Text: "Done. " + text + " This counts from the next round."}, err
	}
	h, err := coffee.ParseHours(args)
	if err != nil {
		return Reply{}, err
	}
	if err := c.svc.SetHours(ctx, cmd.UserID, h); err != nil {
		return Reply{}, err
	}
	text, err := c.hoursText(ctx, cmd.UserID)
	return Reply{Text: "Done. " + text + " This counts from the next round."}, err
}

// openHours opens the working-hours form from the Home tab.
func (c *coffeeEdge) openHours(ctx context.Context, a Action) error {
	h, _, err := c.svc.HoursOf(c.channels()[0], a.UserID)
	if err != nil {
		return err
	}
	input := slack.NewPlainTextInputBlockElement(plain("08:00-16:00 mon-thu"), inputCoffeeHours)
	input.InitialValue = h.String()
	block := slack.NewInputBlock(inputCoffeeHours, plain("Working hours"), plain("From-to in your own clock, then the days; the days are optional (Monday to Friday). Write \"default\" to use the team's."), input)
	view := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: viewCoffeeHours, Title: plain("Working hours"), Submit: plain("Save"), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewContextBlock("", markdown("Coffee intros arrive inside your working hours, and the times proposed to meet fit them.")), block}},
	}
	_, err = c.bot.api.OpenViewContext(ctx, a.TriggerID, view)
	return err
}

// submitHours saves the hours from the form, or shows the mistake under the field.
func (c *coffeeEdge) submitHours(ctx context.Context, s Submission) (map[string]string, error) {
	value, _ := s.Values.Lookup(inputCoffeeHours, inputCoffeeHours)
	text := strings.ToLower(strings.TrimSpace(value))
	var h coffee.Hours
	if text != "default" {
		var err error
		if h, err = coffee.ParseHours(text); err != nil {
			if rituals.IsPersonError(err) {
				return map[string]string{inputCoffeeHours: strings.ReplaceAll(err.Error(), "`", "")}, nil
			}
			return nil, err
		}
	}
	if err := c.svc.SetHours(ctx, s.UserID, h); err != nil {
		return nil, err
	}
	return nil, c.bot.PublishHome(ctx, s.UserID)
}

func coffeeButtons(roundID, groupID string) slack.Block {
	value := roundID + "|" + groupID
	met := slack.NewButtonBlockElement(actionCoffeeMet, value, plain("We met ☕"))
	met.Style = slack.StylePrimary
	skip := slack.NewButtonBlockElement(actionCoffeeSkip, value, plain("Can't make it this time"))
	return slack.NewActionBlock("coffee.answer", met, skip)
}

func renderCoffeeFollowUp(m rituals.Message) (Rendered, error) {
	d, err := decode[coffee.IntroData](m)
	if err != nil {
		return Rendered{}, err
	}
	text := "Did you get a chance to meet? No pressure — just tap one, and I won't ask again this round."
	return Rendered{Text: text, Blocks: []slack.Block{slack.NewSectionBlock(markdown(text), nil, nil), coffeeButtons(d.RoundID, d.GroupID)}}, nil
}

func (c *coffeeEdge) renderNote(m rituals.Message) (Rendered, error) {
	d, err := decode[coffee.NoteData](m)
	if err != nil {
		return Rendered{}, err
	}
	var text string
	switch m.Kind {
	case coffee.KindAlone:
		text = fmt.Sprintf("There was nobody to pair you with in <#%s> this round — sorry! You're first in line for the next one.", d.Channel)
	case coffee.KindPaused:
		text = fmt.Sprintf("You've missed a few coffee intros in <#%s>, so I've paused your pairings to keep your DMs quiet. "+
			"Whenever you'd like to meet people again, type `%s coffee resume` or use the button on my Home tab.", d.Channel, c.bot.opts.Command)
	default:
		text = fmt.Sprintf("☕ %s this round, across %s; each group's intro arrives at a good hour for all of them. Enjoy!", plural(d.Groups, "coffee", "coffees"), plural(d.Zones, "time zone", "time zones"))
	}
	return Rendered{Text: text, Blocks: []slack.Block{slack.NewSectionBlock(markdown(text), nil, nil)}}, nil
}
