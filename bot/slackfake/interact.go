package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Location says where a person clicks: a message (Channel and TS, ephemeral
// ones included), a modal (ViewID), or the person's Home tab (Home).
type Location struct {
	Channel, TS string
	ViewID      string
	Home        bool
}

// findElement finds the element with actionID in a blocks array and the
// block_id of the block holding it.
func findElement(blocks []any, actionID string) (map[string]any, string) {
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		bid, _ := bm["block_id"].(string)
		var cands []any
		if els, ok := bm["elements"].([]any); ok {
			cands = append(cands, els...)
		}
		for _, k := range []string{"accessory", "element"} {
			if el, ok := bm[k]; ok {
				cands = append(cands, el)
			}
		}
		for _, el := range cands {
			em, _ := el.(map[string]any)
			if id, _ := em["action_id"].(string); id == actionID && id != "" {
				return em, bid
			}
		}
	}
	return nil, ""
}

func decodeBlocks(raw json.RawMessage) []any {
	var out []any
	_ = json.Unmarshal(raw, &out)
	return out
}

// ClickButton has a person click the button with actionID on a message, a
// modal or their Home tab, delivering a block_actions interaction.
func (s *Server) ClickButton(ctx context.Context, userID string, where Location, actionID string) (Ack, error) {
	s.mu.Lock()
	u, err := s.personLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	payload := map[string]any{"type": "block_actions", "user": s.userRef(u), "api_app_id": s.appID,
		"token": s.verifToken, "team": s.teamRef(), "enterprise": nil, "is_enterprise_install": false}
	var blocks []any
	var place, channelID string
	switch {
	case where.Home || where.ViewID != "":
		var v *view
		if where.Home {
			v = s.ws.views[s.ws.homes[userID]]
		} else {
			v = s.ws.views[where.ViewID]
		}
		if err := s.checkVisibleViewLocked(v, userID, where); err != nil {
			s.mu.Unlock()
			return Ack{}, err
		}
		blocks, _ = v.body["blocks"].([]any)
		payload["container"] = map[string]any{"type": "view", "view_id": v.id}
		payload["view"] = s.viewJSON(v)
		place = "modal for " + u.Name
		if v.typ() == "home" {
			place = "Home tab of " + u.Name
		}
	default:
		c := s.ws.channels[where.Channel]
		if c == nil {
			s.mu.Unlock()
			return Ack{}, fmt.Errorf("slackfake: unknown channel %q", where.Channel)
		}
		m := s.findMessageLocked(c.id, where.TS)
		ephemeral := false
		if m == nil {
			if e := s.findEphemeralLocked(c.id, where.TS); e != nil && e.forUser == userID {
				m, ephemeral = e, true
			}
		}
		if m == nil {
			s.mu.Unlock()
			return Ack{}, fmt.Errorf("slackfake: no message %s in %s visible to %s", where.TS, s.placeLocked(c.id), u.Name)
		}
		if !ephemeral && !c.isMember(userID) && c.kind != kindPublic {
			s.mu.Unlock()
			return Ack{}, fmt.Errorf("slackfake: %s cannot see %s", u.Name, s.placeLocked(c.id))
		}
		blocks = decodeBlocks(m.blocks)
		channelID = c.id
		container := map[string]any{"type": "message", "message_ts": m.ts, "channel_id": c.id, "is_ephemeral": ephemeral}
		if m.threadTS != "" && m.threadTS != m.ts {
			container["thread_ts"] = m.threadTS
		}
		payload["container"] = container
		payload["channel"] = map[string]any{"id": c.id, "name": slashChannelName(c)}
		if !ephemeral {
			payload["message"] = s.messageJSON(c, m, false)
		}
		payload["state"] = map[string]any{"values": map[string]any{}}
		payload["response_url"] = s.newHookLocked(userID, c.id, m.ts, ephemeral)
		place = s.placeLocked(c.id)
	}
	el, blockID := findElement(blocks, actionID)
	if el == nil {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackfake: no element with action_id %q there", actionID)
	}
	if t, _ := el["type"].(string); t != "button" {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackfake: action_id %q is a %s, not a button", actionID, t)
	}
	action := map[string]any{"action_id": actionID, "block_id": blockID, "text": el["text"], "type": "button",
		"action_ts": s.nextTSLocked()}
	for _, k := range []string{"value", "style", "url"} {
		if x, ok := el[k]; ok {
			action[k] = x
		}
	}
	payload["actions"] = []any{action}
	payload["trigger_id"] = s.newTriggerLocked(userID, channelID)
	label := textOf(el["text"])
	s.addEntryLocked(Entry{Kind: "command", Who: u.Name, Where: place, Action: "clicked", UserID: userID,
		ChannelID: channelID, TS: where.TS, ViewID: where.ViewID, Text: "clicks [ " + label + " ]"})
	s.mu.Unlock()

	ack, err := s.deliver(ctx, delivery{typ: "interactive", payload: payload})
	if err != nil {
		s.deliveryFailed(userID, channelID, "clicking [ "+label+" ]", err)
	}
	return ack, err
}

