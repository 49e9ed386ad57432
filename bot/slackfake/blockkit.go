package slackfake

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Block Kit validation. The JSON is walked generically, dispatching on each
// object's "type", and checked against the limits Slack documents. Blocks
// without a block_id (and interactive elements without an action_id) get a
// random one, as Slack does when it stores a message or view. Failures are
// reported like Slack: "[ERROR] <reason> [json-pointer:/blocks/0/text/text]".

type surface string

const (
	surfMessage surface = "message"
	surfModal   surface = "modal"
	surfHome    surface = "home"
)

// Limits enforced (Slack's published Block Kit limits).
const (
	maxMessageBlocks  = 50
	maxViewBlocks     = 100
	maxTextLen        = 3000
	maxHeaderLen      = 150
	maxFields         = 10
	maxFieldLen       = 2000
	maxIDLen          = 255
	maxModalTitleLen  = 24
	maxPrivateMetaLen = 3000
	maxMessageTextLen = 40000
)

type bkErr struct{ msg, ptr string }

func (e bkErr) message() string { return "[ERROR] " + e.msg + " [json-pointer:" + e.ptr + "]" }
func (e bkErr) bare() string    { return e.msg + " [json-pointer:" + e.ptr + "]" }

type bkCtx struct {
	surf      surface
	blockIDs  map[string]bool
	actionIDs map[string]bool
	errs      []bkErr
	hasInput  bool
}

func (c *bkCtx) fail(ptr, format string, args ...any) {
	c.errs = append(c.errs, bkErr{fmt.Sprintf(format, args...), ptr})
}

// elementKinds lists the interactive and image elements and where each may go.
var elementKinds = map[string]struct{ input, actions, accessory bool }{
	"button":                     {false, true, true},
	"checkboxes":                 {true, true, true},
	"datepicker":                 {true, true, true},
	"datetimepicker":             {true, true, false},
	"email_text_input":           {true, false, false},
	"external_select":            {true, true, true},
	"file_input":                 {true, false, false},
	"image":                      {false, false, true},
	"multi_channels_select":      {true, true, true},
	"multi_conversations_select": {true, true, true},
	"multi_external_select":      {true, true, true},
	"multi_static_select":        {true, true, true},
	"multi_users_select":         {true, true, true},
	"number_input":               {true, false, false},
	"overflow":                   {false, true, true},
	"plain_text_input":           {true, true, false},
	"radio_buttons":              {true, true, true},
	"rich_text_input":            {true, true, false},
	"static_select":              {true, true, true},
	"channels_select":            {true, true, true},
	"conversations_select":       {true, true, true},
	"users_select":               {true, true, true},
	"timepicker":                 {true, true, true},
	"url_text_input":             {true, false, false},
	"workflow_button":            {false, true, true},
}

// normalizeBlocks validates a blocks array for a surface and fills in
// generated ids. ptr is the JSON pointer of the array ("/blocks").
func normalizeBlocks(v any, surf surface, ptr string) ([]any, *bkCtx) {
	c := &bkCtx{surf: surf, blockIDs: map[string]bool{}, actionIDs: map[string]bool{}}
	arr, ok := v.([]any)
	if !ok {
		c.fail(ptr, "must be an array")
		return nil, c
	}
	limit := maxViewBlocks
	if surf == surfMessage {
		limit = maxMessageBlocks
	}
	if len(arr) > limit {
		c.fail(ptr, "no more than %d items allowed", limit)
	}
	// Explicit ids first, so generated ones never collide with them.
	for i, b := range arr {
		if m, ok := b.(map[string]any); ok {
			if id, ok := m["block_id"].(string); ok {
				if c.blockIDs[id] {
					c.fail(fmt.Sprintf("%s/%d/block_id", ptr, i), "block_id %q already exists", id)
				}
				c.blockIDs[id] = true
			}
			collectActionIDs(m, c, fmt.Sprintf("%s/%d", ptr, i))
		}
	}
	for i, b := range arr {
		p := fmt.Sprintf("%s/%d", ptr, i)
		m, ok := b.(map[string]any)
		if !ok {
			c.fail(p, "must be an object")
			continue
		}
		c.block(m, p)
	}
	return arr, c
}

