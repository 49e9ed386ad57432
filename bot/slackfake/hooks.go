package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// response_url limits, as Slack documents them: five uses within 30 minutes.
const (
	hookMaxUses = 5
	hookTTL     = 30 * time.Minute
)

// hook is a response_url handed out with a slash command or block action.
type hook struct {
	id, user, channel string
	msgTS             string // the message the interaction came from, for replace/delete_original
	ephemeral         bool   // that message is an ephemeral
	created           time.Time
	uses              int
	// after is the transcript entry its answers are shown under: the command or click that
	// handed it out, then its latest answer (0: at the end, as they come).
	after uint64
}

func (s *Server) newHookLocked(user, channel, msgTS string, ephemeral bool) string {
	id := randHex(24)
	h := &hook{id: id, user: user, channel: channel, msgTS: msgTS, ephemeral: ephemeral, created: time.Now()}
	s.ws.hooks[id] = h
	s.unanchored = append(s.unanchored, h)
	return s.base + "/hooks/" + s.teamID + "/" + id
}

// serveHook accepts what slack.PostWebhookContext (and MsgOptionResponseURL)
// send to a response_url.
func (s *Server) serveHook(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	var msg struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
		ThreadTS        string          `json:"thread_ts"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	plain := func(status int, text string) {
		s.mu.Lock()
		s.addEntryLocked(Entry{Kind: "api-error", Who: s.opts.BotName, Where: "response_url",
			Text: fmt.Sprintf("response_url → HTTP %d %s", status, text)})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}
	if r.Method != http.MethodPost {
		plain(http.StatusMethodNotAllowed, "invalid_method")
		return
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		plain(http.StatusBadRequest, "invalid_payload")
		return
	}
	status, code := s.useHook(id, msg.Text, msg.Blocks, msg.ResponseType, msg.ThreadTS, msg.ReplaceOriginal, msg.DeleteOriginal)
	if status != http.StatusOK {
		plain(status, code)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

// useHook spends one use of a response_url and carries the message out.
func (s *Server) useHook(id, text string, blocks json.RawMessage, responseType, threadTS string, replace, del bool) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.ws.hooks[id]
	switch {
	case h == nil:
		return http.StatusNotFound, "no_service"
	case time.Since(h.created) > hookTTL:
		return http.StatusNotFound, "expired_url"
	case h.uses >= hookMaxUses:
		return http.StatusNotFound, "used_url"
	}
	hasBlocks := len(blocks) > 0 && string(blocks) != "null" && string(blocks) != "[]"
	if !del && text == "" && !hasBlocks {
		return http.StatusBadRequest, "no_text"
	}
	h.uses++
	s.placeAfter = h.after
	defer func() { h.after, s.placeAfter = s.placeAfter, 0 }()
	var err error
	if (del || replace) && h.msgTS != "" {
		err = s.hookEditLocked(h, del, text, blocks, hasBlocks)
	} else {
		err = s.respondLocked(h.user, h.channel, text, blocks, responseType, threadTS, "response_url")
	}
	if err != nil {
		return http.StatusBadRequest, err.Error()
	}
	return http.StatusOK, ""
}

// hookEditLocked replaces or deletes the message an interaction came from.
func (s *Server) hookEditLocked(h *hook, del bool, text string, rawBlocks json.RawMessage, hasBlocks bool) error {
	var m *message
	if h.ephemeral {
		m = s.findEphemeralLocked(h.channel, h.msgTS)
	} else {
		m = s.findMessageLocked(h.channel, h.msgTS)
	}
	if m == nil {
		return errString("message_not_found")
	}
	action := "deleted"
	if del {
		m.deleted = true
	} else {
		var blocks json.RawMessage
		if hasBlocks {
			var v any
			if json.Unmarshal(rawBlocks, &v) != nil {
				return errString("invalid_blocks_format")
			}
			arr, c := normalizeBlocks(v, surfMessage, "/blocks")
			if len(c.errs) > 0 {
				return errString("invalid_blocks")
			}
			blocks = mustJSON(arr)
		}
		m.text, m.blocks, m.editedTS = text, blocks, s.nextTSLocked()
		action = "updated"
	}
	if m.ephemeral {
		s.ephemeralEntryLocked(m, action)
	} else {
		s.messageEntryLocked(s.ws.channels[m.channel], m, action)
	}
	s.notifyLocked()
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }
