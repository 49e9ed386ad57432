package slackfake

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

//go:generate go run ./internal/specgen -spec ../../../shared/slack/web-api-openapi-v2.json -tiers ../../../shared/slack/rate-limit-tiers.json -out spec_methods.json

//go:embed spec_methods.json
var specJSON []byte

// specMethod is one method of the embedded table generated from Slack's spec.
type specMethod struct {
	Args     []string `json:"args"`
	Required []string `json:"required"`
	Errors   []string `json:"errors"`
	Tier     string   `json:"tier"`
}

type specTable struct {
	Source  string                 `json:"source"`
	Methods map[string]*specMethod `json:"methods"`
}

// spec is the parsed embedded table; it panics at init if the file is corrupt,
// which only a bad regeneration can cause.
var spec = func() *specTable {
	var t specTable
	if err := json.Unmarshal(specJSON, &t); err != nil {
		panic(fmt.Sprintf("slackfake: corrupt spec_methods.json: %v", err))
	}
	return &t
}()

// newerArgs lists arguments Slack accepts today that the October 2020 spec
// lacks, plus the ones slack-go v0.35.0 sends on its own for these methods
// (users.info "users" from GetUsersInfo, users.list "team_id", reactions.add
// "file"/"file_comment", views.open "interactivity_pointer").
var newerArgs = map[string][]string{
	"chat.postMessage":      {"metadata", "markdown_text"},
	"chat.postEphemeral":    {"markdown_text"},
	"chat.update":           {"metadata", "markdown_text", "file_ids", "reply_broadcast"},
	"conversations.open":    {"prevent_creation"},
	"conversations.history": {"include_all_metadata"},
	"conversations.replies": {"include_all_metadata"},
	"users.info":            {"users"},
	"users.list":            {"team_id"},
	"reactions.add":         {"file", "file_comment"},
	"views.open":            {"interactivity_pointer"},
	"views.push":            {"interactivity_pointer"},

	"files.getUploadURLExternal":   {"filename", "length", "alt_txt", "snippet_type"},
	"files.completeUploadExternal": {"files", "channel_id", "channels", "initial_comment", "thread_ts", "blocks"},
}

// msgOptionArgs are the form fields slack-go's MsgOption helpers can put on any
// chat.* call. Slack ignores the ones a method does not define; the emulator
// accepts them too but answers with a warning in response_metadata.warnings
// (slack-go surfaces those through OptionOnWarning), so a typo elsewhere is
// still rejected with invalid_arg_name.
var msgOptionArgs = []string{
	"as_user", "attachments", "blocks", "file_ids", "icon_emoji", "icon_url",
	"link_names", "markdown_text", "metadata", "mrkdwn", "parse", "reply_broadcast",
	"text", "thread_ts", "unfurl_links", "unfurl_media", "user", "username",
}

// argClass says how the emulator treats an argument name for a method.
type argClass int

const (
	argUnknown   argClass = iota // rejected with invalid_arg_name
	argKnown                     // documented (spec or newer docs)
	argTolerated                 // sent by slack-go helpers, ignored by Slack: accepted with a warning
)

func classifyArg(method, name string) argClass {
	if name == "token" {
		return argKnown
	}
	if m := spec.Methods[method]; m != nil && slices.Contains(m.Args, name) {
		return argKnown
	}
	if slices.Contains(newerArgs[method], name) {
		return argKnown
	}
	switch method {
	case "chat.postMessage", "chat.postEphemeral", "chat.update":
		if slices.Contains(msgOptionArgs, name) {
			return argTolerated
		}
	}
	return argUnknown
}

// SpecSource describes where the embedded method table came from.
func SpecSource() string { return spec.Source }

// KnownMethod reports whether Slack's published spec (or the tier list) knows
// the method, whether or not the emulator implements it.
func KnownMethod(method string) bool { return spec.Methods[method] != nil || newerMethods[method] }

// newerMethods are Slack methods newer than the October 2020 spec (2024's file upload flow, both
// Tier 4 as LimitFor assumes for methods the tier list lacks).
var newerMethods = map[string]bool{"files.getUploadURLExternal": true, "files.completeUploadExternal": true}