// collectActionIDs records explicit action_ids of a block's elements and
// reports duplicates within the block. Slack asks action_ids to be unique
// "among all other action_ids in the containing block": two blocks may share
// one, and view state tells them apart by block_id.
func collectActionIDs(block map[string]any, c *bkCtx, p string) {
	inBlock := map[string]bool{}
	var visit func(v any, p string)
	visit = func(v any, p string) {
		switch x := v.(type) {
		case map[string]any:
			if t, _ := x["type"].(string); t != "" {
				if _, isEl := elementKinds[t]; isEl {
					if id, ok := x["action_id"].(string); ok {
						if inBlock[id] {
							c.fail(p+"/action_id", "action_id %q already exists", id)
						}
						inBlock[id], c.actionIDs[id] = true, true
					}
				}
			}
			for _, k := range []string{"element", "elements", "accessory"} {
				if sub, ok := x[k]; ok {
					visit(sub, p+"/"+k)
				}
			}
		case []any:
			for i, e := range x {
				visit(e, fmt.Sprintf("%s/%d", p, i))
			}
		}
	}
	visit(block, p)
}

func (c *bkCtx) freshID(used map[string]bool) string {
	for {
		id := randBlockID()
		if !used[id] {
			used[id] = true
			return id
		}
	}
}

const blockIDAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randBlockID() string {
	h := randHex(8)
	var sb strings.Builder
	for i := 0; i < 4; i++ {
		var n int
		fmt.Sscanf(h[2*i:2*i+2], "%x", &n)
		sb.WriteByte(blockIDAlphabet[n%len(blockIDAlphabet)])
	}
	return sb.String()
}

// id checks the block_id or action_id field of m, or gives m a generated one from pool, as Slack
// does.
func (c *bkCtx) id(m map[string]any, field, p string, pool map[string]bool) {
	id, present := m[field]
	if !present {
		m[field] = c.freshID(pool)
		return
	}
	s, ok := id.(string)
	switch {
	case !ok:
		c.fail(p+"/"+field, "must be a string")
	case s == "":
		c.fail(p+"/"+field, "must be more than 0 characters")
	case utf8.RuneCountInString(s) > maxIDLen:
		c.fail(p+"/"+field, "must be less than %d characters", maxIDLen+1)
	}
}

func (c *bkCtx) block(b map[string]any, p string) {
	c.id(b, "block_id", p, c.blockIDs)
	t, _ := b["type"].(string)
	switch t {
	case "section":
		text, hasText := b["text"]
		fields, hasFields := b["fields"]
		if !hasText && !hasFields {
			c.fail(p, "must provide either text or fields")
		}
		if hasText {
			c.text(text, p+"/text", false, maxTextLen)
		}
		if hasFields {
			arr, ok := fields.([]any)
			if !ok {
				c.fail(p+"/fields", "must be an array")
			} else {
				if len(arr) > maxFields {
					c.fail(p+"/fields", "no more than %d items allowed", maxFields)
				}
				for i, f := range arr {
					c.text(f, fmt.Sprintf("%s/fields/%d", p, i), false, maxFieldLen)
				}
			}
		}
		if acc, ok := b["accessory"]; ok {
			c.element(acc, p+"/accessory", "accessory")
		}
	case "header":
		c.text(b["text"], p+"/text", true, maxHeaderLen)
	case "divider":
	case "context":
		arr, ok := b["elements"].([]any)
		if !ok || len(arr) == 0 {
			c.fail(p+"/elements", "must provide at least 1 item")
			return
		}
		if len(arr) > 10 {
			c.fail(p+"/elements", "no more than 10 items allowed")
		}
		for i, e := range arr {
			ep := fmt.Sprintf("%s/elements/%d", p, i)
			m, _ := e.(map[string]any)
			switch et, _ := m["type"].(string); et {
			case "plain_text", "mrkdwn":
				c.text(e, ep, false, maxTextLen)
			case "image":
				c.image(m, ep)
			default:
				c.fail(ep+"/type", "must be a valid enum value")
			}
		}
	case "actions":
		arr, ok := b["elements"].([]any)
		if !ok || len(arr) == 0 {
			c.fail(p+"/elements", "must provide at least 1 item")
			return
		}
		if len(arr) > 25 {
			c.fail(p+"/elements", "no more than 25 items allowed")
		}
		for i, e := range arr {
			c.element(e, fmt.Sprintf("%s/elements/%d", p, i), "actions")
		}
	case "input":
		c.hasInput = true
		c.text(b["label"], p+"/label", true, 2000)
		if h, ok := b["hint"]; ok {
			c.text(h, p+"/hint", true, 2000)
		}
		if el, ok := b["element"]; ok {
			c.element(el, p+"/element", "input")
		} else {
			c.fail(p, "missing required field: element")
		}
	case "image":
		c.image(b, p)
		if title, ok := b["title"]; ok {
			c.text(title, p+"/title", true, 2000)
		}
	case "markdown":
		s, ok := b["text"].(string)
		if !ok || s == "" {
			c.fail(p+"/text", "missing required field: text")
		} else if utf8.RuneCountInString(s) > 12000 {
			c.fail(p+"/text", "must be less than 12001 characters")
		}
	case "rich_text", "video", "file", "table", "context_actions":
		// Accepted as is.
	case "":
		c.fail(p, "missing required field: type")
	default:
		c.fail(p+"/type", "must be a valid enum value (unknown block type %q)", t)
	}
}

