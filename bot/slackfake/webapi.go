package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Call is one Web API request as the server saw it. Args hold every argument
// but the token; JSON values that are not strings are kept as JSON text.
type Call struct {
	Method string
	Args   map[string]string
	Status int    // HTTP status (200 even for ok:false, like Slack)
	Error  string // Slack error code, "ratelimited" for 429, "" on success
	At     time.Time
}

// apiReq is a parsed Web API request.
type apiReq struct {
	method string
	args   map[string]string
	raw    map[string]any // decoded JSON body, nil for forms
	token  string
}

func (q *apiReq) str(name string) string { return q.args[name] }

func (q *apiReq) has(name string) bool {
	_, ok := q.args[name]
	return ok
}

// flag reads a boolean argument the way Slack does ("1", "true").
func (q *apiReq) flag(name string) bool {
	v := strings.ToLower(q.args[name])
	return v == "1" || v == "true"
}

// jsonArg decodes an argument that is a JSON document: a string in forms, a
// string or a nested value in JSON bodies. ok is false when absent or empty.
func (q *apiReq) jsonArg(name string) (v any, ok bool, err error) {
	if q.raw != nil {
		if rv, present := q.raw[name]; present {
			if s, isStr := rv.(string); !isStr {
				return rv, rv != nil, nil
			} else if strings.TrimSpace(s) == "" {
				return nil, false, nil
			}
		}
	}
	s, present := q.args[name]
	if !present || strings.TrimSpace(s) == "" {
		return nil, false, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, true, err
	}
	return v, true, nil
}

// apiErr is an ok:false answer.
type apiErr struct {
	code     string
	messages []string // response_metadata.messages, e.g. "[ERROR] … [json-pointer:/blocks/0]"
	extra    map[string]any
}

func errf(code string, messages ...string) *apiErr { return &apiErr{code: code, messages: messages} }

type apiHandler func(s *Server, q *apiReq) (map[string]any, *apiErr)

// methods is the set of emulated Web API methods.
var methods = map[string]apiHandler{
	"api.test":              (*Server).apiTest,
	"auth.test":             (*Server).authTest,
	"apps.connections.open": (*Server).appsConnectionsOpen,
	"chat.postMessage":      (*Server).chatPostMessage,
	"chat.postEphemeral":    (*Server).chatPostEphemeral,
	"chat.update":           (*Server).chatUpdate,
	"chat.delete":           (*Server).chatDelete,
	"conversations.open":    (*Server).conversationsOpen,
	"conversations.members": (*Server).conversationsMembers,
	"conversations.info":    (*Server).conversationsInfo,
	"conversations.history": (*Server).conversationsHistory,
	"conversations.replies": (*Server).conversationsReplies,
	"users.info":            (*Server).usersInfo,
	"users.list":            (*Server).usersList,
	"usergroups.list":       (*Server).usergroupsList,
	"usergroups.users.list": (*Server).usergroupsUsersList,
	"views.publish":         (*Server).viewsPublish,
	"views.open":            (*Server).viewsOpen,
	"views.push":            (*Server).viewsPush,
	"views.update":          (*Server).viewsUpdate,
	"reactions.add":         (*Server).reactionsAdd,

	"files.getUploadURLExternal":   (*Server).filesGetUploadURLExternal,
	"files.completeUploadExternal": (*Server).filesCompleteUploadExternal,
}

// EmulatedMethods lists the Web API methods the server implements.
func EmulatedMethods() []string {
	return slices.Sorted(maps.Keys(methods))
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	q, perr := parseAPIRequest(r)
	if q == nil {
		q = &apiReq{args: map[string]string{}}
	}
	q.method = method
	status, hdr, body, code := s.handleAPI(q, perr)
	_ = s.sleep(r.Context(), s.latencyFor(method))
	for k, v := range hdr {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)

	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: method, Args: q.args, Status: status, Error: code, At: time.Now()})
	s.mu.Unlock()
	s.log.Debug("api call", "method", method, "status", status, "error", code)
}

