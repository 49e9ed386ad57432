package slackfake

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// view is a published Home tab or an open (or closed) modal.
type view struct {
	id, hash, user string
	body           map[string]any // normalized view as given (type, title, blocks, …)
	state          map[string]any // {"values": {...}} after a submission
	rootID, prevID string
	errors         map[string]string // from a response_action "errors"
	closed         bool
}

func (v *view) typ() string              { s, _ := v.body["type"].(string); return s }
func (v *view) strField(k string) string { s, _ := v.body[k].(string); return s }
func (v *view) flag(k string) bool       { b, _ := v.body[k].(bool); return b }

func newViewHash() string { return fmt.Sprintf("%d.%s", time.Now().Unix(), randHex(8)) }

// viewJSON renders a view as views.* and interaction payloads carry it.
func (s *Server) viewJSON(v *view) map[string]any {
	state := v.state
	if state == nil {
		state = map[string]any{"values": map[string]any{}}
	}
	var prev any
	if v.prevID != "" {
		prev = v.prevID
	}
	var root any = v.id
	if v.rootID != "" {
		root = v.rootID
	}
	out := map[string]any{
		"id": v.id, "team_id": s.teamID, "type": v.typ(), "blocks": v.body["blocks"],
		"private_metadata": v.strField("private_metadata"), "callback_id": v.strField("callback_id"),
		"state": state, "hash": v.hash, "clear_on_close": v.flag("clear_on_close"),
		"notify_on_close": v.flag("notify_on_close"), "previous_view_id": prev, "root_view_id": root,
		"app_id": s.appID, "external_id": v.strField("external_id"), "app_installed_team_id": s.teamID,
		"bot_id": s.botID,
	}
	for _, k := range []string{"title", "close", "submit"} {
		if x, ok := v.body[k]; ok && x != nil {
			out[k] = x
		} else {
			out[k] = nil
		}
	}
	if v.typ() == "modal" {
		out["submit_disabled"] = v.flag("submit_disabled")
	}
	return out
}

func viewErr(errs []bkErr) *apiErr { return bkAPIErr("invalid_arguments", errs) }

// externalIDTakenLocked reports whether another live view uses externalID.
func (s *Server) externalIDTakenLocked(externalID, except string) bool {
	if externalID == "" {
		return false
	}
	for id, v := range s.ws.views {
		if id != except && !v.closed && v.strField("external_id") == externalID {
			return true
		}
	}
	return false
}

// viewArg reads and validates the view argument.
func viewArg(q *apiReq, want string) (map[string]any, *apiErr) {
	raw, ok, err := q.jsonArg("view")
	if err != nil {
		return nil, errf("invalid_arguments", "[ERROR] must be a JSON object [json-pointer:/view]")
	}
	if !ok {
		return nil, errf("invalid_arguments", "[ERROR] missing required field: view")
	}
	body, errs := normalizeView(raw, want)
	if len(errs) > 0 {
		return nil, viewErr(errs)
	}
	return body, nil
}

func (s *Server) viewsPublish(q *apiReq) (map[string]any, *apiErr) {
	uid := q.str("user_id")
	if uid == "" {
		return nil, errf("invalid_arguments", "[ERROR] missing required field: user_id")
	}
	body, aerr := viewArg(q, "home")
	if aerr != nil {
		return nil, aerr
	}
	if blocks, _ := body["blocks"].([]any); blocks != nil {
		if aerr := s.slackFilesLocked(blocks, "/view/blocks"); aerr != nil {
			return nil, aerr
		}
	}
	u := s.ws.users[uid]
	if u == nil {
		return nil, errf("user_not_found")
	}
	if u.Deleted {
		return nil, errf("user_disabled")
	}
	v := s.ws.views[s.ws.homes[uid]]
	if v != nil && q.str("hash") != "" && q.str("hash") != v.hash {
		return nil, errf("hash_conflict")
	}
	if ext, _ := body["external_id"].(string); s.externalIDTakenLocked(ext, s.ws.homes[uid]) {
		return nil, errf("duplicate_external_id")
	}
	if v == nil {
		v = &view{id: s.newIDLocked('V'), user: uid}
		s.ws.views[v.id] = v
		s.ws.homes[uid] = v.id
	}
	v.body, v.hash, v.state = body, newViewHash(), nil
	s.addEntryLocked(Entry{Kind: "home", Who: s.opts.BotName, Where: "Home tab of " + u.Name, To: u.Name,
		Action: "published", UserID: uid, ViewID: v.id, Text: s.renderViewLocked(v)})
	return map[string]any{"view": s.viewJSON(v)}, nil
}

// triggerArg reads trigger_id (or interactivity_pointer) and spends it.
func (s *Server) triggerArg(q *apiReq) (*trigger, *apiErr) {
	id := q.str("trigger_id")
	if id == "" {
		id = q.str("interactivity_pointer")
	}
	if id == "" {
		return nil, errf("invalid_arguments", "[ERROR] missing required field: trigger_id")
	}
	return s.useTriggerLocked(id)
}