func (c *bkCtx) image(m map[string]any, p string) {
	_, hasURL := m["image_url"]
	_, hasFile := m["slack_file"]
	if !hasURL && !hasFile {
		c.fail(p, "must provide either image_url or slack_file")
	}
	if s, _ := m["image_url"].(string); utf8.RuneCountInString(s) > 3000 {
		c.fail(p+"/image_url", "must be less than 3001 characters")
	}
	alt, ok := m["alt_text"].(string)
	if !ok {
		c.fail(p, "missing required field: alt_text")
	} else if utf8.RuneCountInString(alt) > 2000 {
		c.fail(p+"/alt_text", "must be less than 2001 characters")
	}
}

// text checks a text object; plainOnly forbids mrkdwn.
func (c *bkCtx) text(v any, p string, plainOnly bool, maxLen int) {
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			c.fail(p, "missing required field")
		} else {
			c.fail(p, "must be an object")
		}
		return
	}
	t, _ := m["type"].(string)
	switch {
	case t == "plain_text":
	case t == "mrkdwn" && !plainOnly:
		if _, ok := m["emoji"]; ok {
			c.fail(p+"/emoji", "must only be provided with plain_text")
		}
	default:
		c.fail(p+"/type", "must be a valid enum value")
		return
	}
	s, ok := m["text"].(string)
	if !ok {
		c.fail(p+"/text", "missing required field: text")
		return
	}
	n := utf8.RuneCountInString(s)
	if n < 1 {
		c.fail(p+"/text", "must be more than 0 characters")
	}
	if n > maxLen {
		c.fail(p+"/text", "must be less than %d characters", maxLen+1)
	}
}

func (c *bkCtx) str(m map[string]any, key, p string, maxLen int) {
	v, ok := m[key]
	if !ok {
		return
	}
	s, isStr := v.(string)
	if !isStr {
		c.fail(p+"/"+key, "must be a string")
		return
	}
	if utf8.RuneCountInString(s) > maxLen {
		c.fail(p+"/"+key, "must be less than %d characters", maxLen+1)
	}
}

func (c *bkCtx) element(v any, p, where string) {
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(p, "must be an object")
		return
	}
	t, _ := m["type"].(string)
	kind, known := elementKinds[t]
	allowed := known && ((where == "input" && kind.input) || (where == "actions" && kind.actions) || (where == "accessory" && kind.accessory))
	if !allowed {
		c.fail(p+"/type", "must be a valid enum value (%q is not allowed in %s)", t, where)
		return
	}
	if t == "image" {
		c.image(m, p)
		return
	}
	c.id(m, "action_id", p, c.actionIDs)
	if ph, ok := m["placeholder"]; ok {
		c.text(ph, p+"/placeholder", true, 150)
	}
	if cf, ok := m["confirm"]; ok {
		c.confirm(cf, p+"/confirm")
	}
	switch t {
	case "button", "workflow_button":
		c.text(m["text"], p+"/text", true, 75)
		c.str(m, "value", p, 2000)
		c.str(m, "url", p, 3000)
		c.str(m, "accessibility_label", p, 75)
		if st, ok := m["style"]; ok && st != "primary" && st != "danger" {
			c.fail(p+"/style", "must be a valid enum value")
		}
	case "static_select", "multi_static_select":
		opts, hasOpts := m["options"]
		groups, hasGroups := m["option_groups"]
		switch {
		case hasOpts:
			c.options(opts, p+"/options", 1, 100, false)
		case hasGroups:
			arr, _ := groups.([]any)
			if len(arr) == 0 || len(arr) > 100 {
				c.fail(p+"/option_groups", "must provide between 1 and 100 items")
			}
			for i, g := range arr {
				gm, _ := g.(map[string]any)
				gp := fmt.Sprintf("%s/option_groups/%d", p, i)
				c.text(gm["label"], gp+"/label", true, 75)
				c.options(gm["options"], gp+"/options", 1, 100, false)
			}
		default:
			c.fail(p, "must provide either options or option_groups")
		}
	case "overflow":
		c.options(m["options"], p+"/options", 1, 5, false)
	case "checkboxes", "radio_buttons":
		c.options(m["options"], p+"/options", 1, 10, true)
	case "plain_text_input":
		c.str(m, "initial_value", p, 3000)
	}
}

