package slackfake

import (
	"regexp"
	"strings"
)

// Block Kit → plain text, for the transcript.

var mrkdwnToken = regexp.MustCompile(`<([^<>]+)>`)

// plainLocked turns Slack mrkdwn into what a reader sees: mentions become
// @name / #channel, links "label (url)", and &amp; &lt; &gt; are unescaped.
func (s *Server) plainLocked(text string) string {
	out := mrkdwnToken.ReplaceAllStringFunc(text, func(tok string) string {
		inner := tok[1 : len(tok)-1]
		target, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(target, "@"):
			if hasLabel {
				return "@" + label
			}
			return "@" + s.userNameLocked(target[1:])
		case strings.HasPrefix(target, "#"):
			if hasLabel && label != "" {
				return "#" + label
			}
			if c := s.ws.channels[target[1:]]; c != nil && (c.kind == kindPublic || c.kind == kindPrivate) {
				return "#" + c.name
			}
			return "#" + target[1:]
		case strings.HasPrefix(target, "!subteam^"):
			if hasLabel {
				return label
			}
			return "@team"
		case strings.HasPrefix(target, "!date^"):
			return s.dateLocked(target, label, hasLabel)
		case strings.HasPrefix(target, "!"):
			return "@" + target[1:]
		case hasLabel:
			return label + " (" + strings.TrimPrefix(target, "mailto:") + ")"
		default:
			return strings.TrimPrefix(target, "mailto:")
		}
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(out)
}

// textOf returns a text object's text ("" for anything else).
func textOf(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["text"].(string)
	return s
}

func (s *Server) renderMessageLocked(m *message) string {
	var text string
	if len(m.blocks) > 0 {
		text = s.renderBlocksLocked(decodeBlocks(m.blocks))
	} else {
		text = s.plainLocked(m.text)
	}
	if len(m.files) > 0 {
		text = strings.TrimSpace(text + "\n" + renderFiles(m.files))
	}
	return text
}

// renderViewLocked renders a view as its owner sees it.
func (s *Server) renderViewLocked(v *view) string {
	if s.readers == nil && v.user != "" {
		return s.renderForLocked([]string{v.user}, func() string { return s.renderViewLocked(v) })
	}
	blocks, _ := v.body["blocks"].([]any)
	body := s.renderBlocksLocked(blocks)
	if v.typ() != "modal" {
		return body
	}
	var sb strings.Builder
	sb.WriteString("“" + textOf(v.body["title"]) + "”\n")
	if body != "" {
		sb.WriteString(body + "\n")
	}
	var buttons []string
	if c := textOf(v.body["close"]); c != "" {
		buttons = append(buttons, "[ "+c+" ]")
	} else {
		buttons = append(buttons, "[ Cancel ]")
	}
	if sub := textOf(v.body["submit"]); sub != "" {
		buttons = append(buttons, "[ "+sub+" ]")
	}
	sb.WriteString(strings.Join(buttons, "  "))
	return sb.String()
}

const rule = "────────────────────────────────"

func (s *Server) renderBlocksLocked(blocks []any) string {
	var lines []string
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		switch bm["type"] {
		case "header":
			lines = append(lines, "== "+textOf(bm["text"])+" ==")
		case "section":
			line := s.plainLocked(textOf(bm["text"]))
			if acc, ok := bm["accessory"].(map[string]any); ok {
				if line != "" {
					line += "  "
				}
				line += s.renderElementLocked(acc)
			}
			if line != "" {
				lines = append(lines, line)
			}
			if fields, ok := bm["fields"].([]any); ok {
				for _, f := range fields {
					lines = append(lines, "  "+s.plainLocked(textOf(f)))
				}
			}
		case "divider":
			lines = append(lines, rule)
		case "context":
			var parts []string
			els, _ := bm["elements"].([]any)
			for _, e := range els {
				em, _ := e.(map[string]any)
				if em["type"] == "image" {
					alt, _ := em["alt_text"].(string)
					parts = append(parts, "["+alt+"]")
				} else {
					parts = append(parts, s.plainLocked(textOf(em)))
				}
			}
			lines = append(lines, "› "+strings.Join(parts, " · "))
		case "actions":
			var parts []string
			els, _ := bm["elements"].([]any)
			for _, e := range els {
				em, _ := e.(map[string]any)
				parts = append(parts, s.renderElementLocked(em))
			}
			lines = append(lines, strings.Join(parts, "  "))
		case "input":
			label := textOf(bm["label"])
			if opt, _ := bm["optional"].(bool); opt {
				label += " (optional)"
			}
			el, _ := bm["element"].(map[string]any)
			lines = append(lines, label+": "+s.renderInputLocked(el))
			if h := textOf(bm["hint"]); h != "" {
				lines = append(lines, "  ("+h+")")
			}
		case "image":
			alt, _ := bm["alt_text"].(string)
			lines = append(lines, "[image: "+alt+"]")
		case "markdown":
			t, _ := bm["text"].(string)
			lines = append(lines, t)
		case "rich_text":
			lines = append(lines, s.richTextLocked(bm["elements"]))
		default:
			t, _ := bm["type"].(string)
			lines = append(lines, "["+t+"]")
		}
	}
	return strings.Join(lines, "\n")
}