func (s *Server) viewsOpen(q *apiReq) (map[string]any, *apiErr) {
	body, aerr := viewArg(q, "modal")
	if aerr != nil {
		return nil, aerr
	}
	t, aerr := s.triggerArg(q)
	if aerr != nil {
		return nil, aerr
	}
	if ext, _ := body["external_id"].(string); s.externalIDTakenLocked(ext, "") {
		return nil, errf("duplicate_external_id")
	}
	for _, id := range s.ws.modals[t.user] {
		s.ws.views[id].closed = true
	}
	v := &view{id: s.newIDLocked('V'), user: t.user, body: body, hash: newViewHash()}
	s.ws.views[v.id] = v
	s.ws.modals[t.user] = []string{v.id}
	s.modalEntryLocked(v, "opened")
	s.notifyLocked()
	return map[string]any{"view": s.viewJSON(v)}, nil
}

func (s *Server) viewsPush(q *apiReq) (map[string]any, *apiErr) {
	body, aerr := viewArg(q, "modal")
	if aerr != nil {
		return nil, aerr
	}
	t, aerr := s.triggerArg(q)
	if aerr != nil {
		return nil, aerr
	}
	stack := s.ws.modals[t.user]
	if len(stack) == 0 {
		return nil, errf("not_found", "[ERROR] no modal is open to push onto")
	}
	if len(stack) >= 3 {
		return nil, errf("push_limit_reached")
	}
	if ext, _ := body["external_id"].(string); s.externalIDTakenLocked(ext, "") {
		return nil, errf("duplicate_external_id")
	}
	v := &view{id: s.newIDLocked('V'), user: t.user, body: body, hash: newViewHash(),
		rootID: stack[0], prevID: stack[len(stack)-1]}
	s.ws.views[v.id] = v
	s.ws.modals[t.user] = append(stack, v.id)
	s.modalEntryLocked(v, "pushed")
	s.notifyLocked()
	return map[string]any{"view": s.viewJSON(v)}, nil
}

func (s *Server) viewsUpdate(q *apiReq) (map[string]any, *apiErr) {
	var v *view
	switch id, ext := q.str("view_id"), q.str("external_id"); {
	case id != "":
		v = s.ws.views[id]
	case ext != "":
		for _, cand := range s.ws.views {
			if !cand.closed && cand.strField("external_id") == ext {
				v = cand
			}
		}
	default:
		return nil, errf("invalid_arguments", "[ERROR] missing required field: view_id or external_id")
	}
	want := ""
	if v != nil {
		want = v.typ()
	}
	body, aerr := viewArg(q, want)
	if aerr != nil {
		return nil, aerr
	}
	if v == nil || v.closed {
		return nil, errf("view_not_found")
	}
	if h := q.str("hash"); h != "" && h != v.hash {
		return nil, errf("hash_conflict")
	}
	if ext, _ := body["external_id"].(string); s.externalIDTakenLocked(ext, v.id) {
		return nil, errf("duplicate_external_id")
	}
	v.body, v.hash, v.errors = body, newViewHash(), nil
	if v.typ() == "home" {
		s.addEntryLocked(Entry{Kind: "home", Who: s.opts.BotName, Where: "Home tab of " + s.userNameLocked(v.user),
			To: s.userNameLocked(v.user), Action: "updated", UserID: v.user, ViewID: v.id, Text: s.renderViewLocked(v)})
	} else {
		s.modalEntryLocked(v, "updated")
	}
	s.notifyLocked()
	return map[string]any{"view": s.viewJSON(v)}, nil
}

func (s *Server) modalEntryLocked(v *view, action string) {
	name := s.userNameLocked(v.user)
	s.addEntryLocked(Entry{Kind: "modal", Who: s.opts.BotName, Where: "modal for " + name, To: name,
		Action: action, UserID: v.user, ViewID: v.id, Text: s.renderViewLocked(v)})
}

// closeModalLocked removes a modal (and any pushed above it) from its
// user's stack, or the whole stack when all is set.
func (s *Server) closeModalLocked(v *view, all bool) {
	stack := s.ws.modals[v.user]
	i := slices.Index(stack, v.id)
	if i < 0 {
		return
	}
	if all {
		i = 0
	}
	for _, id := range stack[i:] {
		s.ws.views[id].closed = true
	}
	s.ws.modals[v.user] = stack[:i]
	s.notifyLocked()
}

// HomeView returns the Home tab last published for a user (nil if never).
func (s *Server) HomeView(userID string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.ws.views[s.ws.homes[userID]]
	if v == nil {
		return nil
	}
	return mustJSON(s.viewJSON(v))
}

// OpenView returns the user's topmost open modal ("" and nil if none).
func (s *Server) OpenView(userID string) (viewID string, view json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	stack := s.ws.modals[userID]
	if len(stack) == 0 {
		return "", nil
	}
	v := s.ws.views[stack[len(stack)-1]]
	return v.id, mustJSON(s.viewJSON(v))
}

// View returns any view (modal or Home tab, open or closed) by id.
func (s *Server) View(viewID string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.ws.views[viewID]; v != nil {
		return mustJSON(s.viewJSON(v))
	}
	return nil
}

// ViewErrors returns the field errors the app last answered a submission of
// this modal with (response_action "errors"), keyed by block_id.
func (s *Server) ViewErrors(viewID string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.ws.views[viewID]; v != nil && v.errors != nil {
		out := map[string]string{}
		for k, e := range v.errors {
			out[k] = e
		}
		return out
	}
	return nil
}