func (c *bkCtx) options(v any, p string, minN, maxN int, mrkdwnOK bool) {
	arr, ok := v.([]any)
	if !ok {
		c.fail(p, "must be an array")
		return
	}
	if len(arr) < minN {
		c.fail(p, "must provide at least %d item(s)", minN)
	}
	if len(arr) > maxN {
		c.fail(p, "no more than %d items allowed", maxN)
	}
	for i, o := range arr {
		op := fmt.Sprintf("%s/%d", p, i)
		m, ok := o.(map[string]any)
		if !ok {
			c.fail(op, "must be an object")
			continue
		}
		c.text(m["text"], op+"/text", !mrkdwnOK, 75)
		if _, ok := m["value"].(string); !ok {
			c.fail(op+"/value", "missing required field: value")
		}
		c.str(m, "value", op, 150)
		if d, ok := m["description"]; ok {
			c.text(d, op+"/description", !mrkdwnOK, 75)
		}
	}
}

func (c *bkCtx) confirm(v any, p string) {
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(p, "must be an object")
		return
	}
	c.text(m["title"], p+"/title", true, 100)
	c.text(m["text"], p+"/text", false, 300)
	c.text(m["confirm"], p+"/confirm", true, 30)
	c.text(m["deny"], p+"/deny", true, 30)
}

// normalizeView validates a view object (want is "modal", "home", or "" for
// either) and fills generated ids into its blocks.
func normalizeView(v any, want string) (map[string]any, []bkErr) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, []bkErr{{"must be an object", "/view"}}
	}
	var errs []bkErr
	fail := func(ptr, format string, args ...any) {
		errs = append(errs, bkErr{fmt.Sprintf(format, args...), ptr})
	}
	t, _ := m["type"].(string)
	if t != "modal" && t != "home" || (want != "" && t != want) {
		fail("/view/type", "must be a valid enum value")
		return nil, errs
	}
	surf := surfHome
	if t == "modal" {
		surf = surfModal
	}
	blocks, ok := m["blocks"]
	if !ok || blocks == nil {
		fail("/view/blocks", "missing required field: blocks")
		return nil, errs
	}
	arr, bc := normalizeBlocks(blocks, surf, "/view/blocks")
	errs = append(errs, bc.errs...)
	m["blocks"] = arr
	vc := &bkCtx{}
	if t == "modal" {
		vc.text(m["title"], "/view/title", true, maxModalTitleLen)
		for _, k := range []string{"close", "submit"} {
			if x, ok := m[k]; ok && x != nil {
				vc.text(x, "/view/"+k, true, maxModalTitleLen)
			}
		}
		if bc.hasInput && m["submit"] == nil {
			vc.fail("/view", "must provide a submit property when using input blocks")
		}
	}
	vc.str(m, "private_metadata", "/view", maxPrivateMetaLen)
	vc.str(m, "callback_id", "/view", maxIDLen)
	vc.str(m, "external_id", "/view", maxIDLen)
	errs = append(errs, vc.errs...)
	return m, errs
}

// blocksArg validates a message's blocks argument. It returns nil blocks
// (and no error) when the argument is absent; present reports whether it was
// given (an empty array counts, so chat.update can clear blocks).
func blocksArg(q *apiReq) (blocks json.RawMessage, present bool, e *apiErr) {
	v, ok, err := q.jsonArg("blocks")
	if err != nil {
		return nil, true, errf("invalid_blocks_format", "[ERROR] blocks must be a JSON array")
	}
	if !ok {
		return nil, false, nil
	}
	arr, c := normalizeBlocks(v, surfMessage, "/blocks")
	if len(c.errs) > 0 {
		return nil, true, bkAPIErr("invalid_blocks", c.errs)
	}
	if len(arr) == 0 {
		return nil, true, nil
	}
	return mustJSON(arr), true, nil
}

func bkAPIErr(code string, errs []bkErr) *apiErr {
	e := &apiErr{code: code, extra: map[string]any{}}
	var bare []string
	for _, x := range errs {
		e.messages = append(e.messages, x.message())
		bare = append(bare, x.bare())
	}
	if code == "invalid_blocks" {
		e.extra["errors"] = bare
	}
	return e
}

var emojiName = regexp.MustCompile(`^[a-z0-9_+'\-]+(::skin-tone-[2-6])?$`)