// handleAPI runs the pipeline: method → auth → faults → rate limits →
// argument names → handler. It returns the HTTP answer and the error code.
func (s *Server) handleAPI(q *apiReq, perr *apiErr) (int, map[string]string, []byte, string) {
	method := q.method
	handler, ok := methods[method]
	if !ok {
		msg := "[ERROR] unknown method " + method
		if KnownMethod(method) {
			msg = "[ERROR] slackfake does not emulate " + method + " (Slack has it)"
		}
		return s.fail(q, errf("unknown_method", msg))
	}
	if perr != nil {
		return s.fail(q, perr)
	}
	switch q.token {
	case "":
		return s.fail(q, errf("not_authed"))
	case s.botToken:
		if method == "apps.connections.open" {
			return s.fail(q, errf("not_allowed_token_type"))
		}
	case s.appToken:
		if method != "apps.connections.open" && method != "api.test" {
			return s.fail(q, errf("not_allowed_token_type"))
		}
	default:
		return s.fail(q, errf("invalid_auth"))
	}
	if f := s.takeFault(method); f != nil {
		if f.slackErr != "" {
			return s.fail(q, errf(f.slackErr, "[ERROR] injected by the test"))
		}
		if f.status == http.StatusTooManyRequests {
			return s.rateLimited(q, f.retryAfter, true)
		}
		s.mu.Lock()
		s.addEntryLocked(Entry{Kind: "fault", Who: "slack", Where: method,
			Text: fmt.Sprintf("%s answered HTTP %d (injected)", method, f.status)})
		s.mu.Unlock()
		body := fmt.Sprintf("<html><body><h1>%d %s</h1>slackfake injected fault</body></html>", f.status, http.StatusText(f.status))
		return f.status, map[string]string{"Content-Type": "text/html"}, []byte(body), fmt.Sprintf("http_%d", f.status)
	}
	if method == "apps.connections.open" {
		s.mu.Lock()
		refusing := s.refusingLocked()
		s.mu.Unlock()
		if refusing {
			return http.StatusServiceUnavailable, map[string]string{"Content-Type": "text/html"},
				[]byte("<html><body>503 Service Unavailable (slackfake is refusing connections)</body></html>"), "http_503"
		}
	}
	if s.opts.RateLimits {
		if wait, limited := s.takeToken(method, s.rateKeyChannel(q)); limited {
			return s.rateLimited(q, wait, false)
		}
	}
	var warnings []string
	for name := range q.args {
		switch classifyArg(method, name) {
		case argUnknown:
			return s.fail(q, errf("invalid_arg_name", "[ERROR] unknown argument "+strconv.Quote(name)+" for "+method))
		case argTolerated:
			warnings = append(warnings, "slackfake: argument "+name+" is ignored by "+method)
		}
	}
	s.mu.Lock()
	aerr := s.failForLocked(method, q.str("channel"))
	var resp map[string]any
	if aerr == nil {
		resp, aerr = handler(s, q)
	}
	s.mu.Unlock()
	if aerr != nil {
		return s.fail(q, aerr)
	}
	if resp == nil {
		resp = map[string]any{}
	}
	resp["ok"] = true
	if len(warnings) > 0 {
		slices.Sort(warnings)
		resp["warning"] = "slackfake_ignored_arguments"
		md, _ := resp["response_metadata"].(map[string]any)
		if md == nil {
			md = map[string]any{}
		}
		md["warnings"] = warnings
		resp["response_metadata"] = md
	}
	return http.StatusOK, nil, mustJSON(resp), ""
}

// fail renders an ok:false answer and records it in the transcript.
func (s *Server) fail(q *apiReq, e *apiErr) (int, map[string]string, []byte, string) {
	resp := map[string]any{"ok": false, "error": e.code}
	maps.Copy(resp, e.extra)
	if len(e.messages) > 0 {
		resp["response_metadata"] = map[string]any{"messages": e.messages}
	}
	s.mu.Lock()
	text := q.method + " → " + e.code
	if ch := q.args["channel"]; ch != "" {
		text += " (" + s.placeLocked(ch) + ")"
	} else if u := q.args["user_id"]; u != "" {
		text += " (" + s.userNameLocked(u) + ")"
	}
	if len(e.messages) > 0 {
		text += ": " + strings.Join(e.messages, "; ")
	}
	s.addEntryLocked(Entry{Kind: "api-error", Who: s.opts.BotName, Where: q.method, Text: text})
	s.mu.Unlock()
	s.log.Debug("api error", "method", q.method, "error", e.code, "messages", e.messages)
	return http.StatusOK, nil, mustJSON(resp), e.code
}

func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// parseAPIRequest reads form-encoded, multipart, query-string and JSON
// bodies the way Slack accepts them. The token comes from the Authorization
// header or, for forms only, the token argument.
func parseAPIRequest(r *http.Request) (*apiReq, *apiErr) {
	q := &apiReq{args: map[string]string{}}
	if h := r.Header.Get("Authorization"); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			q.token = strings.TrimSpace(tok)
		}
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case r.Method == http.MethodPost && ct == "application/json":
		for k, v := range r.URL.Query() {
			q.args[k] = v[0]
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			return q, errf("invalid_form_data")
		}
		if len(bytes.TrimSpace(body)) == 0 {
			break
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return q, errf("invalid_json")
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return q, errf("json_not_object")
		}
		q.raw = obj
		for k, val := range obj {
			if k == "token" {
				// Slack ignores a token inside a JSON body: JSON needs the header.
				continue
			}
			switch x := val.(type) {
			case string:
				q.args[k] = x
			case nil:
				q.args[k] = ""
			default:
				b, _ := json.Marshal(x)
				q.args[k] = string(b)
			}
		}
	default:
		var err error
		if ct == "multipart/form-data" {
			err = r.ParseMultipartForm(8 << 20)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			return q, errf("invalid_form_data")
		}
		for k, v := range r.Form {
			if len(v) > 0 {
				q.args[k] = v[0]
			}
		}
		if tok := q.args["token"]; tok != "" && q.token == "" {
			q.token = tok
		}
	}
	delete(q.args, "token")
	return q, nil
}