func (s *Server) renderElementLocked(el map[string]any) string {
	t, _ := el["type"].(string)
	switch t {
	case "button", "workflow_button":
		return "[ " + textOf(el["text"]) + " ]"
	case "image":
		alt, _ := el["alt_text"].(string)
		return "[image: " + alt + "]"
	case "overflow":
		return "[ … ]"
	default:
		return s.renderInputLocked(el)
	}
}

// renderInputLocked shows an input element as an empty field, a dropdown,
// or option boxes, with its initial value when it has one.
func (s *Server) renderInputLocked(el map[string]any) string {
	t, _ := el["type"].(string)
	ph := textOf(el["placeholder"])
	switch t {
	case "plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input":
		if v, _ := el["initial_value"].(string); v != "" {
			return v
		}
		return "____"
	case "checkboxes", "radio_buttons":
		box, on := "( )", "(•)"
		if t == "checkboxes" {
			box, on = "[ ]", "[x]"
		}
		selected := map[any]bool{}
		if o, ok := el["initial_option"].(map[string]any); ok {
			selected[o["value"]] = true
		}
		if os, ok := el["initial_options"].([]any); ok {
			for _, o := range os {
				om, _ := o.(map[string]any)
				selected[om["value"]] = true
			}
		}
		var parts []string
		opts, _ := el["options"].([]any)
		for _, o := range opts {
			om, _ := o.(map[string]any)
			mark := box
			if selected[om["value"]] {
				mark = on
			}
			parts = append(parts, mark+" "+s.plainLocked(textOf(om["text"])))
		}
		return strings.Join(parts, "  ")
	case "datepicker":
		if d, _ := el["initial_date"].(string); d != "" {
			return "[ " + d + " ]"
		}
		return "[ yyyy-mm-dd ]"
	case "timepicker":
		if d, _ := el["initial_time"].(string); d != "" {
			return "[ " + d + " ]"
		}
		return "[ hh:mm ]"
	default:
		if o, ok := el["initial_option"].(map[string]any); ok {
			return "[ " + textOf(o["text"]) + " ▾ ]"
		}
		if u, _ := el["initial_user"].(string); u != "" {
			return "[ @" + s.userNameLocked(u) + " ▾ ]"
		}
		if ph == "" {
			ph = "Select"
		}
		return "[ " + ph + " ▾ ]"
	}
}

// richTextLocked flattens rich_text elements.
func (s *Server) richTextLocked(v any) string {
	var sb strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			switch x["type"] {
			case "text":
				t, _ := x["text"].(string)
				sb.WriteString(t)
			case "link":
				t, _ := x["text"].(string)
				u, _ := x["url"].(string)
				if t == "" {
					t = u
				}
				sb.WriteString(t)
			case "user":
				id, _ := x["user_id"].(string)
				sb.WriteString("@" + s.userNameLocked(id))
			case "channel":
				id, _ := x["channel_id"].(string)
				sb.WriteString(s.placeLocked(id))
			case "emoji":
				n, _ := x["name"].(string)
				sb.WriteString(":" + n + ":")
			default:
				walk(x["elements"])
				if x["type"] == "rich_text_section" || x["type"] == "rich_text_preformatted" || x["type"] == "rich_text_quote" {
					sb.WriteString("\n")
				}
			}
		}
	}
	walk(v)
	return strings.TrimRight(sb.String(), "\n")
}
