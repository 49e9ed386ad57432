package slackfake

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Entry is one thing the workspace saw. Kind is "command" (something a
// simulated person did), "message", "ephemeral", "home", "modal",
// "reaction", "fault" or "api-error". Who acted, Where it happened ("#general",
// "DM with ana", "Home tab of raj", "modal for raj"), Text is what people see,
// Block Kit rendered to plain text with names instead of ids.
type Entry struct {
	At                     time.Time
	Who, Where, Kind, Text string

	To        string // the only person who sees it (ephemerals, Home tabs, modals)
	seq       uint64 // order of arrival
	Action    string // posted, updated, deleted, published, opened, pushed, closed, typed, clicked, submitted…
	UserID    string // the person acting or seeing it
	ChannelID string
	TS        string
	ViewID    string
}

// addEntryLocked records e. An answer through a response_url is shown right under the command or
// click that handed the URL out (and its earlier answers), whatever else happened meanwhile: the
// app answers a command while its other messages are delivered in parallel, and a transcript in
// arrival order would differ from run to run.
func (s *Server) addEntryLocked(e Entry) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	s.entrySeq++
	e.seq = s.entrySeq
	if e.Kind == "command" {
		for _, h := range s.unanchored {
			h.after = e.seq
		}
		s.unanchored = nil
	}
	at := len(s.entries)
	if s.placeAfter != 0 {
		for i := len(s.entries) - 1; i >= 0; i-- {
			if s.entries[i].seq == s.placeAfter {
				at = i + 1
				break
			}
		}
		s.placeAfter = e.seq
	}
	s.entries = slices.Insert(s.entries, at, e)
}

func (s *Server) messageEntryLocked(c *channel, m *message, action string) {
	where := s.placeLocked(c.id)
	if m.threadTS != "" && m.threadTS != m.ts {
		where += " (thread)"
	}
	text := s.renderForLocked(s.channelReadersLocked(c), func() string { return s.renderMessageLocked(m) })
	if action == "deleted" {
		text = "“" + snippet(text, 60) + "”"
	}
	s.addEntryLocked(Entry{Kind: "message", Who: s.userNameLocked(m.user), Where: where, Action: action,
		ChannelID: c.id, TS: m.ts, Text: text})
}

func (s *Server) ephemeralEntryLocked(m *message, action string) {
	name := s.userNameLocked(m.forUser)
	s.addEntryLocked(Entry{Kind: "ephemeral", Who: s.userNameLocked(m.user), Where: s.placeLocked(m.channel), To: name,
		Action: action, UserID: m.forUser, ChannelID: m.channel, TS: m.ts,
		Text: s.renderForLocked([]string{m.forUser}, func() string { return s.renderMessageLocked(m) })})
}

// Transcript returns everything the workspace saw so far, oldest first.
func (s *Server) Transcript() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Entry(nil), s.entries...)
}

// RecordNote adds a free-form line to the transcript (e.g. a demo's
// narration); it prints as "-- text".
func (s *Server) RecordNote(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addEntryLocked(Entry{Kind: "note", Text: text})
}

// WriteTranscript writes the transcript as people would read it: who sees
// what, where, with Block Kit rendered as text (headers, sections, context,
// dividers as rules, buttons as [ Label ], inputs as "Label: ____").
// Identical consecutive error lines are collapsed with a count.
func (s *Server) WriteTranscript(w io.Writer) error {
	var prev string
	repeat := 0
	flush := func() error {
		if prev == "" {
			return nil
		}
		line := prev
		if repeat > 1 {
			line += fmt.Sprintf("  (×%d)", repeat)
		}
		_, err := io.WriteString(w, line+"\n")
		return err
	}
	for _, e := range s.Transcript() {
		line := FormatEntry(e)
		if line == prev && (e.Kind == "api-error" || e.Kind == "fault") {
			repeat++
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		prev, repeat = line, 1
	}
	return flush()
}

// FormatEntry renders one transcript entry the way WriteTranscript does.
func FormatEntry(e Entry) string {
	var head string
	switch e.Kind {
	case "command":
		if e.Action == "typed" {
			head = fmt.Sprintf("%s  @%s: %s", e.Where, e.Who, e.Text)
		} else {
			head = fmt.Sprintf("%s  @%s %s", e.Where, e.Who, e.Text)
		}
		return head
	case "message":
		switch e.Action {
		case "updated":
			head = fmt.Sprintf("%s  @%s (edited):", e.Where, e.Who)
		case "deleted":
			return fmt.Sprintf("%s  @%s deleted %s", e.Where, e.Who, e.Text)
		default:
			head = fmt.Sprintf("%s  @%s:", e.Where, e.Who)
		}
	case "ephemeral":
		verb := ""
		switch e.Action {
		case "updated":
			verb = ", edited"
		case "deleted":
			return fmt.Sprintf("%s  @%s (only visible to %s) removed a message", e.Where, e.Who, e.To)
		}
		head = fmt.Sprintf("%s  @%s (only visible to %s%s):", e.Where, e.Who, e.To, verb)
	case "home":
		head = fmt.Sprintf("%s (%s by @%s):", e.Where, e.Action, e.Who)
	case "modal":
		switch e.Action {
		case "errors":
			head = fmt.Sprintf("%s (field errors from @%s):", e.Where, e.Who)
		case "closed", "cleared":
			return fmt.Sprintf("%s (%s): %s", e.Where, e.Action, firstLine(e.Text))
		default:
			head = fmt.Sprintf("%s (%s by @%s):", e.Where, e.Action, e.Who)
		}
	case "reaction":
		return fmt.Sprintf("%s  @%s reacted %s", e.Where, e.Who, e.Text)
	case "fault":
		if e.To != "" {
			return fmt.Sprintf("%s  %s (only visible to %s): %s", e.Where, e.Who, e.To, e.Text)
		}
		return "!! fault: " + e.Text
	case "api-error":
		return "!! api error: " + e.Text
	case "note":
		return "-- " + e.Text
	default:
		head = fmt.Sprintf("%s  %s %s:", e.Where, e.Who, e.Kind)
	}
	body := strings.TrimRight(e.Text, "\n")
	if body == "" {
		return head
	}
	if !strings.Contains(body, "\n") && len(head)+len(body) < 100 {
		return head + " " + body
	}
	return head + "\n    " + strings.ReplaceAll(body, "\n", "\n    ")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// snippet is the first line of s cut to n runes.
func snippet(s string, n int) string {
	s = firstLine(s)
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