// checkVisibleViewLocked checks that a view is on the person's screen.
func (s *Server) checkVisibleViewLocked(v *view, userID string, where Location) error {
	switch {
	case v == nil && where.Home:
		return fmt.Errorf("slackfake: no Home tab published for %s", s.userNameLocked(userID))
	case v == nil:
		return fmt.Errorf("slackfake: unknown view %q", where.ViewID)
	case v.user != userID:
		return fmt.Errorf("slackfake: view %s belongs to %s, not %s", v.id, s.userNameLocked(v.user), s.userNameLocked(userID))
	case v.typ() == "modal" && (v.closed || s.topModalLocked(userID) != v.id):
		return fmt.Errorf("slackfake: modal %s is not the one %s sees", v.id, s.userNameLocked(userID))
	}
	return nil
}

func (s *Server) topModalLocked(userID string) string {
	stack := s.ws.modals[userID]
	if len(stack) == 0 {
		return ""
	}
	return stack[len(stack)-1]
}

// stateFor builds the state entry of one input element from a person's value
// (comma-separated for multi-selects; "" keeps the element's initial value).
func stateFor(el map[string]any, val string, given bool) (entry map[string]any, empty bool, err error) {
	t, _ := el["type"].(string)
	entry = map[string]any{"type": t}
	split := func() []string {
		var out []string
		for _, p := range strings.Split(val, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	findOpt := func(value string) (any, error) {
		var all []any
		if opts, ok := el["options"].([]any); ok {
			all = append(all, opts...)
		}
		if groups, ok := el["option_groups"].([]any); ok {
			for _, g := range groups {
				gm, _ := g.(map[string]any)
				if opts, ok := gm["options"].([]any); ok {
					all = append(all, opts...)
				}
			}
		}
		for _, o := range all {
			om, _ := o.(map[string]any)
			if om["value"] == value {
				return o, nil
			}
		}
		return nil, fmt.Errorf("slackfake: no option with value %q", value)
	}
	single := func(key, initial string) {
		if given {
			if val == "" {
				entry[key] = nil
			} else {
				entry[key] = val
			}
		} else if x, ok := el[initial]; ok {
			entry[key] = x
		} else {
			entry[key] = nil
		}
		empty = entry[key] == nil
	}
	multi := func(key, initial string) {
		if given {
			entry[key] = split()
		} else if x, ok := el[initial]; ok {
			entry[key] = x
		} else {
			entry[key] = []string{}
		}
		switch x := entry[key].(type) {
		case []string:
			empty = len(x) == 0
		case []any:
			empty = len(x) == 0
		}
	}
	switch t {
	case "static_select", "external_select", "radio_buttons":
		if given && val != "" {
			o, err := findOpt(val)
			if err != nil {
				return nil, false, err
			}
			entry["selected_option"] = o
		} else if x, ok := el["initial_option"]; ok && !given {
			entry["selected_option"] = x
		} else {
			entry["selected_option"] = nil
		}
		empty = entry["selected_option"] == nil
	case "multi_static_select", "multi_external_select", "checkboxes":
		if given {
			opts := []any{}
			for _, v := range split() {
				o, err := findOpt(v)
				if err != nil {
					return nil, false, err
				}
				opts = append(opts, o)
			}
			entry["selected_options"] = opts
			empty = len(opts) == 0
		} else if x, ok := el["initial_options"].([]any); ok {
			entry["selected_options"] = x
			empty = len(x) == 0
		} else {
			entry["selected_options"] = []any{}
			empty = true
		}
	case "users_select":
		single("selected_user", "initial_user")
	case "multi_users_select":
		multi("selected_users", "initial_users")
	case "conversations_select":
		single("selected_conversation", "initial_conversation")
	case "multi_conversations_select":
		multi("selected_conversations", "initial_conversations")
	case "channels_select":
		single("selected_channel", "initial_channel")
	case "multi_channels_select":
		multi("selected_channels", "initial_channels")
	case "datepicker":
		single("selected_date", "initial_date")
	case "timepicker":
		single("selected_time", "initial_time")
	default: // plain_text_input, email/url/number inputs, rich text…
		single("value", "initial_value")
	}
	return entry, empty, nil
}

// SubmitView has a person submit their topmost modal. values are keyed by
// action_id, or by "block_id/action_id" to fill one of several inputs sharing
// an action_id; inputs left out keep their initial value. The state Slack sends
// is keyed by block_id, generated ones included. The app's ack decides what
// happens next (close, update, push, clear, or field errors).
func (s *Server) SubmitView(ctx context.Context, userID, viewID string, values map[string]string) (Ack, error) {
	s.mu.Lock()
	u, err := s.personLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	v := s.ws.views[viewID]
	if err := s.checkVisibleViewLocked(v, userID, Location{ViewID: viewID}); err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	if v.typ() != "modal" {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackfake: view %s is a %s, not a modal", viewID, v.typ())
	}
	stateVals := map[string]any{}
	var shown []string
	responseURLs := []any{}
	used := map[string]bool{}
	blocks, _ := v.body["blocks"].([]any)
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		if bm["type"] != "input" {
			continue
		}
		el, _ := bm["element"].(map[string]any)
		aid, _ := el["action_id"].(string)
		bid, _ := bm["block_id"].(string)
		qualified := bid + "/" + aid
		val, given := values[qualified]
		if !given {
			val, given = values[aid]
		}
		used[aid], used[qualified] = true, true
		entry, empty, err := stateFor(el, val, given)
		if err != nil {
			s.mu.Unlock()
			return Ack{}, err
		}
		if optional, _ := bm["optional"].(bool); empty && !optional {
			s.mu.Unlock()
			return Ack{}, fmt.Errorf("slackfake: required input %q (%s) is empty; Slack would not submit", textOf(bm["label"]), aid)
		}
		stateVals[bid] = map[string]any{aid: entry}
		if given {
			shown = append(shown, textOf(bm["label"])+": "+val)
		}
		if enabled, _ := el["response_url_enabled"].(bool); enabled && val != "" {
			responseURLs = append(responseURLs, map[string]any{"block_id": bid, "action_id": aid,
				"channel_id": val, "response_url": s.newHookLocked(userID, val, "", false)})
		}
	}
	var unknown []string
	for k := range values {
		if _, ok := used[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackfake: modal %s has no input with action_id %s", viewID, strings.Join(unknown, ", "))
	}
	v.state = map[string]any{"values": stateVals}
	payload := map[string]any{"type": "view_submission", "team": s.teamRef(), "user": s.userRef(u),
		"api_app_id": s.appID, "token": s.verifToken, "trigger_id": s.newTriggerLocked(userID, ""),
		"view": s.viewJSON(v), "response_urls": responseURLs, "is_enterprise_install": false, "enterprise": nil}
	title := textOf(v.body["title"])
	s.addEntryLocked(Entry{Kind: "command", Who: u.Name, Where: "modal for " + u.Name, Action: "submitted",
		UserID: userID, ViewID: v.id, Text: "submits “" + title + "”" + colonList(shown)})
	s.mu.Unlock()

	ack, err := s.deliver(ctx, delivery{typ: "interactive", payload: payload, accepts: true})
	if err != nil {
		s.deliveryFailed(userID, "", "submitting “"+title+"”", err)
		return ack, err
	}
	s.applySubmissionAck(v, ack.Payload)
	return ack, nil
}

func colonList(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return ": " + strings.Join(items, "; ")
}

// CloseView has a person close a modal (the X or Cancel). A view_closed
// interaction is delivered only when the view set notify_on_close, as in
// Slack; otherwise the returned Ack is empty.
func (s *Server) CloseView(ctx context.Context, userID, viewID string) (Ack, error) {
	s.mu.Lock()
	u, err := s.personLocked(userID)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	v := s.ws.views[viewID]
	if err := s.checkVisibleViewLocked(v, userID, Location{ViewID: viewID}); err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	clear := v.flag("clear_on_close")
	payload := map[string]any{"type": "view_closed", "team": s.teamRef(), "user": s.userRef(u),
		"api_app_id": s.appID, "token": s.verifToken, "view": s.viewJSON(v), "is_cleared": clear,
		"is_enterprise_install": false, "enterprise": nil}
	s.closeModalLocked(v, clear)
	s.addEntryLocked(Entry{Kind: "command", Who: u.Name, Where: "modal for " + u.Name, Action: "closed",
		UserID: userID, ViewID: v.id, Text: "closes “" + textOf(v.body["title"]) + "”"})
	notify := v.flag("notify_on_close")
	s.mu.Unlock()
	if !notify {
		return Ack{}, nil
	}
	return s.deliver(ctx, delivery{typ: "interactive", payload: payload})
}

// applyMessageAck shows a slash command's ack payload (text/blocks) the way
// Slack does: ephemeral to the person unless response_type is in_channel.
func (s *Server) applyMessageAck(userID, channelID string, payload json.RawMessage) {
	var r struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
		ThreadTS     string          `json:"thread_ts"`
	}
	if len(payload) == 0 || json.Unmarshal(payload, &r) != nil || (r.Text == "" && len(r.Blocks) == 0) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respondLocked(userID, channelID, r.Text, r.Blocks, r.ResponseType, r.ThreadTS, "ack")
}

// respondLocked posts a response (ack payload or response_url) as the bot.
func (s *Server) respondLocked(userID, channelID, text string, rawBlocks json.RawMessage, responseType, threadTS, via string) error {
	var blocks json.RawMessage
	if len(rawBlocks) > 0 && string(rawBlocks) != "null" {
		var v any
		if err := json.Unmarshal(rawBlocks, &v); err != nil {
			return fmt.Errorf("invalid_blocks_format")
		}
		arr, c := normalizeBlocks(v, surfMessage, "/blocks")
		if len(c.errs) > 0 {
			s.addEntryLocked(Entry{Kind: "api-error", Who: s.opts.BotName, Where: via,
				Text: via + " response rejected: invalid_blocks: " + c.errs[0].message()})
			return fmt.Errorf("invalid_blocks")
		}
		if len(arr) > 0 {
			blocks = mustJSON(arr)
		}
	}
	c := s.ws.channels[channelID]
	if c == nil {
		return fmt.Errorf("channel_not_found")
	}
	m := &message{channel: c.id, user: s.botUserID, botID: s.botID, text: text, blocks: blocks, ts: s.nextTSLocked()}
	if responseType == "in_channel" {
		if threadTS != "" {
			if root, e := s.threadRootLocked(c, threadTS); e == nil {
				root.threadTS = root.ts
				m.threadTS = root.ts
			}
		}
		c.msgs = append(c.msgs, m)
		s.messageEntryLocked(c, m, "posted")
	} else {
		m.ephemeral, m.forUser, m.threadTS = true, userID, threadTS
		s.ws.ephemerals = append(s.ws.ephemerals, m)
		s.ephemeralEntryLocked(m, "posted")
	}
	s.notifyLocked()
	return nil
}

// applySubmissionAck carries out a view_submission ack's response_action.
func (s *Server) applySubmissionAck(v *view, payload json.RawMessage) {
	var r struct {
		ResponseAction string            `json:"response_action"`
		View           json.RawMessage   `json:"view"`
		Errors         map[string]string `json:"errors"`
	}
	if len(payload) > 0 {
		_ = json.Unmarshal(payload, &r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v.closed {
		return
	}
	bad := func(msg string) {
		s.addEntryLocked(Entry{Kind: "api-error", Who: s.opts.BotName, Where: "view_submission ack",
			UserID: v.user, ViewID: v.id, Text: msg + " (Slack shows the person “We had some trouble connecting”)"})
	}
	newView := func() map[string]any {
		var raw any
		if err := json.Unmarshal(r.View, &raw); err != nil {
			bad("response_action " + r.ResponseAction + " without a valid view")
			return nil
		}
		body, errs := normalizeView(raw, "modal")
		if len(errs) > 0 {
			bad("response_action " + r.ResponseAction + ": " + errs[0].message())
			return nil
		}
		return body
	}
	switch r.ResponseAction {
	case "":
		s.closeModalLocked(v, false)
		s.modalEntryLocked(v, "closed")
	case "clear":
		s.closeModalLocked(v, true)
		s.modalEntryLocked(v, "cleared")
	case "update":
		if body := newView(); body != nil {
			v.body, v.hash, v.errors, v.state = body, newViewHash(), nil, nil
			s.modalEntryLocked(v, "updated")
		}
	case "push":
		stack := s.ws.modals[v.user]
		if len(stack) >= 3 {
			bad("response_action push: push_limit_reached")
			return
		}
		if body := newView(); body != nil {
			nv := &view{id: s.newIDLocked('V'), user: v.user, body: body, hash: newViewHash(),
				rootID: stack[0], prevID: v.id}
			s.ws.views[nv.id] = nv
			s.ws.modals[v.user] = append(stack, nv.id)
			s.modalEntryLocked(nv, "pushed")
		}
	case "errors":
		labels := map[string]string{} // input block_id → label
		blocks, _ := v.body["blocks"].([]any)
		for _, b := range blocks {
			if bm, _ := b.(map[string]any); bm["type"] == "input" {
				labels[bm["block_id"].(string)] = textOf(bm["label"])
			}
		}
		var lines []string
		for k, msg := range r.Errors {
			label, ok := labels[k]
			if !ok {
				bad(fmt.Sprintf("response_action errors names %q, which is not an input block", k))
				return
			}
			lines = append(lines, label+": "+msg)
		}
		slices.Sort(lines)
		v.errors = r.Errors
		name := s.userNameLocked(v.user)
		s.addEntryLocked(Entry{Kind: "modal", Who: s.opts.BotName, Where: "modal for " + name, To: name,
			Action: "errors", UserID: v.user, ViewID: v.id, Text: "⚠ " + strings.Join(lines, "\n⚠ ")})
	default:
		bad(fmt.Sprintf("unknown response_action %q", r.ResponseAction))
	}
	s.notifyLocked()
}
